/**
 * Compiled ajv validators for policy files and policy test files. The JSON Schemas live in the
 * repository's `schema/` folder (editors use them too), so they are read from disk rather than
 * imported: the code runs from `src/` under vitest and from `dist/src/` when built.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { AnySchemaObject, ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** File name of the policy schema inside `schema/`. */
export const POLICY_SCHEMA_FILE = "policy-v1.schema.json";

/** File name of the policy test schema inside `schema/`. */
export const TEST_SCHEMA_FILE = "policy-test-v1.schema.json";

/**
 * Returns the absolute path of `schema/<name>`, found by walking up from `from` (default: this
 * module's folder) to the first directory that holds `schema/policy-v1.schema.json`.
 */
export function findSchemaFile(name: string, from: string = dirname(fileURLToPath(import.meta.url))): string {
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "schema", POLICY_SCHEMA_FILE))) {
      const file = join(dir, "schema", name);
      if (!existsSync(file)) throw new Error(`bot-policy: schema file '${file}' does not exist.`);
      return file;
    }
    // dirname of a root is the root itself: nothing above to try.
    if (dirname(dir) === dir) {
      throw new Error(`bot-policy: no 'schema/${POLICY_SCHEMA_FILE}' in '${start}' or any folder above it.`);
    }
  }
}

/** Reads and parses one JSON Schema from the repository's `schema/` folder. */
export function loadSchema(name: string): AnySchemaObject {
  return JSON.parse(readFileSync(findSchemaFile(name), "utf8")) as AnySchemaObject;
}

let ajv: Ajv2020 | undefined;
let policyValidator: ValidateFunction | undefined;
let testValidator: ValidateFunction | undefined;

/**
 * One shared ajv instance. `strict` refuses schema mistakes that would be silently ignored,
 * `allErrors` reports every problem in a file at once, and `verbose` adds `parentSchema` to
 * errors so diagnostics can list allowed keys and values (e.g. for "did you mean" hints).
 */
function schemaAjv(): Ajv2020 {
  if (ajv === undefined) {
    ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
    addFormats.default(ajv);
  }
  return ajv;
}

/** Returns the validator for policy files (`policies/*.yaml`), compiled once. */
export function compilePolicyValidator(): ValidateFunction {
  policyValidator ??= schemaAjv().compile(loadSchema(POLICY_SCHEMA_FILE));
  return policyValidator;
}

/** Returns the validator for policy test files (`policies/*.test.yaml`), compiled once. */
export function compileTestValidator(): ValidateFunction {
  testValidator ??= schemaAjv().compile(loadSchema(TEST_SCHEMA_FILE));
  return testValidator;
}

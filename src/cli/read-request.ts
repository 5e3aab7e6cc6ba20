import { readFileSync, statSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { parsePointer } from "../check/translate-schema-errors.js";
import { makeDiagnostic, uniqueDiagnostics, withHint, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { locate, parseYaml, type YamlSource } from "../load/parse-yaml.js";
import { compileTestValidator } from "../schema/policy-validators.js";
import { UsageError } from "./io.js";

/** Where the `request` of a test case sits in a test file; `eval` wraps its request the same way. */
const REQUEST_POINTER = "/cases/0/request";

/** The file name diagnostics use for a request given inline on the command line. */
const INLINE_REQUEST = "--request";

/** A request read from `--request`: the value, or diagnostics located in its text. */
export type ReadRequestResult = { request: Record<string, unknown> } | { diagnostics: Diagnostic[]; file: string; text: string };

/**
 * Reads `--request`: inline JSON, or the path of a file holding it. A path that is missing, a folder
 * or unreadable, and text that is not a JSON object, are usage errors. The object is then checked
 * with the same schema as a test case's `request` (the test validator itself, on a one-case test
 * document), and each schema error becomes a BP503 diagnostic located in the JSON text.
 */
export function readRequest(argument: string): ReadRequestResult {
  const inline = argument.trimStart().startsWith("{");
  const file = inline ? INLINE_REQUEST : argument;
  const text = inline ? argument : readRequestFile(argument);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${inline ? "--request" : `The request file '${argument}'`} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError("--request must be a JSON object of policy fields.");

  const validate = compileTestValidator();
  if (validate({ version: 1, cases: [{ name: "eval", request: value, expect: "pass" }] })) return { request: value as Record<string, unknown> };
  // JSON is YAML, so the YAML loader gives positions inside the JSON text. Where it cannot (a
  // duplicate key, say), the diagnostics still name the JSON path.
  const parsed = parseYaml(file, text);
  const diagnostics = requestErrors(validate.errors ?? []).map(({ error, path }) => describeError(error, path, value, parsed.source, file));
  return { diagnostics: uniqueDiagnostics(diagnostics), file, text };
}

function readRequestFile(path: string): string {
  let reason: string | undefined;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) reason = "it is a folder";
    else return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`--request takes a JSON object or the path of a file holding one; '${path}' is neither.`);
    reason = code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(error));
  }
  throw new UsageError(`Cannot read the request file '${path}': ${reason}.`);
}

/** The schema errors inside the request, with their paths relative to it; `anyOf` summaries dropped. */
function requestErrors(errors: readonly ErrorObject[]): Array<{ error: ErrorObject; path: Array<string | number> }> {
  return errors
    .filter((e) => (e.instancePath === REQUEST_POINTER || e.instancePath.startsWith(`${REQUEST_POINTER}/`)) && !["anyOf", "oneOf", "if"].includes(e.keyword))
    .map((error) => ({ error, path: parsePointer(error.instancePath.slice(REQUEST_POINTER.length)) }));
}

function describeError(error: ErrorObject, path: Array<string | number>, root: unknown, source: YamlSource | undefined, file: string): Diagnostic {
  const params = error.params as Record<string, unknown>;
  const at = (target: Array<string | number>, part: "key" | "value" = "value"): Location => (source ? locate(source, target, part) : { file, line: 1, column: 1 });
  const where = path.length === 0 ? "the request" : `'${formatPath(path)}'`;
  const value = valueAt(root, path);
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const detail = path.length === 0 ? `unknown request field '${field}'` : `unknown field '${field}' in ${where}`;
      return withHint(makeDiagnostic("BP503", at([...path, field], "key"), detail), didYouMean(field, known));
    }
    case "required":
      return makeDiagnostic("BP503", at(path, "key"), `${where} needs '${String(params.missingProperty)}'`);
    case "type":
      return makeDiagnostic("BP503", at(path), `${where} must be ${article(String(params.type))}, not ${shown(value)}`);
    case "enum":
      return makeDiagnostic("BP503", at(path), `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(", ")}, not ${shown(value)}`);
    case "const":
      return makeDiagnostic("BP503", at(path), `${where} must be '${String(params.allowedValue)}', not ${shown(value)}`);
    case "pattern":
    case "format":
      return makeDiagnostic("BP503", at(path), `${where} has a malformed value ${shown(value)}`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return makeDiagnostic("BP503", at(path), `${where} must be ${String(params.comparison)} ${String(params.limit)}, not ${shown(value)}`);
    case "minItems":
    case "minLength":
    case "minProperties":
      return makeDiagnostic("BP503", at(path), `${where} is too short (at least ${String(params.limit)})`);
    case "maxItems":
    case "maxLength":
    case "maxProperties":
      return makeDiagnostic("BP503", at(path), `${where} is too long (at most ${String(params.limit)})`);
    default:
      return makeDiagnostic("BP503", at(path), `${where} does not fit the request format ('${error.keyword}' in the test schema)`);
  }
}

function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

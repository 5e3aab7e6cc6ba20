import type { ValidateFunction } from "ajv";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { YamlSource } from "../load/parse-yaml.js";
import type { RawPolicy, RawTestFile } from "../model/raw-policy.js";
import { compilePolicyValidator, compileTestValidator } from "../schema/policy-validators.js";
import { translateSchemaErrors } from "./translate-schema-errors.js";

/** A policy file that passed the schema: its source (for positions) and its value. */
export interface CheckedPolicy {
  source: YamlSource;
  raw: RawPolicy;
}

/** A test file that passed its schema. */
export interface CheckedTestFile {
  source: YamlSource;
  raw: RawTestFile;
}

/** Checks parsed policy files against the policy schema; files with errors are left out. */
export function checkPolicySchema(sources: readonly YamlSource[]): { policies: CheckedPolicy[]; diagnostics: Diagnostic[] } {
  const { valid, diagnostics } = validateAll(sources, compilePolicyValidator());
  return { policies: valid.map((source) => ({ source, raw: source.value as RawPolicy })), diagnostics };
}

/** Checks parsed test files against the test schema; files with errors are left out. */
export function checkTestSchema(sources: readonly YamlSource[]): { tests: CheckedTestFile[]; diagnostics: Diagnostic[] } {
  const { valid, diagnostics } = validateAll(sources, compileTestValidator());
  return { tests: valid.map((source) => ({ source, raw: source.value as RawTestFile })), diagnostics };
}

function validateAll(sources: readonly YamlSource[], validate: ValidateFunction): { valid: YamlSource[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const valid: YamlSource[] = [];
  for (const source of sources) {
    if (validate(source.value)) valid.push(source);
    else diagnostics.push(...translateSchemaErrors(validate.errors ?? [], source, validate.schema as object));
  }
  return { valid, diagnostics };
}

import { readdirSync, readFileSync } from "node:fs";
import type { ValidateFunction } from "ajv";
import { join } from "node:path";
import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { translateSchemaErrors } from "../check/translate-schema-errors.js";
import type { CheckedPolicy } from "../lower/lower-policy.js";
import type { RawPolicy, RawTestFile } from "../model/raw-policy.js";
import { compilePolicyValidator, compileTestValidator } from "../schema/policy-validators.js";
import { parseYaml, type YamlSource } from "./parse-yaml.js";

/** The folder of policy files inside a project. */
export const POLICY_DIR = "policies";

/** Source texts by file name, for printing source lines under diagnostics. */
export type SourceTexts = Map<string, string>;

/** Lists the policy files (`*.yaml`, `*.yml`, not tests) of a project, sorted, relative to it. */
export function listPolicyFiles(dir: string): string[] {
  return listYaml(dir).filter((f) => !isTestFile(f));
}

/** Lists the policy test files (`*.test.yaml`) of a project, sorted, relative to it. */
export function listTestFiles(dir: string): string[] {
  return listYaml(dir).filter(isTestFile);
}

function isTestFile(file: string): boolean {
  return /\.test\.ya?ml$/.test(file);
}

function listYaml(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, POLICY_DIR));
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => `${POLICY_DIR}/${n}`);
}

/** Reads and parses one YAML file of the project; unreadable files become a diagnostic. */
export function readYamlFile(dir: string, file: string, sources: SourceTexts): { source?: YamlSource; diagnostics: Diagnostic[] } {
  let text: string;
  try {
    text = readFileSync(join(dir, file), "utf8");
  } catch (error) {
    return { diagnostics: [makeDiagnostic("BP104", { file, line: 1, column: 1 }, (error as NodeJS.ErrnoException).code ?? String(error))] };
  }
  sources.set(file, text);
  return parseYaml(file, text);
}

/**
 * Loads every policy file of a project and checks it against the policy schema. Files with
 * errors are left out of `policies`; their diagnostics explain why.
 */
export function loadPolicies(dir: string, sources: SourceTexts = new Map()): { policies: CheckedPolicy[]; sources: SourceTexts; diagnostics: Diagnostic[] } {
  const files = listPolicyFiles(dir);
  if (files.length === 0) return { policies: [], sources, diagnostics: [makeDiagnostic("BP105", { file: POLICY_DIR, line: 1, column: 1 }, POLICY_DIR)] };
  const { valid, diagnostics } = readValidated(dir, files, compilePolicyValidator(), sources);
  return { policies: valid.map((source) => ({ source, raw: source.value as RawPolicy })), sources, diagnostics };
}

/** A test file that passed its schema. */
export interface CheckedTestFile {
  source: YamlSource;
  raw: RawTestFile;
}

/** Loads test files (all of the project's, or the given ones) and checks them against the test schema. */
export function loadTestFiles(dir: string, files: readonly string[], sources: SourceTexts): { tests: CheckedTestFile[]; diagnostics: Diagnostic[] } {
  const { valid, diagnostics } = readValidated(dir, files, compileTestValidator(), sources);
  return { tests: valid.map((source) => ({ source, raw: source.value as RawTestFile })), diagnostics };
}

/** Reads YAML files and checks each against a schema; only files without errors are returned. */
function readValidated(dir: string, files: readonly string[], validate: ValidateFunction, sources: SourceTexts): { valid: YamlSource[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const valid: YamlSource[] = [];
  for (const file of files) {
    const { source, diagnostics: found } = readYamlFile(dir, file, sources);
    diagnostics.push(...found);
    if (!source) continue;
    if (validate(source.value)) valid.push(source);
    else diagnostics.push(...translateSchemaErrors(validate.errors ?? [], source, validate.schema as object));
  }
  return { valid, diagnostics };
}

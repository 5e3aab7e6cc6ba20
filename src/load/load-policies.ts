import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectFiles } from "../model/project.js";
import { parseYaml, type YamlSource } from "./parse-yaml.js";

/** The folder of policy files inside a project. */
export const POLICY_DIR = "policies";

const POLICY_FILE = /^policies\/[^/]+\.ya?ml$/;
const TEST_FILE = /\.test\.ya?ml$/;

/** The policy files (`policies/*.yaml`, `*.yml`, not tests) among a project's files, sorted. */
export function policyFileNames(files: ProjectFiles): string[] {
  return [...files.keys()].filter((f) => POLICY_FILE.test(f) && !TEST_FILE.test(f)).sort();
}

/** The policy test files (`policies/*.test.yaml`) among a project's files, sorted. */
export function testFileNames(files: ProjectFiles): string[] {
  return [...files.keys()].filter((f) => POLICY_FILE.test(f) && TEST_FILE.test(f)).sort();
}

/** Parses the named files of a project; a name the project lacks is a diagnostic. */
export function parseProjectFiles(files: ProjectFiles, names: readonly string[]): { sources: YamlSource[]; diagnostics: Diagnostic[] } {
  const sources: YamlSource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of names) {
    const text = files.get(file);
    if (text === undefined) {
      diagnostics.push(makeDiagnostic("BP104", { file, line: 1, column: 1 }, "no such file in the project"));
      continue;
    }
    const parsed = parseYaml(file, text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.source) sources.push(parsed.source);
  }
  return { sources, diagnostics };
}

/** Parses every policy file of a project; no policy file at all is an error. */
export function loadPolicies(files: ProjectFiles): { sources: YamlSource[]; diagnostics: Diagnostic[] } {
  const names = policyFileNames(files);
  if (names.length === 0) return { sources: [], diagnostics: [makeDiagnostic("BP105", { file: POLICY_DIR, line: 1, column: 1 }, POLICY_DIR)] };
  return parseProjectFiles(files, names);
}

import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CheckedTestFile } from "../check/check-schema.js";
import { compileZoneProgram, decide, type Decision, type ZoneProgram } from "../evaluate/decide.js";
import { requestFields } from "../evaluate/request-fields.js";
import { locate } from "../load/parse-yaml.js";
import type { PolicyIR } from "../model/policy-ir.js";
import type { ZonePlan } from "../model/zone-plan.js";

/** The outcome of one test case in one zone. */
export interface CaseResult {
  file: string;
  line: number;
  name: string;
  zone: string;
  passed: boolean;
  expected: { action: string; rule?: string };
  actual?: Decision;
}

/** Which of a zone's rules some case made match (decided or logged). */
export interface ZoneCoverage {
  zone: string;
  rules: string[];
  exercised: string[];
  missed: string[];
}

/** Everything `bot-policy test` reports. */
export interface TestReport {
  cases: CaseResult[];
  coverage: ZoneCoverage[];
  diagnostics: Diagnostic[];
}

/** Compiled plans of a project, by stack name ("" for none), which the runner asks for as needed. */
export type PlanSource = (stack: string | undefined) => { ok: true; plans: ZonePlan[]; policies: PolicyIR[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Runs test files against compiled zones. A file runs against its `zone:`, else the zones of the
 * policy file with the same name; with `stack:`, that stack's config applies. Each case must get
 * the expected action (and rule, when given) in every zone it runs in.
 */
export function runPolicyTests(tests: readonly CheckedTestFile[], compiled: PlanSource): TestReport {
  const report: TestReport = { cases: [], coverage: [], diagnostics: [] };
  const programs = new Map<string, ZoneProgram>();
  const hits = new Map<string, { rules: string[]; exercised: Set<string> }>();

  for (const { source, raw } of tests) {
    const project = compiled(raw.stack);
    if (!project.ok) {
      report.diagnostics.push(...project.diagnostics);
      continue;
    }
    const zones = raw.zone !== undefined ? [raw.zone] : zonesOfPolicyFile(source.file, project.policies);
    const at = locate(source, raw.zone !== undefined ? ["zone"] : []);
    if (zones.length === 0) {
      report.diagnostics.push(makeDiagnostic("BP502", at, `No zone to test: '${source.file}' sets no 'zone:' and no policy file of the same name names a zone.`));
      continue;
    }
    for (const zone of zones) {
      const plan = project.plans.find((p) => p.zone === zone);
      if (!plan) {
        report.diagnostics.push(makeDiagnostic("BP502", at, `Zone '${zone}' has no compiled rules${raw.stack ? ` in stack '${raw.stack}'` : ""}.`));
        continue;
      }
      const key = `${raw.stack ?? ""}/${zone}`;
      let program = programs.get(key);
      if (!program) {
        program = compileZoneProgram(plan);
        programs.set(key, program);
        hits.set(zone, hits.get(zone) ?? { rules: zoneRules(project.policies, zone), exercised: new Set() });
      }
      raw.cases.forEach((testCase, index) => {
        const caseAt = locate(source, ["cases", index], "key");
        const expected = typeof testCase.expect === "string" ? { action: testCase.expect } : testCase.expect;
        const converted = requestFields(testCase.request);
        if ("error" in converted) {
          report.diagnostics.push(makeDiagnostic("BP503", locate(source, ["cases", index, "request"]), converted.error));
          return;
        }
        const actual = decide(program, converted.fields);
        const coverage = hits.get(zone)!;
        if (actual.rule) coverage.exercised.add(actual.rule);
        for (const ref of actual.logged) coverage.exercised.add(ref);
        const passed = actual.action === expected.action && (expected.rule === undefined || actual.rule === expected.rule);
        report.cases.push({ file: source.file, line: caseAt.line, name: testCase.name, zone, passed, expected, actual });
        if (!passed) {
          report.diagnostics.push(makeDiagnostic("BP501", caseAt, testCase.name, describeMismatch(expected, actual, zones.length > 1 ? zone : undefined)));
        }
      });
    }
  }
  for (const [zone, { rules, exercised }] of [...hits].sort(([a], [b]) => (a < b ? -1 : 1))) {
    report.coverage.push({ zone, rules, exercised: rules.filter((r) => exercised.has(r)), missed: rules.filter((r) => !exercised.has(r)) });
  }
  return report;
}

function zonesOfPolicyFile(testFile: string, policies: readonly PolicyIR[]): string[] {
  const policyFile = testFile.replace(/\.test\.(ya?ml)$/, ".$1");
  return policies.find((p) => p.source.file === policyFile)?.zones ?? [];
}

function zoneRules(policies: readonly PolicyIR[], zone: string): string[] {
  return policies.filter((p) => p.zones.includes(zone)).flatMap((p) => p.rules.filter((r) => r.enabled).map((r) => r.ref));
}

function describeMismatch(expected: { action: string; rule?: string }, actual: Decision, zone: string | undefined): string {
  const want = expected.rule ? `${expected.action} by '${expected.rule}'` : `'${expected.action}'`;
  const got = actual.rule ? `${actual.action} by '${actual.rule}'` : `'${actual.action}'`;
  return `expected ${want}, got ${got}${zone ? ` in zone '${zone}'` : ""}`;
}

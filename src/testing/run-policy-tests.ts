import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CheckedTestFile } from "../check/check-schema.js";
import { compileZoneProgram, decideRequest, type Decision, type ZoneProgram } from "../evaluate/decide.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import { requestFields } from "../evaluate/request-fields.js";
import { unseenLists } from "../evaluate/unseen-lists.js";
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

/** One case ready to decide in one zone: where it is, what it expects, and the zone's compiled rules. */
export interface PreparedCase {
  file: string;
  line: number;
  column: number;
  name: string;
  zone: string;
  /** The test file's `stack:`, if any. */
  stack: string | undefined;
  expected: { action: string; rule?: string };
  /** The request as the test file gives it (policy field names). */
  request: Record<string, unknown>;
  fields: FieldValues;
  plan: ZonePlan;
  program: ZoneProgram;
  /** The case runs in several zones: failures name the zone. */
  inSeveralZones: boolean;
}

/** Every case of the test files, in order, with the diagnostics found on the way and the zones' rules. */
export interface PreparedTests {
  cases: PreparedCase[];
  /** Each zone's enabled policy rules, for coverage. */
  zoneRules: Map<string, string[]>;
  diagnostics: Diagnostic[];
}

/**
 * Runs test files against compiled zones. A file runs against its `zone:`, else the zones of the
 * policy file with the same name; with `stack:`, that stack's config applies. Each case must get
 * the expected action (and rule, when given) in every zone it runs in.
 */
export function runPolicyTests(tests: readonly CheckedTestFile[], compiled: PlanSource): TestReport {
  const prepared = prepareTestCases(tests, compiled);
  return reportTestCases(prepared, prepared.cases.map((c) => decideRequest(c.program, c.fields)));
}

/** Resolves each test file's zones and stack, compiles each zone once, and reads each case's request. */
export function prepareTestCases(tests: readonly CheckedTestFile[], compiled: PlanSource): PreparedTests {
  const prepared: PreparedTests = { cases: [], zoneRules: new Map(), diagnostics: [] };
  const programs = new Map<string, ZoneProgram>();

  for (const { source, raw } of tests) {
    const project = compiled(raw.stack);
    if (!project.ok) {
      prepared.diagnostics.push(...project.diagnostics);
      continue;
    }
    const zones = raw.zone !== undefined ? [raw.zone] : zonesOfPolicyFile(source.file, project.policies);
    const at = locate(source, raw.zone !== undefined ? ["zone"] : []);
    if (zones.length === 0) {
      prepared.diagnostics.push(makeDiagnostic("BP502", at, `No zone to test: '${source.file}' sets no 'zone:' and no policy file of the same name names a zone.`));
      continue;
    }
    for (const zone of zones) {
      const plan = project.plans.find((p) => p.zone === zone);
      if (!plan) {
        prepared.diagnostics.push(makeDiagnostic("BP502", at, `Zone '${zone}' has no compiled rules${raw.stack ? ` in stack '${raw.stack}'` : ""}.`));
        continue;
      }
      const key = `${raw.stack ?? ""}/${zone}`;
      let program = programs.get(key);
      if (!program) {
        program = compileZoneProgram(plan);
        programs.set(key, program);
        if (!prepared.zoneRules.has(zone)) prepared.zoneRules.set(zone, zoneRules(project.policies, zone));
      }
      raw.cases.forEach((testCase, index) => {
        const caseAt = locate(source, ["cases", index], "key");
        const expected = typeof testCase.expect === "string" ? { action: testCase.expect } : testCase.expect;
        const converted = requestFields(testCase.request);
        if ("error" in converted) {
          prepared.diagnostics.push(makeDiagnostic("BP503", locate(source, ["cases", index, "request"]), converted.error));
          return;
        }
        prepared.cases.push({
          file: source.file,
          line: caseAt.line,
          column: caseAt.column,
          name: testCase.name,
          zone,
          stack: raw.stack,
          expected,
          request: testCase.request,
          fields: converted.fields,
          plan,
          program,
          inSeveralZones: zones.length > 1,
        });
      });
    }
  }
  return prepared;
}

/**
 * The report of prepared cases given their decisions (one per case, in order): pass or fail, a
 * located failure per mismatch, and per-zone coverage. `notes` fail a case whatever its decision
 * (the runtime misbehaved) and are added to its failure; `where` only says where it was decided.
 */
export function reportTestCases(
  prepared: PreparedTests,
  decisions: readonly Decision[],
  notes: ReadonlyArray<string | undefined> = [],
  where: ReadonlyArray<string | undefined> = [],
): TestReport {
  const report: TestReport = { cases: [], coverage: [], diagnostics: [...prepared.diagnostics] };
  const exercised = new Map<string, Set<string>>();
  prepared.cases.forEach((c, index) => {
    const actual = decisions[index]!;
    const hits = exercised.get(c.zone) ?? new Set<string>();
    exercised.set(c.zone, hits);
    if (actual.rule) hits.add(actual.rule);
    for (const ref of actual.logged) hits.add(ref);
    const note = notes[index];
    const passed = note === undefined && actual.action === c.expected.action && (c.expected.rule === undefined || actual.rule === c.expected.rule);
    report.cases.push({ file: c.file, line: c.line, name: c.name, zone: c.zone, passed, expected: c.expected, actual });
    // A case decided on a list the runner cannot see is not a certain pass: say so.
    const unseen = unseenLists(c.plan, c.fields, actual);
    if (unseen.length > 0) {
      const lists = unseen.map((name) => `'$${name}'`).join(", ");
      const example = unseen.map((name) => `${name}: true`).join(", ");
      report.diagnostics.push(
        withHint(
          makeDiagnostic("BP504", { file: c.file, line: c.line, column: c.column }, c.name, lists),
          `state the request's membership, e.g. request: { …, lists: { ${example} } }`,
        ),
      );
    }
    if (!passed) {
      const detail = `${describeMismatch(c.expected, actual, c.inSeveralZones ? c.zone : undefined)}${where[index] === undefined ? "" : ` (${where[index]})`}`;
      report.diagnostics.push(makeDiagnostic("BP501", { file: c.file, line: c.line, column: c.column }, c.name, note === undefined ? detail : `${detail}; ${note}`));
    }
  });
  for (const [zone, rules] of [...prepared.zoneRules].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const hits = exercised.get(zone) ?? new Set<string>();
    report.coverage.push({ zone, rules, exercised: rules.filter((r) => hits.has(r)), missed: rules.filter((r) => !hits.has(r)) });
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

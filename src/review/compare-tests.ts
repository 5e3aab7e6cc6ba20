import type { CheckedTestFile } from "../check/check-schema.js";
import { hasErrors } from "../diagnostics/catalog.js";
import type { CompiledProject } from "../model/project.js";
import { runPolicyTests, type CaseResult, type PlanSource } from "../testing/run-policy-tests.js";
import type { TestChange } from "./review-report.js";

/** A revision's compile for a stack (undefined: no stack), or undefined when it does not compile. */
export type CompileRevision = (stack: string | undefined) => CompiledProject | undefined;

/**
 * Runs the head's test cases against both revisions, compiled for `stack` (a test file's own
 * `stack:` wins; files written for another stack are left to that stack's review), and returns,
 * per zone, the cases whose decision (action or rule) differs. A case that cannot run in one
 * revision (its zone is missing there) is not a decision change and is left out.
 */
export function compareTests(tests: readonly CheckedTestFile[], stack: string | null, base: CompileRevision, head: CompileRevision): Map<string, TestChange[]> {
  const chosen = tests.filter((t) => t.raw.stack === undefined || t.raw.stack === stack);
  const run = (compile: CompileRevision): Map<string, CaseResult> => {
    const source: PlanSource = (name) => {
      const compiled = compile(name ?? stack ?? undefined);
      if (!compiled || hasErrors(compiled.diagnostics)) return { ok: false, diagnostics: compiled?.diagnostics ?? [] };
      return { ok: true, plans: compiled.plans, policies: compiled.policies };
    };
    return new Map(runPolicyTests(chosen, source).cases.map((c) => [`${c.zone}\0${c.file}\0${c.line}`, c]));
  };
  const before = run(base);
  const after = run(head);
  const changes = new Map<string, TestChange[]>();
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was?.actual || !now.actual) continue;
    if (was.actual.action === now.actual.action && was.actual.rule === now.actual.rule) continue;
    const list = changes.get(now.zone) ?? [];
    list.push({ file: now.file, line: now.line, case: now.name, from: was.actual.action, to: now.actual.action, from_rule: was.actual.rule, to_rule: now.actual.rule });
    changes.set(now.zone, list);
  }
  return changes;
}

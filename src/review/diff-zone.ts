import type { PolicyIR, RuleIR } from "../model/policy-ir.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { printExpression } from "../rules/print-expression.js";
import type { QuotaChange, RuleAspect, RuleChange, RuleSummary, WorkerChange, ZoneReview } from "./review-report.js";

/** A change that removes more than this share of a zone's rules is a mass deletion. */
export const MASS_DELETE_SHARE = 0.3;

/** One zone as one revision compiles it: its plan and the policies it was compiled from. */
export interface RevisionZone {
  plan: ZonePlan;
  policies: readonly PolicyIR[];
}

/** A rule in its zone's evaluation order, with the mode its policy has in that zone. */
interface PlacedRule {
  rule: RuleIR;
  mode: "observe" | "enforce";
  condition: string;
}

/**
 * Compares one zone between two revisions in policy terms: rules added, removed and changed
 * (condition compared as canonical printed text, action, mode, order, enabled, stage), the Worker
 * and quota use. Sets, tests and traffic are filled in by their own steps.
 */
export function diffZone(zone: string, base: RevisionZone | null, head: RevisionZone | null): ZoneReview {
  const before = placedRules(base);
  const after = placedRules(head);
  const added = [...after.keys()].filter((ref) => !before.has(ref));
  const removed = [...before.keys()].filter((ref) => !after.has(ref));
  const moved = movedRules([...before.keys()].filter((ref) => after.has(ref)), [...after.keys()].filter((ref) => before.has(ref)));
  const changed: RuleChange[] = [];
  const details: Record<string, RuleSummary> = {};
  for (const ref of removed) details[ref] = summary(before.get(ref)!);
  for (const ref of added) details[ref] = summary(after.get(ref)!);
  for (const [ref, now] of after) {
    const was = before.get(ref);
    if (!was) continue;
    const what = ruleAspects(was, now, moved.has(ref));
    if (what.length === 0) continue;
    changed.push({ rule: ref, what, from: summary(was), to: summary(now) });
    details[ref] = summary(now);
  }
  const switched = (from: string, to: string): string[] => changed.filter((c) => c.from.mode === from && c.to.mode === to).map((c) => c.rule);
  return {
    zone,
    status: base === null ? "added" : head === null ? "removed" : "kept",
    rules: { added, removed, changed },
    rule_count: { base: before.size, head: after.size },
    enforce: switched("observe", "enforce"),
    observe: switched("enforce", "observe"),
    details,
    sets: [],
    worker: diffWorker(base?.plan, head?.plan),
    quota: {
      custom_rules: quotaChange(base?.plan.quota.customRules, head?.plan.quota.customRules),
      transform_rules: quotaChange(base?.plan.quota.transformRules, head?.plan.quota.transformRules),
    },
    tests: [],
    mass_delete: before.size > 0 && removed.length / before.size > MASS_DELETE_SHARE,
  };
}

/** The zone's rules in evaluation order (policies as the plan orders them), keyed by `<policy>/<rule>`. */
function placedRules(revision: RevisionZone | null): Map<string, PlacedRule> {
  const rules = new Map<string, PlacedRule>();
  if (!revision) return rules;
  for (const entry of revision.plan.policies) {
    const policy = revision.policies.find((p) => p.id === entry.id);
    for (const rule of policy?.rules ?? []) rules.set(rule.ref, { rule, mode: entry.mode, condition: printExpression(rule.condition) });
  }
  return rules;
}

function ruleAspects(was: PlacedRule, now: PlacedRule, moved: boolean): RuleAspect[] {
  const what: RuleAspect[] = [];
  if (was.condition !== now.condition) what.push("condition");
  if (was.rule.action !== now.rule.action) what.push("action");
  if (was.mode !== now.mode) what.push("mode");
  if (moved) what.push("order");
  if (was.rule.enabled !== now.rule.enabled) what.push("enabled");
  if (was.rule.stage !== now.rule.stage) what.push("stage");
  if (JSON.stringify(was.rule.response ?? null) !== JSON.stringify(now.rule.response ?? null)) what.push("response");
  if (JSON.stringify(was.rule.skip ?? null) !== JSON.stringify(now.rule.skip ?? null)) what.push("skip");
  return what;
}

/**
 * The rules whose place among the rules of both revisions changed: those outside a longest
 * common subsequence of the two orders, so moving one rule flags that rule, not every rule after it.
 */
function movedRules(before: readonly string[], after: readonly string[]): Set<string> {
  const n = before.length;
  const m = after.length;
  const table = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i]![j] = before[i] === after[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const kept = new Set<string>();
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (before[i] === after[j]) {
      kept.add(before[i]!);
      i += 1;
      j += 1;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) {
      i += 1;
    } else {
      j += 1;
    }
  }
  return new Set(after.filter((ref) => !kept.has(ref)));
}

function summary(placed: PlacedRule): RuleSummary {
  const { rule } = placed;
  return { action: rule.action, mode: placed.mode, enabled: rule.enabled, stage: rule.stage, at: `${rule.source.file}:${rule.source.line}:${rule.source.column}` };
}

function diffWorker(base: ZonePlan | undefined, head: ZonePlan | undefined): WorkerChange | null {
  const was = base?.worker;
  const now = head?.worker;
  if (!was && !now) return null;
  if (!was) return { change: "added", what: [] };
  if (!now) return { change: "removed", what: [] };
  const what: string[] = [];
  if (JSON.stringify(was.rules) !== JSON.stringify(now.rules)) what.push("rules");
  if (JSON.stringify(was.originHeaders) !== JSON.stringify(now.originHeaders)) what.push("origin headers");
  if (JSON.stringify(was.riskIntelligence ?? null) !== JSON.stringify(now.riskIntelligence ?? null)) what.push("risk intelligence");
  return what.length === 0 ? null : { change: "changed", what };
}

function quotaChange(base: { used: number; limit: number } | undefined, head: { used: number; limit: number } | undefined): QuotaChange {
  return { from: base?.used ?? 0, to: head?.used ?? 0, limit: head?.limit ?? base?.limit ?? 0 };
}

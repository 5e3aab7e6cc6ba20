import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ReplayAction } from "../simulate/simulation-report.js";

/** What `review` says changed about one rule (DESIGN.md "Machine-readable output"). */
export type RuleAspect = "condition" | "set items" | "action" | "mode" | "order" | "enabled" | "stage" | "response" | "skip";

/** A rule as a reviewer needs it: what it does, in which mode, and where it is written. */
export interface RuleSummary {
  action: string;
  mode: "observe" | "enforce";
  enabled: boolean;
  stage: "edge" | "worker";
  /** `file:line:col` of the rule in the revision it is read from. */
  at: string;
}

/** One rule present in both revisions whose enforcement differs. */
export interface RuleChange {
  rule: string;
  what: RuleAspect[];
  /** The condition as each revision writes it, when it changed (not through set items). */
  condition?: { from: string; to: string };
  from: RuleSummary;
  to: RuleSummary;
}

/** Items of one set that the change adds, removes, or that expire soon at the head. */
export interface SetChange {
  set: string;
  added: string[];
  removed: string[];
  expiring: Array<{ value: string; expires: string }>;
}

/** A test case of the head whose decision differs between the two compiles. */
export interface TestChange {
  file: string;
  line: number;
  case: string;
  from: string;
  to: string;
  from_rule: string | null;
  to_rule: string | null;
}

/** A group of replayed lines whose decision changes. */
export interface TrafficChange {
  from: ReplayAction;
  to: ReplayAction;
  rule: string | null;
  count: number;
}

/** Replayed decisions per rule, before and after, and the changes between them. */
export interface TrafficReview {
  eyeball: number;
  /** Lines that could not be read as a request (as `simulate` counts them). */
  malformed: number;
  changes: TrafficChange[];
  /** Lines each rule decided, at the base and at the head (0 where the rule does not exist). */
  rules: Array<{ rule: string; before: number; after: number }>;
}

/** How the Worker of a zone changes. */
export interface WorkerChange {
  change: "added" | "removed" | "changed";
  what: string[];
}

/** How much of a quota each revision uses. */
export interface QuotaChange {
  from: number;
  to: number;
  limit: number;
}

/** Everything that changes in one zone of one stack. */
export interface ZoneReview {
  zone: string;
  /** Whether the zone itself is new, gone, or in both revisions. */
  status: "added" | "removed" | "kept";
  rules: { added: string[]; removed: string[]; changed: RuleChange[] };
  /** Rules in each revision (the base count is what the mass-deletion threshold is measured on). */
  rule_count: { base: number; head: number };
  /** Rules that switch from observe to enforce, and back. */
  enforce: string[];
  observe: string[];
  /** Added and changed rules as the head has them, removed ones as the base had them. */
  details: Record<string, RuleSummary>;
  sets: SetChange[];
  worker: WorkerChange | null;
  quota: { custom_rules: QuotaChange; transform_rules: QuotaChange };
  tests: TestChange[];
  traffic?: TrafficReview;
  /** More than the threshold of the base's rules are removed. */
  mass_delete: boolean;
}

/** One stack's zones (stack null: the project has no stacks). */
export interface StackReview {
  stack: string | null;
  zones: ZoneReview[];
}

/** The whole review of a change (DESIGN.md "Review"). */
export interface ReviewReport {
  base: string;
  head: string;
  stacks: StackReview[];
  /** Guard findings (BP6xx) of the head, once each. */
  guards: Diagnostic[];
  mass_delete: boolean;
}

/** Whether a zone review holds anything a reviewer must look at. */
export function zoneChanged(zone: ZoneReview): boolean {
  return (
    zone.status !== "kept" ||
    zone.rules.added.length + zone.rules.removed.length + zone.rules.changed.length > 0 ||
    zone.sets.length > 0 ||
    zone.worker !== null ||
    zone.quota.custom_rules.from !== zone.quota.custom_rules.to ||
    zone.quota.transform_rules.from !== zone.quota.transform_rules.to ||
    zone.tests.length > 0 ||
    (zone.traffic?.changes.length ?? 0) > 0
  );
}

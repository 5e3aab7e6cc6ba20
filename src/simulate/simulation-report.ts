/**
 * What `simulate` reports, per zone: plain data whose JSON form is the contract of DESIGN.md
 * "Machine-readable output" (keys beyond it are additions the contract allows).
 */
import type { ValueCount } from "./count-top-values.js";

/** An action a decision can have in a replay: the decide function's actions, and `unknown`. */
export type ReplayAction = "pass" | "skip" | "block" | "managed_challenge" | "js_challenge" | "challenge" | "unknown";

/** Every replay action, in the order reports list them. */
export const REPLAY_ACTIONS: readonly ReplayAction[] = ["pass", "skip", "block", "managed_challenge", "js_challenge", "challenge", "unknown"];

/** Where a line was: the traffic file as named on the command line (`-` is `<stdin>`) and its 1-based line number. */
export interface LineRef {
  file: string;
  line: number;
}

/** One policy rule's counts over the replayed lines. */
export interface RuleCounts {
  /** `<policy>/<rule>`. */
  rule: string;
  /** What the rule does as compiled (observe mode shows `log`). */
  action: string;
  stage: "edge" | "worker";
  /** Lines whose condition is true. */
  matched: number;
  /** Lines this rule decided (the first terminating or skip match). */
  decided: number;
  /** Lines whose condition is unknown (it reads a field the line cannot tell). */
  unknown: number;
  /** Lines whose decision became unknown at this rule: nothing before it decided them. */
  undecided: number;
  /** Lines this rule logged (log actions and observe mode). */
  logged: number;
  /** For a rule that blocks or challenges: the JA4s, paths and ASNs of the lines it decided. */
  top?: { ja4: ValueCount[]; path: ValueCount[]; asn: ValueCount[]; approximate: boolean };
}

/** A sample line of a decision change. */
export interface ChangeSample {
  file: string;
  line: number;
  ray_id: string | null;
  path: string | null;
}

/** Lines whose decision differs at the base revision, grouped by old → new and rule. */
export interface DecisionChange {
  from: ReplayAction;
  to: ReplayAction;
  /** The rule that makes the change: the new deciding rule, or the old one when nothing decides now. */
  rule: string | null;
  from_rule: string | null;
  to_rule: string | null;
  count: number;
  samples: ChangeSample[];
}

/** A malformed line and why it could not be read. */
export interface MalformedLine extends LineRef {
  reason: string;
}

/** The replay of one zone. */
export interface ZoneSimulation {
  zone: string;
  /** Non-blank lines read: eyeball + subrequests + other_sources + malformed. */
  lines: number;
  eyeball: number;
  /** Worker subrequests (`WorkerSubrequest: true`): the same visit logged twice, skipped. */
  subrequests: number;
  /** Lines from another `ClientRequestSource` than a visitor (health checks, …), skipped. */
  other_sources: number;
  malformed: number;
  /** The first few malformed lines. */
  malformed_lines: MalformedLine[];
  /** In evaluation order: Cloudflare's custom rules, then the Worker's rules. */
  rules: RuleCounts[];
  decisions: Record<ReplayAction, number>;
  /** The revision compared against (`--base`), or null. */
  base: string | null;
  changes: DecisionChange[];
}

/** The whole report: `{ "zones": [...] }`. */
export interface SimulationReport {
  zones: ZoneSimulation[];
}

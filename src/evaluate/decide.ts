import type { Action } from "../model/policy-ir.js";
import type { WorkerPolicy, ZonePlan } from "../model/zone-plan.js";
import { compileEvaluator, type CompiledCondition, type FieldValues } from "../rules/compile-evaluator.js";
import { compileKleeneEvaluator, type KleeneCondition } from "../rules/compile-kleene-evaluator.js";
import type { Expr } from "../rules/ast.js";
import { parseExpression } from "../rules/parse-expression.js";
import { compileSlotProgram, type RuleSpec, type SlotProgram } from "./compile-slot-program.js";

/** What happens to one request in a zone (DESIGN.md "Command line"). */
export interface Decision {
  action: "pass" | "skip" | "block" | "managed_challenge" | "js_challenge" | "challenge";
  /** `<policy>/<rule-id>` of the deciding rule; null when the request passes. */
  rule: string | null;
  stage: "edge" | "worker" | null;
  /** Rules that matched and only logged (log actions, observe mode), in order. */
  logged: string[];
}

/**
 * A decision that depends on fields not known yet (three-valued evaluation): `rule` is the first
 * rule whose condition is unknown; nothing before it decided the request.
 */
export interface Undecided {
  action: "unknown";
  rule: string;
  stage: "edge" | "worker";
  /** Rules that matched and only logged before `rule`. */
  logged: string[];
}

/** One compiled rule of a zone, as the decide function runs it. */
interface ProgramRule<Condition = CompiledCondition> {
  /** The policy rule (`<policy>/<rule>`): split parts of one rule report the rule. */
  ref: string;
  action: Action;
  matches: Condition;
  /** A worker rule in observe mode: it only logs. */
  observe: boolean;
  /** An edge skip rule the Worker re-checks, because Cloudflare's skip cannot skip a Worker. */
  guard: boolean;
}

/** A zone's rules compiled once, for deciding many requests. */
export interface ZoneProgram {
  /** The custom rules Cloudflare runs, in order, compiled from their printed expressions. */
  edge: ProgramRule[];
  /** What the Worker runs after them: edge skip guards and worker rules, in policy order. */
  worker: ProgramRule[];
  /** When the Worker's rules read Risk Intelligence with `on_error: block`: its rules with `risk.*` unknown. */
  riskOnErrorBlock?: PartialZoneProgram;
  /** The same rules over field slots, which `decide` runs when present (absent for a zone that reads a custom list). */
  slots?: SlotProgram;
}

/** A zone's rules compiled three-valued, for requests where some fields are not known yet. */
export interface PartialZoneProgram {
  partial: true;
  edge: Array<ProgramRule<KleeneCondition>>;
  worker: Array<ProgramRule<KleeneCondition>>;
}

/** Where evaluation starts: at Cloudflare's rulesets, or inside the Worker (edge rules already ran). */
export type DecideFrom = "edge" | "worker";

/** The policy rule a Cloudflare rule came from: split parts (`ref#2`) report their rule. */
export function ruleOf(ref: string): string {
  const hash = ref.lastIndexOf("#");
  return hash < 0 ? ref : ref.slice(0, hash);
}

/**
 * Compiles a zone plan for `decide`. Edge rules are compiled from the expressions as printed, so
 * what is evaluated is exactly what Cloudflare receives. With `isUnknown`, every condition, edge
 * and Worker alike, is three-valued over those fields (a replay's logs lack some), and `decide`
 * may answer `unknown`.
 */
export function compileZoneProgram(plan: ZonePlan): ZoneProgram;
export function compileZoneProgram(plan: ZonePlan, isUnknown: (field: string) => boolean): PartialZoneProgram;
export function compileZoneProgram(plan: ZonePlan, isUnknown?: (field: string) => boolean): ZoneProgram | PartialZoneProgram {
  const edgeSpecs = plan.firewallCustom.rules.filter((r) => r.enabled).map((r) => edgeRuleSpec(plan, r));
  const workerSpecs = plan.worker ? plan.worker.rules.map(workerRuleSpec) : [];
  if (isUnknown) {
    const edge = edgeSpecs.map((spec) => programRule(spec, compileKleeneEvaluator(spec.condition, isUnknown)));
    return { partial: true, edge, worker: workerSpecs.map((spec) => programRule(spec, compileKleeneEvaluator(spec.condition, isUnknown))) };
  }
  const program = twoValuedProgram(edgeSpecs, workerSpecs);
  if (plan.worker?.riskIntelligence?.onError === "block") program.riskOnErrorBlock = compileWorkerProgram(plan.worker, isRiskField);
  return program;
}

/** The general program (closures over named fields) and, with it, the same rules over slots. */
function twoValuedProgram(edgeSpecs: readonly RuleSpec[], workerSpecs: readonly RuleSpec[]): ZoneProgram {
  const edge = edgeSpecs.map((spec) => programRule(spec, compileEvaluator(spec.condition)));
  const worker = workerSpecs.map((spec) => programRule(spec, compileEvaluator(spec.condition)));
  const slots = compileSlotProgram(edgeSpecs, workerSpecs);
  return slots === undefined ? { edge, worker } : { edge, worker, slots };
}

/** True for a Risk Intelligence field (`risk.…`). */
export function isRiskField(field: string): boolean {
  return field.startsWith("risk.");
}

function edgeRuleSpec(plan: ZonePlan, rule: ZonePlan["firewallCustom"]["rules"][number]): RuleSpec {
  // Decisions name the policy rule: an adopted ref (`ref:`) maps back through the plan's origins.
  const ref = plan.origins[rule.ref]?.rule ?? ruleOf(rule.ref);
  return { ref, action: rule.action as Action, condition: parsePrinted(rule.expression, rule.ref), observe: false, guard: false };
}

function programRule<Condition>(spec: RuleSpec, matches: Condition): ProgramRule<Condition> {
  return { ref: spec.ref, action: spec.action, matches, observe: spec.observe, guard: spec.guard };
}

/**
 * Compiles what the Worker runs: its policy's rules (edge skips it re-checks, then worker rules).
 * With `isUnknown`, the conditions are three-valued over those fields (e.g. `risk.*` before the
 * vendor is asked), and `decide` may answer `unknown`.
 */
export function compileWorkerProgram(policy: WorkerPolicy): ZoneProgram;
export function compileWorkerProgram(policy: WorkerPolicy, isUnknown: (field: string) => boolean): PartialZoneProgram;
export function compileWorkerProgram(policy: WorkerPolicy, isUnknown?: (field: string) => boolean): ZoneProgram | PartialZoneProgram {
  const specs = policy.rules.map(workerRuleSpec);
  if (isUnknown) return { partial: true, edge: [], worker: specs.map((spec) => programRule(spec, compileKleeneEvaluator(spec.condition, isUnknown))) };
  return twoValuedProgram([], specs);
}

function workerRuleSpec(rule: WorkerPolicy["rules"][number]): RuleSpec {
  return { ref: rule.ref, action: rule.action, condition: rule.condition, observe: rule.mode === "observe" && rule.stage === "worker", guard: rule.stage === "edge" };
}

/**
 * Decides one request: the one place that knows Cloudflare's order of evaluation. The custom
 * rules run first, in order (first terminating match wins, `log` records and goes on, `skip` ends
 * the ruleset); then, unless a rule terminated, the Worker runs its rules, re-checking the edge
 * skips. `from: "worker"` starts inside the Worker, as the deployed Worker does. A partial
 * (three-valued) program answers `unknown` at the first rule whose condition is unknown, unless
 * an earlier rule decided.
 */
export function decide(program: ZoneProgram, fields: FieldValues, from?: DecideFrom): Decision;
export function decide(program: PartialZoneProgram, fields: FieldValues, from?: DecideFrom): Decision | Undecided;
export function decide(program: ZoneProgram | PartialZoneProgram, fields: FieldValues, from: DecideFrom = "edge"): Decision | Undecided {
  const slots = "slots" in program ? program.slots : undefined;
  if (slots === undefined) return decideInOrder(program, fields, from);
  slots.load(fields);
  return slots.decision(slots.decide(from));
}

/**
 * `decide` over the general program, rule by rule over named fields: what the slot program must
 * agree with (the property tests compare them), and what a zone without one runs.
 */
export function decideInOrder(program: ZoneProgram, fields: FieldValues, from?: DecideFrom): Decision;
export function decideInOrder(program: PartialZoneProgram, fields: FieldValues, from?: DecideFrom): Decision | Undecided;
export function decideInOrder(program: ZoneProgram | PartialZoneProgram, fields: FieldValues, from?: DecideFrom): Decision | Undecided;
export function decideInOrder(program: ZoneProgram | PartialZoneProgram, fields: FieldValues, from: DecideFrom = "edge"): Decision | Undecided {
  const logged: string[] = [];
  let skipped: Decision | undefined;
  if (from === "edge") {
    for (const rule of program.edge) {
      const matched = rule.matches(fields);
      if (matched === "unknown") return { action: "unknown", rule: rule.ref, stage: "edge", logged };
      if (!matched) continue;
      if (rule.action === "log") {
        logged.push(rule.ref);
      } else if (rule.action === "skip") {
        skipped = { action: "skip", rule: rule.ref, stage: "edge", logged };
        break;
      } else {
        return { action: rule.action, rule: rule.ref, stage: "edge", logged };
      }
    }
  }
  if (program.worker.length === 0) return skipped ?? { action: "pass", rule: null, stage: null, logged };
  for (const rule of program.worker) {
    const matched = rule.matches(fields);
    if (matched === "unknown") return { action: "unknown", rule: rule.ref, stage: "worker", logged };
    if (!matched) continue;
    if (rule.guard) return skipped ?? { action: "skip", rule: rule.ref, stage: "edge", logged };
    if (rule.observe || rule.action === "log") {
      logged.push(rule.ref);
    } else {
      return { action: rule.action as Decision["action"], rule: rule.ref, stage: "worker", logged };
    }
  }
  return skipped ?? { action: "pass", rule: null, stage: null, logged };
}

/**
 * The decision when Risk Intelligence cannot be had for a request whose outcome depends on it
 * (`first` is the three-valued answer): `on_error: pass` decides as if the request had no risk
 * data (fail open, the vendor's advice); `block` lets the first rule that needed it block, unless
 * that rule only observes.
 */
export function decideOnError(program: ZoneProgram, first: Undecided, fields: FieldValues, onError: "pass" | "block", from: DecideFrom = "worker"): Decision {
  const withoutRisk = decide(program, fields, from);
  if (onError !== "block") return withoutRisk;
  const needing = program.worker.find((rule) => rule.ref === first.rule);
  const edgeLogged = from === "edge" ? decide({ edge: program.edge, worker: [] }, fields, "edge").logged : [];
  if (needing !== undefined && !needing.observe) return { action: "block", rule: first.rule, stage: "worker", logged: [...edgeLogged, ...first.logged] };
  return { ...withoutRisk, logged: [...new Set([...edgeLogged, ...first.logged, first.rule, ...withoutRisk.logged])] };
}

/**
 * Decides a request of a test or of `eval`, as the deployed zone would. A request without `risk`
 * data, in a zone whose Worker needs it with `on_error: block`, stands for one whose Risk
 * Intelligence could not be had (no token, the vendor down): `on_error` applies, as in the Worker.
 */
export function decideRequest(program: ZoneProgram, fields: FieldValues): Decision {
  const decision = decide(program, fields);
  const partial = program.riskOnErrorBlock;
  if (partial === undefined || Object.keys(fields).some(isRiskField)) return decision;
  // Cloudflare's rulesets decided before the Worker ran: its Risk Intelligence never mattered.
  if (decision.stage === "edge" && decision.action !== "skip") return decision;
  const first = decide(partial, fields, "worker");
  return first.action === "unknown" ? decideOnError(program, first, fields, "block", "edge") : decision;
}

function parsePrinted(expression: string, ref: string): Expr {
  const parsed = parseExpression(expression);
  // The compiler printed this expression; failing to read it back is a bug, not a user error.
  if (!parsed.ok) throw new Error(`bot-policy printed an expression it cannot parse for rule '${ref}': ${parsed.error.message}`);
  return parsed.expr;
}

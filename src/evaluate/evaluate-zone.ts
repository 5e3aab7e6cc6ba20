import type { Action } from "../model/policy-ir.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { compileEvaluator, type CompiledCondition, type FieldValues } from "../rules/compile-evaluator.js";
import { parseExpression } from "../rules/parse-expression.js";

/** What happens to one request in a zone (DESIGN.md "Command line"). */
export interface Decision {
  action: "pass" | "skip" | "block" | "managed_challenge" | "js_challenge" | "challenge";
  /** `<policy>/<rule-id>` of the deciding rule; null when the request passes. */
  rule: string | null;
  stage: "edge" | "worker" | null;
  /** Rules that matched and only logged (log actions, observe mode), in order. */
  logged: string[];
}

interface CompiledRule {
  ref: string;
  action: Action;
  matches: CompiledCondition;
  observe: boolean;
  guard: boolean;
}

/** A zone's rules compiled once, for evaluating many requests. */
export type ZoneEvaluator = (fields: FieldValues) => Decision;

/** The policy rule a Cloudflare rule came from: split parts (`ref#2`) report their rule. */
export function ruleOf(ref: string): string {
  const hash = ref.lastIndexOf("#");
  return hash < 0 ? ref : ref.slice(0, hash);
}

/**
 * Compiles a zone's artifacts into an evaluator that decides like Cloudflare: the custom rules
 * run first, in order, from their printed expressions (so what is evaluated is exactly what
 * Cloudflare receives); then, unless a rule terminated, the Worker runs its rules, re-checking
 * the edge skip rules because Cloudflare's skip cannot skip a Worker.
 */
export function compileZoneEvaluator(plan: ZonePlan): ZoneEvaluator {
  const edge: CompiledRule[] = plan.firewallCustom.rules
    .filter((r) => r.enabled)
    .map((r) => ({ ref: ruleOf(r.ref), action: r.action as Action, matches: compileEvaluator(parsePrinted(r.expression, r.ref)), observe: false, guard: false }));
  const worker: CompiledRule[] = (plan.worker?.rules ?? []).map((r) => ({
    ref: r.ref,
    action: r.action,
    matches: compileEvaluator(r.condition),
    observe: r.mode === "observe" && r.stage === "worker",
    guard: r.stage === "edge",
  }));

  return (fields) => {
    const logged: string[] = [];
    let skipped: Decision | undefined;
    for (const rule of edge) {
      if (!rule.matches(fields)) continue;
      if (rule.action === "log") {
        logged.push(rule.ref);
      } else if (rule.action === "skip") {
        skipped = { action: "skip", rule: rule.ref, stage: "edge", logged };
        break;
      } else {
        return { action: rule.action, rule: rule.ref, stage: "edge", logged };
      }
    }
    if (worker.length === 0) return skipped ?? { action: "pass", rule: null, stage: null, logged };
    for (const rule of worker) {
      if (!rule.matches(fields)) continue;
      if (rule.guard) return skipped ?? { action: "skip", rule: rule.ref, stage: "edge", logged };
      if (rule.observe || rule.action === "log") {
        logged.push(rule.ref);
      } else if (rule.action === "skip") {
        return { action: "skip", rule: rule.ref, stage: "worker", logged };
      } else {
        return { action: rule.action as Decision["action"], rule: rule.ref, stage: "worker", logged };
      }
    }
    return skipped ?? { action: "pass", rule: null, stage: null, logged };
  };
}

function parsePrinted(expression: string, ref: string) {
  const parsed = parseExpression(expression);
  // The compiler printed this expression; failing to read it back is a bug, not a user error.
  if (!parsed.ok) throw new Error(`bot-policy printed an expression it cannot parse for rule '${ref}': ${parsed.error.message}`);
  return parsed.expr;
}

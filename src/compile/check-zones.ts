import { makeDiagnostic, uniqueDiagnostics, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { isTerminating, originHeaderValue } from "../lower/lower-policy.js";
import { findPolicyField } from "../fields/policy-field-table.js";
import { effectiveMode, observedAction, orderPolicies } from "../lower/zone-policies.js";
import type { OriginHeaderIR, PolicyIR, RuleIR } from "../model/policy-ir.js";
import type { Mode, StackConfig, StackZone, ZoneTier } from "../model/stack.js";
import type { Expr } from "../rules/ast.js";
import { checkExpression } from "../rules/check-expression.js";
import { expressionLists } from "../rules/expression-lists.js";
import { expressionFields } from "../rules/expression-fields.js";
import { lookupField } from "../rules/field-catalog.js";

const TIER_RANK: Readonly<Record<ZoneTier, number>> = { free: 0, pro: 1, business: 2, enterprise: 3 };

/** Custom and transform rules a zone may have, per plan (PLATFORM.md §4). */
export const QUOTAS: Readonly<Record<ZoneTier, { customRules: number; transformRules: number }>> = {
  free: { customRules: 5, transformRules: 10 },
  pro: { customRules: 20, transformRules: 25 },
  business: { customRules: 100, transformRules: 50 },
  enterprise: { customRules: 1000, transformRules: 300 },
};

/**
 * Checks the lowered policies zone by zone, as the stack deploys them (without a stack: every
 * zone a policy names, on Enterprise, in the policies' own modes): features the zone's plan
 * lacks, worker rules placed before edge rules across policies, and an origin header set by two
 * policies. `validate --stack S` reports here everything `compile --stack S` would refuse for
 * these reasons, at the rule or header that causes it.
 */
export function checkZones(policies: readonly PolicyIR[], stack?: StackConfig): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const zones = stack?.zones ?? defaultZones(policies);
  for (const zone of zones) {
    const ordered = orderPolicies(policies.filter((p) => p.zones.includes(zone.key)));
    for (const policy of ordered) {
      const mode = effectiveMode(policy, stack?.mode);
      for (const rule of policy.rules) checkRulePlan(rule, zone, mode, diagnostics);
      for (const header of policy.originHeaders) checkHeaderPlan(header, zone, diagnostics);
    }
    // The zone's enabled rules in order, read once by the two checks across policies.
    const enabled = ordered.flatMap((p) => p.rules).filter((r) => r.enabled);
    checkZoneOrder(enabled, diagnostics);
    checkSkipLists(zone.key, enabled, diagnostics);
    checkDuplicateHeaders(ordered, diagnostics);
    checkCustomRuleQuota(zone, ordered, diagnostics);
  }
  // A policy in several zones of one plan would repeat the same finding: keep one per place and text.
  return uniqueDiagnostics(diagnostics);
}

/** The zones compiled when no stack is chosen: every zone a policy names, as Enterprise. */
function defaultZones(policies: readonly PolicyIR[]): StackZone[] {
  const keys = [...new Set(policies.flatMap((p) => p.zones))].sort();
  return keys.map((key) => ({ key, zoneId: "", plan: "enterprise", routes: [] }));
}

/** Features Cloudflare gates by plan, reported at the rule that uses them. */
function checkRulePlan(rule: RuleIR, zone: StackZone, mode: Mode, diagnostics: Diagnostic[]): void {
  const rank = TIER_RANK[zone.plan];
  const features: Array<{ feature: string; hint?: string }> = [];
  // The Worker reads Bot Management's fields from `request.cf.botManagement`, which only
  // Enterprise Bot Management fills: a worker rule needs the plan as much as an edge rule.
  const botField = rank < TIER_RANK.enterprise ? expressionFields(rule.condition).find((f) => lookupField(f)?.requires === "enterprise_bot_management") : undefined;
  if (botField) features.push({ feature: `Bot Management field '${botField}' (Enterprise with Bot Management)` });
  if (rule.stage === "edge") {
    if (rank < TIER_RANK.business && usesMatches(rule.condition)) features.push({ feature: "The 'matches' operator (Business and Enterprise)" });
    if (rank < TIER_RANK.pro && rule.response) features.push({ feature: "A custom block response (Pro and above)" });
    if (rank < TIER_RANK.enterprise && observedAction(rule.action, mode) === "log") {
      features.push(
        rule.action === "log"
          ? { feature: "The 'log' action (Enterprise)" }
          : {
              feature: `Observe mode's 'log' action (Enterprise; this rule's '${rule.action}' becomes 'log')`,
              hint: "Cloudflare refuses 'log' below Enterprise: enforce this policy on this zone, or take the zone out of its 'zones'.",
            },
      );
    }
  }
  for (const { feature, hint } of features) diagnostics.push(withHint(makeDiagnostic("BP403", rule.source, feature, zone.key, zone.plan), hint));
  if (features.length > 0 || rule.stage === "worker") return;
  // Anything else the plan refuses, in the same type check validate ran for Enterprise.
  for (const error of checkExpression(rule.condition, { tier: zone.plan, context: "filter", allowWorkerFields: false })) {
    diagnostics.push(makeDiagnostic("BP319", rule.source, error.message));
  }
}

/** An origin header of a Bot Management field needs Enterprise Bot Management, like a rule. */
function checkHeaderPlan(header: OriginHeaderIR, zone: StackZone, diagnostics: Diagnostic[]): void {
  if (TIER_RANK[zone.plan] >= TIER_RANK.enterprise) return;
  // Edge headers are rewrite expressions; worker headers copy a whole worker field (`ja4_signals`, `risk`).
  const needsBotManagement =
    header.stage === "edge"
      ? expressionFields(originHeaderValue(header.field)).some((f) => lookupField(f)?.requires === "enterprise_bot_management")
      : findPolicyField(header.field)?.requires === "enterprise_bot_management";
  if (needsBotManagement) {
    diagnostics.push(makeDiagnostic("BP403", header.source, `Origin header '${header.name}' of Bot Management field '${header.field}' (Enterprise with Bot Management)`, zone.key, zone.plan));
  }
}

/**
 * Each edge rule becomes at least one custom rule, so more edge rules than the plan allows is
 * refused here. Compile may still need more (a large set split across rules) and says so then.
 */
function checkCustomRuleQuota(zone: StackZone, ordered: readonly PolicyIR[], diagnostics: Diagnostic[]): void {
  const first = ordered[0];
  const edgeRules = ordered.reduce((count, policy) => count + policy.rules.filter((r) => r.stage === "edge").length, 0);
  const limit = QUOTAS[zone.plan].customRules;
  if (first && edgeRules > limit) diagnostics.push(makeDiagnostic("BP401", first.source, zone.key, edgeRules, limit, zone.plan));
}

/** Across policies too, a worker rule cannot precede an edge rule that ends or skips evaluation. */
function checkZoneOrder(rules: readonly RuleIR[], diagnostics: Diagnostic[]): void {
  const firstWorker = rules.findIndex((r) => r.stage === "worker");
  if (firstWorker < 0) return;
  const blocking = rules.slice(firstWorker + 1).find((r) => r.stage === "edge" && (isTerminating(r.action) || r.action === "skip"));
  if (blocking) diagnostics.push(makeDiagnostic("BP315", blocking.source, rules[firstWorker]!.ref, blocking.ref));
}

/**
 * The Worker re-checks every edge skip (Cloudflare's skip cannot skip a Worker) but cannot see a
 * list's contents: in a zone with worker rules, a skip that tests a list would let those rules act
 * on the very requests the skip lets through. Refused at the skip rule.
 */
function checkSkipLists(zone: string, rules: readonly RuleIR[], diagnostics: Diagnostic[]): void {
  if (!rules.some((r) => r.stage === "worker")) return;
  for (const rule of rules) {
    if (rule.stage !== "edge" || rule.action !== "skip") continue;
    const [list] = expressionLists(rule.condition);
    if (list === undefined) continue;
    diagnostics.push(
      withHint(
        makeDiagnostic("BP342", rule.source, rule.ref, list, zone),
        "test the same values with a set (when: { ip: $set }) or an inline '{…}', which the Worker can evaluate, or move the worker rules to a zone without this skip",
      ),
    );
  }
}

/** One origin header, one owner per zone: a second policy setting it is refused at its header. */
function checkDuplicateHeaders(ordered: readonly PolicyIR[], diagnostics: Diagnostic[]): void {
  const owners = new Map<string, string>();
  for (const policy of ordered) {
    for (const header of policy.originHeaders) {
      const owner = owners.get(header.name);
      if (owner !== undefined) diagnostics.push(makeDiagnostic("BP406", header.source, header.name, owner));
      else owners.set(header.name, policy.id);
    }
  }
}

function usesMatches(expr: Expr): boolean {
  switch (expr.kind) {
    case "compare":
      return expr.op === "matches" || usesMatches(expr.left) || usesMatches(expr.right);
    case "not":
      return usesMatches(expr.operand);
    case "logical":
      return expr.operands.some(usesMatches);
    case "call":
      return expr.args.some(usesMatches);
    default:
      return false;
  }
}


import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { isTerminating } from "../lower/lower-policy.js";
import { EDGE_FIELDS } from "../lower/policy-fields.js";
import type { Action, OriginHeaderIR, PolicyIR, RuleIR } from "../model/policy-ir.js";
import type { Mode, StackZone, ZoneTier } from "../model/stack.js";
import type { ActionParameters, RulesetBody, RulesetRule, WorkerPolicy, ZonePlan } from "../model/zone-plan.js";
import type { Expr, SetItem } from "../rules/ast.js";
import { checkExpression } from "../rules/check-expression.js";
import { expressionFields } from "../rules/expression-fields.js";
import { printExpression, printSetItem } from "../rules/print-expression.js";
import { packSetItems } from "./pack-set-items.js";

/** Cloudflare's limit on one rule expression, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Custom and transform rules a zone may have, per plan (PLATFORM.md §4). */
export const QUOTAS: Record<ZoneTier, { customRules: number; transformRules: number }> = {
  free: { customRules: 5, transformRules: 10 },
  pro: { customRules: 20, transformRules: 25 },
  business: { customRules: 100, transformRules: 50 },
  enterprise: { customRules: 1000, transformRules: 300 },
};

/** Policy skip phases, as Cloudflare names them. */
const SKIP_PHASES: Record<string, string> = {
  rate_limit: "http_ratelimit",
  managed_rules: "http_request_firewall_managed",
  super_bot_fight_mode: "http_request_sbfm",
};

const TIER_RANK: Record<ZoneTier, number> = { free: 0, pro: 1, business: 2, enterprise: 3 };

/** Orders a zone's policies: by priority, then id (DESIGN.md). */
export function orderPolicies(policies: readonly PolicyIR[]): PolicyIR[] {
  return [...policies].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The mode a policy runs in on a stack: a stack in observe mode forces it. */
export function effectiveMode(policy: PolicyIR, stackMode: Mode | undefined): Mode {
  return stackMode === "observe" ? "observe" : policy.mode;
}

/** The action Cloudflare gets: in observe mode terminating actions only log; skip stays skip. */
export function observedAction(action: Action, mode: Mode): Action {
  return mode === "observe" && isTerminating(action) ? "log" : action;
}

/**
 * Compiles the policies of one zone into what Cloudflare and the Worker get: the custom-rules
 * ruleset, the late-transform ruleset for origin headers, and the Worker's policy.
 */
export function compileZone(zone: StackZone, policies: readonly PolicyIR[], stackMode?: Mode): { plan?: ZonePlan; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ordered = orderPolicies(policies);
  checkZoneOrder(ordered, diagnostics);

  const customRules: RulesetRule[] = [];
  const workerRules: WorkerPolicy["rules"] = [];
  const origins: ZonePlan["origins"] = {};
  const hasWorkerStage = ordered.some((p) => p.rules.some((r) => r.stage === "worker" && r.enabled) || p.originHeaders.some((h) => h.stage === "worker"));
  for (const policy of ordered) {
    const mode = effectiveMode(policy, stackMode);
    for (const rule of policy.rules) {
      if (rule.stage === "edge") {
        checkPlanFeatures(rule, zone, diagnostics);
        const emitted = emitEdgeRule(rule, mode, diagnostics);
        customRules.push(...emitted);
        for (const { ref } of emitted) origins[ref] = { rule: rule.ref, source: rule.source };
        // Cloudflare's skip cannot skip Workers, so the Worker re-checks the edge skip rules.
        if (hasWorkerStage && rule.action === "skip" && rule.enabled) workerRules.push(workerRule(rule, mode));
      } else if (rule.enabled) {
        workerRules.push(workerRule(rule, mode));
        origins[rule.ref] = { rule: rule.ref, source: rule.source };
      }
    }
  }

  const headers = collectOriginHeaders(ordered, diagnostics);
  const edgeHeaders = headers.filter((h) => h.stage === "edge");
  const lateTransform = emitLateTransform(zone, edgeHeaders);
  for (const rule of lateTransform?.rules ?? []) origins[rule.ref] = { rule: `${edgeHeaders[0]!.policy}/origin_headers`, source: edgeHeaders[0]!.source };
  const quota = {
    customRules: { used: customRules.length, limit: QUOTAS[zone.plan].customRules },
    transformRules: { used: lateTransform ? lateTransform.rules.length : 0, limit: QUOTAS[zone.plan].transformRules },
  };
  if (quota.customRules.used > quota.customRules.limit) {
    diagnostics.push(makeDiagnostic("BP401", firstSource(ordered), zone.key, quota.customRules.used, quota.customRules.limit, zone.plan));
  }
  if (quota.transformRules.used > quota.transformRules.limit) {
    diagnostics.push(makeDiagnostic("BP402", firstSource(ordered), zone.key, quota.transformRules.used, quota.transformRules.limit, zone.plan));
  }
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };

  const plan: ZonePlan = {
    zone: zone.key,
    zoneId: zone.zoneId,
    tier: zone.plan,
    routes: zone.routes,
    firewallCustom: {
      name: `bot-policy ${zone.key} custom rules`,
      kind: "zone",
      phase: "http_request_firewall_custom",
      description: `Bot rules compiled by bot-policy from ${ordered.map((p) => p.id).join(", ") || "no policies"}.`,
      rules: customRules,
    },
    quota,
    origins,
    policies: ordered.map((p) => ({ id: p.id, priority: p.priority, mode: effectiveMode(p, stackMode) })),
  };
  if (lateTransform) plan.lateTransform = lateTransform;
  if (hasWorkerStage) plan.worker = emitWorkerPolicy(zone.key, ordered, workerRules, headers);
  return { plan, diagnostics };
}

/** Across policies too, a worker rule cannot precede an edge rule that ends or skips evaluation. */
function checkZoneOrder(ordered: readonly PolicyIR[], diagnostics: Diagnostic[]): void {
  const rules = ordered.flatMap((p) => p.rules).filter((r) => r.enabled);
  const firstWorker = rules.findIndex((r) => r.stage === "worker");
  if (firstWorker < 0) return;
  const blocking = rules.slice(firstWorker + 1).find((r) => r.stage === "edge" && (isTerminating(r.action) || r.action === "skip"));
  if (blocking) diagnostics.push(makeDiagnostic("BP315", blocking.source, rules[firstWorker]!.ref, blocking.ref));
}

/** Features Cloudflare gates by plan, reported at the rule that uses them. */
function checkPlanFeatures(rule: RuleIR, zone: StackZone, diagnostics: Diagnostic[]): void {
  const rank = TIER_RANK[zone.plan];
  const fields = expressionFields(rule.condition);
  const problems: string[] = [];
  const botField = fields.find((f) => f.startsWith("cf.bot_management."));
  if (rank < TIER_RANK.enterprise && botField) problems.push(`Bot Management field '${botField}' (Enterprise with Bot Management)`);
  if (rank < TIER_RANK.business && usesMatches(rule.condition)) problems.push("The 'matches' operator (Business and Enterprise)");
  if (rank < TIER_RANK.pro && rule.response) problems.push("A custom block response (Pro and above)");
  if (rank < TIER_RANK.enterprise && rule.action === "log") problems.push("The 'log' action (Enterprise)");
  for (const problem of problems) diagnostics.push(makeDiagnostic("BP403", rule.source, problem, zone.key, zone.plan));
  if (problems.length > 0) return;
  for (const error of checkExpression(rule.condition, { tier: zone.plan, context: "filter", allowWorkerFields: false })) {
    diagnostics.push(makeDiagnostic("BP319", rule.source, error.message));
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

/**
 * Emits one edge rule, or several when a large set must be split to fit the expression limit. A
 * split rule's ref is `<policy>/<rule>#<part>`, where the part is named by its content (see
 * packSetItems), not its position: a part keeps its ref, so Cloudflare keeps its id, when a
 * neighbouring part grows, shrinks or appears.
 */
function emitEdgeRule(rule: RuleIR, mode: Mode, diagnostics: Diagnostic[]): RulesetRule[] {
  const action = observedAction(rule.action, mode);
  const whole = printExpression(rule.condition);
  if (whole.length <= MAX_EXPRESSION_LENGTH) return [rulesetRule(rule, action, whole, rule.ref, rule.ref)];

  const split = findSplittableSet(rule.condition);
  const parts = split && splitSet(rule.condition, split);
  if (!parts) {
    diagnostics.push(makeDiagnostic("BP404", rule.source, whole.length));
    return [];
  }
  return parts.map(({ name, expression }) => rulesetRule(rule, action, expression, `${rule.ref}#${name}`, `${rule.ref} (part ${name})`));
}

function rulesetRule(rule: RuleIR, action: Action, expression: string, ref: string, description: string): RulesetRule {
  const parameters = actionParameters(rule, action);
  // Keys in the order Cloudflare documents them, so the JSON reads like the API's examples.
  return {
    ref,
    description: `bot-policy ${description}`,
    expression,
    action,
    ...(parameters ? { action_parameters: parameters } : {}),
    enabled: rule.enabled,
  };
}

function actionParameters(rule: RuleIR, action: Action): ActionParameters | undefined {
  if (action === "block" && rule.response) {
    return { response: { status_code: rule.response.status, content_type: rule.response.contentType, content: rule.response.body } };
  }
  if (action === "skip") {
    const parameters: ActionParameters = { ruleset: "current" };
    const phases = (rule.skip?.phases ?? []).map((p) => SKIP_PHASES[p] ?? p);
    if (phases.length > 0) parameters.phases = phases;
    if (rule.skip && rule.skip.products.length > 0) parameters.products = rule.skip.products;
    return parameters;
  }
  return undefined;
}

/** The `in` set a rule can be split on: the condition itself, or the largest set it ANDs with. */
function findSplittableSet(condition: Expr): Extract<Expr, { kind: "in" }> | undefined {
  if (condition.kind === "in") return condition;
  if (condition.kind !== "logical" || condition.op !== "and") return undefined;
  let largest: Extract<Expr, { kind: "in" }> | undefined;
  for (const operand of condition.operands) {
    if (operand.kind === "in" && (largest === undefined || operand.items.length > largest.items.length)) largest = operand;
  }
  return largest;
}

/**
 * The split rule's parts, each printed; undefined when one item alone does not fit. Each item is
 * printed once: its printed form is its sort key, its hash input and its cost.
 */
function splitSet(condition: Expr, set: Extract<Expr, { kind: "in" }>): Array<{ name: string; expression: string }> | undefined {
  const withItems = (items: SetItem[]): Expr =>
    condition.kind === "logical" ? { ...condition, operands: condition.operands.map((o) => (o === set ? { ...set, items } : o)) } : { ...set, items };
  // A set of k items prints as `{a b …}`: the rest of the expression, then each item's text plus
  // one separating space, less one. The base is measured with one item taken back out.
  const first = set.items[0]!;
  const base = printExpression(withItems([first])).length - printSetItem(first).length;
  const capacity = MAX_EXPRESSION_LENGTH - base + 1;
  const keys = set.items.map(printSetItem);
  const packed = packSetItems(
    keys.map((key, index) => ({ item: index, key, cost: key.length + 1 })),
    capacity,
  );
  if (!packed) return undefined;
  // The expression around the set is printed once, with a marker item where the items go; should
  // the marker's text occur elsewhere in the expression, each part is printed whole instead.
  const marker = printSetItem({ type: "string", value: "\u0000set items\u0000" });
  const around = printExpression(withItems([{ type: "string", value: "\u0000set items\u0000" }])).split(marker);
  return packed.map(({ name, items }) => ({
    name,
    expression: around.length === 2 ? `${around[0]}${items.map((i) => keys[i]).join(" ")}${around[1]}` : printExpression(withItems(items.map((i) => set.items[i]!))),
  }));
}

function workerRule(rule: RuleIR, mode: Mode): WorkerPolicy["rules"][number] {
  const entry: WorkerPolicy["rules"][number] = { ref: rule.ref, stage: rule.stage, condition: rule.condition, action: rule.action, mode };
  if (rule.response) entry.response = rule.response;
  return entry;
}

function collectOriginHeaders(ordered: readonly PolicyIR[], diagnostics: Diagnostic[]): OriginHeaderIR[] {
  const owners = new Map<string, string>();
  const headers: OriginHeaderIR[] = [];
  for (const policy of ordered) {
    for (const header of policy.originHeaders) {
      const owner = owners.get(header.name);
      if (owner !== undefined) {
        diagnostics.push(makeDiagnostic("BP406", header.source, header.name, owner));
        continue;
      }
      owners.set(header.name, policy.id);
      headers.push(header);
    }
  }
  return headers;
}

/** Origin headers of edge fields: one rewrite rule that sets them all. */
function emitLateTransform(zone: StackZone, headers: readonly OriginHeaderIR[]): RulesetBody | undefined {
  if (headers.length === 0) return undefined;
  const set: NonNullable<ActionParameters["headers"]> = {};
  for (const header of headers) set[header.name] = { operation: "set", expression: printExpression(headerValue(header.field)) };
  return {
    name: `bot-policy ${zone.key} origin headers`,
    kind: "zone",
    phase: "http_request_late_transform",
    description: "Request headers for the origin, compiled by bot-policy.",
    rules: [
      {
        ref: "bot-policy/origin-headers",
        description: `bot-policy origin headers: ${headers.map((h) => h.name).join(", ")}`,
        expression: "true",
        action: "rewrite",
        action_parameters: { headers: set },
        enabled: true,
      },
    ],
  };
}

/** The value of an origin header: the field itself for strings, else `to_string(field)`. */
function headerValue(policyField: string): Expr {
  const field = EDGE_FIELDS[policyField]!;
  const subject: Expr = { kind: "field", name: field.rulesField };
  if (field.section) {
    const [start, end] = field.section;
    return { kind: "call", name: "substring", args: [subject, intLiteral(start), intLiteral(end)] };
  }
  const isString = ["string", "ja3", "ja4", "country"].includes(field.kind);
  return isString ? subject : { kind: "call", name: "to_string", args: [subject] };
}

function intLiteral(value: number): Expr {
  return { kind: "literal", literal: { type: "int", value } };
}

function emitWorkerPolicy(zone: string, ordered: readonly PolicyIR[], rules: WorkerPolicy["rules"], headers: readonly OriginHeaderIR[]): WorkerPolicy {
  const policy: WorkerPolicy = {
    version: 1,
    zone,
    rules,
    originHeaders: headers.filter((h) => h.stage === "worker").map((h) => ({ name: h.name, field: h.field })),
  };
  const risk = ordered.find((p) => p.riskIntelligence)?.riskIntelligence;
  if (risk) policy.riskIntelligence = risk;
  return policy;
}

function firstSource(ordered: readonly PolicyIR[]) {
  return ordered[0]?.source ?? { file: "policies", line: 1, column: 1 };
}

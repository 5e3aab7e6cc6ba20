import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { originHeaderValue } from "../lower/lower-policy.js";
import { effectiveMode, observedAction, orderPolicies } from "../lower/zone-policies.js";
import { QUOTAS } from "./check-zones.js";
import type { Action, OriginHeaderIR, PolicyIR, RuleIR } from "../model/policy-ir.js";
import type { Mode, StackZone } from "../model/stack.js";
import type { ActionParameters, RulesetBody, RulesetRule, WorkerPolicy, ZonePlan } from "../model/zone-plan.js";
import type { Expr, SetItem } from "../rules/ast.js";
import { printExpression, printSetItem } from "../rules/print-expression.js";
import { packSetItems } from "./pack-set-items.js";

// They moved to the lower stage so that `checkZones` can use them; other code still finds them here.
export { effectiveMode, observedAction, orderPolicies } from "../lower/zone-policies.js";
export { QUOTAS } from "./check-zones.js";

/** Cloudflare's limit on one rule expression, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096;


/** Policy skip phases, as Cloudflare names them. */
const SKIP_PHASES: Record<string, string> = {
  rate_limit: "http_ratelimit",
  managed_rules: "http_request_firewall_managed",
  super_bot_fight_mode: "http_request_sbfm",
};

/**
 * Compiles the policies of one zone into what Cloudflare and the Worker get: the custom-rules
 * ruleset, the late-transform ruleset for origin headers, and the Worker's policy. The policies
 * must have passed `checkPolicies` for the same stack, which checks plan features, order across
 * policies and origin headers per zone (`checkZones`); what is left here needs the emitted rules.
 */
export function compileZone(zone: StackZone, policies: readonly PolicyIR[], stackMode?: Mode): { plan?: ZonePlan; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ordered = orderPolicies(policies);

  const customRules: RulesetRule[] = [];
  const workerRules: WorkerPolicy["rules"] = [];
  const origins: ZonePlan["origins"] = {};
  const customRefs = new Map<string, string>();
  const hasWorkerStage = ordered.some((p) => p.rules.some((r) => r.stage === "worker" && r.enabled) || p.originHeaders.some((h) => h.stage === "worker"));
  for (const policy of ordered) {
    const mode = effectiveMode(policy, stackMode);
    for (const rule of policy.rules) {
      if (rule.stage === "edge") {
        const emitted = emitEdgeRule(rule, mode, diagnostics);
        customRules.push(...emitted);
        for (const { ref } of emitted) {
          const owner = customRefs.get(ref);
          // A ref names one rule of the zone's ruleset: a `ref:` may clash with another or with a generated one.
          if (owner !== undefined) diagnostics.push(makeDiagnostic("BP550", rule.cloudflareRef?.source ?? rule.source, ref, zone.key, owner));
          customRefs.set(ref, rule.ref);
          origins[ref] = { rule: rule.ref, source: rule.source };
        }
        // Cloudflare's skip cannot skip Workers, so the Worker re-checks the edge skip rules.
        if (hasWorkerStage && rule.action === "skip" && rule.enabled) workerRules.push(workerRule(rule, mode));
      } else if (rule.enabled) {
        workerRules.push(workerRule(rule, mode));
        origins[rule.ref] = { rule: rule.ref, source: rule.source };
      }
    }
  }

  const headers = collectOriginHeaders(ordered);
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

/**
 * Emits one edge rule, or several when a large set must be split to fit the expression limit. A
 * split rule's ref is `<policy>/<rule>#<part>`, where the part is named after one of its items (see
 * packSetItems), not its position: a part keeps its ref, so Cloudflare keeps its id, when a
 * neighbouring part grows, shrinks or appears, or its own edges move.
 */
function emitEdgeRule(rule: RuleIR, mode: Mode, diagnostics: Diagnostic[]): RulesetRule[] {
  const action = observedAction(rule.action, mode);
  // An adopted rule keeps the ref Cloudflare knows it by; the description still names the policy rule.
  const ref = rule.cloudflareRef?.ref ?? rule.ref;
  const split = findSplittableSet(rule.condition);
  // A set whose items alone are too long is split without printing the whole rule first.
  if (split === undefined || shortestText(split.items) <= MAX_EXPRESSION_LENGTH) {
    const whole = printExpression(rule.condition);
    if (whole.length <= MAX_EXPRESSION_LENGTH) return [rulesetRule(rule, action, whole, ref, rule.ref)];
  }
  const parts = split && splitSet(rule.condition, split);
  if (!parts) {
    diagnostics.push(makeDiagnostic("BP404", rule.source, printExpression(rule.condition).length));
    return [];
  }
  return parts.map(({ name, expression }) => rulesetRule(rule, action, expression, `${ref}#${name}`, `${rule.ref} (part ${name})`));
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
    ...(rule.logging !== undefined ? { logging: { enabled: rule.logging } } : {}),
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

/** At most the length of a set's items printed (`"a" "b"`): escapes and ranges only add. */
function shortestText(items: readonly SetItem[]): number {
  let length = items.length - 1;
  for (const item of items) length += item.type === "string" ? item.value.length + 2 : item.type === "int_range" ? 4 : item.type === "int" ? 1 : item.value.length;
  return length;
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

/** A zone's origin headers in policy order; `checkZones` has refused a name set by two policies. */
function collectOriginHeaders(ordered: readonly PolicyIR[]): OriginHeaderIR[] {
  return ordered.flatMap((policy) => policy.originHeaders);
}

/** Origin headers of edge fields: one rewrite rule that sets them all. */
function emitLateTransform(zone: StackZone, headers: readonly OriginHeaderIR[]): RulesetBody | undefined {
  if (headers.length === 0) return undefined;
  // A header is a plain name, even `__proto__`: fromEntries defines own keys, never the prototype.
  const set: NonNullable<ActionParameters["headers"]> = Object.fromEntries(
    headers.map((header) => [header.name, { operation: "set" as const, expression: printExpression(originHeaderValue(header.field)) }]),
  );
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

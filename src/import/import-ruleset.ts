import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from "yaml";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate, parseYaml, type ValuePath, type YamlSource } from "../load/parse-yaml.js";
import type { RawPolicy, RawRule, RawSet } from "../model/raw-policy.js";
import { convertCondition } from "./convert-condition.js";

/** The phase whose entry point `import` reads: the zone's custom rules. */
export const IMPORTED_PHASE = "http_request_firewall_custom";

/** What `importRuleset` needs besides the API's answer. */
export interface ImportOptions {
  /** The name of the file the answer was read from, for diagnostics. */
  file: string;
  /** The zone key the policy applies to. */
  zone: string;
  /** The policy id (default: the zone key). */
  policy?: string;
  /**
   * Guard codes to suppress, by rule index, with the reason given: a guard that refuses a rule the
   * zone runs today (an always-true block) would otherwise stop the import of what already is.
   */
  suppress?: { byRule: ReadonlyMap<number, readonly string[]>; reason: string };
}

/** The policy an entry-point ruleset becomes, or why it cannot be imported. */
export interface ImportResult {
  /** The policy as written to `policies/<policy>.yaml`. */
  policy?: RawPolicy;
  /** The same policy as YAML text. */
  text?: string;
  /** The id of the imported ruleset: the value of `bot-policy:adopt` for the zone. */
  rulesetId?: string;
  diagnostics: Diagnostic[];
}

/** Cloudflare's skip phases, as the policy language names them (the inverse of the compiler's map). */
const POLICY_SKIP_PHASES: Record<string, string> = {
  http_ratelimit: "rate_limit",
  http_request_firewall_managed: "managed_rules",
  http_request_sbfm: "super_bot_fight_mode",
};
const SKIP_PRODUCTS = new Set(["zoneLockdown", "uaBlock", "bic", "hot", "securityLevel", "rateLimit", "waf"]);
const ACTIONS = new Set<RawRule["action"]>(["block", "managed_challenge", "js_challenge", "challenge", "skip", "log"]);
const hex32 = /^[0-9a-f]{32}$/;

/**
 * Turns the rulesets API's answer for a zone's `http_request_firewall_custom` entry point
 * (`{ result: { id, phase, rules? } }`, or the bare ruleset; PLATFORM.md §9) into a policy that
 * compiles back to the same rules: each rule keeps its ref (so Cloudflare keeps its id and the
 * `SecurityRuleID` in logs), its order, `enabled`, its description, block response, skip phases
 * and products, and `logging`. Its condition becomes `when:` where it maps exactly onto policy
 * fields (`convertCondition`: proven, not assumed, with lists of more than SET_THRESHOLD items as
 * named sets); otherwise its expression is kept verbatim as `expression:`, with a comment saying
 * why. A rule bot-policy cannot express (another action, a parameter it does not know) is a
 * diagnostic located in the answer, and nothing is imported: dropping a rule silently would
 * change what the zone does.
 */
export function importRuleset(text: string, options: ImportOptions): ImportResult {
  const parsed = parseYaml(options.file, text);
  if (!parsed.source) return { diagnostics: parsed.diagnostics };
  const source = parsed.source;
  const diagnostics: Diagnostic[] = [];
  const problem = (path: ValuePath, detail: string, hint?: string): void => {
    diagnostics.push(withHint(makeDiagnostic("BP552", { file: options.file, ...position(source, path) }, detail), hint));
  };

  const root = source.value;
  const wrapped = isRecord(root) && isRecord(root.result);
  const ruleset = wrapped ? (root.result as Record<string, unknown>) : root;
  const base: ValuePath = wrapped ? ["result"] : [];
  if (!isRecord(ruleset)) {
    problem([], "the file is not a ruleset: expected the rulesets API's answer, '{ result: { id, phase, rules } }'");
    return { diagnostics };
  }
  if (ruleset.phase !== IMPORTED_PHASE) {
    problem([...base, "phase"], `the ruleset's phase is ${JSON.stringify(ruleset.phase ?? null)}, not '${IMPORTED_PHASE}'`, `read it with GET /zones/<zone_id>/rulesets/phases/${IMPORTED_PHASE}/entrypoint`);
  }
  const rulesetId = typeof ruleset.id === "string" && hex32.test(ruleset.id) ? ruleset.id : undefined;
  if (rulesetId === undefined) problem([...base, "id"], `the ruleset's id ${JSON.stringify(ruleset.id ?? null)} is not a Cloudflare id (32 lowercase hex characters)`);
  const rawRules = ruleset.rules ?? [];
  if (!Array.isArray(rawRules)) {
    problem([...base, "rules"], "'rules' is not a list");
    return { diagnostics };
  }

  const ids = new Set<string>();
  const rules: RawRule[] = [];
  rawRules.forEach((item: unknown, index: number) => {
    const path = [...base, "rules", index];
    const rule = importRule(item, index, ids, path, problem);
    if (rule) rules.push(rule);
  });
  if (diagnostics.length > 0) return { diagnostics };

  // Conditions that map exactly onto policy fields become `when:` (large lists named sets); the
  // rest keep Cloudflare's expression verbatim, with the reason as a comment.
  const sets: Record<string, RawSet> = {};
  const reasons = new Map<number, string>();
  const taken = new Set<string>();
  const converted = rules.map((rule, index) => {
    const codes = options.suppress?.byRule.get(index) ?? [];
    const suppressed: RawRule = codes.length > 0 ? { ...rule, suppress: codes.map((code) => ({ code, reason: options.suppress!.reason })) } : rule;
    const condition = convertCondition(rule.expression!, rule.id, taken);
    if (condition.kind === "expression") {
      reasons.set(index, condition.reason);
      return suppressed;
    }
    Object.assign(sets, condition.sets);
    // The condition stays where `expression:` was: after the rule's names, before what it does.
    const { id, description, ref, expression: _, ...after } = suppressed;
    return { id, ...(description !== undefined ? { description } : {}), ...(ref !== undefined ? { ref } : {}), when: condition.when, ...after } as RawRule;
  });

  const id = options.policy ?? options.zone;
  const name = typeof ruleset.name === "string" && ruleset.name !== "" ? ` '${ruleset.name}'` : "";
  const setNames = Object.keys(sets).sort();
  const policy: RawPolicy = {
    version: 1,
    policy: id,
    description: `Imported from the ${IMPORTED_PHASE} entry point${name} (ruleset ${rulesetId!}) of zone '${options.zone}'.`,
    zones: [options.zone],
    ...(setNames.length > 0 ? { sets: Object.fromEntries(setNames.map((set) => [set, sets[set]!])) } : {}),
    rules: converted,
  };
  return { policy, text: printPolicy(policy, reasons), rulesetId: rulesetId!, diagnostics };
}

/**
 * The policy as YAML for a person: block style, with short things in flow style (`zones`,
 * inline lists, operator maps, `skip:`), no line folding (an expression stays on one line, as
 * Cloudflare shows it), and above each kept expression why it is not a `when:`.
 */
function printPolicy(policy: RawPolicy, reasons: ReadonlyMap<number, string>): string {
  const doc = new Document(policy);
  const isShort = (node: unknown): boolean => isScalar(node) || (isSeq(node) && node.items.every((item) => isScalar(item)));
  visit(doc, {
    Seq(_, node, path) {
      // A set's items stay one a line: that is what a review diff shows.
      const parent = path.at(-1);
      const underItems = isPair(parent) && isScalar(parent.key) && parent.key.value === "items";
      if (!underItems && node.items.every((item) => isScalar(item))) node.flow = true;
    },
    Map(_, node, path) {
      const keys = path.filter(isPair).map((pair) => (isScalar(pair.key) ? pair.key.value : undefined));
      // `when:` itself stays a block, so each of its conditions has a line.
      const inRule = keys[0] === "rules";
      const inside = inRule && ((keys[1] === "when" && keys.length > 2) || keys.at(-1) === "skip");
      if (inside && node.items.every((pair) => isShort(pair.value))) node.flow = true;
    },
  });
  const rules = doc.get("rules", true);
  if (isSeq(rules)) {
    for (const [index, reason] of reasons) {
      const rule = rules.items[index];
      const pair = isMap(rule) ? rule.items.find((item) => isScalar(item.key) && item.key.value === "expression") : undefined;
      if (pair && isScalar(pair.key)) (pair.key as Node).commentBefore = ` kept as an expression: it ${reason}`;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** One API rule as a policy rule, or undefined after reporting why it cannot be kept. */
function importRule(
  item: unknown,
  index: number,
  ids: Set<string>,
  path: ValuePath,
  problem: (path: ValuePath, detail: string, hint?: string) => void,
): RawRule | undefined {
  if (!isRecord(item)) {
    problem(path, `rule ${index + 1} is not an object`);
    return undefined;
  }
  const description = typeof item.description === "string" && item.description !== "" ? item.description : undefined;
  const ref = typeof item.ref === "string" && item.ref !== "" ? item.ref : typeof item.id === "string" ? item.id : undefined;
  const named = `rule ${index + 1}${description ? ` ('${description}')` : ""}${ref ? ` [ref ${ref}]` : ""}`;
  let failed = false;
  const report = (at: ValuePath, detail: string, hint?: string): void => {
    failed = true;
    problem(at, `${named} ${detail}`, hint);
  };

  const action = item.action;
  if (typeof action !== "string" || !ACTIONS.has(action as RawRule["action"])) {
    report([...path, "action"], `has the action ${JSON.stringify(action ?? null)}, which bot-policy does not support (it supports ${[...ACTIONS].join(", ")})`, "remove or change the rule in Cloudflare first, or keep it out of bot-policy's zone");
    return undefined;
  }
  if (typeof item.expression !== "string" || item.expression.trim() === "") report([...path, "expression"], "has no expression");
  if (ref === undefined) report(path, "has neither a ref nor an id");
  else if (/[\s#]/.test(ref)) report([...path, "ref"], `has the ref '${ref}', which bot-policy cannot keep (no spaces, no '#')`);

  // Keys in the order a person reads a rule: what it is, its condition, then what it does.
  const rule: RawRule = {
    id: uniqueId(description, index, ids),
    ...(description !== undefined ? { description } : {}),
    ...(ref !== undefined ? { ref } : {}),
    expression: typeof item.expression === "string" ? item.expression : "",
    action: action as RawRule["action"],
  };
  if (item.enabled === false) rule.enabled = false;

  const parameters = item.action_parameters;
  if (parameters !== undefined && parameters !== null) {
    if (!isRecord(parameters)) report([...path, "action_parameters"], "has action_parameters that are not an object");
    else if (action === "block") importResponse(parameters, rule, [...path, "action_parameters"], report);
    else if (action === "skip") importSkip(parameters, rule, [...path, "action_parameters"], report);
    else if (Object.keys(parameters).length > 0) report([...path, "action_parameters"], `has action_parameters (${Object.keys(parameters).join(", ")}) that bot-policy does not support on '${action}'`);
  }
  // `logging` matters for skip only (other actions always log); absent means off.
  if (action === "skip" && isRecord(item.logging) && item.logging.enabled === true) rule.logging = true;
  return failed ? undefined : rule;
}

function importResponse(parameters: Record<string, unknown>, rule: RawRule, path: ValuePath, report: (at: ValuePath, detail: string, hint?: string) => void): void {
  const { response, ...rest } = parameters;
  if (Object.keys(rest).length > 0) report(path, `has block parameters (${Object.keys(rest).join(", ")}) that bot-policy does not support`);
  if (response === undefined) return;
  if (!isRecord(response) || typeof response.status_code !== "number" || typeof response.content !== "string" || typeof response.content_type !== "string") {
    report([...path, "response"], "has a custom response without a status_code, content_type and content, which bot-policy needs");
    return;
  }
  rule.response = { status: response.status_code, content_type: response.content_type, body: response.content };
}

function importSkip(parameters: Record<string, unknown>, rule: RawRule, path: ValuePath, report: (at: ValuePath, detail: string, hint?: string) => void): void {
  const { ruleset, phases, products, ...rest } = parameters;
  if (Object.keys(rest).length > 0) report(path, `skips ${Object.keys(rest).join(", ")}, which bot-policy does not support`);
  if (ruleset !== undefined && ruleset !== "current") report([...path, "ruleset"], `skips the ruleset ${JSON.stringify(ruleset)}; bot-policy skips only the rest of the current one`);
  const skip: NonNullable<RawRule["skip"]> = {};
  if (phases !== undefined) {
    const list = Array.isArray(phases) ? phases : [];
    const unknown = list.filter((phase) => typeof phase !== "string" || POLICY_SKIP_PHASES[phase] === undefined);
    if (!Array.isArray(phases) || unknown.length > 0) report([...path, "phases"], `skips phases bot-policy does not know (${unknown.map((p) => String(p)).join(", ") || "not a list"}); it knows ${Object.keys(POLICY_SKIP_PHASES).join(", ")}`);
    else if (list.length > 0) skip.phases = list.map((phase) => POLICY_SKIP_PHASES[phase as string]!);
  }
  if (products !== undefined) {
    const list = Array.isArray(products) ? products : [];
    const unknown = list.filter((product) => typeof product !== "string" || !SKIP_PRODUCTS.has(product));
    if (!Array.isArray(products) || unknown.length > 0) report([...path, "products"], `skips products bot-policy does not know (${unknown.map((p) => String(p)).join(", ") || "not a list"})`);
    else if (list.length > 0) skip.products = list as string[];
  }
  if (skip.phases || skip.products) rule.skip = skip;
}

/** A readable rule id from the description (`Block XML-RPC` → `block-xml-rpc`), else `rule-<n>`; unique in the policy. */
function uniqueId(description: string | undefined, index: number, ids: Set<string>): string {
  const slug = (description ?? "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  const stem = slug === "" ? `rule-${index + 1}` : slug;
  let id = stem;
  for (let n = 2; ids.has(id); n++) id = `${stem}-${n}`;
  ids.add(id);
  return id;
}

function position(source: YamlSource, path: ValuePath): { line: number; column: number; length?: number } {
  const { line, column, length } = locate(source, path, "value");
  return length === undefined ? { line, column } : { line, column, length };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

import { isScalar, Scalar } from "yaml";
import type { CheckedPolicy } from "../check/check-schema.js";
import { makeDiagnostic, withHint, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate, type ValuePath, type YamlSource } from "../load/parse-yaml.js";
import type { Action, OriginHeaderIR, PolicyIR, RiskIntelligenceIR, RuleIR, Stage } from "../model/policy-ir.js";
import type { RawPolicy, RawRule, RawSet, RawSetItem } from "../model/raw-policy.js";
import type { Expr } from "../rules/ast.js";
import { caseWarnings, checkExpression } from "../rules/check-expression.js";
import { checkListReferences, listsUnreadInWorker, type KnownLists } from "../rules/check-list-references.js";
import { expressionFields } from "../rules/expression-fields.js";
import { lookupField } from "../rules/field-catalog.js";
import { fieldsUnreadInWorker, fieldWarnings } from "../rules/field-warnings.js";
import { valueProblem } from "../rules/field-values.js";
import { ipProblem } from "../rules/ip-address.js";
import { parseExpression } from "../rules/parse-expression.js";
import { isExactInteger, lowerWhen, type EmptySetUse, type ResolvedSet, type WhenContext } from "./lower-when.js";
import { EDGE_FIELDS } from "./policy-fields.js";

/** Options of lowering: `now` decides which set items have expired; `lists`, which `$list`s raw expressions may test. */
export interface LowerOptions {
  now: Date;
  lists?: KnownLists;
}

const TERMINATING: ReadonlySet<Action> = new Set(["block", "managed_challenge", "js_challenge", "challenge"]);
const WORKER_ACTIONS: ReadonlySet<Action> = new Set(["block", "skip", "log"]);
const MAX_BODY_BYTES = 2048;

/** True when an action ends request processing (Cloudflare's terminating actions). */
export function isTerminating(action: Action): boolean {
  return TERMINATING.has(action);
}

/**
 * Checks a policy's meaning and lowers it to PolicyIR: conditions become Rules-language ASTs,
 * sets are expanded, each rule gets its stage. Problems are returned as diagnostics; the policy
 * is returned only when there are no errors.
 */
export function lowerPolicy({ source, raw }: CheckedPolicy, options: LowerOptions): { policy?: PolicyIR; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const sets = resolveSets(raw.sets ?? {}, source, options.now, diagnostics);
  const usedSets = new Set<string>();
  const rules: RuleIR[] = [];
  const seenRules = new Map<string, number>();
  if (raw.priority !== undefined) isExactInteger(raw.priority, ["priority"], { source, diagnostics });

  // The schema does not require `rules`: a policy may only declare headers (or nothing yet).
  const rawRules = raw.rules ?? [];
  if (rawRules.length === 0) diagnostics.push(makeDiagnostic("BP336", locate(source, raw.rules ? ["rules"] : ["policy"], "key"), raw.policy));
  rawRules.forEach((rule, index) => {
    const path = ["rules", index];
    if (seenRules.has(rule.id)) {
      diagnostics.push(makeDiagnostic("BP302", locate(source, [...path, "id"]), rule.id, raw.policy));
    }
    seenRules.set(rule.id, index);
    const lowered = lowerRule(rule, path, raw, { source, sets, usedSets, workerFields: new Set(), rule: rule.id, emptySets: [], depth: 0, diagnostics }, options.lists);
    if (lowered) rules.push(lowered);
  });

  for (const name of sets.keys()) {
    if (!usedSets.has(name)) diagnostics.push(makeDiagnostic("BP327", locate(source, ["sets", name], "key"), name));
  }
  checkRuleOrder(rules, source, diagnostics);
  const originHeaders = lowerOriginHeaders(raw, source, diagnostics);

  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  const policy: PolicyIR = {
    kind: "policy",
    id: raw.policy,
    zones: raw.zones,
    priority: raw.priority ?? 100,
    mode: raw.mode ?? "enforce",
    rules,
    originHeaders,
    source: locate(source, ["policy"]),
  };
  if (raw.description !== undefined) policy.description = raw.description;
  const risk = lowerRiskIntelligence(raw);
  if (risk) policy.riskIntelligence = risk;
  // Checked by the guards, which know the zones and the other policies.
  if (raw.protect) policy.protect = raw.protect.map((entry, i) => ({ name: entry.name, request: entry.request, source: locate(source, ["protect", i, "name"]) }));
  return { policy, diagnostics };
}

function resolveSets(raw: Record<string, RawSet>, source: YamlSource, now: Date, diagnostics: Diagnostic[]): Map<string, ResolvedSet> {
  const today = now.toISOString().slice(0, 10);
  const sets = new Map<string, ResolvedSet>();
  for (const [name, set] of Object.entries(raw)) {
    const declared = set.items;
    // Located only when reported: a large set's items are mostly fine.
    const itemPath = (i: number): ValuePath => (typeof declared[i] === "object" ? ["sets", name, "items", i, "value"] : ["sets", name, "items", i]);
    const locateItem = (i: number): Location => locate(source, itemPath(i));
    const values: Array<string | number> = [];
    // Positions are kept only once an item is dropped; until then a value's index is its item's.
    let positions: number[] | undefined;
    let expired = 0;
    let invalid = 0;
    const seen = new Set<string>();
    for (let i = 0; i < declared.length; i++) {
      const item = declared[i] as RawSetItem;
      const isObject = typeof item === "object";
      const value = isObject ? item.value : item;
      const text = String(value);
      let dropped: Diagnostic | undefined = setItemProblem(set.type, value, text, locateItem, i);
      const distinct = seen.size;
      if (dropped) invalid++;
      // One hash lookup per item: the set grows unless the value was seen before.
      else if (seen.add(text).size === distinct) dropped = makeDiagnostic("BP322", locateItem(i), text, name);
      else if (isObject && item.expires !== undefined && item.expires < today) {
        expired++;
        dropped = makeDiagnostic("BP317", locate(source, ["sets", name, "items", i, "expires"]), text, item.expires);
      }
      if (dropped) {
        diagnostics.push(dropped);
        positions ??= values.map((_, index) => index);
        continue;
      }
      values.push(value);
      positions?.push(i);
    }
    const where = positions === undefined ? itemPath : (index: number) => itemPath(positions[index] as number);
    sets.set(name, { type: set.type, values, where, expired, invalid });
  }
  return sets;
}

/**
 * Checks item `i` of a typed set with the Rules-language validators; `string` items are checked
 * where used. `at` locates the item, only for a problem (no closure is made per item).
 */
function setItemProblem(type: RawSet["type"], value: string | number, text: string, at: (i: number) => Location, i: number): Diagnostic | undefined {
  switch (type) {
    case "ja3": {
      const problem = valueProblem("ja3", text);
      return problem && withHint(makeDiagnostic("BP305", at(i), text), problem.hint);
    }
    case "ja4": {
      const problem = valueProblem("ja4", text);
      return problem && withHint(makeDiagnostic("BP306", at(i), text, problem.reason), problem.hint);
    }
    case "ip": {
      const problem = ipProblem(text, true);
      return problem && withHint(makeDiagnostic("BP307", at(i), text, problem.reason), problem.hint);
    }
    case "asn":
      return valueProblem("asn", value) ? makeDiagnostic("BP323", at(i), text) : undefined;
    default:
      return undefined;
  }
}

function lowerRule(rule: RawRule, path: ValuePath, raw: RawPolicy, ctx: WhenContext, lists: KnownLists | undefined): RuleIR | undefined {
  const { source, diagnostics } = ctx;
  const errorsFrom = diagnostics.length;
  const ruleAt = locate(source, [...path, "id"]);
  if ((rule.when === undefined) === (rule.expression === undefined)) {
    diagnostics.push(makeDiagnostic("BP320", ruleAt, rule.id));
    return undefined;
  }
  checkActionOptions(rule, path, source, diagnostics);

  let condition: Expr | undefined;
  const conditionPath = [...path, rule.when !== undefined ? "when" : "expression"];
  if (rule.when !== undefined) {
    condition = lowerWhen(rule.when, conditionPath, ctx);
  } else {
    condition = lowerRawExpression(rule.expression!, conditionPath, ctx, lists);
  }
  if (hasErrorFrom(diagnostics, errorsFrom)) return undefined;
  if (!condition) {
    // Nothing to test (an empty map the schema let through): never drop a rule without a word.
    diagnostics.push(makeDiagnostic("BP325", locate(source, conditionPath), `'${conditionPath.join(".")}'`));
    return undefined;
  }
  if (ctx.emptySets.length > 0) {
    condition = foldConstants(condition);
    reportEmptySets(ctx.emptySets, rule.id, condition, diagnostics);
    if (condition.kind === "constant" && !condition.value) return undefined;
    // Parts that read worker fields may have folded away with the empty set.
    ctx.workerFields.clear();
    for (const name of workerFieldsOf(condition)) ctx.workerFields.add(name);
  }

  const stage: Stage = ctx.workerFields.size > 0 ? "worker" : "edge";
  // The type check every condition goes through (a raw expression already did, located inside
  // its text); worker fields only in the Worker.
  if (rule.when !== undefined) {
    for (const error of checkExpression(condition, { tier: "enterprise", context: "filter", allowWorkerFields: stage === "worker" })) {
      diagnostics.push(makeDiagnostic("BP319", locate(source, conditionPath, "key"), error.message));
    }
    if (hasErrorFrom(diagnostics, errorsFrom)) return undefined;
  }
  if (stage === "worker" && rule.expression !== undefined) {
    for (const problem of fieldsUnreadInWorker(condition)) {
      diagnostics.push(makeDiagnostic("BP381", locateInString(source, conditionPath, problem.start, problem.end), problem.message));
    }
    for (const problem of listsUnreadInWorker(condition)) {
      diagnostics.push(makeDiagnostic("BP341", locateInString(source, conditionPath, problem.start, problem.end), problem.message));
    }
    if (hasErrorFrom(diagnostics, errorsFrom)) return undefined;
  }
  if (stage === "worker" && !WORKER_ACTIONS.has(rule.action)) {
    diagnostics.push(makeDiagnostic("BP314", locate(source, [...path, "action"]), rule.action, [...ctx.workerFields][0]!));
  }
  if (ctx.workerFields.has("risk") && raw.risk_intelligence === undefined) {
    diagnostics.push(makeDiagnostic("BP313", locate(source, [...path, rule.when ? "when" : "expression"], "key")));
  }
  const lowered: RuleIR = {
    kind: "rule",
    ref: `${raw.policy}/${rule.id}`,
    policy: raw.policy,
    id: rule.id,
    stage,
    condition,
    action: rule.action,
    enabled: rule.enabled ?? true,
    source: ruleAt,
  };
  if (rule.response) lowered.response = { status: rule.response.status, contentType: rule.response.content_type, body: rule.response.body };
  if (rule.action === "skip") lowered.skip = { phases: rule.skip?.phases ?? [], products: rule.skip?.products ?? [] };
  if (rule.logging !== undefined) {
    if (rule.action !== "skip") diagnostics.push(makeDiagnostic("BP553", locate(source, [...path, "logging"], "key"), rule.action));
    else lowered.logging = rule.logging;
  }
  if (rule.ref !== undefined) {
    const at = locate(source, [...path, "ref"]);
    // A worker rule is not a Cloudflare rule: there is no id to keep.
    if (stage === "worker") diagnostics.push(makeDiagnostic("BP551", at, rule.id));
    else lowered.cloudflareRef = { ref: rule.ref, source: at };
  }
  if (rule.suppress) lowered.suppress = rule.suppress.map((s, i) => ({ code: s.code, reason: s.reason, source: locate(source, [...path, "suppress", i, "code"]) }));
  return lowered;
}

function checkActionOptions(rule: RawRule, path: ValuePath, source: YamlSource, diagnostics: Diagnostic[]): void {
  if (rule.response) {
    if (rule.action !== "block") diagnostics.push(makeDiagnostic("BP312", locate(source, [...path, "response"], "key"), rule.action));
    const { status, body } = rule.response;
    if (status < 400 || status > 499) diagnostics.push(makeDiagnostic("BP310", locate(source, [...path, "response", "status"]), status));
    const bytes = Buffer.byteLength(body, "utf8");
    if (bytes > MAX_BODY_BYTES) diagnostics.push(makeDiagnostic("BP311", locate(source, [...path, "response", "body"]), bytes));
  }
  if (rule.skip && rule.action !== "skip") diagnostics.push(makeDiagnostic("BP321", locate(source, [...path, "skip"], "key"), rule.action));
}

/** Parses and type-checks a raw expression, and its `$list`s against `lists`; errors point inside the YAML string. */
function lowerRawExpression(text: string, path: ValuePath, ctx: WhenContext, lists: KnownLists | undefined): Expr | undefined {
  const parsed = parseExpression(text);
  if (!parsed.ok) {
    ctx.diagnostics.push(makeDiagnostic("BP318", locateInString(ctx.source, path, parsed.error.start, parsed.error.end), parsed.error.message));
    return undefined;
  }
  const errors = checkExpression(parsed.expr, { tier: "enterprise", context: "filter", allowWorkerFields: true });
  for (const error of errors) {
    ctx.diagnostics.push(makeDiagnostic("BP319", locateInString(ctx.source, path, error.start, error.end), error.message));
  }
  if (errors.length > 0) return undefined;
  const listProblems = lists === undefined ? [] : checkListReferences(parsed.expr, lists, [...ctx.sets.keys()]);
  for (const problem of listProblems) {
    ctx.diagnostics.push(withHint(makeDiagnostic(problem.code, locateInString(ctx.source, path, problem.start, problem.end), problem.message), problem.hint));
  }
  if (listProblems.length > 0) return undefined;
  for (const warning of fieldWarnings(parsed.expr)) {
    ctx.diagnostics.push(makeDiagnostic("BP380", locateInString(ctx.source, path, warning.start, warning.end), warning.message));
  }
  for (const warning of caseWarnings(parsed.expr)) {
    ctx.diagnostics.push(makeDiagnostic("BP382", locateInString(ctx.source, path, warning.start, warning.end), warning.message));
  }
  for (const name of workerFieldsOf(parsed.expr)) ctx.workerFields.add(name);
  return parsed.expr;
}

/** The worker-only fields an expression reads, in the policy's words (`ja4_signals`, `risk`). */
function workerFieldsOf(expr: Expr): Set<string> {
  const names = new Set<string>();
  for (const name of expressionFields(expr)) {
    if (lookupField(name)?.stage === "worker") names.add(name.startsWith("risk.") ? "risk" : "ja4_signals");
  }
  return names;
}

/**
 * Folds `true`/`false` through `not`, `and` and `or`. Membership in a set whose items all
 * expired is lowered to `false` (nothing is a member of an empty set, and the Rules language has
 * no `{}`); folding then says what the rule still means: never true (drop it), always true
 * (it matches every request), or a smaller condition.
 */
export function foldConstants(expr: Expr): Expr {
  if (expr.kind === "not") {
    const operand = foldConstants(expr.operand);
    return operand.kind === "constant" ? { kind: "constant", value: !operand.value } : { ...expr, operand };
  }
  if (expr.kind !== "logical" || expr.op === "xor") return expr;
  const absorbing = expr.op === "or";
  const operands: Expr[] = [];
  for (const operand of expr.operands.map(foldConstants)) {
    if (operand.kind !== "constant") operands.push(operand);
    else if (operand.value === absorbing) return operand;
  }
  if (operands.length === 0) return { kind: "constant", value: !absorbing };
  return operands.length === 1 ? operands[0]! : { ...expr, operands };
}

function reportEmptySets(uses: readonly EmptySetUse[], rule: string, folded: Expr, diagnostics: Diagnostic[]): void {
  for (const use of uses) {
    if (folded.kind === "constant" && folded.value) diagnostics.push(makeDiagnostic("BP330", use.at, use.set, rule));
    else if (folded.kind === "constant") diagnostics.push(makeDiagnostic("BP329", use.at, use.set, rule, "can never match and is left out of the compiled rules"));
    else diagnostics.push(makeDiagnostic("BP329", use.at, use.set, rule, "no longer tests it (membership in an empty set is false)"));
  }
}


/**
 * Maps an offset inside a YAML string scalar to its file position. Exact for plain and quoted
 * one-line scalars and for block scalars; for folded multi-line forms it points at the scalar.
 */
export function locateInString(source: YamlSource, path: ValuePath, start: number, end: number): Location {
  const at = locate(source, path);
  const node = source.doc.getIn(path as Array<string | number>, true);
  const length = Math.max(1, end - start);
  if (!isScalar(node) || !node.range) return at;
  const text = String(node.value);
  const before = text.slice(0, start);
  const lineIndex = before.split("\n").length - 1;
  const columnInLine = start - (before.lastIndexOf("\n") + 1);
  if (node.type === Scalar.BLOCK_LITERAL) {
    const header = source.lineCounter.linePos(node.range[0]);
    const firstLine = source.text.split(/\r?\n/)[header.line] ?? "";
    const indent = firstLine.length - firstLine.trimStart().length;
    return { file: source.file, line: header.line + 1 + lineIndex, column: indent + 1 + columnInLine, length };
  }
  if (lineIndex === 0 && (node.type === Scalar.PLAIN || node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE)) {
    const quote = node.type === Scalar.PLAIN ? 0 : 1;
    const raw = source.text.slice(node.range[0] + quote, node.range[1]);
    // Quoted scalars may hold escapes; the offset is exact only while the raw text matches.
    if (raw.startsWith(before)) return { ...at, column: at.column + quote + start, length };
  }
  return at;
}

/** A worker rule cannot come before an edge rule that ends or skips evaluation (DESIGN.md "Stage"). */
function checkRuleOrder(rules: readonly RuleIR[], source: YamlSource, diagnostics: Diagnostic[]): void {
  const firstWorker = rules.find((r) => r.stage === "worker" && r.enabled);
  if (!firstWorker) return;
  const after = rules.slice(rules.indexOf(firstWorker) + 1);
  const blocking = after.find((r) => r.stage === "edge" && r.enabled && (isTerminating(r.action) || r.action === "skip"));
  if (blocking) diagnostics.push(makeDiagnostic("BP315", blocking.source, firstWorker.id, blocking.id));
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function lowerOriginHeaders(raw: RawPolicy, source: YamlSource, diagnostics: Diagnostic[]): OriginHeaderIR[] {
  const headers: OriginHeaderIR[] = [];
  for (const [name, field] of Object.entries(raw.origin_headers ?? {})) {
    const at = locate(source, ["origin_headers", name], "key");
    const problem = headerNameProblem(name);
    if (problem) {
      diagnostics.push(withHint(makeDiagnostic("BP309", at, name, problem), name !== name.toLowerCase() ? `write it as '${name.toLowerCase()}'.` : undefined));
      continue;
    }
    const edge = Object.hasOwn(EDGE_FIELDS, field);
    if (field === "risk" && raw.risk_intelligence === undefined) diagnostics.push(makeDiagnostic("BP313", locate(source, ["origin_headers", name])));
    if (edge) {
      // The transform rule's value goes through the same type check as every condition.
      const errors = checkExpression(originHeaderValue(field), { tier: "enterprise", context: "rewrite", allowWorkerFields: false });
      const reason = errors[0]?.message.replace(/\.$/, "");
      if (reason !== undefined) {
        const hint = "Cloudflare's to_string() takes one value, not an array; test the field in a rule's 'when' instead.";
        diagnostics.push(withHint(makeDiagnostic("BP335", locate(source, ["origin_headers", name]), name, field, reason), reason.includes("Array") ? hint : undefined));
        continue;
      }
    }
    headers.push({ policy: raw.policy, name, field, stage: edge ? "edge" : "worker", source: at });
  }
  return headers;
}

/** The rewrite expression of an origin header of an edge field: the field itself for strings, else `to_string(field)`. */
export function originHeaderValue(policyField: string): Expr {
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

function headerNameProblem(name: string): string | undefined {
  if (name !== name.toLowerCase()) return "header names are written in lowercase";
  if (name.startsWith("cf-") || name.startsWith("x-cf-")) return "Cloudflare reserves names starting with 'cf-' and 'x-cf-'";
  if (!HEADER_NAME.test(name)) return "a header name holds only letters, digits and !#$%&'*+.^_`|~-";
  return undefined;
}

function lowerRiskIntelligence(raw: RawPolicy): RiskIntelligenceIR | undefined {
  const settings = raw.risk_intelligence;
  if (!settings) return undefined;
  const { header, cookie, form_field } = settings.token;
  const token: RiskIntelligenceIR["token"] = header !== undefined ? { header } : cookie !== undefined ? { cookie } : { form_field: form_field ?? "frc-risk-intelligence-token" };
  const lowered: RiskIntelligenceIR = { token, endpoint: settings.endpoint ?? "global", timeoutMs: settings.timeout_ms ?? 1000, onError: settings.on_error ?? "pass" };
  if (settings.sitekey !== undefined) lowered.sitekey = settings.sitekey;
  return lowered;
}

/** True when a diagnostic from index `from` on is an error: only a rule's own are scanned, not the whole policy's each time. */
function hasErrorFrom(diagnostics: readonly Diagnostic[], from: number): boolean {
  for (let i = from; i < diagnostics.length; i++) if (diagnostics[i]!.severity === "error") return true;
  return false;
}

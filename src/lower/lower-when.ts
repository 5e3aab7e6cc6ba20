import { makeDiagnostic, withHint, type DiagnosticCode } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { locate, type ValuePath, type YamlSource } from "../load/parse-yaml.js";
import type { SetType } from "../model/raw-policy.js";
import type { Expr, Literal, SetItem } from "../rules/ast.js";
import { lookupField } from "../rules/field-catalog.js";
import { isAsn, isCountry, isIpOrCidr, isJa3, ja4Problem } from "./check-values.js";
import { EDGE_FIELDS, ja4SignalField, type PolicyField, type ValueKind } from "./policy-fields.js";

/** A set after its items were checked and expired ones dropped. */
export interface ResolvedSet {
  type: SetType;
  items: Array<string | number>;
}

/** What lowering a `when` map needs and collects. */
export interface WhenContext {
  source: YamlSource;
  sets: ReadonlyMap<string, ResolvedSet>;
  usedSets: Set<string>;
  /** Worker-only fields this condition uses, in the policy's words (`ja4_signals`, `risk`). */
  workerFields: Set<string>;
  diagnostics: Diagnostic[];
}

/** Cloudflare's bot score groups (seed 002). */
const BANDS: Record<string, SetItem> = {
  automated: { type: "int", value: 1 },
  likely_automated: { type: "int_range", from: 2, to: 29 },
  likely_human: { type: "int_range", from: 30, to: 99 },
};

const ORDERING_KINDS: ReadonlySet<ValueKind> = new Set(["int", "bot_score", "asn", "float"]);
const STRING_KINDS: ReadonlySet<ValueKind> = new Set(["string", "ja3", "ja4", "ja4_section", "country"]);

/** Lowers a `when` map (keys ANDed) to a Rules-language expression; problems go to the context. */
export function lowerWhen(when: Record<string, unknown>, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const parts: Expr[] = [];
  const entries = Object.entries(when);
  if (entries.length === 0) {
    report(ctx, "BP325", path, "value", [`'${path.join(".")}'`]);
    return undefined;
  }
  for (const [key, value] of entries) {
    const lowered = lowerEntry(key, value, [...path, key], ctx);
    if (lowered) parts.push(lowered);
  }
  return conjunction(parts);
}

function lowerEntry(key: string, value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  if (key === "any" || key === "all") {
    const branches = (value as Array<Record<string, unknown>>).map((item, i) => lowerWhen(item, [...path, i], ctx));
    if (branches.some((b) => b === undefined)) return undefined;
    const operands = branches as Expr[];
    if (operands.length === 1) return operands[0];
    return { kind: "logical", op: key === "any" ? "or" : "and", operands };
  }
  if (key === "not") {
    const operand = lowerWhen(value as Record<string, unknown>, path, ctx);
    return operand && { kind: "not", operand };
  }
  if (key === "ja4_signals") {
    ctx.workerFields.add("ja4_signals");
    const parts = Object.entries(value as Record<string, unknown>).map(([signal, predicate]) =>
      lowerPredicate({ rulesField: ja4SignalField(signal), kind: "float", setTypes: [] }, predicate, [...path, signal], ctx),
    );
    return parts.includes(undefined) ? undefined : conjunction(parts as Expr[]);
  }
  if (key === "risk") {
    ctx.workerFields.add("risk");
    return lowerRisk("risk", value as Record<string, unknown>, path, ctx);
  }
  const field = EDGE_FIELDS[key];
  if (!field) {
    // The schema refuses unknown keys; this guards callers that skip it.
    ctx.diagnostics.push(withHint(makeDiagnostic("BP201", locate(ctx.source, path, "key"), key, "'when'"), didYouMean(key, Object.keys(EDGE_FIELDS))));
    return undefined;
  }
  return lowerPredicate(field, value, path, ctx);
}

// Risk Intelligence is nested as the vendor returns it; a leaf is a path the field catalog knows.
function lowerRisk(prefix: string, value: Record<string, unknown>, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const parts: Expr[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const name = `${prefix}.${key}`;
    const known = lookupField(name);
    const lowered = known
      ? lowerPredicate({ rulesField: name, kind: riskKind(known.type), setTypes: known.type === "String" ? ["string"] : [] }, inner, [...path, key], ctx)
      : lowerRisk(name, inner as Record<string, unknown>, [...path, key], ctx);
    if (!lowered) return undefined;
    parts.push(lowered);
  }
  return conjunction(parts);
}

function riskKind(type: string): ValueKind {
  return type === "Int" ? "int" : type === "Bool" ? "bool" : type === "Float" ? "float" : "string";
}

/** Lowers one field's predicate: a scalar (eq), a list or `$set` (in), or an operator map (ANDed). */
function lowerPredicate(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  if (field.kind === "detection_ids") {
    const ids = Array.isArray(value) ? value : [value];
    const subject: Expr = { kind: "field", name: field.rulesField, index: "*" };
    const items = ids.map((id): SetItem => ({ type: "int", value: Number(id) }));
    return { kind: "call", name: "any", args: [{ kind: "in", left: subject, items }] };
  }
  if (Array.isArray(value) || isSetReference(value)) return lowerIn(field, value, path, ctx);
  if (value !== null && typeof value === "object") {
    const parts: Expr[] = [];
    for (const [op, operand] of Object.entries(value)) {
      const lowered = lowerOperator(field, op, operand, [...path, op], ctx);
      if (!lowered) return undefined;
      parts.push(lowered);
    }
    return conjunction(parts);
  }
  return lowerOperator(field, "eq", value, path, ctx);
}

function lowerOperator(field: PolicyField, op: string, operand: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const subject = subjectOf(field);
  if (field.kind === "bool") {
    if (op !== "eq" && op !== "ne") return operatorMisfit(op, field, path, ctx);
    const wantTrue = (operand === true) === (op === "eq");
    return wantTrue ? subject : { kind: "not", operand: subject };
  }
  switch (op) {
    case "eq":
    case "ne": {
      if (field.kind === "bot_score" && typeof operand === "string") {
        const membership = lowerIn(field, [operand], path, ctx);
        return membership && (op === "eq" ? membership : { kind: "not", operand: membership });
      }
      if (field.kind === "ip" && typeof operand === "string" && operand.includes("/")) {
        const membership = lowerIn(field, [operand], path, ctx);
        return membership && (op === "eq" ? membership : { kind: "not", operand: membership });
      }
      const literal = toLiteral(field, operand, path, ctx, op === "eq" ? "compare-eq" : "compare");
      return literal && { kind: "compare", op, left: subject, right: { kind: "literal", literal } };
    }
    case "lt":
    case "le":
    case "gt":
    case "ge": {
      if (!ORDERING_KINDS.has(field.kind)) return operatorMisfit(op, field, path, ctx);
      const literal = toLiteral(field, operand, path, ctx, "compare");
      return literal && { kind: "compare", op, left: subject, right: { kind: "literal", literal } };
    }
    case "in":
    case "not_in": {
      const membership = lowerIn(field, operand, path, ctx);
      return membership && (op === "in" ? membership : { kind: "not", operand: membership });
    }
    case "starts_with":
    case "ends_with": {
      if (!STRING_KINDS.has(field.kind)) return operatorMisfit(op, field, path, ctx);
      return { kind: "call", name: op, args: [subject, { kind: "literal", literal: { type: "string", value: String(operand) } }] };
    }
    case "contains":
    case "wildcard":
    case "matches": {
      if (!STRING_KINDS.has(field.kind)) return operatorMisfit(op, field, path, ctx);
      if (op === "matches" && !isValidRegex(String(operand), path, ctx)) return undefined;
      return { kind: "compare", op, left: subject, right: { kind: "literal", literal: { type: "string", value: String(operand) } } };
    }
    default:
      return operatorMisfit(op, field, path, ctx);
  }
}

function subjectOf(field: PolicyField): Expr {
  const base: Expr = { kind: "field", name: field.rulesField };
  if (!field.section) return base;
  const [start, end] = field.section;
  return {
    kind: "call",
    name: "substring",
    args: [base, { kind: "literal", literal: { type: "int", value: start } }, { kind: "literal", literal: { type: "int", value: end } }],
  };
}

function lowerIn(field: PolicyField, operand: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const values = Array.isArray(operand) ? operand : [operand];
  const items: SetItem[] = [];
  let ok = true;
  values.forEach((value, i) => {
    const itemPath = Array.isArray(operand) ? [...path, i] : path;
    if (isSetReference(value)) {
      const expanded = expandSet(field, value.slice(1), itemPath, ctx);
      if (expanded) items.push(...expanded);
      else ok = false;
      return;
    }
    const item = toSetItem(field, value, itemPath, ctx);
    if (item) items.push(item);
    else ok = false;
  });
  if (!ok) return undefined;
  const unique = dedupeItems(items);
  const single = unique.length === 1 ? unique[0]! : undefined;
  // One plain value reads better as `eq`; ranges and CIDRs only exist inside sets.
  if (single && (single.type === "string" || single.type === "int" || single.type === "ip")) {
    return { kind: "compare", op: "eq", left: subjectOf(field), right: { kind: "literal", literal: single } };
  }
  return { kind: "in", left: subjectOf(field), items: unique };
}

function expandSet(field: PolicyField, name: string, path: ValuePath, ctx: WhenContext): SetItem[] | undefined {
  const set = ctx.sets.get(name);
  if (!set) {
    report(ctx, "BP303", path, "value", [name], didYouMean(name, [...ctx.sets.keys()]));
    return undefined;
  }
  ctx.usedSets.add(name);
  if (!field.setTypes.includes(set.type)) {
    report(ctx, "BP304", path, "value", [name, set.type, field.rulesField]);
    return undefined;
  }
  // Set items were checked where the set is declared; here they only take the field's form.
  return set.items.map((value) => setItemOf(field, value));
}

function setItemOf(field: PolicyField, value: string | number): SetItem {
  if (field.kind === "ip") return { type: String(value).includes("/") ? "cidr" : "ip", value: String(value) };
  if (typeof value === "number") return { type: "int", value };
  return { type: "string", value };
}

function toSetItem(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext): SetItem | undefined {
  if (field.kind === "bot_score" && typeof value === "string") {
    const band = BANDS[value];
    if (!band) report(ctx, "BP203", path, "value", [`'${path.join(".")}'`, value, "'automated', 'likely_automated', 'likely_human'"], didYouMean(value, Object.keys(BANDS)));
    return band;
  }
  if (field.kind === "ip") {
    if (typeof value !== "string" || !isIpOrCidr(value)) return void report(ctx, "BP307", path, "value", [String(value)]);
    return { type: value.includes("/") ? "cidr" : "ip", value };
  }
  const literal = toLiteral(field, value, path, ctx, "compare-eq");
  if (!literal) return undefined;
  return literal.type === "float" ? undefined : (literal as SetItem);
}

/** Checks a value against the field's kind and turns it into a literal. */
function toLiteral(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext, use: "compare" | "compare-eq"): Literal | undefined {
  const text = String(value);
  switch (field.kind) {
    case "ja3":
      if (!isJa3(text)) return void report(ctx, "BP305", path, "value", [text]);
      return { type: "string", value: text };
    case "ja4":
    case "ja4_section": {
      const section = field.section ? (["a", "b", "c"] as const)[[0, 11, 24].indexOf(field.section[0])] : undefined;
      const problem = ja4Problem(text, section);
      if (problem) return void report(ctx, "BP306", path, "value", [text, problem]);
      return { type: "string", value: text };
    }
    case "country":
      if (!isCountry(text)) return void report(ctx, "BP324", path, "value", [text]);
      return { type: "string", value: text };
    case "asn":
      if (!isAsn(value)) return void report(ctx, "BP323", path, "value", [text]);
      return { type: "int", value };
    case "bot_score": {
      const [min, max] = use === "compare-eq" ? [1, 99] : [0, 100];
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) return void report(ctx, "BP308", path, "value", [text]);
      return { type: "int", value };
    }
    case "int":
      return { type: "int", value: Number(value) };
    case "float":
      return { type: "float", value: Number(value) };
    case "ip":
      if (!isIpOrCidr(text) || text.includes("/")) return void report(ctx, "BP307", path, "value", [text]);
      return { type: "ip", value: text };
    default:
      return { type: "string", value: text };
  }
}

function isValidRegex(pattern: string, path: ValuePath, ctx: WhenContext): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch (error) {
    report(ctx, "BP326", path, "value", [pattern, (error as Error).message.replace(/^Invalid regular expression: /, "")]);
    return false;
  }
}

function operatorMisfit(op: string, field: PolicyField, path: ValuePath, ctx: WhenContext): undefined {
  report(ctx, "BP328", path, "key", [op, field.rulesField]);
  return undefined;
}

function isSetReference(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("$");
}

function dedupeItems(items: SetItem[]): SetItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    // Not JSON.stringify: a set of 100,000 items is deduplicated on every compile.
    const key = item.type === "int_range" ? `int_range ${item.from} ${item.to}` : `${item.type} ${item.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Joins expressions with `and`, flattening a single operand. */
export function conjunction(parts: Expr[]): Expr | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { kind: "logical", op: "and", operands: parts };
}

function report(ctx: WhenContext, code: DiagnosticCode, path: ValuePath, part: "key" | "value", args: unknown[], hint?: string): void {
  const at = locate(ctx.source, path, part);
  const diagnostic = (makeDiagnostic as (c: DiagnosticCode, l: typeof at, ...a: unknown[]) => Diagnostic)(code, at, ...args);
  ctx.diagnostics.push(withHint(diagnostic, hint));
}

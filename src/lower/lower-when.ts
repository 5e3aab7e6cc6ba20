import { makeDiagnostic, withHint, type DiagnosticCode, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { locate, type ValuePath, type YamlSource } from "../load/parse-yaml.js";
import type { SetType } from "../model/raw-policy.js";
import type { Expr, Literal, SetItem } from "../rules/ast.js";
import { childNode, findPolicyField, POLICY_FIELD_NAMES, type FieldBranch } from "../fields/policy-field-table.js";
import { nestingDepth, noteCheckedItems } from "../rules/check-expression.js";
import { compileRegex } from "../rules/compile-regex.js";
import { valueProblem, type ValueFormat, type ValueProblem } from "../rules/field-values.js";
import { ipProblem } from "../rules/ip-address.js";
import { MAX_NESTING_DEPTH } from "../rules/parse-expression.js";
import { EDGE_FIELDS, type PolicyField, type ValueKind } from "./policy-fields.js";

/**
 * A set after its items were checked and expired ones dropped. Its items are two flat arrays
 * rather than an object per item: a set may hold 100,000 values, and where one is written is
 * needed only for a diagnostic at it.
 */
export interface ResolvedSet {
  type: SetType;
  /** The values still in force, in the order written. */
  values: Array<string | number>;
  /** The path of each value in the file, built only when one is reported. */
  where: (index: number) => ValuePath;
  /** How many items were dropped because they expired. */
  expired: number;
  /** How many items were dropped because they are invalid (each already reported). */
  invalid: number;
}

/** A reference to a set that has no item in force: membership in it is false. */
export interface EmptySetUse {
  set: string;
  at: Location;
}

/** What lowering a `when` map needs and collects. */
export interface WhenContext {
  source: YamlSource;
  sets: ReadonlyMap<string, ResolvedSet>;
  usedSets: Set<string>;
  /** Worker-only fields this condition uses, in the policy's words (`ja4_signals`, `risk`). */
  workerFields: Set<string>;
  /** The rule being lowered, named in diagnostics about the set items it uses. */
  rule: string;
  /** References to sets whose items have all expired, each lowered to `false`. */
  emptySets: EmptySetUse[];
  /** How deep `any`/`all`/`not` nest at this point of the `when` map. */
  depth?: number;
  diagnostics: Diagnostic[];
}

/** Membership in a set that has no item: the Rules language has no `{}`, and it is simply false. */
const FALSE: Expr = { kind: "constant", value: false };

/** Cloudflare's bot score groups (seed 002). */
const BANDS: ReadonlyMap<string, SetItem> = new Map(Object.entries({
  automated: { type: "int", value: 1 },
  likely_automated: { type: "int_range", from: 2, to: 29 },
  likely_human: { type: "int_range", from: 30, to: 99 },
} satisfies Record<string, SetItem>));

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
  if (key === "any" || key === "all" || key === "not") {
    // `not` and a many-branch `any`/`all` each print at least one more level of nesting (a
    // one-branch list is its branch): past the limit, stop before the recursion runs away.
    const nests = key === "not" || (Array.isArray(value) && value.length > 1);
    const depth = (ctx.depth ?? 0) + (nests ? 1 : 0);
    if (depth > MAX_NESTING_DEPTH) return void report(ctx, "BP333", path, "key", [depth, MAX_NESTING_DEPTH]);
    // The depth is set for the branches and restored, rather than the context copied per level.
    const outer = ctx.depth;
    ctx.depth = depth;
    const lowered = key === "not" ? lowerNot(value, path, ctx) : lowerBranches(key, value, path, ctx);
    ctx.depth = outer;
    if (lowered === undefined) return undefined;
    const nesting = nestingDepth(lowered);
    if (nesting > MAX_NESTING_DEPTH) return void report(ctx, "BP333", path, "key", [nesting, MAX_NESTING_DEPTH]);
    return lowered;
  }
  const row = findPolicyField(key);
  if (row?.stage === "worker") {
    ctx.workerFields.add(row.name);
    return lowerWorkerField(row.rulesPrefix, row.tree, value, path, ctx);
  }
  const field = Object.hasOwn(EDGE_FIELDS, key) ? EDGE_FIELDS[key] : undefined;
  if (!field) {
    // The schema refuses unknown keys; this guards callers that skip it.
    ctx.diagnostics.push(withHint(makeDiagnostic("BP201", locate(ctx.source, path, "key"), key, "'when'"), didYouMean(key, POLICY_FIELD_NAMES)));
    return undefined;
  }
  return lowerPredicate(field, value, path, ctx);
}

function lowerBranches(key: "any" | "all", value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const branches = (value as Array<Record<string, unknown>>).map((item, i) => lowerWhen(item, [...path, i], ctx));
  if (branches.some((b) => b === undefined)) return undefined;
  const operands = branches as Expr[];
  if (operands.length === 1) return operands[0];
  return { kind: "logical", op: key === "any" ? "or" : "and", operands };
}

function lowerNot(value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  const operand = lowerWhen(value as Record<string, unknown>, path, ctx);
  return operand && { kind: "not", operand };
}

/**
 * Worker fields (`ja4_signals`, `risk`) are nested as Cloudflare or the vendor gives them; the
 * walk follows the field table's tree, so its depth is the table's, whatever the input holds.
 */
function lowerWorkerField(rulesName: string, node: FieldBranch, value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    report(ctx, "BP202", path, "value", [`'${path.join(".")}'`, "a map of conditions"]);
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    report(ctx, "BP325", path, "value", [`'${path.join(".")}'`]);
    return undefined;
  }
  // Every entry is lowered, so each problem is reported; one failure fails the whole condition.
  const parts = entries.map(([key, inner]) => {
    const child = childNode(node, key);
    const at = [...path, key];
    if (child === undefined) {
      report(ctx, "BP201", at, "key", [key, `'${path.join(".")}'`], didYouMean(key, Object.keys(node.children)));
      return undefined;
    }
    const name = `${rulesName}.${key}`;
    return child.kind === "leaf"
      ? lowerPredicate({ rulesField: name, kind: child.valueKind, setTypes: child.setTypes }, inner, at, ctx)
      : lowerWorkerField(name, child, inner, at, ctx);
  });
  return parts.includes(undefined) ? undefined : conjunction(parts as Expr[]);
}

/** Lowers one field's predicate: a scalar (eq), a list or `$set` (in), or an operator map (ANDed). */
function lowerPredicate(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext): Expr | undefined {
  if (field.kind === "detection_ids") {
    const ids: unknown[] = Array.isArray(value) ? value : [value];
    if (ids.length === 0) return void report(ctx, "BP325", path, "value", [`'${path.join(".")}'`]);
    const items: SetItem[] = [];
    ids.forEach((id, i) => {
      if (isExactInteger(id, Array.isArray(value) ? [...path, i] : path, ctx)) items.push({ type: "int", value: id });
    });
    if (items.length < ids.length) return undefined;
    const subject: Expr = { kind: "field", name: field.rulesField, index: "*" };
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
  // One set alone: its items are already distinct (a repeated value is refused where it is
  // declared), so they are used as they are, with no copy and no deduplication.
  const oneSet = values.length === 1 && isSetReference(values[0]);
  let items: SetItem[] = [];
  let ok = true;
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    const itemPath = Array.isArray(operand) ? [...path, i] : path;
    if (isSetReference(value)) {
      const expanded = expandSet(field, value.slice(1), itemPath, ctx);
      if (!expanded) ok = false;
      else if (oneSet) items = expanded;
      else for (const item of expanded) items.push(item);
      continue;
    }
    const item = toSetItem(field, value, itemPath, ctx);
    if (item) items.push(item);
    else ok = false;
  }
  if (!ok) return undefined;
  // Only sets whose items all expired can leave nothing: nothing is a member of an empty set.
  if (items.length === 0) return FALSE;
  const unique = oneSet ? items : dedupeItems(items);
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
  const { values } = set;
  if (values.length === 0 && set.invalid === 0) ctx.emptySets.push({ set: name, at: locate(ctx.source, path) });
  // Typed sets were checked where they are declared; a `string` set's items meet the field here,
  // and a misfit is reported at the item, naming the rule that uses it.
  const format = set.type === "string" ? formatOf(field) : undefined;
  let ok = true;
  const items: SetItem[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | number;
    const problem = format ? valueProblem(format, value) : undefined;
    if (problem) {
      ok = false;
      ctx.diagnostics.push(withHint(makeDiagnostic("BP331", locate(ctx.source, set.where(i)), String(value), name, policyNameOf(field), ctx.rule, problem.reason), problem.hint));
    }
    items.push(setItemOf(field, value));
  }
  if (!ok) return undefined;
  // A typed set's items were checked where it is declared, with the validator the type check
  // would use again for this field: it need not read each one a second time.
  if ((set.type === "ja3" || set.type === "ja4" || set.type === "ip") && formatOf(field) === set.type) noteCheckedItems(items, set.type);
  return items;
}

/** The policy's name for a field (`ja4_a`), which says more than the Rules-language one it cuts from. */
function policyNameOf(field: PolicyField): string {
  return Object.keys(EDGE_FIELDS).find((name) => EDGE_FIELDS[name] === field) ?? field.rulesField;
}

function setItemOf(field: PolicyField, value: string | number): SetItem {
  if (field.kind === "ip") return { type: String(value).includes("/") ? "cidr" : "ip", value: String(value) };
  if (typeof value === "number") return { type: "int", value };
  return { type: "string", value };
}

function toSetItem(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext): SetItem | undefined {
  if (field.kind === "bot_score" && typeof value === "string") {
    const band = BANDS.get(value);
    if (!band) report(ctx, "BP203", path, "value", [`'${path.join(".")}'`, value, "'automated', 'likely_automated', 'likely_human'"], didYouMean(value, [...BANDS.keys()]));
    return band;
  }
  if (field.kind === "ip") {
    const problem = typeof value === "string" ? ipProblem(value, true) : { reason: "not an IPv4 or IPv6 address" };
    if (problem) return void report(ctx, "BP307", path, "value", [String(value), problem.reason], problem.hint);
    return { type: String(value).includes("/") ? "cidr" : "ip", value: String(value) };
  }
  const literal = toLiteral(field, value, path, ctx, "compare-eq");
  if (!literal) return undefined;
  // Sets hold no floats in the Rules language: say so rather than drop the rule unexplained.
  if (literal.type === "float") return operatorMisfit("in", field, path, ctx);
  return literal as SetItem;
}

/** The value form of a field, as the Rules-language validators know it. */
function formatOf(field: PolicyField): ValueFormat | undefined {
  switch (field.kind) {
    case "ja3":
    case "ja4":
    case "country":
    case "asn":
    case "ip":
      return field.kind;
    case "ja4_section":
      return (["ja4_a", "ja4_b", "ja4_c"] as const)[[0, 11, 24].indexOf(field.section?.[0] ?? -1)];
    case "string":
      return field.rulesField === "http.request.method" ? "method" : undefined;
    default:
      return undefined;
  }
}

const FORMAT_CODES: Readonly<Record<ValueFormat, DiagnosticCode>> = {
  ja3: "BP305",
  ja4: "BP306",
  ja4_a: "BP306",
  ja4_b: "BP306",
  ja4_c: "BP306",
  country: "BP324",
  asn: "BP323",
  method: "BP334",
  ip: "BP307",
};

function reportValueProblem(ctx: WhenContext, format: ValueFormat, path: ValuePath, text: string, problem: ValueProblem): undefined {
  const code = FORMAT_CODES[format];
  // BP305, BP323 and BP324 state the expected form in their message; the others take the reason.
  const args = code === "BP305" || code === "BP323" || code === "BP324" ? [text] : [text, problem.reason];
  return void report(ctx, code, path, "value", args, problem.hint);
}

/** Checks a value against the field's kind and turns it into a literal. */
function toLiteral(field: PolicyField, value: unknown, path: ValuePath, ctx: WhenContext, use: "compare" | "compare-eq"): Literal | undefined {
  const text = String(value);
  const format = formatOf(field);
  if (format !== undefined) {
    const problem = format === "ip" ? ipProblem(text, false) : valueProblem(format, format === "asn" ? (value as number) : text);
    if (problem) return reportValueProblem(ctx, format, path, text, problem);
  }
  switch (field.kind) {
    case "asn":
      return { type: "int", value: value as number };
    case "bot_score": {
      const [min, max] = use === "compare-eq" ? [1, 99] : [0, 100];
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) return void report(ctx, "BP308", path, "value", [text]);
      return { type: "int", value };
    }
    case "int":
      return isExactInteger(value, path, ctx) ? { type: "int", value } : undefined;
    case "float":
      // YAML reads `1e400` as Infinity, which JSON (the Worker's policy) would turn into null.
      if (typeof value !== "number" || !Number.isFinite(value)) return void report(ctx, "BP202", path, "value", [`'${path.join(".")}'`, "a finite number"]);
      return { type: "float", value };
    case "ip":
      return { type: "ip", value: text };
    default:
      return { type: "string", value: text };
  }
}

/**
 * True for an integer JavaScript holds exactly. YAML reads a longer one as a rounded double, so
 * anything beyond 2^53 is refused here, at the value, rather than rounded on its way out.
 */
export function isExactInteger(value: unknown, path: ValuePath, ctx: Pick<WhenContext, "source" | "diagnostics">): value is number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return true;
  if (typeof value === "number" && Number.isInteger(value)) report(ctx, "BP332", path, "value", [sourceText(ctx.source, path) ?? String(value)]);
  else report(ctx, "BP202", path, "value", [`'${path.join(".")}'`, "an integer"]);
  return false;
}

/** The text of a value as written in the file (YAML may have rounded the number it read). */
function sourceText(source: YamlSource, path: ValuePath): string | undefined {
  const node = source.doc.getIn(path as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
  return node?.range ? source.text.slice(node.range[0], node.range[1]).trim() : undefined;
}

/** The Rules core's validator, so `when` and `expression:` accept exactly the same patterns. */
function isValidRegex(pattern: string, path: ValuePath, ctx: WhenContext): boolean {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) report(ctx, "BP326", path, "value", [pattern, compiled.reason]);
  return compiled.ok;
}

function operatorMisfit(op: string, field: PolicyField, path: ValuePath, ctx: WhenContext): undefined {
  report(ctx, "BP328", path, "key", [op, field.rulesField]);
  return undefined;
}

function isSetReference(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("$");
}

/** Lists up to this long are deduplicated by comparing items, without building a key per item. */
const SHORT_LIST = 16;

function dedupeItems(items: SetItem[]): SetItem[] {
  if (items.length <= SHORT_LIST) return items.filter((item, i) => !occursBefore(items, i, item));
  const seen = new Set<string>();
  return items.filter((item) => {
    // Not JSON.stringify: a set of 100,000 items is deduplicated on every compile.
    const key = item.type === "int_range" ? `int_range ${item.from} ${item.to}` : `${item.type} ${item.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function occursBefore(items: readonly SetItem[], end: number, item: SetItem): boolean {
  for (let i = 0; i < end; i++) if (sameItem(items[i]!, item)) return true;
  return false;
}

/** The same item as the keys above tell (values are strings or safe integers, never NaN). */
function sameItem(a: SetItem, b: SetItem): boolean {
  if (a.type === "int_range") return b.type === "int_range" && a.from === b.from && a.to === b.to;
  return a.type === b.type && a.value === (b as Exclude<SetItem, { type: "int_range" }>).value;
}

/** Joins expressions with `and`, flattening a single operand. */
export function conjunction(parts: Expr[]): Expr | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { kind: "logical", op: "and", operands: parts };
}

function report(ctx: Pick<WhenContext, "source" | "diagnostics">, code: DiagnosticCode, path: ValuePath, part: "key" | "value", args: unknown[], hint?: string): void {
  const at = locate(ctx.source, path, part);
  const diagnostic = (makeDiagnostic as (c: DiagnosticCode, l: typeof at, ...a: unknown[]) => Diagnostic)(code, at, ...args);
  ctx.diagnostics.push(withHint(diagnostic, hint));
}

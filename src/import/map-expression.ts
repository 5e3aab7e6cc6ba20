import { POLICY_FIELD_TABLE, type EdgeFieldRow } from "../fields/policy-field-table.js";
import type { Expr, SetItem } from "../rules/ast.js";
import { printExpression } from "../rules/print-expression.js";
import { findInvisibleCharacter } from "../rules/well-formed-unicode.js";

/** A `when:` map as `import` writes it: field names (table order), then `any`, `all`, `not`. */
export type WhenMap = Record<string, unknown>;

/** A Rules-language condition as a `when:` map, or the first reason it has none. */
export type MappedCondition = { ok: true; when: WhenMap } | { ok: false; reason: string };

/**
 * The bot score bands of the policy language (DESIGN.md "Predicates"), as lowering expands them.
 * A range in an imported set is written with bands only where it covers whole bands.
 */
const BANDS: ReadonlyArray<{ name: string; from: number; to: number }> = [
  { name: "automated", from: 1, to: 1 },
  { name: "likely_automated", from: 2, to: 29 },
  { name: "likely_human", from: 30, to: 99 },
];

/** At most this many single scores are spelt out to cover what the bands do not (`{1..35}` = two bands and 30..35). */
const MAX_SPELT_SCORES = 10;

/** The order `import` writes an operator map in: DESIGN.md's, with lower bounds before upper ones (`{ ge: 1, le: 29 }`). */
const OPERATOR_ORDER = ["eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "starts_with", "ends_with", "contains", "matches", "wildcard"];

/** Comparisons a `when:` operator map writes as they are; `matches` (a regex) and `strict wildcard` stay raw. */
const MAPPED_COMPARISONS = new Set(["eq", "ne", "lt", "le", "gt", "ge", "contains", "wildcard"]);

/**
 * The inverse of lowering's subjects: the printed Rules-language subject of each edge field of
 * the policy field table (`http.host`, `substring(cf.bot_management.ja4, 0, 10)`) → its row.
 */
const SUBJECTS: ReadonlyMap<string, EdgeFieldRow> = new Map(
  POLICY_FIELD_TABLE.flatMap((row) => (row.stage === "edge" && row.valueKind !== "detection_ids" ? [[printExpression(subjectOf(row)), row] as const] : [])),
);

/** The one field read through `any(<field>[*] in {…})`: detection ids. */
const DETECTION_IDS = POLICY_FIELD_TABLE.find((row): row is EdgeFieldRow => row.stage === "edge" && row.valueKind === "detection_ids");

/** The order of `when:` keys: the table's fields, then the combinators. */
const KEY_ORDER: readonly string[] = [...POLICY_FIELD_TABLE.map((row) => row.name), "any", "all", "not"];

/**
 * Maps a parsed Rules-language condition onto the policy language's `when:` (the inverse of
 * `lowerWhen`, read from the same field table): comparisons of policy fields with literals,
 * sets, `starts_with`/`ends_with`, detection ids, and `and`/`or`/`not`. Anything else (another
 * field, a function, a regex, `xor`, a managed list) makes the whole condition unmappable: the
 * caller keeps the rule as `expression:`, never a partial translation.
 */
export function mapExpression(expr: Expr): MappedCondition {
  try {
    return { ok: true, when: mapCondition(expr) };
  } catch (caught) {
    if (caught instanceof Unmappable) return { ok: false, reason: caught.reason };
    throw caught;
  }
}

/** Unwinds the recursion at the first part that has no `when:` form. */
class Unmappable {
  constructor(readonly reason: string) {}
}

function mapCondition(expr: Expr): WhenMap {
  switch (expr.kind) {
    case "logical":
      if (expr.op === "and") return expr.operands.map(mapCondition).reduce(mergeAnd, {});
      if (expr.op === "or") return { any: expr.operands.flatMap((operand) => branchesOf(mapCondition(operand))) };
      throw new Unmappable("uses 'xor'");
    case "not":
      return mapNot(expr.operand);
    case "field": {
      const row = rowOf(expr);
      if (row.valueKind !== "bool") throw new Unmappable(`reads '${row.rulesField}' as a condition`);
      return { [row.name]: true };
    }
    case "compare":
      return mapComparison(expr);
    case "in":
      return { [rowOf(expr.left).name]: itemsOf(rowOf(expr.left), expr.items) };
    case "call":
      return mapCall(expr);
    case "in_list":
      throw new Unmappable(`uses the list '$${expr.list}'`);
    case "constant":
      throw new Unmappable(`is the constant '${expr.value}'`);
    default:
      throw new Unmappable("uses an expression that has no 'when:' form");
  }
}

/** `or` of `or`s is one `any:`, so parentheses in the original do not nest `any:` in `any:`. */
function branchesOf(when: WhenMap): WhenMap[] {
  const keys = Object.keys(when);
  return keys.length === 1 && keys[0] === "any" ? (when.any as WhenMap[]) : [when];
}

function mapNot(operand: Expr): WhenMap {
  if (operand.kind === "field") {
    const row = rowOf(operand);
    if (row.valueKind === "bool") return { [row.name]: false };
  }
  // `not (f in {…})` reads best as `not_in`, which lowers to exactly that.
  if (operand.kind === "in") {
    const row = rowOf(operand.left);
    return { [row.name]: { not_in: listOf(itemsOf(row, operand.items)) } };
  }
  return { not: mapCondition(operand) };
}

function mapComparison(expr: Extract<Expr, { kind: "compare" }>): WhenMap {
  const row = rowOf(expr.left);
  if (!MAPPED_COMPARISONS.has(expr.op)) throw new Unmappable(expr.op === "matches" ? "uses a regex ('matches')" : `uses '${expr.op}'`);
  if (expr.right.kind !== "literal") throw new Unmappable(`compares '${row.rulesField}' with something other than a value`);
  const literal = expr.right.literal;
  const expected = row.type === "Int" ? "int" : row.type === "Ip" ? "ip" : row.type === "String" ? "string" : undefined;
  if (literal.type !== expected) throw new Unmappable(`compares '${row.rulesField}' with a value of another type`);
  const value = visible(literal.value);
  return { [row.name]: expr.op === "eq" ? value : { [expr.op]: value } };
}

function mapCall(expr: Extract<Expr, { kind: "call" }>): WhenMap {
  if (expr.name === "starts_with" || expr.name === "ends_with") {
    const [subject, value, ...rest] = expr.args;
    if (subject === undefined || rest.length > 0 || value?.kind !== "literal" || value.literal.type !== "string") {
      throw new Unmappable(`uses ${expr.name}() on something other than a policy field and a string`);
    }
    return { [rowOf(subject).name]: { [expr.name]: visible(value.literal.value) } };
  }
  // `any(cf.bot_management.detection_ids[*] in {…})`: what `detection_ids: [N, …]` lowers to.
  const [inner] = expr.args;
  if (expr.name === "any" && DETECTION_IDS && expr.args.length === 1 && inner !== undefined) {
    const left = inner.kind === "in" || (inner.kind === "compare" && inner.op === "eq") ? inner.left : undefined;
    if (left?.kind === "field" && left.name === DETECTION_IDS.rulesField && left.index === "*") {
      const items: SetItem[] | undefined =
        inner.kind === "in" ? inner.items : inner.kind === "compare" && inner.right.kind === "literal" && inner.right.literal.type === "int" ? [inner.right.literal] : undefined;
      if (items?.every((item) => item.type === "int")) return { [DETECTION_IDS.name]: items.map((item) => (item as { value: number }).value) };
    }
  }
  throw new Unmappable(`uses ${expr.name}()`);
}

/** The policy field an expression reads, or unmappable: another field, an index, a function. */
function rowOf(expr: Expr): EdgeFieldRow {
  const row = expr.kind === "field" || expr.kind === "call" ? SUBJECTS.get(printSubject(expr)) : undefined;
  if (row) return row;
  if (expr.kind === "field") throw new Unmappable(`reads '${expr.name}${expr.index === undefined ? "" : `[${String(expr.index)}]`}', which is not a policy field`);
  if (expr.kind === "call") throw new Unmappable(`uses ${expr.name}()`);
  let base: Expr = expr;
  while (base.kind === "index") base = base.base;
  if (base.kind === "field") throw new Unmappable(`reads '${base.name}', which is not a policy field`);
  throw new Unmappable("compares something other than a field");
}

function printSubject(expr: Expr): string {
  try {
    return printExpression(expr);
  } catch {
    return "";
  }
}

/** The items of `in {…}` as a predicate: a scalar for one value, else a list; bot scores as bands where whole. */
function itemsOf(row: EdgeFieldRow, items: readonly SetItem[]): unknown {
  // A repeated item says nothing more (and `when:` lists hold each value once).
  const values = [...new Set(row.valueKind === "bot_score" ? scoreValues(items) : items.map((item) => plainValue(row, item)))];
  return values.length === 1 ? values[0] : values;
}

function plainValue(row: EdgeFieldRow, item: SetItem): string | number {
  const fits = row.type === "Ip" ? item.type === "ip" || item.type === "cidr" : row.type === "Int" ? item.type === "int" : row.type === "String" && item.type === "string";
  if (!fits || item.type === "int_range") throw new Unmappable(`has a set item of '${row.rulesField}' that 'when:' cannot write`);
  return visible(item.value);
}

/**
 * A value as YAML would show it, unless it holds a control or invisible character (a zero-width
 * space, a bidi override): the expression's `\xHH` escapes show those to a reviewer, YAML would not.
 */
function visible<T extends string | number>(value: T): T {
  const invisible = typeof value === "string" ? findInvisibleCharacter(value) : undefined;
  if (invisible !== undefined) throw new Unmappable(`has a value with the invisible character U+${invisible.toString(16).toUpperCase().padStart(4, "0")}, which its escapes show`);
  return value;
}

/** Bot scores of a set: whole bands by name, the rest as single scores (a few at most). */
function scoreValues(items: readonly SetItem[]): Array<string | number> {
  const values: Array<string | number> = [];
  for (const item of items) {
    if (item.type === "int") values.push(item.value);
    else if (item.type === "int_range") values.push(...rangeAsBands(item.from, item.to));
    else throw new Unmappable("has a bot score set item that is not a number");
  }
  return values;
}

function rangeAsBands(from: number, to: number): Array<string | number> {
  const values: Array<string | number> = [];
  let spelt = 0;
  for (let score = from; score <= to; ) {
    const band = BANDS.find((b) => b.from === score && b.to <= to);
    if (band) {
      values.push(band.name);
      score = band.to + 1;
      continue;
    }
    if (++spelt > MAX_SPELT_SCORES) throw new Unmappable(`has the bot score range ${from}..${to}, which is not made of bands`);
    values.push(score++);
  }
  return values;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * `and` of two `when:` maps: keys merge; two conditions on one field merge into one operator map
 * when their operators differ; anything else that collides goes into `all:`.
 */
function mergeAnd(into: WhenMap, next: WhenMap): WhenMap {
  const merged: WhenMap = { ...into };
  const rest: WhenMap = {};
  for (const [key, value] of Object.entries(next)) {
    if (!Object.hasOwn(merged, key)) merged[key] = value;
    else if (key === "all") merged.all = [...(merged.all as WhenMap[]), ...(value as WhenMap[])];
    else {
      // Detection ids take a list only, booleans a scalar only: those collide into `all:` too.
      const mergeable = KEY_ORDER.indexOf(key) < POLICY_FIELD_TABLE.length && key !== DETECTION_IDS?.name;
      const combined = mergeable ? mergeOperators(merged[key], value) : undefined;
      if (combined) merged[key] = combined;
      else rest[key] = value;
    }
  }
  if (Object.keys(rest).length > 0) merged.all = [...((merged.all as WhenMap[] | undefined) ?? []), rest];
  return ordered(merged);
}

/** Two predicates on one field as one operator map, or undefined when they share an operator (or are booleans). */
function mergeOperators(a: unknown, b: unknown): Record<string, unknown> | undefined {
  const left = operatorMap(a);
  const right = operatorMap(b);
  if (!left || !right || Object.keys(right).some((op) => Object.hasOwn(left, op))) return undefined;
  const merged = { ...left, ...right };
  return Object.fromEntries(OPERATOR_ORDER.filter((op) => Object.hasOwn(merged, op)).map((op) => [op, merged[op]]));
}

function operatorMap(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === "boolean") return undefined;
  if (Array.isArray(value)) return { in: value };
  if (value !== null && typeof value === "object") return value as Record<string, unknown>;
  return { eq: value };
}

/** A `when:` map with its keys in the table's order, then `any`, `all`, `not`. */
function ordered(when: WhenMap): WhenMap {
  return Object.fromEntries(Object.entries(when).sort(([a], [b]) => KEY_ORDER.indexOf(a) - KEY_ORDER.indexOf(b)));
}

/** The Rules-language subject lowering compares for a field: the field, or the JA4 section cut from it. */
function subjectOf(row: EdgeFieldRow): Expr {
  const field: Expr = { kind: "field", name: row.rulesField };
  if (!row.section) return field;
  const [start, end] = row.section;
  return {
    kind: "call",
    name: "substring",
    args: [field, { kind: "literal", literal: { type: "int", value: start } }, { kind: "literal", literal: { type: "int", value: end } }],
  };
}

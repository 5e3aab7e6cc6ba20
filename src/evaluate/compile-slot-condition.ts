import type { Expr, Literal, SetItem } from "../rules/ast.js";
import { compileConditionWith, compileValueWith, setLookup, type FieldAccess } from "../rules/compile-evaluator.js";
import { lookupField } from "../rules/field-catalog.js";
import { parseIpValue, type IpValue } from "../rules/ip-address.js";

/** A condition over a slot record (see compile-slot-program.ts). */
export type SlotCondition = (record: unknown[]) => boolean;

/**
 * What compiling conditions over slots needs: each field's slot, the general access for the
 * shapes compiled here only by `compileConditionWith`, and the shared per-request memo.
 */
export interface SlotContext {
  slotOf: (field: string) => number;
  /** Where the record keeps the parsed address of an IP field (see `parsedAddress`). */
  parsedAt: (field: string) => number;
  access: (name: string) => FieldAccess<unknown[]>;
  /** Sub-conditions that occur more than once in the program, by key: computed once per request. */
  memo: (key: string, condition: SlotCondition) => SlotCondition;
  /** The same for values (a function's result that several conditions compare). */
  memoValue: (key: string, value: (record: unknown[]) => unknown) => (record: unknown[]) => unknown;
  /** How often each sub-condition (by key) occurs in the program. */
  occurrences: ReadonlyMap<string, number>;
}

/**
 * Compiles a condition over slots. The common shapes — `and`/`or`/`not`, a field compared with a
 * literal, a field in a set, `starts_with`/`ends_with` of a field — become one closure each that
 * reads the slot itself; every other shape is compiled by the general evaluator over the same
 * slots, so the semantics are the general evaluator's throughout. A sub-condition that occurs
 * more than once in the program is evaluated once per request.
 */
export function compileSlotCondition(expr: Expr, context: SlotContext): SlotCondition {
  const key = conditionKey(expr);
  const compiled = compileShape(expr, context);
  return (context.occurrences.get(key) ?? 0) > 1 && expr.kind !== "constant" ? context.memo(key, compiled) : compiled;
}

/** Counts each sub-condition of `expr` (by key) into `counts`, as compileSlotCondition walks it. */
export function countConditions(expr: Expr, counts: Map<string, number>): void {
  const key = conditionKey(expr);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (expr.kind === "compare" && isPlainCall(expr.left)) {
    const left = conditionKey(expr.left);
    counts.set(left, (counts.get(left) ?? 0) + 1);
  }
  if (expr.kind === "not") countConditions(expr.operand, counts);
  else if (expr.kind === "logical" && expr.op !== "xor") for (const operand of expr.operands) countConditions(operand, counts);
}

/** A condition's identity: its JSON without source spans (kept per node: a large set's is long). */
export function conditionKey(expr: Expr): string {
  let key = KEYS.get(expr);
  if (key === undefined) {
    key = JSON.stringify(expr, (name, value: unknown) => (name === "span" ? undefined : value));
    KEYS.set(expr, key);
  }
  return key;
}

const KEYS = new WeakMap<Expr, string>();

function compileShape(expr: Expr, context: SlotContext): SlotCondition {
  switch (expr.kind) {
    case "constant": {
      const value = expr.value;
      return () => value;
    }
    case "not": {
      const operand = compileSlotCondition(expr.operand, context);
      return (record) => !operand(record);
    }
    case "logical":
      if (expr.op !== "xor") return logical(expr.op, expr.operands.map((operand) => compileSlotCondition(operand, context)));
      break;
    case "field":
      // A bare field is true only when it holds true (an absent or non-Bool value is false).
      if (expr.index === undefined) {
        const slot = context.slotOf(expr.name);
        return (record) => record[slot] === true;
      }
      break;
    case "compare": {
      if (expr.right.kind !== "literal") break;
      const literal = expr.right.literal;
      if (expr.left.kind === "field" && expr.left.index === undefined) {
        const compiled = lookupField(expr.left.name)?.type === "Ip" ? undefined : compare(context.slotOf(expr.left.name), expr.op, literal);
        if (compiled !== undefined) return compiled;
      }
      // `substring(cf.bot_management.ja4, 0, 10) eq "…"` in several rules: the cut is made once per request.
      if (isPlainCall(expr.left) && (expr.op === "eq" || expr.op === "ne") && literal.type !== "ip" && (context.occurrences.get(conditionKey(expr.left)) ?? 0) > 1) {
        const value = context.memoValue(conditionKey(expr.left), compileValueWith(expr.left, context.access));
        const expected = literal.value;
        return expr.op === "eq" ? (record) => value(record) === expected : (record) => value(record) !== expected;
      }
      break;
    }
    case "in":
      if (expr.left.kind === "field" && expr.left.index === undefined) {
        const ip = lookupField(expr.left.name)?.type === "Ip";
        return membership(context.slotOf(expr.left.name), ip ? context.parsedAt(expr.left.name) : -1, expr.items);
      }
      break;
    case "call":
      if ((expr.name === "starts_with" || expr.name === "ends_with") && expr.args.length === 2) {
        const [subject, affix] = expr.args as [Expr, Expr];
        if (subject.kind === "field" && subject.index === undefined && affix.kind === "literal" && affix.literal.type === "string") {
          const slot = context.slotOf(subject.name);
          const text = affix.literal.value;
          if (expr.name === "starts_with") return (record) => { const value = record[slot]; return typeof value === "string" && value.startsWith(text); };
          return (record) => { const value = record[slot]; return typeof value === "string" && value.endsWith(text); };
        }
      }
      break;
  }
  return compileConditionWith(expr, context.access);
}

function logical(op: "and" | "or", operands: SlotCondition[]): SlotCondition {
  const count = operands.length;
  const [a, b, c] = operands as [SlotCondition, SlotCondition, SlotCondition];
  if (op === "and") {
    if (count === 2) return (record) => a(record) && b(record);
    if (count === 3) return (record) => a(record) && b(record) && c(record);
    return (record) => {
      for (let i = 0; i < count; i++) if (!(operands[i] as SlotCondition)(record)) return false;
      return true;
    };
  }
  if (count === 2) return (record) => a(record) || b(record);
  if (count === 3) return (record) => a(record) || b(record) || c(record);
  return (record) => {
    for (let i = 0; i < count; i++) if ((operands[i] as SlotCondition)(record)) return true;
    return false;
  };
}

/** `field op literal` for the operators whose test is a plain JS comparison; others go the general way. */
function compare(slot: number, op: string, literal: Literal): SlotCondition | undefined {
  if (literal.type === "string") {
    const expected = literal.value;
    if (op === "eq") return (record) => record[slot] === expected;
    if (op === "ne") return (record) => record[slot] !== expected;
    if (op === "contains") return (record) => { const value = record[slot]; return typeof value === "string" && value.includes(expected); };
    return undefined;
  }
  if (literal.type !== "int" && literal.type !== "float") return undefined;
  const expected = literal.value;
  switch (op) {
    case "eq":
      return (record) => record[slot] === expected;
    case "ne":
      return (record) => record[slot] !== expected;
    case "lt":
      return (record) => { const value = record[slot]; return typeof value === "number" && value < expected; };
    case "le":
      return (record) => { const value = record[slot]; return typeof value === "number" && value <= expected; };
    case "gt":
      return (record) => { const value = record[slot]; return typeof value === "number" && value > expected; };
    case "ge":
      return (record) => { const value = record[slot]; return typeof value === "number" && value >= expected; };
    default:
      return undefined;
  }
}

/**
 * `field in { … }`, as the general test decides it: a number against the integers and ranges, a
 * string against the strings, then (for an IP field, `parsedAt` ≥ 0) its address against the
 * IP ranges. A few items are compared one by one, more are hashed.
 */
function membership(slot: number, parsedAt: number, items: readonly SetItem[]): SlotCondition {
  const { strings, ints, inIntRanges, inV4, inV6, hasIps } = setLookup(items);
  const hasRanges = items.some((item) => item.type === "int_range");
  const stringList = [...strings];
  const intList = [...ints];
  const inStrings = stringList.length <= 4 ? (value: string) => includes(stringList, value) : (value: string) => strings.has(value);
  const inInts = hasRanges ? (value: number) => ints.has(value) || inIntRanges(value) : intList.length <= 4 ? (value: number) => includes(intList, value) : (value: number) => ints.has(value);
  if (!hasIps || parsedAt < 0) {
    if (!hasIps && ints.size === 0 && !hasRanges) return (record) => { const value = record[slot]; return typeof value === "string" && inStrings(value); };
    if (!hasIps && strings.size === 0) return (record) => { const value = record[slot]; return typeof value === "number" && inInts(value); };
    // A set with addresses tested on a field that is not an IP: the general test parses the value.
    return compileConditionWith<unknown[]>({ kind: "in", left: { kind: "field", name: "" }, items: [...items] }, () => ({ value: (record) => record[slot] }));
  }
  return (record) => {
    const value = record[slot];
    if (typeof value !== "string") return typeof value === "number" && inInts(value);
    if (inStrings(value)) return true;
    const address = parsedAddress(record, slot, parsedAt);
    if (address === undefined) return false;
    return typeof address === "number" ? inV4(address) : inV6(address);
  };
}

function includes<T>(list: readonly T[], value: T): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
  return false;
}

/**
 * The address of the IP field in slot `slot`, parsed on its first use for the request and kept in
 * slot `at` (null: the value is no address); `undefined` when there is none.
 */
export function parsedAddress(record: unknown[], slot: number, at: number): IpValue | undefined {
  let parsed = record[at];
  if (parsed === undefined) {
    const value = record[slot];
    parsed = typeof value === "string" ? (parseIpValue(value) ?? null) : null;
    record[at] = parsed;
  }
  return parsed === null ? undefined : (parsed as IpValue);
}

/** A function call on plain fields and literals (no `[*]`), whose value one closure gives. */
export function isPlainCall(expr: Expr): boolean {
  return expr.kind === "call" && expr.name !== "any" && expr.name !== "all" && expr.args.every((arg) => arg.kind === "literal" || (arg.kind === "field" && arg.index === undefined));
}

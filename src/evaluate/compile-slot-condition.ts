import type { Expr, Literal, SetItem } from "../rules/ast.js";
import { compileConditionWith, setLookup, type FieldAccess } from "../rules/compile-evaluator.js";
import { lookupField } from "../rules/field-catalog.js";

/** A condition over a slot record (see compile-slot-program.ts). */
export type SlotCondition = (record: unknown[]) => boolean;

/**
 * What compiling conditions over slots needs: each field's slot, the general access for the
 * shapes compiled here only by `compileConditionWith`, and the shared per-request memo.
 */
export interface SlotContext {
  slotOf: (field: string) => number;
  access: (name: string) => FieldAccess<unknown[]>;
  /** Sub-conditions that occur more than once in the program, by key: computed once per request. */
  memo: (key: string, condition: SlotCondition) => SlotCondition;
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
  if (expr.kind === "not") countConditions(expr.operand, counts);
  else if (expr.kind === "logical" && expr.op !== "xor") for (const operand of expr.operands) countConditions(operand, counts);
}

/** A condition's identity: its JSON without source spans. */
export function conditionKey(expr: Expr): string {
  return JSON.stringify(expr, (key, value: unknown) => (key === "span" ? undefined : value));
}

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
    case "compare":
      if (expr.left.kind === "field" && expr.left.index === undefined && expr.right.kind === "literal") {
        const compiled = compare(context.slotOf(expr.left.name), expr.op, expr.right.literal);
        if (compiled !== undefined) return compiled;
      }
      break;
    case "in":
      // IP fields keep the general path: it parses the request's address once and shares it.
      if (expr.left.kind === "field" && expr.left.index === undefined && lookupField(expr.left.name)?.type !== "Ip") {
        const compiled = membership(context.slotOf(expr.left.name), expr.items);
        if (compiled !== undefined) return compiled;
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

/** `field in { … }` for a field that is not an IP, over a set of one kind: strings hashed, or integers hashed and in sorted ranges. */
function membership(slot: number, items: readonly SetItem[]): SlotCondition | undefined {
  const { strings, ints, inIntRanges, hasIps } = setLookup(items);
  if (hasIps) return undefined;
  if (ints.size === 0 && !items.some((item) => item.type === "int_range")) return (record) => { const value = record[slot]; return typeof value === "string" && strings.has(value); };
  if (strings.size === 0) return (record) => { const value = record[slot]; return typeof value === "number" && (ints.has(value) || inIntRanges(value)); };
  return undefined;
}

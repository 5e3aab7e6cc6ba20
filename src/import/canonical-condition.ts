import type { Expr, SetItem } from "../rules/ast.js";
import { printExpression, printSetItem } from "../rules/print-expression.js";

/**
 * A condition's text up to rewrites that never change a decision: `and`/`or` flattened and their
 * operands sorted, set items sorted and de-duplicated (integer ranges merged), and a set of one
 * plain value written as `eq`. Two conditions with the same canonical text decide every request
 * alike; `import` keeps a `when:` only when its lowering and the original expression have it.
 */
export function canonicalCondition(expr: Expr): string {
  return printExpression(normalise(expr));
}

function normalise(expr: Expr): Expr {
  switch (expr.kind) {
    case "logical": {
      const operands = expr.operands.map(normalise).flatMap((operand) => (operand.kind === "logical" && operand.op === expr.op && expr.op !== "xor" ? operand.operands : [operand]));
      if (expr.op === "xor") return { kind: "logical", op: "xor", operands };
      const sorted = operands.map((operand) => ({ operand, text: printExpression(operand) })).sort((a, b) => compareText(a.text, b.text));
      return { kind: "logical", op: expr.op, operands: sorted.map((entry) => entry.operand) };
    }
    case "not":
      return { kind: "not", operand: normalise(expr.operand) };
    case "compare":
      return { kind: "compare", op: expr.op, left: normalise(expr.left), right: normalise(expr.right) };
    case "in": {
      const items = normaliseItems(expr.items);
      const [single] = items;
      if (items.length === 1 && single !== undefined && (single.type === "string" || single.type === "int" || single.type === "ip")) {
        return { kind: "compare", op: "eq", left: normalise(expr.left), right: { kind: "literal", literal: { type: single.type, value: single.value } as never } };
      }
      return { kind: "in", left: normalise(expr.left), items };
    }
    case "call":
      return { kind: "call", name: expr.name, args: expr.args.map(normalise) };
    case "index":
      return { kind: "index", base: normalise(expr.base), key: expr.key };
    case "in_list":
      return { kind: "in_list", left: normalise(expr.left), list: expr.list };
    case "field":
      return expr.index === undefined ? { kind: "field", name: expr.name } : { kind: "field", name: expr.name, index: expr.index };
    case "literal":
      return { kind: "literal", literal: expr.literal };
    case "constant":
      return { kind: "constant", value: expr.value };
  }
}

/** Set items in one order, each once; integers and ranges merged into the fewest ranges. */
function normaliseItems(items: readonly SetItem[]): SetItem[] {
  const ranges: Array<[number, number]> = [];
  const others = new Map<string, SetItem>();
  for (const item of items) {
    if (item.type === "int") ranges.push([item.value, item.value]);
    else if (item.type === "int_range") ranges.push([item.from, item.to]);
    else others.set(`${item.type} ${item.value}`, { type: item.type, value: item.value } as SetItem);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of ranges) {
    const last = merged.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  const integers = merged.map(([from, to]): SetItem => (from === to ? { type: "int", value: from } : { type: "int_range", from, to }));
  const rest = [...others.values()].sort((a, b) => compareText(printSetItem(a), printSetItem(b)));
  return [...integers, ...rest];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { Expr } from "./ast.js";

/** The names of the fields an expression reads, in order of appearance (with repeats). */
export function expressionFields(expr: Expr): string[] {
  const names: string[] = [];
  collectFields(expr, names);
  return names;
}

/** One array for the whole walk: this runs over every rule, in lowering and in each zone's check. */
function collectFields(expr: Expr, names: string[]): void {
  switch (expr.kind) {
    case "field":
      names.push(expr.name);
      return;
    case "literal":
    case "constant":
      return;
    case "compare":
      collectFields(expr.left, names);
      collectFields(expr.right, names);
      return;
    case "in":
    case "in_list":
      collectFields(expr.left, names);
      return;
    case "not":
      collectFields(expr.operand, names);
      return;
    case "logical":
      for (const operand of expr.operands) collectFields(operand, names);
      return;
    case "call":
      for (const arg of expr.args) collectFields(arg, names);
      return;
    case "index":
      collectFields(expr.base, names);
  }
}

import type { Expr } from "./ast.js";

/** The names of the fields an expression reads, in order of appearance (with repeats). */
export function expressionFields(expr: Expr): string[] {
  switch (expr.kind) {
    case "field":
      return [expr.name];
    case "literal":
    case "constant":
      return [];
    case "compare":
      return [...expressionFields(expr.left), ...expressionFields(expr.right)];
    case "in":
    case "in_list":
      return expressionFields(expr.left);
    case "not":
      return expressionFields(expr.operand);
    case "logical":
      return expr.operands.flatMap(expressionFields);
    case "call":
      return expr.args.flatMap(expressionFields);
    case "index":
      return expressionFields(expr.base);
  }
}

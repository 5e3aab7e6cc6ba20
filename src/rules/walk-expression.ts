import type { Expr } from "./ast.js";

/** The sub-expressions of a node, in source order. */
export function expressionChildren(node: Expr): Expr[] {
  switch (node.kind) {
    case "compare":
      return [node.left, node.right];
    case "in":
    case "in_list":
      return [node.left];
    case "not":
      return [node.operand];
    case "logical":
      return node.operands;
    case "call":
      return node.args;
    case "index":
      return [node.base];
    case "field":
    case "literal":
    case "constant":
      return [];
  }
}

/** Calls `visit` on every node of an expression, parents before children, in source order. */
export function walkExpression(expr: Expr, visit: (node: Expr) => void): void {
  visit(expr);
  for (const child of expressionChildren(expr)) walkExpression(child, visit);
}

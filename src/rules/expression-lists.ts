import type { Expr } from "./ast.js";

/** A list membership test, `value in $name`. */
export type ListTest = Extract<Expr, { kind: "in_list" }>;

/** Every `in $name` of an expression, in order of appearance. */
export function expressionListTests(expr: Expr): ListTest[] {
  const found: ListTest[] = [];
  const visit = (node: Expr): void => {
    switch (node.kind) {
      case "in_list":
        found.push(node);
        visit(node.left);
        return;
      case "compare":
        visit(node.left);
        visit(node.right);
        return;
      case "in":
        visit(node.left);
        return;
      case "not":
        visit(node.operand);
        return;
      case "logical":
        node.operands.forEach(visit);
        return;
      case "call":
        node.args.forEach(visit);
        return;
      case "index":
        visit(node.base);
        return;
      case "field":
      case "literal":
      case "constant":
        return;
    }
  };
  visit(expr);
  return found;
}

/** The names of the lists an expression tests (`in $name`), each once, in order of appearance. */
export function expressionLists(expr: Expr): string[] {
  return [...new Set(expressionListTests(expr).map((node) => node.list))];
}

import type { Expr } from "./ast.js";
import { walkExpression } from "./walk-expression.js";

/** A list membership test, `value in $name`. */
export type ListTest = Extract<Expr, { kind: "in_list" }>;

/** Every `in $name` of an expression, in order of appearance. */
export function expressionListTests(expr: Expr): ListTest[] {
  const found: ListTest[] = [];
  walkExpression(expr, (node) => {
    if (node.kind === "in_list") found.push(node);
  });
  return found;
}

/** The names of the lists an expression tests (`in $name`), each once, in order of appearance. */
export function expressionLists(expr: Expr): string[] {
  return [...new Set(expressionListTests(expr).map((node) => node.list))];
}

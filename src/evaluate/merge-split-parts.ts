import type { Expr } from "../rules/ast.js";
import { conditionKey as exprKey } from "./compile-slot-condition.js";

/**
 * One condition equivalent to `parts[0] or parts[1] or …`, for the parts of a rule whose set was
 * split across several rules: where the parts differ only in the items of one `in` set (below
 * `and`/`or` operands that are otherwise equal), the items are joined into that one set, so a
 * request makes one lookup instead of one per part. Parts that differ otherwise are joined by `or`.
 */
export function mergeSplitParts(parts: readonly Expr[]): Expr {
  if (parts.length === 1) return parts[0] as Expr;
  return mergeAlike(parts, parts.map(exprKey)) ?? { kind: "logical", op: "or", operands: [...parts] };
}

function mergeAlike(nodes: readonly Expr[], keys: readonly string[]): Expr | undefined {
  const first = nodes[0] as Expr;
  if (keys.every((key) => key === keys[0])) return first;
  if (first.kind === "in") {
    const sets = nodes.filter((node): node is Extract<Expr, { kind: "in" }> => node.kind === "in");
    const left = exprKey(first.left);
    if (sets.length !== nodes.length || !sets.every((set) => exprKey(set.left) === left)) return undefined;
    return { kind: "in", left: first.left, items: sets.flatMap((set) => set.items) };
  }
  // `(x and a) or (x and b)` is `x and (a or b)`, and `(x or a) or (x or b)` is `x or (a or b)`;
  // not so for `xor`, nor when two operands differ.
  if (first.kind !== "logical" || first.op === "xor") return undefined;
  const alike = nodes.filter((node): node is Extract<Expr, { kind: "logical" }> => node.kind === "logical" && node.op === first.op && node.operands.length === first.operands.length);
  if (alike.length !== nodes.length) return undefined;
  const columns = first.operands.map((_, i) => alike.map((node) => node.operands[i] as Expr));
  const columnKeys = columns.map((column) => column.map(exprKey));
  const differing = columnKeys.flatMap((column, i) => (column.every((key) => key === column[0]) ? [] : [i]));
  if (differing.length !== 1) return undefined;
  const at = differing[0] as number;
  const column = columns[at] as Expr[];
  const inner = mergeAlike(column, columnKeys[at] as string[]) ?? { kind: "logical", op: "or", operands: column };
  return { ...first, operands: first.operands.map((operand, i) => (i === at ? inner : operand)) };
}

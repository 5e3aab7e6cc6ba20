import type { Expr } from "./ast.js";
import { lookupField } from "./field-catalog.js";
import type { RulesError } from "./rules-error.js";

/**
 * Warnings about fields an expression reads that Cloudflare still accepts but has deprecated
 * (with what replaced them) or retired (with why a condition on them says nothing), located by
 * the field's span. A field read twice is reported twice, at each place.
 */
export function fieldWarnings(expr: Expr): RulesError[] {
  const warnings: RulesError[] = [];
  const visit = (node: Expr): void => {
    switch (node.kind) {
      case "field": {
        const deprecated = lookupField(node.name)?.deprecated;
        if (deprecated === undefined) return;
        const message =
          "replacedBy" in deprecated
            ? `Field '${node.name}' is deprecated: write '${deprecated.replacedBy}', which has the same value.`
            : `Field '${node.name}' is retired: ${deprecated.retired}, so a condition on it no longer tells requests apart.`;
        warnings.push({ message, start: node.span?.start ?? 0, end: node.span?.end ?? 0 });
        return;
      }
      case "compare":
        visit(node.left);
        visit(node.right);
        return;
      case "in":
      case "in_list":
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
      case "literal":
      case "constant":
        return;
    }
  };
  visit(expr);
  return warnings;
}

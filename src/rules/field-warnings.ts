import type { Expr } from "./ast.js";
import { expressionFields } from "./expression-fields.js";
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

/**
 * The fields of a rule that runs in the Worker (it reads a worker field) that the Worker cannot
 * read: there they would always be absent, so the rule would not mean what it says. Located by
 * each field's span, once per field.
 */
export function fieldsUnreadInWorker(expr: Expr): RulesError[] {
  const problems: RulesError[] = [];
  const seen = new Set<string>();
  const visit = (node: Expr): void => {
    if (node.kind === "field") {
      if (seen.has(node.name) || lookupField(node.name)?.inWorker === true) return;
      seen.add(node.name);
      problems.push({
        message: `Field '${node.name}' is not available in the Worker, where this rule runs because it reads a worker-only field: it would always be absent there. Put the conditions on '${node.name}' in an edge rule of their own.`,
        start: node.span?.start ?? 0,
        end: node.span?.end ?? 0,
      });
      return;
    }
    for (const child of childrenOf(node)) visit(child);
  };
  if (expressionFields(expr).length > 0) visit(expr);
  return problems;
}

function childrenOf(node: Expr): Expr[] {
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
    default:
      return [];
  }
}

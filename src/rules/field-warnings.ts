import type { Expr } from "./ast.js";
import { lookupField } from "./field-catalog.js";
import type { RulesError } from "./rules-error.js";
import { walkExpression } from "./walk-expression.js";

/**
 * Warnings about fields an expression reads that Cloudflare still accepts but has deprecated
 * (with what replaced them) or retired (with why a condition on them says nothing), located by
 * the field's span. A field read twice is reported twice, at each place.
 */
export function fieldWarnings(expr: Expr): RulesError[] {
  const warnings: RulesError[] = [];
  walkExpression(expr, (node) => {
    if (node.kind !== "field") return;
    const deprecated = lookupField(node.name)?.deprecated;
    if (deprecated === undefined) return;
    const message =
      "replacedBy" in deprecated
        ? `Field '${node.name}' is deprecated: write '${deprecated.replacedBy}', which has the same value.`
        : `Field '${node.name}' is retired: ${deprecated.retired}, so a condition on it no longer tells requests apart.`;
    warnings.push({ message, start: node.span?.start ?? 0, end: node.span?.end ?? 0 });
  });
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
  walkExpression(expr, (node) => {
    if (node.kind !== "field" || seen.has(node.name) || lookupField(node.name)?.inWorker === true) return;
    seen.add(node.name);
    problems.push({
      message: `Field '${node.name}' is not available in the Worker, where this rule runs because it reads a worker-only field: it would always be absent there. Put the conditions on '${node.name}' in an edge rule of their own.`,
      start: node.span?.start ?? 0,
      end: node.span?.end ?? 0,
    });
  });
  return problems;
}

import { stringify } from "yaml";
import { checkPolicySchema } from "../check/check-schema.js";
import { findPolicyField } from "../fields/policy-field-table.js";
import { parseYaml } from "../load/parse-yaml.js";
import { lowerPolicy } from "../lower/lower-policy.js";
import type { RawSet, SetType } from "../model/raw-policy.js";
import type { Expr } from "../rules/ast.js";
import { parseExpression } from "../rules/parse-expression.js";
import { canonicalCondition } from "./canonical-condition.js";
import { mapExpression, type WhenMap } from "./map-expression.js";

/**
 * An `in {…}` list of more than this many items becomes a named set (`<rule>-<field>`): a long
 * list reads better apart from the rule, one item a line, and a review diff shows one changed
 * item rather than a changed line of hundreds. Ten still fits on a line in a rule.
 */
export const SET_THRESHOLD = 10;

/** A rule's condition as `import` writes it: a `when:` with the sets it names, or the expression kept and why. */
export type ConvertedCondition = { kind: "when"; when: WhenMap; sets: Record<string, RawSet> } | { kind: "expression"; reason: string };

/**
 * Converts a rule's expression to `when:` where it maps exactly onto policy fields, and proves
 * it: the `when:` (with its sets) is checked and lowered like any policy, and its lowering must
 * have the same canonical text as the original expression (`canonicalCondition`), so the
 * compiled rule decides every request as the original does. Otherwise the expression is kept
 * verbatim, with the reason. `taken` holds set names already used in the policy; new ones are added.
 */
export function convertCondition(expression: string, rule: string, taken: Set<string>): ConvertedCondition {
  const parsed = parseExpression(expression);
  if (!parsed.ok) return { kind: "expression", reason: "does not parse" };
  const mapped = mapExpression(parsed.expr);
  if (!mapped.ok) return { kind: "expression", reason: mapped.reason };
  const sets: Record<string, RawSet> = {};
  const names = new Set(taken);
  const when = nameLargeLists(mapped.when, rule, names, sets);
  const lowered = lowerAlone(when, sets);
  if (typeof lowered === "string") return { kind: "expression", reason: lowered };
  if (!sameCondition(lowered, parsed.expr)) return { kind: "expression", reason: "has no exact 'when:' form" };
  for (const name of Object.keys(sets)) taken.add(name);
  return { kind: "when", when, sets };
}

/** True when two conditions have one canonical text; an expression the printer refuses is never the same. */
function sameCondition(a: Expr, b: Expr): boolean {
  try {
    return canonicalCondition(a) === canonicalCondition(b);
  } catch {
    return false;
  }
}

/** Lowers a `when:` as the only rule of a policy: its condition, or the first error's message. */
function lowerAlone(when: WhenMap, sets: Record<string, RawSet>): Expr | string {
  const text = stringify({ version: 1, policy: "import", zones: ["import"], ...(Object.keys(sets).length > 0 ? { sets } : {}), rules: [{ id: "import", when, action: "log" }] });
  const parsed = parseYaml("import.yaml", text);
  if (!parsed.source) return "cannot be written as YAML";
  const checked = checkPolicySchema([parsed.source]);
  const [policy] = checked.policies;
  const firstError = (diagnostics: ReadonlyArray<{ severity: string; code: string; message: string }>) => {
    const error = diagnostics.find((d) => d.severity === "error");
    return error && `has a value the policy language refuses (${error.code}: ${error.message})`;
  };
  if (!policy) return firstError(checked.diagnostics) ?? "is refused by the policy schema";
  // No set item expires, so the date does not matter: the Unix epoch keeps this pure.
  const lowered = lowerPolicy(policy, { now: new Date(0) });
  const condition = lowered.policy?.rules[0]?.condition;
  return condition ?? firstError(lowered.diagnostics) ?? "does not lower";
}

/** Replaces every list longer than SET_THRESHOLD on a field that takes sets with a `$<rule>-<field>` set. */
function nameLargeLists(when: WhenMap, rule: string, names: Set<string>, sets: Record<string, RawSet>): WhenMap {
  const named = (field: string, list: unknown[], type: SetType): string => {
    const stem = `${rule}-${field.replaceAll("_", "-")}`;
    let name = stem;
    for (let n = 2; names.has(name); n++) name = `${stem}-${n}`;
    names.add(name);
    sets[name] = { type, items: sortedUnique(list) };
    return `$${name}`;
  };
  const visit = (map: WhenMap): WhenMap =>
    Object.fromEntries(
      Object.entries(map).map(([key, value]) => {
        if (key === "any" || key === "all") return [key, (value as WhenMap[]).map(visit)];
        if (key === "not") return [key, visit(value as WhenMap)];
        const row = findPolicyField(key);
        const type = row?.stage === "edge" ? row.setTypes[0] : undefined;
        if (type === undefined) return [key, value];
        const large = (list: unknown): list is unknown[] => Array.isArray(list) && list.length > SET_THRESHOLD;
        if (large(value)) return [key, named(key, value, type)];
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          return [key, Object.fromEntries(Object.entries(value).map(([op, operand]) => [op, large(operand) ? named(key, operand, type) : operand]))];
        }
        return [key, value];
      }),
    );
  return visit(when);
}

/** A set's items each once, in order: numbers by value, strings by code unit. */
function sortedUnique(items: unknown[]): Array<string | number> {
  const unique = [...new Set(items as Array<string | number>)];
  return unique.sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

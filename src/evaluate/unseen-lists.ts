import type { ZonePlan } from "../model/zone-plan.js";
import type { Expr } from "../rules/ast.js";
import { compileValueEvaluator, listMembershipKey, type CompiledValue, type FieldValues } from "../rules/compile-evaluator.js";
import { expressionListTests } from "../rules/expression-lists.js";
import { parseExpression } from "../rules/parse-expression.js";
import { compileZoneProgram, decide, type Decision, type PartialZoneProgram } from "./decide.js";

/** One `value in $name` of a rule: the list, and the tested value (absent: the test is false whatever the list holds). */
interface ListTestValue {
  list: string;
  value: CompiledValue;
}

/** A zone's rules compiled three-valued over list membership, with the list tests of each rule. */
interface ListProgram {
  partial: PartialZoneProgram;
  /** The list tests of each rule of `partial.edge`, and of `partial.worker`, in the same order. */
  edgeTests: ListTestValue[][];
  workerTests: ListTestValue[][];
}

/** Compiled once per plan: `null` when no rule of the zone tests a list. */
const programs = new WeakMap<ZonePlan, ListProgram | null>();

/**
 * The lists whose contents `eval` and `test` cannot see and on which a request's decision depends:
 * `decision` (from `decide`) treats the request as a member of no list it does not state
 * (`lists:` in a request), and a membership in one of these could change it. Empty when the
 * decision holds whatever the lists hold. The lists are those of the rules whose outcome is
 * unknown without them, up to the rule that decided.
 */
export function unseenLists(plan: ZonePlan, fields: FieldValues, decision: Decision): string[] {
  const program = listProgram(plan);
  if (program === null || decide(program.partial, fields).action !== "unknown") return [];
  const found = new Set<string>();
  const rules = [
    ...program.partial.edge.map((rule, i) => ({ rule, tests: program.edgeTests[i] ?? [] })),
    ...program.partial.worker.map((rule, i) => ({ rule, tests: program.workerTests[i] ?? [] })),
  ];
  for (const { rule, tests } of rules) {
    const matched = rule.matches(fields);
    if (matched === "unknown") {
      // Only a test of a present value against a list of unstated membership is undecided.
      for (const { list, value } of tests) if (typeof fields[listMembershipKey(list)] !== "boolean" && isPresent(value(fields))) found.add(list);
    }
    // Rules after the deciding one never ran.
    if (rule.ref === decision.rule && matched !== false) break;
  }
  return [...found];
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function listProgram(plan: ZonePlan): ListProgram | null {
  const cached = programs.get(plan);
  if (cached !== undefined) return cached;
  const edgeTests = plan.firewallCustom.rules.filter((r) => r.enabled).map((r) => {
    const parsed = parseExpression(r.expression);
    return parsed.ok ? listTestValues(parsed.expr) : [];
  });
  const workerTests = (plan.worker?.rules ?? []).map((r) => listTestValues(r.condition));
  const program = [...edgeTests, ...workerTests].some((tests) => tests.length > 0)
    ? { partial: compileZoneProgram(plan, () => false), edgeTests, workerTests }
    : null;
  programs.set(plan, program);
  return program;
}

function listTestValues(expr: Expr): ListTestValue[] {
  return expressionListTests(expr).map((node) => ({ list: node.list, value: compileValueEvaluator(node.left) }));
}

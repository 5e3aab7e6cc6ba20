import type { Expr } from "./ast.js";
import { compileEvaluator, compileValueEvaluator, listMembershipKey, type EvaluatorOptions, type FieldValues } from "./compile-evaluator.js";
import { expressionFields } from "./expression-fields.js";
import { expressionLists } from "./expression-lists.js";

/** A three-valued (Kleene) truth value: `"unknown"` when it depends on a field not yet known. */
export type Truth = boolean | "unknown";

/** A compiled three-valued condition over the known fields of one request. */
export type KleeneCondition = (fields: FieldValues) => Truth;

/**
 * Compiles a condition for requests where some fields are not known yet (the Worker before it
 * asks the Risk Intelligence vendor; a replay whose logs lack a field). `isUnknown` names those
 * fields, fixed at compile time.
 *
 * Every comparison, membership test or function call that reads an unknown field is unknown
 * (whatever the field holds, absent included, could make it either value); `not unknown` is
 * unknown; `and`/`or` follow Kleene (false wins `and`, true wins `or`); `xor` with an unknown
 * operand is unknown. A sub-expression that reads no unknown field is evaluated exactly as the
 * two-valued evaluator does, so a known result always equals the two-valued result for every
 * value the unknown fields could take.
 *
 * A list whose contents `options.lists` does not give is unseen: `value in $name` is what the
 * request states (`fields["$name"]`, see `listMembershipKey`), false for an absent value, and
 * otherwise unknown (any membership is possible).
 */
export function compileKleeneEvaluator(expr: Expr, isUnknown: (field: string) => boolean, options: EvaluatorOptions = {}): KleeneCondition {
  const readsUnseenList = expressionLists(expr).some((name) => options.lists?.[name] === undefined);
  if (!readsUnseenList && !expressionFields(expr).some(isUnknown)) {
    const known = compileEvaluator(expr, options);
    return known;
  }
  if (expr.kind === "not") {
    const operand = compileKleeneEvaluator(expr.operand, isUnknown, options);
    return (fields) => {
      const value = operand(fields);
      return value === "unknown" ? value : !value;
    };
  }
  if (expr.kind === "logical") {
    const operands = expr.operands.map((operand) => compileKleeneEvaluator(operand, isUnknown, options));
    if (expr.op === "and") return (fields) => kleeneAnd(operands, fields);
    if (expr.op === "or") return (fields) => kleeneOr(operands, fields);
    return (fields) => kleeneXor(operands, fields);
  }
  if (expr.kind === "in_list" && !expressionFields(expr.left).some(isUnknown)) {
    const value = compileValueEvaluator(expr.left, options);
    const key = listMembershipKey(expr.list);
    return (fields) => {
      const tested = value(fields);
      // An absent value is in no list; a present one is in the list if the request says so.
      if (tested === undefined || tested === null) return false;
      const member = fields[key];
      return typeof member === "boolean" ? member : "unknown";
    };
  }
  // A comparison, set test or call that reads an unknown field or list: nothing short of its value decides it.
  return () => "unknown";
}

function kleeneAnd(operands: readonly KleeneCondition[], fields: FieldValues): Truth {
  let result: Truth = true;
  for (const operand of operands) {
    const value = operand(fields);
    if (value === false) return false;
    if (value === "unknown") result = "unknown";
  }
  return result;
}

/** Kleene `or` of conditions: true when one is true, else unknown when one is unknown. */
export function kleeneOr(operands: readonly KleeneCondition[], fields: FieldValues): Truth {
  let result: Truth = false;
  for (const operand of operands) {
    const value = operand(fields);
    if (value === true) return true;
    if (value === "unknown") result = "unknown";
  }
  return result;
}

function kleeneXor(operands: readonly KleeneCondition[], fields: FieldValues): Truth {
  let result = false;
  for (const operand of operands) {
    const value = operand(fields);
    if (value === "unknown") return "unknown";
    result = result !== value;
  }
  return result;
}

/** The Rules-language toolkit: one parser, printer, type checker and evaluator for edge and Worker. */
export type { CompareOp, Expr, FunctionName, IndexKey, Literal, LogicalOp, SetItem, Span } from "./ast.js";
export type { RulesError } from "./rules-error.js";
export { parseExpression, FUNCTION_NAMES, MAX_NESTING_DEPTH } from "./parse-expression.js";
export { printExpression, printLiteral, printRegex, printSetItem, printString } from "./print-expression.js";
export { FIELD_CATALOG, FIELD_NAMES, JA4_SIGNAL_KEYS, lookupField } from "./field-catalog.js";
export type { FieldInfo, FieldType } from "./field-catalog.js";
export { checkExpression, expressionType } from "./check-expression.js";
export { expressionFields } from "./expression-fields.js";
export { fieldWarnings } from "./field-warnings.js";
export type { CheckOptions, RulesType, Tier } from "./check-expression.js";
export { compileEvaluator, compileValueEvaluator, evaluateValue } from "./compile-evaluator.js";
export type { CompiledCondition, CompiledValue, EvaluatorOptions, FieldValues } from "./compile-evaluator.js";
export { parseCidr, parseIpAddress } from "./ip-address.js";
export type { IpAddress, IpRange } from "./ip-address.js";

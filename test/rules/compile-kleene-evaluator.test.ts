import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { compileKleeneEvaluator } from "../../src/rules/compile-kleene-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

const isRisk = (field: string) => field.startsWith("risk.");

function kleene(text: string, fields: FieldValues) {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return compileKleeneEvaluator(parsed.expr, isRisk)(fields);
}

describe("compileKleeneEvaluator", () => {
  it.each([
    // [expression, known fields, expected]
    ['http.request.uri.path eq "/a"', { "http.request.uri.path": "/a" }, true],
    ["risk.risk_scores.overall ge 4", {}, "unknown"],
    ["risk.risk_scores.overall ne 4", {}, "unknown"],
    ["not risk.network.anonymization.tor", {}, "unknown"],
    ['http.request.uri.path eq "/a" and risk.network.anonymization.tor', { "http.request.uri.path": "/b" }, false],
    ['http.request.uri.path eq "/a" and risk.network.anonymization.tor', { "http.request.uri.path": "/a" }, "unknown"],
    ['http.request.uri.path eq "/a" or risk.network.anonymization.tor', { "http.request.uri.path": "/a" }, true],
    ['http.request.uri.path eq "/a" or risk.network.anonymization.tor', {}, "unknown"],
    ['not (http.request.uri.path eq "/a" or risk.network.anonymization.tor)', { "http.request.uri.path": "/a" }, false],
    ['http.request.uri.path eq "/a" xor risk.network.anonymization.tor', { "http.request.uri.path": "/a" }, "unknown"],
    ['starts_with(risk.network.ip, "10.")', {}, "unknown"],
    ["true or risk.network.anonymization.tor", {}, true],
    ["false and risk.network.anonymization.tor", {}, false],
  ] as const)("%s over %j is %s", (text, fields, expected) => {
    expect(kleene(text, fields)).toBe(expected);
  });

  // Soundness: a known three-valued result equals the two-valued result whatever `risk` holds
  // (absent included); and with no unknown field read, it is exactly the two-valued result.
  const leaf = fc.constantFrom<Expr>(
    { kind: "field", name: "risk.network.anonymization.tor" },
    { kind: "field", name: "cf.bot_management.verified_bot" },
    { kind: "compare", op: "ge", left: { kind: "field", name: "risk.risk_scores.overall" }, right: { kind: "literal", literal: { type: "int", value: 3 } } },
    { kind: "compare", op: "ne", left: { kind: "field", name: "risk.risk_scores.overall" }, right: { kind: "literal", literal: { type: "int", value: 2 } } },
    { kind: "compare", op: "lt", left: { kind: "field", name: "cf.bot_management.score" }, right: { kind: "literal", literal: { type: "int", value: 30 } } },
    { kind: "in", left: { kind: "field", name: "risk.risk_scores.overall" }, items: [{ type: "int", value: 5 }] },
    { kind: "constant", value: true },
    { kind: "constant", value: false },
  );
  const expr: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      tie("expr").map((operand): Expr => ({ kind: "not", operand })),
      fc.tuple(fc.constantFrom("and", "or", "xor" as const), fc.array(tie("expr"), { minLength: 2, maxLength: 3 })).map(([op, operands]): Expr => ({ kind: "logical", op, operands })),
    ),
  })).expr;
  const known = fc.record({ "cf.bot_management.verified_bot": fc.option(fc.boolean(), { nil: undefined }), "cf.bot_management.score": fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }) });
  const risk = fc.record({ "risk.network.anonymization.tor": fc.option(fc.boolean(), { nil: undefined }), "risk.risk_scores.overall": fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) });

  it("is sound: a known result is the two-valued result for every value of the unknown fields", () => {
    fc.assert(
      fc.property(expr, known, risk, (e, knownFields, riskFields) => {
        const partial = compileKleeneEvaluator(e, isRisk)(knownFields);
        const full = compileEvaluator(e)({ ...knownFields, ...riskFields });
        if (partial !== "unknown") expect(partial).toBe(full);
        expect(compileKleeneEvaluator(e, () => false)({ ...knownFields, ...riskFields })).toBe(full);
      }),
      { seed: 20261202, numRuns: 2000 },
    );
  });
});

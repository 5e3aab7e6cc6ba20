import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { compileEvaluator, listMembershipKey, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { compileKleeneEvaluator } from "../../src/rules/compile-kleene-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

function parse(text: string): Expr {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.expr;
}

const two = (text: string, fields: FieldValues) => compileEvaluator(parse(text))(fields);
const three = (text: string, fields: FieldValues) => compileKleeneEvaluator(parse(text), () => false)(fields);

describe("a list whose contents the evaluator cannot see", () => {
  it("is keyed `$name` in the field values, which no field name can be", () => {
    expect(listMembershipKey("office_ips")).toBe("$office_ips");
    expect(listMembershipKey("cf.vpn")).toBe("$cf.vpn");
  });

  it("two-valued: the request's stated membership, else not a member; an absent value is in no list", () => {
    expect(two("ip.src in $office_ips", { "ip.src": "192.0.2.1" })).toBe(false);
    expect(two("ip.src in $office_ips", { "ip.src": "192.0.2.1", $office_ips: true })).toBe(true);
    expect(two("ip.src in $office_ips", { "ip.src": "192.0.2.1", $office_ips: false })).toBe(false);
    expect(two("ip.src in $office_ips", { $office_ips: true })).toBe(false);
    expect(two("not ip.src in $cf.vpn", { "ip.src": "192.0.2.1", "$cf.vpn": true })).toBe(false);
  });

  it("three-valued: unknown unless the request states it or the value is absent", () => {
    expect(three("ip.src in $office_ips", { "ip.src": "192.0.2.1" })).toBe("unknown");
    expect(three("not ip.src in $office_ips", { "ip.src": "192.0.2.1" })).toBe("unknown");
    expect(three("ip.src in $office_ips", {})).toBe(false);
    expect(three("ip.src in $office_ips", { "ip.src": "192.0.2.1", $office_ips: true })).toBe(true);
    expect(three('ip.src in $office_ips or http.host eq "a"', { "ip.src": "192.0.2.1", "http.host": "a" })).toBe(true);
    expect(three('ip.src in $office_ips and http.host eq "a"', { "ip.src": "192.0.2.1", "http.host": "b" })).toBe(false);
  });

  it("given its contents (options.lists), decides exactly, and the request's word does not count", () => {
    const contents = { lists: { office_ips: ["192.0.2.0/24"] } };
    const expr = parse("ip.src in $office_ips");
    expect(compileKleeneEvaluator(expr, () => false, contents)({ "ip.src": "192.0.2.1" })).toBe(true);
    expect(compileEvaluator(expr, contents)({ "ip.src": "198.51.100.1", $office_ips: true })).toBe(false);
  });

  // Soundness over membership: a known three-valued result is the two-valued one whatever the
  // lists hold, and stating every membership makes the two agree.
  const leaf = fc.constantFrom<Expr>(
    parse("ip.src in $office_ips"),
    parse("ip.src.asnum in $partner_asns"),
    parse('http.host eq "a"'),
    parse("cf.bot_management.verified_bot"),
  );
  const expr: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      tie("expr").map((operand): Expr => ({ kind: "not", operand })),
      fc.tuple(fc.constantFrom("and", "or", "xor" as const), fc.array(tie("expr"), { minLength: 2, maxLength: 3 })).map(([op, operands]): Expr => ({ kind: "logical", op, operands })),
    ),
  })).expr;
  const fields = fc.record({
    "ip.src": fc.option(fc.constant("192.0.2.1"), { nil: undefined }),
    "ip.src.asnum": fc.option(fc.constant(13335), { nil: undefined }),
    "http.host": fc.option(fc.constantFrom("a", "b"), { nil: undefined }),
    "cf.bot_management.verified_bot": fc.option(fc.boolean(), { nil: undefined }),
  });
  const membership = fc.record({ $office_ips: fc.boolean(), $partner_asns: fc.boolean() });

  it("is sound: a known result holds for every membership", () => {
    fc.assert(
      fc.property(expr, fields, membership, (e, known, members) => {
        const partial = compileKleeneEvaluator(e, () => false)(known);
        const full = compileEvaluator(e)({ ...known, ...members });
        if (partial !== "unknown") expect(partial).toBe(full);
        expect(compileKleeneEvaluator(e, () => false)({ ...known, ...members })).toBe(full);
      }),
      { seed: 20261202, numRuns: 1500 },
    );
  });
});

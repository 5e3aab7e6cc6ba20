import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { checkExpression, nestingDepth } from "../../src/rules/check-expression.js";
import { valueFormatOf, valueProblem } from "../../src/rules/field-values.js";
import { ipProblem } from "../../src/rules/ip-address.js";
import { MAX_NESTING_DEPTH, parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";

describe("ipProblem (the one IP validator, shared by lowering, the checker and the evaluator)", () => {
  it.each([
    ["192.0.2.1", true],
    ["192.0.2.0/24", true],
    ["2001:db8::/32", true],
    ["::1", true],
    ["0.0.0.0/0", true],
  ])("accepts %s", (text, allowCidr) => {
    expect(ipProblem(text, allowCidr)).toBeUndefined();
  });

  it.each([
    ["192.0.2.1/24", "host bits are set (all bits after the prefix must be 0)", "the network is '192.0.2.0/24'."],
    ["2001:db8::1/32", "host bits are set (all bits after the prefix must be 0)", "the network is '2001:db8::/32'."],
    ["2001:db8:0:0:1::/64", "host bits are set (all bits after the prefix must be 0)", "the network is '2001:db8::/64'."],
    ["fe80::1%eth0", expect.stringContaining("zone index"), "write 'fe80::1'."],
    ["fe80::%eth0/64", expect.stringContaining("zone index"), "write 'fe80::/64'."],
    ["::ffff:192.0.2.1", expect.stringContaining("IPv4-mapped"), "write '192.0.2.1'."],
    ["::ffff:192.0.2.0/120", expect.stringContaining("IPv4-mapped"), "write '192.0.2.0/24'."],
    ["192.0.2.256", "not an IPv4 or IPv6 address", undefined],
    ["010.0.0.1", "not an IPv4 or IPv6 address", undefined],
    ["192.0.2.0/33", "'/33' is not a valid prefix length (0-32)", undefined],
  ])("refuses %s", (text, reason, hint) => {
    expect(ipProblem(text, true)).toEqual(hint === undefined ? { reason } : { reason, hint });
  });

  it("refuses a CIDR where one address is expected", () => {
    expect(ipProblem("192.0.2.0/24", false)?.reason).toBe("a CIDR range is not one address");
  });
});

describe("valueProblem", () => {
  it.each<[Parameters<typeof valueProblem>[0], string | number, string | undefined]>([
    ["country", "us", "write 'US'."],
    ["country", "USA", undefined],
    ["method", "get", "write 'GET'."],
    ["ja3", "25B4882C2BCB50CD6B469FF28C596742", "write '25b4882c2bcb50cd6b469ff28c596742'."],
    ["ja4", "T13D1516H2_8DAAF6152771_02713D6AF862", "write 't13d1516h2_8daaf6152771_02713d6af862'."],
    ["ja4_a", "T13D0912H1", "write 't13d0912h1'."],
    ["ja4_b", "8daaf615277", undefined],
    ["asn", 0, undefined],
    ["asn", 2 ** 32, undefined],
  ])("refuses %s '%s'", (format, value, hint) => {
    const problem = valueProblem(format, value);
    expect(problem).toBeDefined();
    expect(problem?.hint).toBe(hint);
  });

  it.each<[Parameters<typeof valueProblem>[0], string | number]>([
    ["country", "US"],
    ["country", "T1"],
    ["method", "PURGE"],
    ["ja4", "t13d1516h2_8daaf6152771_02713d6af862"],
    ["ja4_c", "02713d6af862"],
    ["asn", 4294967295],
  ])("accepts %s '%s'", (format, value) => {
    expect(valueProblem(format, value)).toBeUndefined();
  });

  it("knows a JA4 section by the substring that cuts it", () => {
    const parsed = parseExpression('substring(cf.bot_management.ja4, 11, 23) eq "x"');
    expect(parsed.ok && parsed.expr.kind === "compare" ? valueFormatOf(parsed.expr.left) : undefined).toBe("ja4_b");
  });
});

describe("checkExpression applies the value validators to raw expressions", () => {
  const check = (text: string) => {
    const parsed = parseExpression(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return checkExpression(parsed.expr, { tier: "enterprise", context: "filter", allowWorkerFields: false }).map((e) => [e.message, text.slice(e.start, e.end)]);
  };

  it("refuses a lowercase country, pointing at the value", () => {
    expect(check('ip.src.country eq "us"')).toEqual([[expect.stringContaining("write 'US'"), '"us"']]);
  });

  it("refuses a bad item inside a set, pointing at the item", () => {
    expect(check('cf.bot_management.ja3_hash in {"25b4882c2bcb50cd6b469ff28c596742" "XYZ"}')).toEqual([[expect.stringContaining("a JA3 is 32 lowercase hex characters"), '"XYZ"']]);
  });

  it("refuses an IPv4-mapped address and a JA4 section of the wrong length", () => {
    expect(check("ip.src in {::ffff:192.0.2.1}")).toHaveLength(1);
    expect(check('substring(cf.bot_management.ja4, 0, 10) eq "t13d"')).toHaveLength(1);
  });

  it("accepts well-formed values and fields without a fixed form", () => {
    expect(check('ip.src.country in {"US" "T1"} and http.request.method eq "POST" and http.host eq "Example.COM"')).toEqual([]);
  });
});

describe("nestingDepth counts as the parser does", () => {
  const nest = (depth: number): Expr => {
    let expr: Expr = { kind: "compare", op: "eq", left: { kind: "field", name: "http.host" }, right: { kind: "literal", literal: { type: "string", value: "a" } } };
    for (let i = 0; i < depth; i++) expr = { kind: "not", operand: expr };
    return expr;
  };

  it.each([1, 2, 10, 63, 64, 65])("for %i nested nots", (nots) => {
    const expr = nest(nots);
    const parsed = parseExpression(printExpression(expr));
    expect(parsed.ok).toBe(nestingDepth(expr) <= MAX_NESTING_DEPTH);
    const errors = checkExpression(expr, { tier: "enterprise", context: "filter", allowWorkerFields: false });
    expect(errors.length > 0).toBe(nestingDepth(expr) > MAX_NESTING_DEPTH);
  });
});

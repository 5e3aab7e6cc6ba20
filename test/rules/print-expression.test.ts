import { describe, expect, it } from "vitest";
import type { Expr, SetItem } from "../../src/rules/ast.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression, printLiteral, printRegex, printSetItem, printString } from "../../src/rules/print-expression.js";

const field = (name: string, index?: "*" | number): Expr => (index === undefined ? { kind: "field", name } : { kind: "field", name, index });
const str = (value: string): Expr => ({ kind: "literal", literal: { type: "string", value } });
const int = (value: number): Expr => ({ kind: "literal", literal: { type: "int", value } });
const score = field("cf.bot_management.score");
const verified = field("cf.bot_management.verified_bot");
const staticResource = field("cf.bot_management.static_resource");
const host = field("http.host");

const PRINTED: Array<[string, Expr, string]> = [
  ["a comparison", { kind: "compare", op: "lt", left: score, right: int(30) }, "cf.bot_management.score lt 30"],
  [
    "the likely-bot rule",
    {
      kind: "logical",
      op: "and",
      operands: [
        { kind: "compare", op: "lt", left: score, right: int(30) },
        { kind: "not", operand: verified },
        { kind: "not", operand: staticResource },
      ],
    },
    "(cf.bot_management.score lt 30) and (not cf.bot_management.verified_bot) and (not cf.bot_management.static_resource)",
  ],
  ["a bare Bool field", verified, "cf.bot_management.verified_bot"],
  ["atoms are not parenthesised", { kind: "logical", op: "or", operands: [verified, staticResource] }, "cf.bot_management.verified_bot or cf.bot_management.static_resource"],
  ["not of a comparison", { kind: "not", operand: { kind: "compare", op: "eq", left: host, right: str("a") } }, 'not (http.host eq "a")'],
  ["not of not", { kind: "not", operand: { kind: "not", operand: verified } }, "not (not cf.bot_management.verified_bot)"],
  [
    "nested logical nodes keep their parentheses",
    {
      kind: "logical",
      op: "and",
      operands: [{ kind: "logical", op: "or", operands: [verified, staticResource] }, { kind: "logical", op: "and", operands: [verified, staticResource] }],
    },
    "(cf.bot_management.verified_bot or cf.bot_management.static_resource) and (cf.bot_management.verified_bot and cf.bot_management.static_resource)",
  ],
  ["xor", { kind: "logical", op: "xor", operands: [verified, staticResource] }, "cf.bot_management.verified_bot xor cf.bot_management.static_resource"],
  ["a single-operand logical prints its operand", { kind: "logical", op: "and", operands: [verified] }, "cf.bot_management.verified_bot"],
  ["every operator in English", { kind: "compare", op: "strict wildcard", left: host, right: str("*.Example.com") }, 'http.host strict wildcard "*.Example.com"'],
  ["matches", { kind: "compare", op: "matches", left: host, right: str("^a\\.b$") }, 'http.host matches r"^a\\.b$"'],
  [
    "string set",
    { kind: "in", left: field("cf.bot_management.ja4"), items: [{ type: "string", value: "t13d1516h2_8daaf6152771_02713d6af862" }, { type: "string", value: "b" }] },
    'cf.bot_management.ja4 in {"t13d1516h2_8daaf6152771_02713d6af862" "b"}',
  ],
  [
    "int set with ranges",
    { kind: "in", left: score, items: [{ type: "int_range", from: 1, to: 29 }, { type: "int", value: 99 }] },
    "cf.bot_management.score in {1..29 99}",
  ],
  [
    "IP set",
    { kind: "in", left: field("ip.src"), items: [{ type: "cidr", value: "192.0.2.0/24" }, { type: "cidr", value: "2001:db8::/32" }, { type: "ip", value: "198.51.100.1" }] },
    "ip.src in {192.0.2.0/24 2001:db8::/32 198.51.100.1}",
  ],
  ["a list", { kind: "in_list", left: field("ip.src"), list: "office" }, "ip.src in $office"],
  [
    "any() over [*]",
    { kind: "call", name: "any", args: [{ kind: "compare", op: "eq", left: field("cf.bot_management.detection_ids", "*"), right: int(33554432) }] },
    "any(cf.bot_management.detection_ids[*] eq 33554432)",
  ],
  ["an index", { kind: "compare", op: "eq", left: field("cf.bot_management.detection_ids", 0), right: int(1) }, "cf.bot_management.detection_ids[0] eq 1"],
  [
    "function arguments",
    { kind: "compare", op: "eq", left: { kind: "call", name: "substring", args: [field("http.request.uri.path"), int(0), int(-4)] }, right: str("/api") },
    'substring(http.request.uri.path, 0, -4) eq "/api"',
  ],
  ["a rewrite", { kind: "call", name: "to_string", args: [score] }, "to_string(cf.bot_management.score)"],
  ["negative zero prints as 0", { kind: "compare", op: "eq", left: score, right: int(-0) }, "cf.bot_management.score eq 0"],
  ["an IP literal", { kind: "compare", op: "ne", left: field("ip.src"), right: { kind: "literal", literal: { type: "ip", value: "2001:db8::1" } } }, "ip.src ne 2001:db8::1"],
];

describe("printExpression", () => {
  it.each(PRINTED)("%s", (_name, expr, text) => {
    expect(printExpression(expr)).toBe(text);
    const reparsed = parseExpression(text);
    expect(reparsed.ok).toBe(true);
  });

  it("ignores spans", () => {
    const withSpan: Expr = { kind: "compare", op: "eq", left: { ...host, span: { start: 5, end: 9 } }, right: str("a"), span: { start: 1, end: 2 } };
    expect(printExpression(withSpan)).toBe('http.host eq "a"');
  });

  const INVALID: Array<[string, Expr, string]> = [
    ["an injected field name", { kind: "compare", op: "eq", left: field('http.host eq "x" or http.host'), right: str("a") }, "invalid field name"],
    ["a keyword as field name", field("not"), "invalid field name"],
    ["an invalid IP", { kind: "compare", op: "eq", left: field("ip.src"), right: { kind: "literal", literal: { type: "ip", value: "1.2.3.4} or {" } } }, "invalid IP"],
    ["a CIDR with host bits", { kind: "in", left: field("ip.src"), items: [{ type: "cidr", value: "192.0.2.1/24" }] }, "host bits"],
    ["an empty set", { kind: "in", left: field("ip.src"), items: [] }, "empty set"],
    ["a backwards range", { kind: "in", left: score, items: [{ type: "int_range", from: 5, to: 1 }] }, "starts after it ends"],
    ["a fractional int", { kind: "compare", op: "eq", left: score, right: int(1.5) }, "integer literal"],
    ["an unsafe int", { kind: "compare", op: "eq", left: score, right: int(2 ** 60) }, "integer literal"],
    ["an infinite float", { kind: "compare", op: "lt", left: score, right: { kind: "literal", literal: { type: "float", value: Infinity } } }, "float literal"],
    ["an injected list name", { kind: "in_list", left: field("ip.src"), list: "a or b" }, "invalid list name"],
    ["an empty logical", { kind: "logical", op: "or", operands: [] }, "without operands"],
    ["a bad index", field("cf.bot_management.detection_ids", -1), "invalid index"],
  ];
  it.each(INVALID)("refuses to print %s", (_name, expr, fragment) => {
    expect(() => printExpression(expr)).toThrow(fragment);
  });
});

describe("printString", () => {
  const CASES: Array<[string, string]> = [
    ["plain", '"plain"'],
    ["", '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["tab\there", '"tab\\x09here"'],
    ["line\nfeed\r", '"line\\x0Afeed\\x0D"'],
    ["\u0000\u001f\u007f", '"\\x00\\x1F\\x7F"'],
    ["é", '"\\xC3\\xA9"'],
    ["€", '"\\xE2\\x82\\xAC"'],
    ["😀", '"\\xF0\\x9F\\x98\\x80"'],
    ['"} or true or {"', '"\\"} or true or {\\""'],
  ];
  it.each(CASES)("%j", (value, printed) => {
    expect(printString(value)).toBe(printed);
    expect(printString(value)).not.toMatch(/[\t\n\r]/);
  });
});

describe("printLiteral and printSetItem", () => {
  it.each([
    [0.05, "0.05"],
    [1, "1.0"],
    [-0.5, "-0.5"],
    [-0, "0.0"],
    [1e-7, "0.0000001"],
    [1.5e-10, "0.00000000015"],
    [1.5e21, "1500000000000000000000.0"],
    [123.456, "123.456"],
  ])("prints the float %d as %s", (value, text) => {
    expect(printLiteral({ type: "float", value })).toBe(text);
    expect(Number(text)).toBe(value === 0 ? 0 : value);
  });

  it("prints integers in decimal, never with leading zeros", () => {
    expect(printLiteral({ type: "int", value: 8 })).toBe("8");
    expect(printLiteral({ type: "int", value: -42 })).toBe("-42");
    expect(printLiteral({ type: "int", value: 0 })).toBe("0");
  });

  it("gives the exact printed form (and so the length) of set items", () => {
    const items: Array<[SetItem, string]> = [
      [{ type: "string", value: "t13d1516h2_8daaf6152771_02713d6af862" }, '"t13d1516h2_8daaf6152771_02713d6af862"'],
      [{ type: "int", value: 13335 }, "13335"],
      [{ type: "int_range", from: 2, to: 29 }, "2..29"],
      [{ type: "ip", value: "::1" }, "::1"],
      [{ type: "cidr", value: "10.0.0.0/8" }, "10.0.0.0/8"],
    ];
    for (const [item, text] of items) expect(printSetItem(item)).toBe(text);
    expect(printSetItem(items[0]![0]).length).toBe(38);
  });
});

describe("printRegex", () => {
  // [pattern, printed]: a raw string with one '#' more than any run after a '"'.
  const CASES: Array<[string, string]> = [
    ["\\.php$", 'r"\\.php$"'],
    ["", 'r""'],
    ["#", 'r"#"'],
    ['a"b', 'r#"a"b"#'],
    ['a"#b', 'r##"a"#b"##'],
    ['"##', 'r###""##"###'],
    ['x"', 'r#"x""#'],
    ["\\", 'r"\\"'],
    ["é😀", 'r"é😀"'],
  ];
  it.each(CASES)("%j", (pattern, printed) => {
    expect(printRegex(pattern)).toBe(printed);
    const parsed = parseExpression(`http.host matches ${printed}`);
    expect(parsed.ok && parsed.expr.kind === "compare" && parsed.expr.right).toMatchObject({ literal: { value: pattern } });
  });

  it("is what printExpression writes for matches, and only for matches", () => {
    const regex: Expr = { kind: "compare", op: "matches", left: { kind: "field", name: "http.host" }, right: { kind: "literal", literal: { type: "string", value: '\\d"' } } };
    expect(printExpression(regex)).toBe('http.host matches r#"\\d""#');
    expect(printExpression({ ...regex, op: "contains" })).toBe('http.host contains "\\\\d\\""');
  });

  // Bug guards: compileRegex refuses these, so a checked AST never holds them.
  it.each([["a\tb"], ["a\u200bb"], ["\ud800"], [`"${"#".repeat(255)}`]])("throws for %j", (pattern) => {
    expect(() => printRegex(pattern)).toThrow("Cannot print");
  });
});

describe("strings that are not well-formed Unicode are never printed", () => {
  it.each([["\ud800"], ["a\udc00b"], ["\ude00\ud83d"]])("printString throws for %j instead of writing U+FFFD", (value) => {
    expect(() => printString(value)).toThrow("lone surrogate");
    expect(() => printSetItem({ type: "string", value })).toThrow("lone surrogate");
  });
});

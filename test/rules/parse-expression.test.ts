import { describe, expect, it } from "vitest";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";
import type { Expr } from "../../src/rules/ast.js";

function parseOk(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`expected '${text}' to parse, got ${result.error.message} at ${result.error.start}`);
  return result.expr;
}

const nested = (depth: number) => `${"(".repeat(depth)}http.host eq "a"${")".repeat(depth)}`;

// [input, canonical print]
const VALID: Array<[string, string]> = [
  // fields and comparison operators, English and C-like
  ["cf.bot_management.score lt 30", "cf.bot_management.score lt 30"],
  ["cf.bot_management.score < 30", "cf.bot_management.score lt 30"],
  ["cf.bot_management.score <= 30", "cf.bot_management.score le 30"],
  ["cf.bot_management.score > 30", "cf.bot_management.score gt 30"],
  ["cf.bot_management.score >= 30", "cf.bot_management.score ge 30"],
  ["cf.bot_management.score == 30", "cf.bot_management.score eq 30"],
  ["cf.bot_management.score != 30", "cf.bot_management.score ne 30"],
  ["cf.bot_management.score ne 30", "cf.bot_management.score ne 30"],
  ['http.user_agent ~ "bot"', 'http.user_agent matches r"bot"'],
  ['http.user_agent matches "^curl/"', 'http.user_agent matches r"^curl/"'],
  ['http.user_agent contains "bot"', 'http.user_agent contains "bot"'],
  ['http.request.uri.path wildcard "/api/*"', 'http.request.uri.path wildcard "/api/*"'],
  ['http.request.uri.path strict wildcard "/Admin/*"', 'http.request.uri.path strict wildcard "/Admin/*"'],
  ["cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05", "cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05"],
  ["risk.network.anonymization.tor", "risk.network.anonymization.tor"],
  ["risk.client.automation.known_bot.detected", "risk.client.automation.known_bot.detected"],
  // map keys, second indexes and indexes of a function's result
  ['http.request.headers["x-api-key"][0] == "k"', 'http.request.headers["x-api-key"][0] eq "k"'],
  ['any(http.request.headers["x-api-key"][*] eq "k")', 'any(http.request.headers["x-api-key"][*] eq "k")'],
  ['any(http.request.cookies["app"][*] == "test")', 'any(http.request.cookies["app"][*] eq "test")'],
  ['any(lower(http.request.headers.names[*])[*] contains "bot")', 'any(lower(http.request.headers.names[*])[*] contains "bot")'],
  ["any(len(http.request.headers.values[*])[*] gt 10)", "any(len(http.request.headers.values[*])[*] gt 10)"],
  ['any(http.request.body.multipart.names[*][0] == "picture")', 'any(http.request.body.multipart.names[*][0] eq "picture")'],
  ['lower(http.host)[0] eq "a"', 'lower(http.host)[0] eq "a"'],
  ['http.request.headers["a\\"b"][*]', 'http.request.headers["a\\"b"][*]'],
  ['http.request.headers["*"][0] eq "a"', 'http.request.headers["*"][0] eq "a"'],
  // whitespace: space, CR and LF, and none where the engine needs none
  ["http.host eq \"a\"\r\nand\ncf.bot_management.verified_bot", '(http.host eq "a") and cf.bot_management.verified_bot'],
  ['http.host eq"a"', 'http.host eq "a"'],
  ["not(cf.bot_management.verified_bot)", "not cf.bot_management.verified_bot"],
  // not / and / xor / or, precedence not > and > xor > or
  ["!cf.bot_management.verified_bot", "not cf.bot_management.verified_bot"],
  ["not not a", "not (not a)"],
  ["a and b", "a and b"],
  ["a && b", "a and b"],
  ["a || b", "a or b"],
  ["a ^^ b", "a xor b"],
  ["a and b and c", "a and b and c"],
  ["a or b and c", "a or (b and c)"],
  ["a and b or c", "(a and b) or c"],
  ["a xor b and c", "a xor (b and c)"],
  ["a or b xor c", "a or (b xor c)"],
  ["a && b || c ^^ d", "(a and b) or (c xor d)"],
  ["not a and b", "(not a) and b"],
  ["not a eq 1 and b", "(not (a eq 1)) and b"],
  ["(a and b) and c", "(a and b) and c"],
  ["a and (b and c)", "a and (b and c)"],
  ["(a or b) and c", "(a or b) and c"],
  ["((a))", "a"],
  [
    "cf.bot_management.score lt 30 and not cf.bot_management.verified_bot and not cf.bot_management.static_resource",
    "(cf.bot_management.score lt 30) and (not cf.bot_management.verified_bot) and (not cf.bot_management.static_resource)",
  ],
  // sets: strings, ints, ranges, IPs and CIDRs, space separated; lists
  ['http.host in { "a"   "b" }', 'http.host in {"a" "b"}'],
  ["ip.src.asnum in {1..29 99}", "ip.src.asnum in {1..29 99}"],
  ["ip.src.asnum in {-20..-10 0}", "ip.src.asnum in {-20..-10 0}"],
  ["ip.src in {192.0.2.0/24 2001:db8::/32 198.51.100.7 ::1}", "ip.src in {192.0.2.0/24 2001:db8::/32 198.51.100.7 ::1}"],
  ["ip.src in {fe80::/10 ::ffff:192.0.2.1}", "ip.src in {fe80::/10 ::ffff:192.0.2.1}"],
  ["ip.src in $office_ips", "ip.src in $office_ips"],
  ["ip.src in $cf.open_proxies", "ip.src in $cf.open_proxies"],
  // integers: decimal, leading 0 = octal, 0x hex, negative (always decimal)
  ["ip.src.asnum eq 010", "ip.src.asnum eq 8"],
  ["ip.src.asnum eq 0", "ip.src.asnum eq 0"],
  ["ip.src.asnum eq 0x1f", "ip.src.asnum eq 31"],
  ["ip.src.asnum eq -5", "ip.src.asnum eq -5"],
  ["ip.src.asnum eq -010", "ip.src.asnum eq -10"],
  ["ip.src.asnum in {010..0x10}", "ip.src.asnum in {8..16}"],
  ["ip.src.asnum eq 9007199254740991", "ip.src.asnum eq 9007199254740991"],
  // IP literals
  ["ip.src eq 192.0.2.1", "ip.src eq 192.0.2.1"],
  ["ip.src eq 2001:db8::1", "ip.src eq 2001:db8::1"],
  ["ip.src ne ::1", "ip.src ne ::1"],
  ["ip.src eq fe80::1", "ip.src eq fe80::1"],
  // strings: escapes, raw strings with any number of #, UTF-8
  ['http.host eq ""', 'http.host eq ""'],
  ['http.host eq "a\\"b\\\\c"', 'http.host eq "a\\"b\\\\c"'],
  ['http.host eq "\\x41\\x42\\103"', 'http.host eq "ABC"'],
  ['http.host eq "\\x0a\\011"', 'http.host eq "\\x0A\\x09"'],
  ['http.host eq "é"', 'http.host eq "\\xC3\\xA9"'],
  ['http.host eq "\\xC3\\xA9"', 'http.host eq "\\xC3\\xA9"'],
  ['http.host eq "\\303\\251"', 'http.host eq "\\xC3\\xA9"'],
  ['http.host eq "😀"', 'http.host eq "\\xF0\\x9F\\x98\\x80"'],
  ['http.user_agent matches r"\\d+\\.\\d"', 'http.user_agent matches r"\\d+\\.\\d"'],
  ['http.host eq r""', 'http.host eq ""'],
  ['http.host eq r#"say "hi""#', 'http.host eq "say \\"hi\\""'],
  ['http.host eq r##"a"#b"##', 'http.host eq "a\\"#b"'],
  ['http.host eq r###"x"##y"###', 'http.host eq "x\\"##y"'],
  ['http.host eq "tab\there"', 'http.host eq "tab\\x09here"'],
  // functions and indexes
  ["any(cf.bot_management.detection_ids[*] eq 33554432)", "any(cf.bot_management.detection_ids[*] eq 33554432)"],
  ["all(cf.bot_management.detection_ids[*] in {1..5})", "all(cf.bot_management.detection_ids[*] in {1..5})"],
  ["cf.bot_management.detection_ids[0] eq 1", "cf.bot_management.detection_ids[0] eq 1"],
  ['starts_with(http.request.uri.path, "/api/")', 'starts_with(http.request.uri.path, "/api/")'],
  ['ends_with( http.request.uri.path , ".php" )', 'ends_with(http.request.uri.path, ".php")'],
  ['lower(http.host) eq "shop.example.com"', 'lower(http.host) eq "shop.example.com"'],
  ['upper(http.request.method) eq "GET"', 'upper(http.request.method) eq "GET"'],
  ["len(http.user_agent) gt 512", "len(http.user_agent) gt 512"],
  ['substring(http.request.uri.path, 0, 4) eq "/api"', 'substring(http.request.uri.path, 0, 4) eq "/api"'],
  ['substring(http.request.uri.path, -4) eq ".php"', 'substring(http.request.uri.path, -4) eq ".php"'],
  ['concat(http.host, "/", http.request.uri.path) eq "a/b"', 'concat(http.host, "/", http.request.uri.path) eq "a/b"'],
  ['url_decode(http.request.uri.query, "r") contains "<script"', 'url_decode(http.request.uri.query, "r") contains "<script"'],
  ["to_string(cf.bot_management.score)", "to_string(cf.bot_management.score)"],
  ['any(lower(http.host) eq "a" or cf.bot_management.detection_ids[*] eq 1)', 'any((lower(http.host) eq "a") or (cf.bot_management.detection_ids[*] eq 1))'],
  // nesting up to the limit is fine
  [nested(128), 'http.host eq "a"'],
  [`${"not ".repeat(3)}a`, "not (not (not a))"],
];

// [input, message fragment, start offset]
const INVALID: Array<[string, string, number]> = [
  ["http.host eq \"a\"\tand b", "tab character", 16],
  ["\thttp.host", "tab character", 0],
  ['http.host eq "a\\nb"', "Invalid escape '\\n'", 15],
  ['http.host eq "\\t"', "Invalid escape '\\t'", 14],
  ['http.host eq "\\x4"', "two hexadecimal digits", 14],
  ['http.host eq "\\x4g"', "two hexadecimal digits", 14],
  ['http.host eq "\\400"', "octal escape", 14],
  ['http.host eq "\\18"', "octal escape", 14],
  ['http.host eq "\\xff"', "not valid UTF-8", 13],
  ['http.host eq "abc', "no closing '\"'", 13],
  ['http.host eq "abc\\', "no closing '\"'", 13],
  ['http.host eq r#"abc"', "no closing '\"#'", 13],
  ['http.host eq r##"abc"#', "no closing '\"##'", 13],
  ["http.host eq r#abc", "Expected '\"'", 13],
  ["http.host eq 'a'", "double quotes", 13],
  ['http.host in {"a", "b"}', "not commas", 17],
  ["ip.src.asnum in {1,2}", "not commas", 18],
  ["ip.src.asnum eq 08", "octal", 16],
  ["ip.src.asnum eq 0x", "hexadecimal", 16],
  ["ip.src.asnum eq 12ab", "not a valid value", 16],
  ["ip.src.asnum eq 9007199254740992", "out of range", 16],
  ["ip.src.asnum in {5..1}", "starts after it ends", 17],
  ["ip.src in {10.0.0.0..10.0.0.255}", "IP ranges", 11],
  ["ip.src eq 192.0.2.0/24", "only allowed inside a set", 10],
  ["ip.src.asnum eq 1..5", "only allowed inside a set", 16],
  ["ip.src in {192.0.2.1/24}", "host bits", 11],
  ["ip.src in {192.0.2.0/33}", "prefix length", 11],
  ["ip.src eq 300.1.1.1", "not a valid IP address", 10],
  ["ip.src eq 01.2.3.4", "not a valid IP address", 10],
  ["ip.src eq 1:2:3", "not a valid IP address", 10],
  ["ip.src eq 1::2::3", "not a valid IP address", 10],
  ["cf.bot_management.score lt 1.", "not a valid number", 27],
  ["cf.bot_management.verified_bot eq true", "'true' is not a value", 34],
  ["http.host eq true", "'true' is not a value", 13],
  ["http.host in {true}", "'true' is not a value", 14],
  ["http.host eq http.user_agent", "only be compared with a literal", 13],
  ['http.host = "a"', "'eq' or '=='", 10],
  ["a & b", "'and' or '&&'", 2],
  ["a | b", "'or' or '||'", 2],
  ["http.host in {}", "at least one item", 13],
  ['http.host in {"a"', "no closing '}'", 13],
  ['http.host in "a"', "'{' or a '$list'", 13],
  ['http.host eq {"a"}', "needs 'in'", 13],
  ["http.host in $", "list name", 13],
  ['"a"', "cannot stand alone", 0],
  ["http.host eq", "a value after 'eq'", 10],
  ['(http.host eq "a"', "')'", 17],
  ['http.host eq "a")', "the end of the expression", 16],
  ['http.host eq "a" b', "found 'b'", 17],
  ['http.host eq "a" AND b', "Keywords are lowercase: write 'and'", 17],
  ['http.host EQ "a"', "Keywords are lowercase: write 'eq'", 10],
  ['NOT http.host eq "a"', "found 'http.host'", 4],
  ['and http.host eq "a"', "keyword 'and'", 0],
  ['foo(http.host) eq "a"', "Unknown function 'foo'", 0],
  ['lower(http.host, ) eq "a"', "found ')'", 17],
  ['lower(http.host eq "a"', "',' or ')'", 22],
  ["cf.bot_management.detection_ids[-1] eq 1", "non-negative integer", 32],
  ['http.host strict "a"', "'strict' must be followed by 'wildcard'", 10],
  ["http.host eq \u00a0\"a\"", "U+00A0", 13],
  ["http..host", "not a valid field name", 0],
  ["", "the end of the expression", 0],
  [nested(129), "deeper than 128", 128],
  [`${"not ".repeat(129)}a`, "deeper than 128", 512],
  [`${"lower(".repeat(129)}http.host${")".repeat(129)} eq "a"`, "deeper than 128", 128 * 6 + 5],
];

describe("parseExpression: valid input prints canonically", () => {
  it.each(VALID)("%j", (input, printed) => {
    expect(printExpression(parseOk(input))).toBe(printed);
  });
});

describe("parseExpression: invalid input is rejected with a located error", () => {
  it.each(INVALID)("%j", (input, fragment, start) => {
    const result = parseExpression(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain(fragment);
    expect(result.error.start).toBe(start);
    expect(result.error.end).toBeGreaterThanOrEqual(result.error.start);
    expect(result.error.end).toBeLessThanOrEqual(input.length);
  });
});

describe("parseExpression: AST shape and spans", () => {
  it("puts a span on every node, pointing into the text", () => {
    const text = 'not (http.host eq "a" or ip.src in {192.0.2.0/24}) and any(cf.bot_management.detection_ids[*] eq 5)';
    const expr = parseOk(text);
    expect(expr).toMatchObject({ kind: "logical", op: "and", span: { start: 0, end: text.length } });
    const spans: string[] = [];
    const visit = (node: Expr) => {
      expect(node.span).toBeDefined();
      spans.push(text.slice(node.span?.start, node.span?.end));
      if (node.kind === "compare") [node.left, node.right].forEach(visit);
      if (node.kind === "in" || node.kind === "in_list") visit(node.left);
      if (node.kind === "not") visit(node.operand);
      if (node.kind === "logical") node.operands.forEach(visit);
      if (node.kind === "call") node.args.forEach(visit);
    };
    visit(expr);
    expect(spans).toContain('http.host eq "a"');
    expect(spans).toContain('"a"');
    expect(spans).toContain("ip.src in {192.0.2.0/24}");
    expect(spans).toContain("cf.bot_management.detection_ids[*]");
    expect(spans).toContain("any(cf.bot_management.detection_ids[*] eq 5)");
    expect(spans).toContain('not (http.host eq "a" or ip.src in {192.0.2.0/24})');
  });

  it("records set item spans and literal kinds", () => {
    const expr = parseOk("ip.src in {192.0.2.0/24 ::1}");
    expect(expr).toEqual({
      kind: "in",
      left: { kind: "field", name: "ip.src", span: { start: 0, end: 6 } },
      items: [
        { type: "cidr", value: "192.0.2.0/24", span: { start: 11, end: 23 } },
        { type: "ip", value: "::1", span: { start: 24, end: 27 } },
      ],
      span: { start: 0, end: 28 },
    });
  });

  it("distinguishes int and float literals", () => {
    expect(parseOk("cf.bot_management.ja4_signals.uas_rank_1h lt 10")).toMatchObject({ right: { literal: { type: "int", value: 10 } } });
    expect(parseOk("cf.bot_management.ja4_signals.uas_rank_1h lt 10.0")).toMatchObject({ right: { literal: { type: "float", value: 10 } } });
    expect(parseOk("cf.bot_management.ja4_signals.uas_rank_1h gt -0.5")).toMatchObject({ right: { literal: { type: "float", value: -0.5 } } });
  });

  it("parses a long flat chain without recursion limits", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `ip.src.asnum eq ${i}`).join(" or ");
    const expr = parseOk(text);
    expect(expr.kind === "logical" && expr.operands.length).toBe(5000);
  });
});

describe("regex literals are read as the engine reads them", () => {
  function pattern(text: string): string {
    const expr = parseOk(text);
    if (expr.kind !== "compare" || expr.right.kind !== "literal" || expr.right.literal.type !== "string") {
      throw new Error(`'${text}' is not a comparison with a string`);
    }
    return expr.right.literal.value;
  }

  // [expression text, the pattern Cloudflare compiles]
  const REGEXES: Array<[string, string]> = [
    // On the right of matches/~ a quoted string keeps its backslashes (regex escaping rules).
    ['http.host matches "\\.php$"', "\\.php$"],
    ['http.host matches "\\\\.php$"', "\\\\.php$"],
    ['http.host ~ "\\d+"', "\\d+"],
    ['http.host matches "a\\\\"', "a\\\\"],
    ['http.host matches "\\x{E9}\\xC3"', "\\x{E9}\\xC3"],
    // `\"` outside a class is a quote; inside a class the backslash stays, and `"` does not end it.
    ['http.host matches "say \\"hi\\""', 'say "hi"'],
    ['http.host matches "[\\"]"', '[\\"]'],
    ['http.host matches "["]"', '["]'],
    ['http.host matches "[a\\]"]"', '[a\\]"]'],
    ['http.host matches "é😀"', "é😀"],
    ['http.host matches ""', ""],
    // Raw strings are the same in every context.
    ['http.host matches r"\\.php$"', "\\.php$"],
    ['http.host matches r#"a"b"#', 'a"b'],
    ['http.host matches r##"a"#b"##', 'a"#b'],
    ['http.host matches r"\\"', "\\"],
    // A plain string is still read with string escaping.
    ['http.host eq "\\\\.php"', "\\.php"],
    ['http.host eq r"\\.php"', "\\.php"],
    ['http.host contains r#"x"y"#', 'x"y'],
  ];
  it.each(REGEXES)("%s", (text, expected) => {
    expect(pattern(text)).toBe(expected);
  });

  it("reads a regex literal inside any(…) and keeps spans on the literal", () => {
    const text = 'any(x.y[*] matches "\\.a") and http.host eq "b"';
    const expr = parseOk(text);
    expect(expr).toMatchObject({
      kind: "logical",
      operands: [
        { kind: "call", args: [{ kind: "compare", right: { literal: { value: "\\.a" }, span: { start: 19, end: 24 } } }] },
        { kind: "compare", right: { span: { start: 43, end: 46 } } },
      ],
    });
  });

  it("accepts raw strings wherever a string literal is allowed", () => {
    expect(printExpression(parseOk('starts_with(http.host, r"/\\x") and http.host in {r"a" r#"b"c"#}'))).toBe(
      'starts_with(http.host, "/\\\\x") and (http.host in {"a" "b\\"c"})',
    );
  });

  // [text, message fragment, start offset]
  const BAD: Array<[string, string, number]> = [
    // The engine's class tracking does not nest: the literal ends after `[[:alpha:]`.
    ['http.host matches "[[:alpha:]"]"', "no closing '\"'", 31],
    ['http.host matches "abc\\"', "no closing '\"'", 18],
    ['http.host matches "abc', "no closing '\"'", 18],
    ['http.host matches "\\.php" and http.host eq "\\."', "Invalid escape '\\.'", 44],
    ['starts_with(http.host, "\\.")', "Invalid escape '\\.'", 24],
    ['http.host eq "\\xC3"', "not valid UTF-8", 13],
    ['http.host eq "a\ud800"', "not well-formed Unicode", 15],
    ['http.host eq r"a\udc00"', "not well-formed Unicode", 16],
    ['http.host matches "\ud800"', "not well-formed Unicode", 18],
    [`http.host eq r${"#".repeat(256)}"a"${"#".repeat(256)}`, "at most 255", 13],
  ];
  it.each(BAD)("%j", (text, message, start) => {
    const result = parseExpression(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain(message);
      expect(result.error.start).toBe(start);
    }
  });
});

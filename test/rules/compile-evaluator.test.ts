import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import {
  compileEvaluator,
  compileValueEvaluator,
  evaluateValue,
  type FieldValues,
} from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

function parse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`'${text}' does not parse: ${result.error.message}`);
  return result.expr;
}

function evaluate(text: string, fields: FieldValues, lists?: Record<string, (string | number)[]>): boolean {
  return compileEvaluator(parse(text), lists === undefined ? {} : { lists })(fields);
}

describe("absent fields follow the engine", () => {
  // [expression, result when the field is absent]
  const ABSENT: Array<[string, boolean]> = [
    ['http.host eq "a"', false],
    ['http.host ne "a"', true],
    ['http.host lt "a"', false],
    ['http.host ge ""', false],
    ['http.host contains ""', false],
    ['http.host matches ".*"', false],
    ['http.host wildcard "*"', false],
    ['http.host strict wildcard "*"', false],
    ['http.host in {"a"}', false],
    ["cf.bot_management.score eq 0", false],
    ["cf.bot_management.score ne 0", true],
    ["cf.bot_management.score lt 100", false],
    ["cf.bot_management.score in {0..99}", false],
    ["ip.src eq 192.0.2.1", false],
    ["ip.src ne 192.0.2.1", true],
    ["ip.src in {0.0.0.0/0 ::/0}", false],
    ["ip.src in $office", false],
    ["cf.bot_management.verified_bot", false],
    ["not cf.bot_management.verified_bot", true],
    ['not (http.host eq "a")', true],
    ['not (http.host ne "a")', false],
    ['lower(http.host) eq "a"', false],
    ['lower(http.host) ne "a"', true],
    ['starts_with(http.host, "")', false],
    ['not starts_with(http.host, "")', true],
    ["len(http.host) ge 0", false],
    ["any(cf.bot_management.detection_ids[*] eq 1)", false],
    ["any(cf.bot_management.detection_ids[*] ne 1)", false],
    ["all(cf.bot_management.detection_ids[*] eq 1)", false],
    ["not any(cf.bot_management.detection_ids[*] eq 1)", true],
    ["cf.bot_management.detection_ids[0] eq 1", false],
    ["cf.bot_management.detection_ids[0] ne 1", true],
  ];
  it.each(ABSENT)("%s is %s", (text, expected) => {
    expect(evaluate(text, {}, { office: ["192.0.2.0/24"] })).toBe(expected);
    // null is absent too; so is a value of the wrong JavaScript type.
    const name = text.match(/[a-z_]+(\.[a-z0-9_]+)+/)?.[0] as string;
    expect(evaluate(text, { [name]: null })).toBe(expected);
    expect(evaluate(text, { [name]: { unexpected: true } })).toBe(expected);
  });

  it("a present false Bool is false and its negation true", () => {
    expect(evaluate("cf.bot_management.verified_bot", { "cf.bot_management.verified_bot": false })).toBe(false);
    expect(evaluate("not cf.bot_management.verified_bot", { "cf.bot_management.verified_bot": false })).toBe(true);
    expect(evaluate("cf.bot_management.verified_bot", { "cf.bot_management.verified_bot": "true" })).toBe(false);
  });
});

describe("logic", () => {
  const t = { "cf.bot_management.verified_bot": true, "cf.bot_management.static_resource": false, "cf.bot_management.corporate_proxy": true };
  it.each([
    ["cf.bot_management.verified_bot and cf.bot_management.static_resource", false],
    ["cf.bot_management.verified_bot or cf.bot_management.static_resource", true],
    ["cf.bot_management.verified_bot xor cf.bot_management.static_resource", true],
    ["cf.bot_management.verified_bot xor cf.bot_management.corporate_proxy", false],
    ["cf.bot_management.verified_bot xor cf.bot_management.corporate_proxy xor cf.bot_management.verified_bot", true],
    ["cf.bot_management.static_resource or cf.bot_management.static_resource or cf.bot_management.corporate_proxy", true],
    ["cf.bot_management.verified_bot and cf.bot_management.corporate_proxy and not cf.bot_management.static_resource", true],
    ["cf.bot_management.static_resource or cf.bot_management.verified_bot and cf.bot_management.static_resource", false],
    ["not cf.bot_management.static_resource and cf.bot_management.verified_bot", true],
  ])("%s is %s", (text, expected) => {
    expect(evaluate(text, t)).toBe(expected);
  });

  it("evaluates Cloudflare's likely-bot rule", () => {
    const rule = "cf.bot_management.score lt 30 and not cf.bot_management.verified_bot and not cf.bot_management.static_resource";
    expect(evaluate(rule, { "cf.bot_management.score": 5 })).toBe(true);
    expect(evaluate(rule, { "cf.bot_management.score": 30 })).toBe(false);
    expect(evaluate(rule, { "cf.bot_management.score": 5, "cf.bot_management.verified_bot": true })).toBe(false);
    expect(evaluate(rule, {})).toBe(false);
  });
});

describe("numbers, ranges and sets", () => {
  it.each([
    [1, true],
    [2, true],
    [29, true],
    [99, true],
    [0, false],
    [30, false],
    [98, false],
    [100, false],
  ])("score %d in {1..29 99} is %s", (score, expected) => {
    expect(evaluate("cf.bot_management.score in {1..29 99}", { "cf.bot_management.score": score })).toBe(expected);
  });

  it("merges overlapping ranges and negative bounds", () => {
    const rule = "ip.src.asnum in {-20..-10 5..10 8..15 100}";
    const matches = [-20, -15, -10, 5, 12, 15, 100].map((n) => evaluate(rule, { "ip.src.asnum": n }));
    const misses = [-21, -9, 4, 16, 99].map((n) => evaluate(rule, { "ip.src.asnum": n }));
    expect(matches.every(Boolean)).toBe(true);
    expect(misses.some(Boolean)).toBe(false);
  });

  it.each([
    ["cf.bot_management.score lt 30", 29, true],
    ["cf.bot_management.score lt 30", 30, false],
    ["cf.bot_management.score le 30", 30, true],
    ["cf.bot_management.score gt 30", 30, false],
    ["cf.bot_management.score ge 30", 30, true],
    ["cf.bot_management.score eq 010", 8, true],
  ])("%s with %d is %s", (text, score, expected) => {
    expect(evaluate(text, { "cf.bot_management.score": score })).toBe(expected);
  });

  it("compares worker Float fields with float and int literals", () => {
    const fields = { "cf.bot_management.ja4_signals.browser_ratio_1h": 0.04, "cf.bot_management.ja4_signals.uas_rank_1h": 7 };
    expect(evaluate("cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05", fields)).toBe(true);
    expect(evaluate("cf.bot_management.ja4_signals.browser_ratio_1h gt 0.05", fields)).toBe(false);
    expect(evaluate("cf.bot_management.ja4_signals.uas_rank_1h le 7", fields)).toBe(true);
    expect(evaluate("cf.bot_management.ja4_signals.uas_rank_1h in {1..5}", fields)).toBe(false);
  });

  it("matches strings in sets exactly", () => {
    const rule = 'cf.bot_management.ja4 in {"t13d1516h2_8daaf6152771_02713d6af862" "q13d0312h3_55b375c5d22e_06cda9e17597"}';
    expect(evaluate(rule, { "cf.bot_management.ja4": "t13d1516h2_8daaf6152771_02713d6af862" })).toBe(true);
    expect(evaluate(rule, { "cf.bot_management.ja4": "T13D1516H2_8DAAF6152771_02713D6AF862" })).toBe(false);
  });
});

describe("IP addresses", () => {
  const rule = "ip.src in {192.0.2.0/24 198.51.100.7 2001:db8::/32 ::1}";
  it.each([
    ["192.0.2.0", true],
    ["192.0.2.255", true],
    ["192.0.3.0", false],
    ["192.0.1.255", false],
    ["198.51.100.7", true],
    ["198.51.100.8", false],
    ["2001:db8::", true],
    ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true],
    ["2001:DB8:0:0:0:0:0:1", true],
    ["2001:db9::", false],
    ["2001:db7:ffff::", false],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::2", false],
    ["::ffff:192.0.2.1", false],
    ["not an ip", false],
    ["", false],
  ])("%s in the office set is %s", (ip, expected) => {
    expect(evaluate(rule, { "ip.src": ip })).toBe(expected);
  });

  it("covers everything with /0 but keeps families apart", () => {
    expect(evaluate("ip.src in {0.0.0.0/0}", { "ip.src": "255.255.255.255" })).toBe(true);
    expect(evaluate("ip.src in {0.0.0.0/0}", { "ip.src": "::" })).toBe(false);
    expect(evaluate("ip.src in {::/0}", { "ip.src": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" })).toBe(true);
    expect(evaluate("ip.src in {::/0}", { "ip.src": "10.0.0.1" })).toBe(false);
  });

  it("compares addresses numerically, not textually", () => {
    expect(evaluate("ip.src eq 2001:db8::1", { "ip.src": "2001:0db8:0000::0001" })).toBe(true);
    expect(evaluate("ip.src ne 2001:db8::1", { "ip.src": "2001:db8::2" })).toBe(true);
    expect(evaluate("ip.src ne 2001:db8::1", { "ip.src": "2001:db8::1" })).toBe(false);
    expect(evaluate("ip.src eq 192.0.2.1", { "ip.src": "::ffff:192.0.2.1" })).toBe(false);
  });

  it("matches custom lists of IPs, CIDRs, ASNs and hostnames", () => {
    const lists = { office: ["192.0.2.0/24", "2001:db8::1"], asns: [13335, 64496], hosts: ["shop.example.com"] };
    expect(evaluate("ip.src in $office", { "ip.src": "192.0.2.9" }, lists)).toBe(true);
    expect(evaluate("ip.src in $office", { "ip.src": "2001:db8::1" }, lists)).toBe(true);
    expect(evaluate("ip.src in $office", { "ip.src": "2001:db8::2" }, lists)).toBe(false);
    expect(evaluate("ip.src.asnum in $asns", { "ip.src.asnum": 13335 }, lists)).toBe(true);
    expect(evaluate("ip.src.asnum in $asns", { "ip.src.asnum": 1 }, lists)).toBe(false);
    expect(evaluate("http.host in $hosts", { "http.host": "shop.example.com" }, lists)).toBe(true);
    expect(evaluate("http.host in $unknown", { "http.host": "shop.example.com" }, lists)).toBe(false);
  });
});

describe("strings and patterns", () => {
  const ua = (value: string) => ({ "http.user_agent": value, "http.request.uri.path": value });
  it.each([
    ['http.user_agent contains "bot"', "Googlebot/2.1", true],
    ['http.user_agent contains "Bot"', "Googlebot/2.1", false],
    ['http.user_agent matches "^curl/\\d"', "curl/8.1", true],
    ['http.user_agent matches "^curl/\\d"', "xcurl/8.1", false],
    // A quoted regex keeps its backslashes: "\\d" is the regex \\d, a backslash then 'd'.
    ['http.user_agent matches "^curl/\\\\d"', "curl/8.1", false],
    ['http.user_agent matches "^curl/\\\\d"', "curl/\\d", true],
    ['http.user_agent matches "(?i)^CURL"', "curl/8.1", true],
    ['http.user_agent matches "bot$"', "a bot\n", false],
    ['http.request.uri.path wildcard "/admin/*"', "/ADMIN/users", true],
    ['http.request.uri.path strict wildcard "/admin/*"', "/ADMIN/users", false],
    ['http.request.uri.path strict wildcard "/admin/*"', "/admin/", true],
    ['http.request.uri.path wildcard "/admin/*"', "/admin", false],
    ['http.request.uri.path wildcard "*.php"', "/x/y.PHP", true],
    ['http.request.uri.path wildcard "/a*b*c"', "/aXXbYYc", true],
    ['http.request.uri.path wildcard "/a*b*c"', "/aXXbYYcd", false],
    ['http.request.uri.path wildcard r"/lit\\*"', "/lit*", true],
    ['http.request.uri.path wildcard r"/lit\\*"', "/litx", false],
    ['http.request.uri.path wildcard "a.c"', "abc", false],
    ['http.request.uri.path wildcard "é"', "É", false],
    ['http.request.uri.path wildcard "*"', "line\nbreak", true],
    ['http.user_agent lt "b"', "a", true],
    ['http.user_agent lt "b"', "b", false],
    ['http.user_agent lt "b"', "", true],
    ['http.user_agent lt "\\xF0\\x9F\\x98\\x80"', "\uffff", true],
    ['http.user_agent gt "\\xEF\\xBF\\xBF"', "😀", true],
    ['http.user_agent eq "caf\\xC3\\xA9"', "café", true],
  ])("%s on %j is %s", (text, value, expected) => {
    expect(evaluate(text, ua(value))).toBe(expected);
  });
});

describe("functions", () => {
  const fields: FieldValues = {
    "http.host": "Shop.Example.COM",
    "http.request.uri.path": "/api/Café/x.php",
    "http.request.uri.query": "q=%253Cscript%3E+x&u=%u00e9",
    "http.user_agent": "Mozilla/5.0 😀",
    "cf.bot_management.score": 5,
    "cf.bot_management.verified_bot": true,
    "cf.bot_management.detection_ids": [1, 33554432, 7],
    "ip.src": "192.0.2.1",
  };
  it.each([
    ['lower(http.host) eq "shop.example.com"', true],
    ['upper(http.host) eq "SHOP.EXAMPLE.COM"', true],
    ['lower(http.request.uri.path) eq "/api/café/x.php"', true],
    ['upper(http.request.uri.path) eq "/API/CAFé/X.PHP"', true],
    ["len(http.host) eq 16", true],
    ["len(http.request.uri.path) eq 16", true],
    ["len(http.user_agent) eq 16", true],
    ["len(cf.bot_management.detection_ids) eq 3", true],
    ['starts_with(http.request.uri.path, "/api/")', true],
    ['starts_with(http.request.uri.path, "/API/")', false],
    ['ends_with(http.request.uri.path, ".php")', true],
    ['substring(http.request.uri.path, 0, 4) eq "/api"', true],
    ['substring(http.request.uri.path, -4) eq ".php"', true],
    ['substring(http.request.uri.path, 5, 9) eq "Caf\\xC3\\xA9"', false],
    ['substring(http.request.uri.path, 5, 10) eq "Caf\\xC3\\xA9"', true],
    ['concat(lower(http.host), http.request.uri.path) eq "shop.example.com/api/Café/x.php"', true],
    ['url_decode(http.request.uri.query) contains "%3Cscript> x"', true],
    ['url_decode(http.request.uri.query, "r") contains "<script> x"', true],
    ['url_decode(http.request.uri.query, "u") contains "u=\\xC3\\xA9"', true],
    ["any(cf.bot_management.detection_ids[*] eq 33554432)", true],
    ["any(cf.bot_management.detection_ids[*] eq 2)", false],
    ["all(cf.bot_management.detection_ids[*] gt 0)", true],
    ["all(cf.bot_management.detection_ids[*] lt 10)", false],
    ["any(cf.bot_management.detection_ids[*] in {2..8})", true],
    ["any(not (cf.bot_management.detection_ids[*] lt 100) and cf.bot_management.detection_ids[*] ne 7)", true],
    ["cf.bot_management.detection_ids[1] eq 33554432", true],
    ["cf.bot_management.detection_ids[5] ne 1", true],
  ])("%s is %s", (text, expected) => {
    expect(evaluate(text, fields)).toBe(expected);
  });

  it("any() and all() of an empty array", () => {
    const empty = { "cf.bot_management.detection_ids": [] };
    expect(evaluate("any(cf.bot_management.detection_ids[*] eq 1)", empty)).toBe(false);
    expect(evaluate("all(cf.bot_management.detection_ids[*] eq 1)", empty)).toBe(true);
  });

  it("evaluates rewrite values", () => {
    const rewrite = compileValueEvaluator(parse("to_string(cf.bot_management.score)"));
    expect(rewrite(fields)).toBe("5");
    expect(rewrite({})).toBeUndefined();
    expect(evaluateValue(parse("to_string(cf.bot_management.verified_bot)"), fields)).toBe("true");
    expect(evaluateValue(parse("to_string(ip.src)"), fields)).toBe("192.0.2.1");
    expect(evaluateValue(parse("cf.bot_management.ja4"), { "cf.bot_management.ja4": "t13d" })).toBe("t13d");
    expect(evaluateValue(parse("lower(cf.bot_management.detection_ids[*])"), {})).toBeUndefined();
  });
});

describe("worker fields", () => {
  it("reads Risk Intelligence values by their full name", () => {
    const rule = "risk.risk_scores.overall ge 4 or risk.client.automation.automation_tool.detected or risk.network.anonymization.tor";
    expect(evaluate(rule, { "risk.risk_scores.overall": 4 })).toBe(true);
    expect(evaluate(rule, { "risk.risk_scores.overall": 2, "risk.network.anonymization.tor": true })).toBe(true);
    expect(evaluate(rule, { "risk.risk_scores.overall": 2, "risk.network.anonymization.tor": false })).toBe(false);
    expect(evaluate(rule, {})).toBe(false);
  });
});

describe("compilation", () => {
  it("throws on ASTs the checker rejects", () => {
    expect(() => compileEvaluator(parse('http.host matches "("'))).toThrow("Invalid pattern");
    expect(() => compileEvaluator(parse("cf.bot_management.detection_ids[*] eq 1"))).toThrow("any(");
    expect(() => compileEvaluator(parse("cf.bot_management.score contains 1"))).toThrow("cannot compare numbers");
  });
});

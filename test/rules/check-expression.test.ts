import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { checkExpression, expressionType, noteCheckedItems, type CheckOptions } from "../../src/rules/check-expression.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

const EDGE_ENTERPRISE: CheckOptions = { tier: "enterprise", context: "filter", allowWorkerFields: false };
const WORKER: CheckOptions = { tier: "enterprise", context: "filter", allowWorkerFields: true };

function parse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`'${text}' does not parse: ${result.error.message}`);
  return result.expr;
}

function check(text: string, options: Partial<CheckOptions> = {}) {
  return checkExpression(parse(text), { ...EDGE_ENTERPRISE, ...options });
}

// [expression, options, message fragment, the text the error must point at]
const ERRORS: Array<[string, Partial<CheckOptions>, string, string]> = [
  ['http.hots eq "a"', {}, "Unknown field 'http.hots'. Did you mean 'http.host'?", "http.hots"],
  ['http.host eq "a" and nope.nothing', {}, "Unknown field 'nope.nothing'.", "nope.nothing"],
  [
    'http.host eq "a" and cf.bot_management.ja4_signals.h2h3_ratio_1h gt 0.5',
    {},
    "exists only in the Worker",
    "cf.bot_management.ja4_signals.h2h3_ratio_1h",
  ],
  ["risk.network.anonymization.tor", {}, "exists only in the Worker", "risk.network.anonymization.tor"],
  ["ip.src lt 192.0.2.1", {}, "'lt' does not apply to Ip", "ip.src lt 192.0.2.1"],
  ['ip.src.asnum contains "13"', {}, "'contains' applies only to String values", 'ip.src.asnum contains "13"'],
  ['ip.src.asnum wildcard "1*"', {}, "'wildcard' applies only to String", 'ip.src.asnum wildcard "1*"'],
  ['ip.src matches "1"', {}, "'matches' applies only to String", 'ip.src matches "1"'],
  ['ip.src.asnum eq "13335"', {}, "needs an Int value, not a String", '"13335"'],
  ["http.host eq 1", {}, "needs a String value, not an Int", "1"],
  ['ip.src eq "192.0.2.1"', {}, "needs an Ip value, not a String", '"192.0.2.1"'],
  ["cf.bot_management.score lt 29.5", {}, "needs an Int value, not a Float", "29.5"],
  ["http.host contains 1", {}, "needs a string, not an Int", "1"],
  ['ip.src in {192.0.2.0/24 "x"}', {}, "This set item is a string, but Field 'ip.src' is Ip", '"x"'],
  ['ip.src.asnum in {1 2..3 "a"}', {}, "is a string, but Field 'ip.src.asnum' is Int", '"a"'],
  ["http.host in {1}", {}, "is an integer, but Field 'http.host' is String", "1"],
  ["ip.src.asnum in {10.0.0.0/8}", {}, "is a CIDR, but Field 'ip.src.asnum' is Int", "10.0.0.0/8"],
  ["http.host", {}, "Field 'http.host' is String; a bare field is a condition only when it is Bool", "http.host"],
  ["ip.src.asnum", {}, "Field 'ip.src.asnum' is Int; a bare field", "ip.src.asnum"],
  ["http.host and cf.bot_management.verified_bot", {}, "a bare field is a condition only when it is Bool", "http.host"],
  ['not lower(http.host)', {}, "'lower(…)' returns String, not Bool", "lower(http.host)"],
  ["cf.bot_management.verified_bot eq 1", {}, "is Bool: use it as a condition by itself", "cf.bot_management.verified_bot"],
  ["cf.bot_management.detection_ids[*] eq 1", {}, "'[*]' is only allowed inside any(…) or all(…)", "cf.bot_management.detection_ids[*]"],
  ["cf.bot_management.detection_ids eq 1", {}, "is an array", "cf.bot_management.detection_ids"],
  ['http.host[0] eq "a"', {}, "not an array or a map, so it cannot be indexed", "http.host[0]"],
  ['lower(cf.bot_management.detection_ids[*]) eq "a"', {}, "Argument 1 of 'lower' must be String, not Int (each element of '[*]')", "cf.bot_management.detection_ids[*]"],
  ['len(cf.bot_management.detection_ids[*]) gt 1', {}, "Argument 1 of 'len' must be String or an array, not Int (each", "cf.bot_management.detection_ids[*]"],
  ['to_string(cf.bot_management.detection_ids[*]) eq "1"', {}, "yields one Bool per element: wrap it in any(…) or all(…)", 'to_string(cf.bot_management.detection_ids[*]) eq "1"'],
  ["to_string(cf.bot_management.detection_ids[*])", { context: "rewrite" }, "must produce a String, but this one is Array<String>", "to_string(cf.bot_management.detection_ids[*])"],
  ['to_string(cf.bot_management.score) eq "5"', {}, "to_string() is only allowed in transform-rule rewrite expressions", "to_string(cf.bot_management.score)"],
  ["cf.bot_management.score lt 5", { context: "rewrite" }, "A rewrite expression must produce a String, but this one is Bool", "cf.bot_management.score lt 5"],
  ['http.user_agent matches "bot"', { tier: "pro" }, "'matches' (regular expressions) needs the Business or Enterprise plan", 'http.user_agent matches "bot"'],
  ['http.host eq "a" or http.user_agent ~ "bot"', { tier: "free" }, "needs the Business or Enterprise plan, but the zone is on 'free'", 'http.user_agent ~ "bot"'],
  ["cf.bot_management.score lt 30", { tier: "business" }, "needs the Enterprise plan with Bot Management, but the zone is on 'business'", "cf.bot_management.score"],
  ['lower(http.host, "a") eq "x"', {}, "'lower' takes 1 argument, but 2 were given", 'lower(http.host, "a")'],
  ["starts_with(http.host)", {}, "'starts_with' takes 2 arguments, but 1 was given", "starts_with(http.host)"],
  ['substring(http.host) eq "x"', {}, "'substring' takes 2 to 3 arguments", "substring(http.host)"],
  ['lower(ip.src.asnum) eq "1"', {}, "Argument 1 of 'lower' must be String, not Int", "ip.src.asnum"],
  ["starts_with(http.host, http.user_agent)", {}, "Argument 2 of 'starts_with' must be a string literal", "http.user_agent"],
  ['substring(http.host, "1") eq "x"', {}, "Argument 2 of 'substring' must be an integer literal", '"1"'],
  ['url_decode(http.request.uri.query, "x") eq "a"', {}, "may only contain the options 'r' and 'u'", '"x"'],
  ['any(http.host eq "a")', {}, "Argument 1 of 'any' must be a '[*]' condition", 'http.host eq "a"'],
  ['len(http.host, ip.src) gt 1', {}, "'len' takes 1 argument", "len(http.host, ip.src)"],
  [
    'any(cf.bot_management.detection_ids[*] eq 1 and http.host eq "a")',
    {},
    "Cannot combine a per-element '[*]' condition with a single condition in 'and'",
    'cf.bot_management.detection_ids[*] eq 1 and http.host eq "a"',
  ],
  ['http.host matches "("', {}, "Invalid regular expression", '"("'],
  ['http.host matches "(?=a)b"', {}, "look-around assertions are not supported", '"(?=a)b"'],
  ['http.host wildcard r"a\\b"', {}, "Invalid wildcard pattern: a backslash may only escape", 'r"a\\b"'],
  ["ip.src in $office", { tier: "enterprise" }, "", ""],
  ["cf.bot_management.ja4_signals.browser_ratio_1h in $office", WORKER, "Lists hold IPs, ASNs and hostnames", "cf.bot_management.ja4_signals.browser_ratio_1h in $office"],
];

describe("checkExpression: each check, located by span", () => {
  it.each(ERRORS.filter(([, , fragment]) => fragment !== ""))("%j", (text, options, fragment, at) => {
    const errors = check(text, options);
    expect(errors.map((error) => error.message).join(" | ")).toContain(fragment);
    const error = errors.find((candidate) => candidate.message.includes(fragment));
    expect(error?.start).toBe(text.indexOf(at));
    expect(error?.end).toBe(text.indexOf(at) + at.length);
  });
});

describe("checkExpression: valid expressions", () => {
  const VALID: Array<[string, Partial<CheckOptions>]> = [
    ["cf.bot_management.score lt 30 and not cf.bot_management.verified_bot and not cf.bot_management.static_resource", {}],
    ['cf.verified_bot_category in {"Search Engine Crawler" "Advertising & Marketing"}', { tier: "free" }],
    ['http.host lt "m"', { tier: "free" }],
    ["ip.src in {192.0.2.0/24 2001:db8::/32} and ip.src.asnum in {1..29 13335}", { tier: "free" }],
    ["ip.src eq 2001:db8::1 or ip.src ne 192.0.2.1", { tier: "free" }],
    ["any(cf.bot_management.detection_ids[*] eq 33554432)", {}],
    ["all(cf.bot_management.detection_ids[*] in {1..5})", {}],
    ["any(not (cf.bot_management.detection_ids[*] eq 1) and cf.bot_management.detection_ids[*] gt 0)", {}],
    ["not any(cf.bot_management.detection_ids[*] eq 1)", {}],
    ["cf.bot_management.detection_ids[0] eq 1 and len(cf.bot_management.detection_ids) gt 2", {}],
    ['starts_with(http.request.uri.path, "/api/") and not ends_with(http.request.uri.path, ".js")', { tier: "free" }],
    ['lower(http.host) eq "a" and upper(http.request.method) eq "GET" and len(http.user_agent) gt 0', { tier: "free" }],
    ['substring(http.request.uri.path, 0, 4) eq "/api" and concat(http.host, "/") eq "a/"', { tier: "free" }],
    ['url_decode(http.request.uri.query, "ru") contains "<script"', { tier: "free" }],
    ['http.user_agent matches "(?i)^curl/"', { tier: "business" }],
    ['http.request.uri.path wildcard "/api/*" and http.host strict wildcard "*.Example.com"', { tier: "free" }],
    ['http.request.uri.path wildcard r"/literal\\*star"', { tier: "free" }],
    ["cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05 and cf.bot_management.ja4_signals.uas_rank_1h lt 10", WORKER],
    ['risk.risk_scores.overall ge 4 or risk.client.automation.automation_tool.detected or risk.network.as.number eq 13335 or risk.network.geolocation.country.iso2 eq "DE"', WORKER],
    ["ip.src in $office or ip.src.asnum in $bad_asns", { tier: "free" }],
  ];
  it.each(VALID)("%j", (text, options) => {
    expect(check(text, options)).toEqual([]);
  });

  it("accepts to_string and String values in rewrite expressions", () => {
    expect(check("to_string(cf.bot_management.score)", { context: "rewrite" })).toEqual([]);
    expect(check("cf.bot_management.ja4", { context: "rewrite" })).toEqual([]);
    expect(check("to_string(cf.bot_management.verified_bot)", { context: "rewrite" })).toEqual([]);
  });
});

describe("checkExpression: nodes built without text", () => {
  it("reports at 0..0 when a node has no span", () => {
    const expr: Expr = { kind: "compare", op: "eq", left: { kind: "field", name: "http.hots" }, right: { kind: "literal", literal: { type: "string", value: "a" } } };
    expect(checkExpression(expr, EDGE_ENTERPRISE)).toEqual([
      { message: "Unknown field 'http.hots'. Did you mean 'http.host'?", start: 0, end: 0 },
    ]);
  });

  it("rejects a field on the right of a comparison", () => {
    const expr: Expr = { kind: "compare", op: "eq", left: { kind: "field", name: "http.host" }, right: { kind: "field", name: "http.user_agent" } };
    expect(checkExpression(expr, EDGE_ENTERPRISE)[0]?.message).toContain("must be a literal value");
  });

  it("rejects a literal on the left of a comparison", () => {
    const expr: Expr = { kind: "compare", op: "eq", left: { kind: "literal", literal: { type: "int", value: 1 } }, right: { kind: "literal", literal: { type: "int", value: 1 } } };
    expect(checkExpression(expr, EDGE_ENTERPRISE)[0]?.message).toContain("must be a field or a function call");
  });

  it("rejects invalid set items built by code", () => {
    const expr: Expr = {
      kind: "in",
      left: { kind: "field", name: "ip.src" },
      items: [{ type: "cidr", value: "192.0.2.1/24" }, { type: "ip", value: "999.0.0.1" }],
    };
    const messages = checkExpression(expr, EDGE_ENTERPRISE).map((error) => error.message);
    expect(messages).toEqual([expect.stringContaining("host bits set"), "'999.0.0.1' is not a valid IP address."]);
  });

  it("rejects an empty set", () => {
    const expr: Expr = { kind: "in", left: { kind: "field", name: "ip.src" }, items: [] };
    expect(checkExpression(expr, EDGE_ENTERPRISE)[0]?.message).toBe("A set needs at least one item.");
  });
});

describe("expressionType", () => {
  it.each([
    ["cf.bot_management.score", "Int"],
    ["cf.bot_management.score lt 3", "Bool"],
    ["lower(http.host)", "String"],
    ["len(http.host)", "Int"],
    ["ip.src", "Ip"],
    ["cf.bot_management.detection_ids", "Array<Int>"],
    ["cf.bot_management.ja4_signals.ips_rank_1h", "Float"],
    ["to_string(ip.src)", "String"],
    ["any(cf.bot_management.detection_ids[*] eq 1)", "Bool"],
    ["lower(cf.bot_management.detection_ids[*])", undefined],
    ["nope", undefined],
  ])("%s is %s", (text, type) => {
    expect(expressionType(parse(text))).toBe(type);
  });
});

describe("strings that are not well-formed Unicode", () => {
  const host: Expr = { kind: "field", name: "http.host", span: { start: 0, end: 9 } };
  const lone = (value: string): Expr => ({ kind: "literal", literal: { type: "string", value }, span: { start: 13, end: 16 } });
  it.each([
    ["eq", { kind: "compare", op: "eq", left: host, right: lone("a\ud800") }],
    ["matches", { kind: "compare", op: "matches", left: host, right: lone("\udc00") }],
    ["a function argument", { kind: "call", name: "starts_with", args: [host, lone("\ud83d")] }],
  ] as Array<[string, Expr]>)("are reported in %s, at the literal", (_, expr) => {
    expect(checkExpression(expr, EDGE_ENTERPRISE)).toEqual([
      { message: expect.stringContaining("not well-formed Unicode"), start: 13, end: 16 },
    ]);
  });

  it("are reported in a set, at the item", () => {
    const expr: Expr = { kind: "in", left: host, items: [{ type: "string", value: "ok" }, { type: "string", value: "\ud800", span: { start: 20, end: 23 } }] };
    expect(checkExpression(expr, EDGE_ENTERPRISE)).toEqual([
      { message: expect.stringContaining("not well-formed Unicode"), start: 20, end: 23 },
    ]);
  });
});

describe("item lists noted as checked", () => {
  const membership = (field: string, items: string[]): Extract<Expr, { kind: "in" }> => ({
    kind: "in",
    left: { kind: "field", name: field },
    items: items.map((value) => ({ type: "string", value })),
  });

  it("are not read again for the format they were checked for", () => {
    // A list no validator would pass, noted as checked: only its noting can make it pass.
    const noted = membership("cf.bot_management.ja4", ["not-a-ja4"]);
    noteCheckedItems(noted.items, "ja4");
    expect(checkExpression(noted, EDGE_ENTERPRISE)).toEqual([]);
  });

  it("are read in full for another format, and unnoted lists always are", () => {
    const other = membership("cf.bot_management.ja3_hash", ["not-a-ja3"]);
    noteCheckedItems(other.items, "ja4");
    expect(checkExpression(other, EDGE_ENTERPRISE).map((e) => e.message)).toEqual([expect.stringContaining("a JA3 is 32 lowercase hex characters")]);
    expect(checkExpression(membership("cf.bot_management.ja4", ["not-a-ja4"]), EDGE_ENTERPRISE)).toHaveLength(1);
  });
});

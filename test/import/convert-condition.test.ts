import { describe, expect, it } from "vitest";
import { canonicalCondition } from "../../src/import/canonical-condition.js";
import { convertCondition, SET_THRESHOLD } from "../../src/import/convert-condition.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

const convert = (expression: string) => convertCondition(expression, "r", new Set());

const ja4s = (n: number) => Array.from({ length: n }, (_, i) => `t13d${String(1516 + i)}h2_8daaf6152771_02713d6af862`);

describe("an expression on policy fields becomes when:", () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ["cf.bot_management.score lt 30", { bot_score: { lt: 30 } }],
    ["cf.bot_management.score ge 1 and cf.bot_management.score le 29", { bot_score: { ge: 1, le: 29 } }],
    ["cf.bot_management.score in {1..29}", { bot_score: ["automated", "likely_automated"] }],
    ["cf.bot_management.score in {2..29 30..99}", { bot_score: ["likely_automated", "likely_human"] }],
    ["cf.bot_management.score in {1..33}", { bot_score: ["automated", "likely_automated", 30, 31, 32, 33] }],
    ["cf.bot_management.score == 1", { bot_score: 1 }],
    ["not cf.bot_management.verified_bot and cf.bot_management.static_resource", { verified_bot: false, static_resource: true }],
    ['cf.verified_bot_category in {"Search Engine Crawler" "AI Crawler"}', { verified_bot_category: ["Search Engine Crawler", "AI Crawler"] }],
    ["cf.bot_management.corporate_proxy && !cf.bot_management.js_detection.passed", { corporate_proxy: true, js_detection_passed: false }],
    ["any(cf.bot_management.detection_ids[*] in {201326592 33554817})", { detection_ids: [201326592, 33554817] }],
    ["any(cf.bot_management.detection_ids[*] eq 5)", { detection_ids: [5] }],
    ['cf.bot_management.ja3_hash eq "25b4882c2bcb50cd6b469ff28c596742"', { ja3: "25b4882c2bcb50cd6b469ff28c596742" }],
    ['cf.bot_management.ja4 eq "t13d1516h2_8daaf6152771_02713d6af862"', { ja4: "t13d1516h2_8daaf6152771_02713d6af862" }],
    ['substring(cf.bot_management.ja4, 0, 10) eq "t13d1516h2"', { ja4_a: "t13d1516h2" }],
    ['substring(cf.bot_management.ja4, 11, 23) in {"8daaf6152771" "aaaaaaaaaaaa"}', { ja4_b: ["8daaf6152771", "aaaaaaaaaaaa"] }],
    ['substring(cf.bot_management.ja4, 24, 36) ne "02713d6af862"', { ja4_c: { ne: "02713d6af862" } }],
    ['http.host eq "shop.example.com" and http.request.method in {"GET" "HEAD"}', { host: "shop.example.com", method: ["GET", "HEAD"] }],
    ['http.host eq "caf\\xc3\\xa9.example"', { host: "café.example" }],
    ['starts_with(http.request.uri.path, "/api/") and ends_with(http.request.uri.path, ".json")', { path: { starts_with: "/api/", ends_with: ".json" } }],
    ['http.request.uri.path wildcard "/wp-admin/*"', { path: { wildcard: "/wp-admin/*" } }],
    ['http.user_agent contains "UptimeRobot"', { user_agent: { contains: "UptimeRobot" } }],
    ["ip.src in {192.0.2.0/24 2001:db8::/32} and ip.src.asnum in {13335 14061}", { ip: ["192.0.2.0/24", "2001:db8::/32"], asn: [13335, 14061] }],
    ["ip.src eq 198.51.100.7", { ip: "198.51.100.7" }],
    ["ip.src in {198.51.100.7 198.51.100.7}", { ip: "198.51.100.7" }],
    ["ip.src.asnum in {13335 14061 13335}", { asn: [13335, 14061] }],
    ["not ip.src in {198.51.100.7 198.51.100.8}", { ip: { not_in: ["198.51.100.7", "198.51.100.8"] } }],
    ['ip.src.country in {"KP" "IR"} or ip.src.country eq "RU"', { any: [{ country: ["KP", "IR"] }, { country: "RU" }] }],
    ['http.host eq "a.example" or (http.host eq "b.example" or http.host eq "c.example")', { any: [{ host: "a.example" }, { host: "b.example" }, { host: "c.example" }] }],
    ['not (http.host eq "a.example" or cf.bot_management.verified_bot)', { not: { any: [{ host: "a.example" }, { verified_bot: true }] } }],
    // One field twice with one operator cannot share a map: the second goes into `all:`.
    ['http.request.uri.path contains "a" and http.request.uri.path contains "b"', { path: { contains: "a" }, all: [{ path: { contains: "b" } }] }],
    // Keys in the field table's order, whatever the expression's order.
    ['ip.src.country eq "FR" and cf.bot_management.score lt 30 and http.request.uri.path eq "/login"', { bot_score: { lt: 30 }, path: "/login", country: "FR" }],
  ];
  for (const [expression, when] of cases) {
    it(expression, () => {
      expect(convert(expression)).toEqual({ kind: "when", when, sets: {} });
    });
  }
});

describe("an expression that does not map exactly stays whole, with the reason", () => {
  const cases: Array<[string, string]> = [
    ['http.cookie contains "session="', "reads 'http.cookie', which is not a policy field"],
    ['lower(http.request.uri.path) eq "/login"', "uses lower()"],
    ['http.user_agent matches "(?i)curl"', "uses a regex ('matches')"],
    ['http.request.uri.path strict wildcard "/a*"', "uses 'strict wildcard'"],
    ['http.request.headers["x-api-key"][0] eq "k"', "reads 'http.request.headers', which is not a policy field"],
    ['http.request.uri.query contains "debug" and cf.bot_management.score lt 30', "reads 'http.request.uri.query', which is not a policy field"],
    ["ip.src in $cf.open_proxies", "uses the list '$cf.open_proxies'"],
    ["ip.src.asnum in {13335..13340}", "has a set item of 'ip.src.asnum' that 'when:' cannot write"],
    ["cf.bot_management.score in {40..60}", "has the bot score range 40..60, which is not made of bands"],
    ["cf.bot_management.verified_bot xor cf.bot_management.static_resource", "uses 'xor'"],
    ["true", "is the constant 'true'"],
    // YAML would carry these invisibly; the expression's escapes show them.
    ['http.user_agent contains "\\xe2\\x80\\x8b"', "has a value with the invisible character U+200B, which its escapes show"],
    ['http.host in {"a.example" "b\\x00.example"}', "has a value with the invisible character U+0000, which its escapes show"],
    // Valid Rules language that `when:` refuses: a score of 0 ("not computed").
    ["cf.bot_management.score eq 0", "has a value the policy language refuses (BP308: Invalid bot score '0': scores are 1 to 99.)"],
  ];
  for (const [expression, reason] of cases) {
    it(expression, () => {
      expect(convert(expression)).toEqual({ kind: "expression", reason });
    });
  }
});

describe("large lists become named sets", () => {
  it(`moves a list of more than ${SET_THRESHOLD} items into a sorted, typed set named after the rule and field`, () => {
    const items = ja4s(SET_THRESHOLD + 2).reverse();
    const result = convertCondition(`cf.bot_management.ja4 in {${items.map((v) => JSON.stringify(v)).join(" ")}}`, "block-scrapers", new Set());
    expect(result).toEqual({ kind: "when", when: { ja4: "$block-scrapers-ja4" }, sets: { "block-scrapers-ja4": { type: "ja4", items: [...items].sort() } } });
  });

  it(`keeps ${SET_THRESHOLD} items inline`, () => {
    const items = ja4s(SET_THRESHOLD);
    expect(convert(`cf.bot_management.ja4 in {${items.map((v) => JSON.stringify(v)).join(" ")}}`)).toMatchObject({ kind: "when", when: { ja4: items }, sets: {} });
  });

  it("names sets apart within a rule and across the policy, sorts numbers by value and drops repeats", () => {
    const asns = [64512, 100, 9, 13335, 14061, 15169, 16509, 8075, 24940, 16276, 63949, 9];
    const ips = Array.from({ length: 11 }, (_, i) => `198.51.100.${20 - i}`);
    const taken = new Set(["r-asn"]);
    const result = convertCondition(`ip.src.asnum in {${asns.join(" ")}} or (not ip.src in {${ips.join(" ")}} and not ip.src.asnum in {${asns.join(" ")}})`, "r", taken);
    expect(result).toEqual({
      kind: "when",
      when: { any: [{ asn: "$r-asn-2" }, { ip: { not_in: "$r-ip" }, asn: { not_in: "$r-asn-3" } }] },
      sets: {
        "r-asn-2": { type: "asn", items: [9, 100, 8075, 13335, 14061, 15169, 16276, 16509, 24940, 63949, 64512] },
        "r-ip": { type: "ip", items: [...ips].sort() },
        "r-asn-3": { type: "asn", items: [9, 100, 8075, 13335, 14061, 15169, 16276, 16509, 24940, 63949, 64512] },
      },
    });
    expect([...taken].sort()).toEqual(["r-asn", "r-asn-2", "r-asn-3", "r-ip"]);
  });

  it("leaves detection ids inline, since there is no set of them", () => {
    const ids = Array.from({ length: 12 }, (_, i) => 1000 + i);
    expect(convert(`any(cf.bot_management.detection_ids[*] in {${ids.join(" ")}})`)).toEqual({ kind: "when", when: { detection_ids: ids }, sets: {} });
  });
});

describe("canonicalCondition", () => {
  const canonical = (text: string): string => {
    const parsed = parseExpression(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return canonicalCondition(parsed.expr);
  };

  it("is equal for rewrites that keep every decision", () => {
    expect(canonical("(a.b eq 1 and c.d) and e.f")).toBe(canonical("e.f and (c.d and a.b eq 1)"));
    expect(canonical("x.y in {1 2..29 5}")).toBe(canonical("x.y in {1..29}"));
    expect(canonical('x.y in {"b" "a" "b"}')).toBe(canonical('x.y in {"a" "b"}'));
    expect(canonical("ip.src in {192.0.2.1}")).toBe(canonical("ip.src eq 192.0.2.1"));
  });

  it("differs where a decision can differ", () => {
    expect(canonical("a.b xor c.d and e.f")).not.toBe(canonical("c.d and e.f xor a.b"));
    expect(canonical("x.y in {1..29}")).not.toBe(canonical("x.y in {1..28}"));
    expect(canonical("x.y in {1 3}")).not.toBe(canonical("x.y in {1..3}"));
    expect(canonical("a.b lt 30")).not.toBe(canonical("a.b le 30"));
    expect(canonical("not (a.b eq 1)")).not.toBe(canonical("a.b eq 1"));
    expect(canonical("ip.src in {192.0.2.0/24}")).not.toBe(canonical("ip.src eq 192.0.2.0"));
  });
});

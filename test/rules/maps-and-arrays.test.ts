import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { checkExpression, type CheckOptions } from "../../src/rules/check-expression.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { fieldWarnings } from "../../src/rules/field-warnings.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

const ENTERPRISE: CheckOptions = { tier: "enterprise", context: "filter", allowWorkerFields: false };

function parse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`'${text}' does not parse: ${result.error.message}`);
  return result.expr;
}

function errorsOf(text: string, options: Partial<CheckOptions> = {}): Array<{ message: string; at: string }> {
  return checkExpression(parse(text), { ...ENTERPRISE, ...options }).map((e) => ({ message: e.message, at: text.slice(e.start, e.end) }));
}

const HEADERS: FieldValues = {
  "http.request.headers": { "x-api-key": ["k1", "k2"], accept: ["text/html"] },
  "http.request.headers.names": ["X-Api-Key", "X-Api-Key", "Accept"],
  "http.request.headers.values": ["k1", "k2", "text/html"],
  "http.request.body.multipart.names": [["username"], ["picture"]],
};

describe("maps and arrays of Cloudflare's catalogue", () => {
  it.each([
    'http.request.headers["x-api-key"][0] eq "k1"',
    'any(http.request.headers["x-api-key"][*] eq "k2")',
    'all(http.request.headers["x-api-key"][*] contains "k")',
    'any(lower(http.request.headers.names[*])[*] eq "x-api-key")',
    "any(len(http.request.headers.values[*])[*] gt 5)",
    'any(http.request.body.multipart.names[*][0] eq "picture")',
    'any(http.request.headers[*][0] eq "text/html")',
    "len(http.request.headers.names) eq 3",
    // `[*][*]` flattens an array of arrays, as the engine's index chain does (a rule in erfianugrah/erfianugrah-cf-tf).
    'any(http.request.body.multipart.names[*][*] eq "picture")',
    'any(url_decode(http.request.body.multipart.names[*][*], "u")[*] ~ "^pic")',
  ])("%s type-checks and is true for a request with those headers", (text) => {
    expect(errorsOf(text)).toEqual([]);
    expect(compileEvaluator(parse(text))(HEADERS)).toBe(true);
  });

  it.each([
    'http.request.headers["x-api-key"][2] eq "k1"',
    'any(http.request.headers["authorization"][*] eq "k1")',
    'http.request.headers["authorization"][0] ne "k1"',
  ])("%s reads an absent element as the engine does", (text) => {
    const expected = text.includes(" ne ");
    expect(compileEvaluator(parse(text))(HEADERS)).toBe(expected);
    // A request without headers: the whole map is absent.
    expect(compileEvaluator(parse(text))({})).toBe(expected);
  });

  it("does not read an inherited key of a map", () => {
    expect(compileEvaluator(parse('any(http.request.headers["constructor"][*] ne "x")'))(HEADERS)).toBe(false);
  });

  it.each([
    ['http.request.headers eq "a"', "is Map<Array<String>>: read one key", "http.request.headers"],
    ['http.request.headers[0][0] eq "a"', "a map is indexed by a quoted key", "http.request.headers[0]"],
    ['http.request.headers.names["a"] eq "a"', "an array is indexed by a number", 'http.request.headers.names["a"]'],
    ['http.request.headers["a"] eq "a"', "is an array (Array<String>)", 'http.request.headers["a"]'],
    ['http.request.headers["a"][*] eq "a"', "'[*]' is only allowed inside any(…)", 'http.request.headers["a"][*]'],
    ['http.host["a"] eq "a"', "not an array or a map, so it cannot be indexed", 'http.host["a"]'],
    ['any(http.request.headers.names[*][*] eq "a")', "'[*]' cannot follow another '[*]'", "http.request.headers.names[*][*]"],
    ['any(http.request.accepted_languages[*] eq "fr")', "only available in Transform Rules", "http.request.accepted_languages[*]"],
  ])("%s is refused: %s", (text, fragment, at) => {
    const [error] = errorsOf(text);
    expect(error?.message).toContain(fragment);
    expect(error?.at).toBe(at);
  });

  it.each([
    ['any(http.request.cookies["app"][*] eq "test")', "free", "needs the Pro plan or above, but the zone is on 'free'"],
    ['cf.waf.score.class eq "attack"', "pro", "needs the Business plan or above"],
    ["cf.waf.score lt 20", "business", "needs the Enterprise plan, but"],
    ["cf.api_gateway.auth_id_present", "business", "needs the Enterprise plan with a paid add-on"],
    ["cf.bot_management.score lt 30", "business", "needs the Enterprise plan with Bot Management"],
  ])("%s on %s: %s", (text, tier, fragment) => {
    expect(errorsOf(text, { tier: tier as CheckOptions["tier"] })[0]?.message).toContain(fragment);
    expect(errorsOf(text)).toEqual([]);
  });

  it("warns about deprecated and retired fields, at each, with what replaced them", () => {
    const text = 'ip.geoip.country eq "GB" and cf.threat_score gt 10 and ip.src.country eq "GB"';
    expect(errorsOf(text)).toEqual([]);
    const warnings = fieldWarnings(parse(text)).map((w) => ({ message: w.message, at: text.slice(w.start, w.end) }));
    expect(warnings).toEqual([
      { message: "Field 'ip.geoip.country' is deprecated: write 'ip.src.country', which has the same value.", at: "ip.geoip.country" },
      {
        message: "Field 'cf.threat_score' is retired: Cloudflare now sets it to 0 for every request, so a condition on it no longer tells requests apart.",
        at: "cf.threat_score",
      },
    ]);
  });

  it("checks the values of a deprecated alias as those of the field that replaced it", () => {
    expect(errorsOf('ip.geoip.country eq "gb"')[0]?.message).toContain("uppercase");
    expect(errorsOf("ip.geoip.asnum in {0}")[0]?.message).toContain("an AS number is an integer from 1");
  });
});

describe("Cloudflare's functions for custom rules", () => {
  const REQUEST: FieldValues = {
    "ip.src": "113.10.0.2",
    "http.request.body.raw": '{"record_id":"aed53a","version":2,"network":{"name":"cloudflare"},"ids":[123,456],"f":42.5}',
    "http.request.headers": { client_id: ["MTIzYWJj"], "x-url": ["aHR0cHM6Ly9leGFtcGxlLmNvbS8_YT0x"] },
    "http.request.headers.names": ["Client_Id", "X-Url"],
    "http.host": "www.cloudflare.com",
  };

  it.each([
    ["cidr(ip.src, 24, 24) eq 113.10.0.0", true],
    ["cidr(ip.src, 8, 24) eq 113.0.0.0", true],
    ["cidr6(ip.src, 24) eq 113.10.0.2", true],
    ['any(decode_base64(http.request.headers["client_id"][*])[*] eq "123abc")', true],
    ['decode_base64(http.request.headers["x-url"][0]) eq "https://example.com/?a=1"', true],
    ['join(http.request.headers.names, ",") eq "Client_Id,X-Url"', true],
    ['lookup_json_integer(http.request.body.raw, "version") eq 2', true],
    ['lookup_json_integer(http.request.body.raw, "ids", 1) eq 456', true],
    ['lookup_json_integer(http.request.body.raw, "f") eq 42', false],
    ['lookup_json_string(http.request.body.raw, "network", "name") eq "cloudflare"', true],
    ['lookup_json_string(http.request.body.raw, "version") ne "2"', true],
    ['remove_bytes(http.host, "\\x2e\\x77") eq "cloudflarecom"', true],
  ])("%s is %s", (text, expected) => {
    expect(errorsOf(text)).toEqual([]);
    expect(compileEvaluator(parse(text))(REQUEST)).toBe(expected);
  });

  it("reads a body that is not JSON, or a header that is not Base64, as absent", () => {
    const broken = { "http.request.body.raw": "{", "http.request.headers": { client_id: ["%%%"] } };
    expect(compileEvaluator(parse('lookup_json_string(http.request.body.raw, "a") ne "x"'))(broken)).toBe(true);
    expect(compileEvaluator(parse('lookup_json_string(http.request.body.raw, "a") eq "x"'))(broken)).toBe(false);
    expect(compileEvaluator(parse('decode_base64(http.request.headers["client_id"][0]) ne "x"'))(broken)).toBe(true);
    expect(compileEvaluator(parse('decode_base64(http.request.headers["client_id"][0]) eq ""'))(broken)).toBe(false);
  });

  it.each([
    ['regex_replace(http.request.uri.path, "^/a", "/b") eq "/b"', "regex_replace() is only allowed in transform-rule rewrite expressions", "regex_replace("],
    ['wildcard_replace(http.request.uri.path, "/*", "/x/${1}") eq "/x"', "wildcard_replace() is only allowed in transform-rule rewrite", "wildcard_replace("],
    ['remove_query_args(http.request.uri.query, "a") eq ""', "remove_query_args() is only allowed", "remove_query_args("],
    ['uuidv4(cf.random_seed) eq "x"', "uuidv4() is only allowed", "uuidv4(cf.random_seed)"],
    ['any(split(http.host, ".", 4)[*] eq "www")', "split() is only allowed in response header transform rules", "split(http.host"],
    ['cidr(ip.src, 33, 24) eq 113.10.0.0', "Argument 2 of 'cidr' must be from 1 to 32", "33"],
    ['cidr(ip.src, 24) eq 113.10.0.0', "'cidr' takes 3 arguments, but 2 were given", "cidr(ip.src, 24)"],
    ['cidr(http.host, 24, 24) eq 113.10.0.0', "Argument 1 of 'cidr' must be Ip, not String", "http.host"],
    ['decode_base64("MTIz") eq "123"', "Argument 1 of 'decode_base64' must be a field or a function of one, not a literal", '"MTIz"'],
    ['starts_with("abc", "a")', "Argument 1 of 'starts_with' must be a field", '"abc"'],
    ['lookup_json_string(http.request.body.raw, http.host) eq "x"', "must be a string key or a non-negative integer position", "http.host"],
    ['join(http.request.headers.names[*], ",") eq "x"', "Argument 1 of 'join' must be Array<String>", "http.request.headers.names[*]"],
  ])("%s is refused: %s", (text, fragment, at) => {
    const errors = errorsOf(text);
    expect(errors[0]?.message).toContain(fragment);
    expect(errors[0]?.at.startsWith(at)).toBe(true);
  });

  it("accepts the rewrite-only functions in a rewrite", () => {
    expect(errorsOf('regex_replace(http.request.uri.path, "^/a", "/b")', { context: "rewrite" })).toEqual([]);
    expect(errorsOf("uuidv4(cf.random_seed)", { context: "rewrite" })).toEqual([]);
  });
});

describe("is_timed_hmac_valid_v0", () => {
  // A token made as Cloudflare's token-authentication guide makes it: HMAC-SHA256(key, path + time), Base64, URL-encoded.
  const key = "mysecretkey";
  const issued = 1484063787;
  const path = "/download/cat.jpg";
  const mac = createHmac("sha256", key).update(`${path}${issued}`).digest("base64");
  const expression = `is_timed_hmac_valid_v0("${key}", http.request.uri, 100000, http.request.timestamp.sec, 8)`;
  const at = (uri: string, now: number) => compileEvaluator(parse(expression))({ "http.request.uri": uri, "http.request.timestamp.sec": now });

  it("accepts a fresh token and refuses an old, a future, a forged or a malformed one", () => {
    const uri = `${path}?verify=${issued}-${encodeURIComponent(mac)}`;
    expect(errorsOf(expression)).toEqual([]);
    expect(at(uri, issued + 10)).toBe(true);
    expect(at(uri, issued + 100000)).toBe(true);
    expect(at(uri, issued + 100001)).toBe(false);
    expect(at(uri, issued - 1)).toBe(false);
    expect(at(`/download/dog.jpg?verify=${issued}-${encodeURIComponent(mac)}`, issued + 10)).toBe(false);
    expect(at(`${path}?verify=${issued}-short`, issued + 10)).toBe(false);
  });

  it("reads a URL-safe MAC without padding with the 's' flag", () => {
    const urlSafe = mac.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const text = `is_timed_hmac_valid_v0("${key}", http.request.uri, 100, http.request.timestamp.sec, 8, "s")`;
    const fields = { "http.request.uri": `${path}?verify=${issued}-${urlSafe}`, "http.request.timestamp.sec": issued };
    expect(compileEvaluator(parse(text))(fields)).toBe(true);
  });

  it("needs the Pro plan and literal key, ttl, separator and flags", () => {
    expect(errorsOf(expression, { tier: "free" })[0]?.message).toContain("is_timed_hmac_valid_v0() needs the Pro plan or above");
    expect(errorsOf('is_timed_hmac_valid_v0(http.host, http.request.uri, 1, http.request.timestamp.sec)')[0]?.message).toContain("Argument 1 of 'is_timed_hmac_valid_v0' must be a string literal");
    expect(errorsOf('is_timed_hmac_valid_v0("k", http.request.uri, 1, http.request.timestamp.sec, 0, "x")')[0]?.message).toContain("may only be 's'");
  });
});

import { describe, expect, it } from "vitest";
import { caseWarnings, checkExpression } from "../../src/rules/check-expression.js";
import { valueProblem } from "../../src/rules/field-values.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

/** The first error of an expression in a custom rule on an Enterprise zone, with the text it points at. */
function firstError(text: string): { message: string; at: string } | undefined {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const [error] = checkExpression(parsed.expr, { tier: "enterprise", context: "filter", allowWorkerFields: false });
  return error === undefined ? undefined : { message: error.message, at: text.slice(error.start, error.end) };
}

describe("what lower()/upper() return compared with text in the other case", () => {
  // Found in a real rule (Dimasware/Cloudflare-WAF-Rules): Cloudflare runs it, and its other parts
  // still match, so the dead part is a warning (BP382 when lowered), never a refusal.
  it.each([
    ['lower(http.user_agent) contains "Apache-HttpClient"', '"Apache-HttpClient"', "'lower(…)' never contains 'Apache-HttpClient': lower() gives lowercase text; write 'apache-httpclient'"],
    ['upper(http.request.uri.query) eq "a"', '"a"', "upper() gives uppercase text; write 'A'"],
    ['lower(http.host) strict wildcard "*.Example.com"', '"*.Example.com"', "write '*.example.com'"],
    ['http.host eq "x" or lower(http.host) in {"a" "B"}', '"B"', "never equals 'B'"],
  ])("%s is a warning, not an error", (text, at, fragment) => {
    expect(firstError(text)).toBeUndefined();
    const parsed = parseExpression(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const warnings = caseWarnings(parsed.expr).map((w) => ({ message: w.message, at: text.slice(w.start, w.end) }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.at).toBe(at);
    expect(warnings[0]?.message).toContain(fragment);
  });

  it("says nothing of text in the right case, a case-insensitive wildcard or a regex", () => {
    for (const text of ['lower(http.user_agent) contains "curl"', 'lower(http.host) wildcard "*.Example.com"', 'upper(http.request.uri.query) matches "\\S+"', 'lower(http.host) in {"a" "b"}']) {
      const parsed = parseExpression(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      expect(caseWarnings(parsed.expr), text).toEqual([]);
    }
  });
});

describe("values of rules-only fields are checked against Cloudflare's documented forms", () => {
  // [expression, the value pointed at, a fragment of the message]
  it.each([
    ['ip.src.continent eq "Europe"', '"Europe"', "a continent is one of the codes AF, AN, AS, EU, NA, OC, SA, or T1"],
    ['ip.src.continent eq "eu"', '"eu"', "write 'EU'"],
    ['ip.geoip.continent in {"AS" "XX"}', '"XX"', "never equals 'XX'"],
    ['cf.waf.score.class eq "likely attack"', '"likely attack"', "write 'likely_attack'"],
    ['cf.waf.score.class ne "bot"', '"bot"', "attack, likely_attack, likely_clean, clean"],
    ['http.request.version eq "HTTP/2.0"', '"HTTP/2.0"', "write 'HTTP/2'"],
    ['http.request.version eq "http/1.1"', '"http/1.1"', "write 'HTTP/1.1'"],
    ['http.request.version in {"HTTP/1.0" "SPDY/3.1"}', '"SPDY/3.1"', "Cloudflare writes the version as HTTP/1.1 or HTTP/3"],
    ['raw.http.request.uri.path eq "wp-login.php"', '"wp-login.php"', "write '/wp-login.php'"],
    ['http.request.uri in {"/" "admin"}', '"admin"', "a request path starts with '/'"],
    ['http.request.full_uri eq "www.example.com/"', '"www.example.com/"', "starts with 'http://' or 'https://'"],
    ['http.request.full_uri eq "HTTPS://example.com/"', '"HTTPS://example.com/"', "write 'https://example.com/'"],
    ['http.request.uri.path.extension eq ".php"', '".php"', "write 'php'"],
    ['http.request.uri.path.extension in {"js" "PHP"}', '"PHP"', "lowercased and without the dot"],
    ['ip.src.subdivision_1_iso_code eq "gb-eng"', '"gb-eng"', "write 'GB-ENG'"],
    ['ip.src.subdivision_2_iso_code eq "England"', '"England"', "ISO 3166-2 code"],
    ["cf.edge.server_port eq 70000", "70000", "a port is an integer from 1 to 65535"],
    // A Bool field is a condition by itself: compared with a string it is refused, with the fix.
    ['ssl eq "on"', "ssl", "Field 'ssl' is Bool: use it as a condition by itself"],
    ['cf.client.bot eq "true"', "cf.client.bot", "Field 'cf.client.bot' is Bool"],
  ])("%s", (text, at, fragment) => {
    const error = firstError(text);
    expect(error?.at).toBe(at);
    expect(error?.message).toContain(fragment);
  });

  it.each([
    'ip.src.continent in {"AF" "AN" "AS" "EU" "NA" "OC" "SA" "T1"}',
    'cf.waf.score.class in {"attack" "likely_attack" "likely_clean" "clean"}',
    'http.request.version in {"HTTP/1.0" "HTTP/1.1" "HTTP/2" "HTTP/3"}',
    // The documentation gives no closed list of versions: a well-formed one is not refused on a guess.
    'http.request.version in {"HTTP/1.0" "HTTP/1.1" "HTTP/1.2"}',
    'raw.http.request.uri.path eq "/" and http.request.uri eq "/a?b=c" and raw.http.request.uri.path ne "/x"',
    // Fields behind a policy field are checked when a policy is lowered, not here.
    'http.request.uri.path eq "x" or cf.verified_bot_category eq "x"',
    'http.request.full_uri eq "https://example.com/" or http.request.full_uri eq "http://example.com/"',
    'http.request.uri.path.extension in {"" "php" "tar" "mp3"}',
    'ip.src.subdivision_1_iso_code in {"" "GB-ENG" "US-TX" "FR-75"}',
    "cf.edge.server_port in {80 443 8080..8090}",
    // Only equality and sets are checked: a substring or a pattern may be any text.
    'http.request.uri.path contains "wp-" and http.request.version matches "^HTTP/1"',
    // A case-insensitive wildcard and a regex may hold either case.
    'lower(http.host) wildcard "*.Example.com" and lower(http.user_agent) matches "\\S+" and upper(http.request.uri.query) contains "$_POST["',
  ])("accepts %s", (text) => {
    expect(firstError(text)).toBeUndefined();
  });
});

describe("the forms of policy fields' values, for lowering to use", () => {
  it.each<[Parameters<typeof valueProblem>[0], string, string | undefined]>([
    ["verified_bot_category", "search engine crawler", "write 'Search Engine Crawler'."],
    ["verified_bot_category", "Crawlers", undefined],
    ["path", "wp-login.php", "write '/wp-login.php'."],
  ])("refuses %s '%s'", (format, value, hint) => {
    const problem = valueProblem(format, value);
    expect(problem).toBeDefined();
    expect(problem?.hint).toBe(hint);
  });

  it.each<[Parameters<typeof valueProblem>[0], string]>([
    ["verified_bot_category", "Archiver"],
    ["verified_bot_category", "Advertising & Marketing"],
    ["path", "/"],
  ])("accepts %s '%s'", (format, value) => {
    expect(valueProblem(format, value)).toBeUndefined();
  });
});

import { REQUEST_EXTRAS } from "../../src/evaluate/request-fields.js";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  JA4_SIGNAL_KEYS,
  POLICY_FIELDS,
  WHEN_COMBINATORS,
  WORKER_FIELDS,
  isPolicyField,
} from "../../src/schema/policy-fields.js";
import {
  POLICY_SCHEMA_FILE,
  TEST_SCHEMA_FILE,
  compilePolicyValidator,
  compileTestValidator,
  findSchemaFile,
  loadSchema,
} from "../../src/schema/policy-validators.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..");
const POLICIES = join(REPO, "policies");
const FIXTURES = join(HERE, "fixtures");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function yaml(text: string): Json {
  return parse(text) as Json;
}

function asObject(value: Json | undefined): JsonObject {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`not an object: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A minimal valid policy with `extra` (YAML, top level) merged in. */
function policy(extra = ""): Json {
  return { version: 1, policy: "p", zones: ["z"], ...asObject(yaml(extra || "{}")) };
}

/** A policy with one rule: `{ id: r, action: block }` with `extra` (YAML) merged in. */
function rule(extra: string): Json {
  return { ...asObject(policy()), rules: [{ id: "r", action: "block", ...asObject(yaml(extra)) }] };
}

/** A policy with one blocking rule whose `when` is the given YAML. */
function when(text: string): Json {
  return { ...asObject(policy()), rules: [{ id: "r", action: "block", when: yaml(text) }] };
}

/** A test file with one case whose `request` and `expect` are the given YAML. */
function testCase(request: string, expectation: string): Json {
  return { version: 1, cases: [{ name: "c", request: yaml(request), expect: yaml(expectation) }] };
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return JSON.stringify((errors ?? []).map((e) => `${e.keyword} ${e.instancePath} ${e.message ?? ""}`), null, 1);
}

interface ValidCase {
  name: string;
  doc: Json;
}

interface InvalidCase extends ValidCase {
  keyword: string;
  path: string;
}

// ------------------------------------------------------------------------------------------ valid
const VALID_POLICIES: ValidCase[] = [
  { name: "the DESIGN.md example", doc: yaml(readFileSync(join(FIXTURES, "design-example.yaml"), "utf8")) },
  { name: "minimal policy", doc: policy() },
  {
    name: "all top-level scalars",
    doc: policy("{ description: d, zones: [shop, shop-eu, 1st], priority: -5, mode: observe }"),
  },
  { name: "mode enforce, priority 0", doc: policy("{ mode: enforce, priority: 0 }") },
  { name: "empty rules list", doc: policy("rules: []") },
  // string predicates
  { name: "string scalar", doc: when("path: /login") },
  { name: "string $set reference", doc: when("ja4: $scraper-ja4") },
  { name: "empty string scalar", doc: when("user_agent: ''") },
  { name: "string list with $set items", doc: when("ja4: [t13d1516h2_8daaf6152771_02713d6af862, $bad-ja4]") },
  {
    name: "every string operator",
    doc: when(
      "path: { eq: /a, ne: /b, starts_with: /c, ends_with: .php, contains: admin, matches: '^/x[0-9]+$', wildcard: '/w/*' }",
    ),
  },
  { name: "string in list / not_in $set", doc: when("method: { in: [POST, PUT], not_in: $safe-methods }") },
  { name: "string in $set / not_in list", doc: when("host: { in: $hosts, not_in: [a.example.com] }") },
  { name: "verified_bot_category with &", doc: when("verified_bot_category: Monitoring & Analytics") },
  { name: "country list", doc: when("country: [DE, FR]") },
  { name: "host wildcard", doc: when("host: { wildcard: '*.example.com' }") },
  // JA3 / JA4 and sections
  { name: "ja3 scalar", doc: when("ja3: 25b4882c2bcb50cd6b469ff28c596742") },
  {
    name: "ja4 sections",
    doc: when("{ ja4_a: t13d1516h2, ja4_b: [8daaf6152771, 5b57614c22b0], ja4_c: { ne: 02713d6af862 } }"),
  },
  { name: "ja4_a starts_with", doc: when("ja4_a: { starts_with: q13 }") },
  // IP
  { name: "ip scalar", doc: when("ip: 192.0.2.1") },
  { name: "ip list of CIDRs and sets", doc: when("ip: [192.0.2.0/24, '2001:db8::/32', $office]") },
  { name: "ip operators", doc: when("ip: { in: $office, not_in: [192.0.2.7], ne: 192.0.2.8 }") },
  // integers
  { name: "asn scalar", doc: when("asn: 13335") },
  { name: "asn $set", doc: when("asn: $hosting") },
  { name: "asn list with $set", doc: when("asn: [13335, 64496, $hosting]") },
  { name: "asn operators", doc: when("asn: { ge: 64496, le: 64511, ne: 64500, in: [1, 2], not_in: $x }") },
  // bot score
  { name: "bot_score integer", doc: when("bot_score: 1") },
  { name: "bot_score band", doc: when("bot_score: likely_automated") },
  { name: "bot_score bands list", doc: when("bot_score: [automated, likely_automated]") },
  { name: "bot_score bands mixed with ints", doc: when("bot_score: [automated, 0, likely_human]") },
  { name: "bot_score lt", doc: when("bot_score: { lt: 30 }") },
  { name: "bot_score range", doc: when("bot_score: { ge: 2, le: 29, ne: 10, gt: 1, eq: 5 }") },
  { name: "bot_score in / not_in", doc: when("bot_score: { in: [automated, 50], not_in: [likely_human] }") },
  // booleans and detection ids
  {
    name: "every boolean field",
    doc: when("{ verified_bot: true, static_resource: false, corporate_proxy: true, js_detection_passed: false }"),
  },
  { name: "detection_ids", doc: when("detection_ids: [33554817, 50331651]") },
  // worker fields
  {
    name: "all JA4 Signals keys",
    doc: when(`
ja4_signals:
  h2h3_ratio_1h: { ge: 0.5 }
  heuristic_ratio_1h: { gt: 0.5 }
  reqs_quantile_1h: 0.99
  uas_rank_1h: { lt: 100 }
  browser_ratio_1h: { lt: 0.05, ne: 0 }
  paths_rank_1h: { le: 10 }
  reqs_rank_1h: 1156
  cache_ratio_1h: { eq: 0 }
  ips_rank_1h: { ge: 700 }
  ips_quantile_1h: { le: 0.1 }
`),
  },
  {
    name: "risk, every section",
    doc: when(`
risk:
  risk_scores: { overall: { ge: 4 }, network: 5, browser: [4, 5] }
  network:
    ip: { ne: 192.0.2.1 }
    as: { number: $hosting, asn: 3209, name: VODANET, company: { contains: Vodafone }, description: x,
          domain: vodafone.de, country: DE, rir: [RIPE, ARIN], route: 88.64.0.0/12, type: hosting }
    geolocation:
      country: { iso2: DE, iso3: DEU, name: Germany, name_native: Deutschland, region: Europe,
                 subregion: Western Europe, currency: EUR, currency_name: Euro, phone_code: '49', capital: Berlin }
      city: Eschborn
      state: Hessen
    abuse_contact: { address: a, name: n, email: { ends_with: '@example.com' }, phone: '+49' }
    anonymization: { vpn_score: { ge: 3 }, proxy_score: { ge: 3 }, tor: true, icloud_private_relay: false }
  client:
    header_user_agent: { contains: HeadlessChrome }
    time_zone: { name: Europe/Berlin, country_iso2: { ne: DE } }
    browser: { id: firefox, name: Firefox, version: '146.0', release_date: '2026-01-28' }
    browser_engine: { id: gecko, name: Gecko, version: '146.0' }
    device: { type: [desktop, mobile], brand: Apple, model: iPhone 17 }
    os: { id: windows, name: Windows, version: '10' }
    tls_signature: { ja3: d87a30a5782a73a83c1544bb06332780, ja3n: 28ecc2d2875b345cecbb632b12d8c1e0,
                     ja4: t13d1516h2_8daaf6152771_02713d6af862 }
    automation:
      automation_tool: { detected: true, id: playwright, name: Playwright, type: browser_automation }
      known_bot: { detected: false, id: GPTBot, name: GPTBot, type: ai_crawler, url: { starts_with: 'https://' } }
`),
  },
  // combinators
  {
    name: "any / all / not nesting",
    doc: when(`
path: { starts_with: /checkout }
any:
  - bot_score: { lt: 30 }
  - all:
      - ja4_a: t13d1516h2
      - not: { verified_bot: true }
  - not:
      any: [{ country: DE }, { asn: 3209 }]
all: [{ method: POST }]
`),
  },
  // rule options
  { name: "expression instead of when", doc: rule(`expression: 'http.request.uri.path eq "/xmlrpc.php"'`) },
  { name: "rule description and enabled false", doc: rule("{ description: d, enabled: false, when: { path: /a } }") },
  ...(["block", "managed_challenge", "js_challenge", "challenge", "skip", "log"] as const).map((action) => ({
    name: `action ${action}`,
    doc: rule(`{ action: ${action}, when: { path: /a } }`),
  })),
  ...(["text/html", "text/plain", "application/json", "text/xml"] as const).map((type) => ({
    name: `response ${type}`,
    doc: rule(`{ when: { path: /a }, response: { status: 429, content_type: ${type}, body: 'no' } }`),
  })),
  {
    name: "skip with all phases and products",
    doc: rule(`
action: skip
when: { ip: $office }
skip:
  phases: [rate_limit, managed_rules, super_bot_fight_mode]
  products: [zoneLockdown, uaBlock, bic, hot, securityLevel, rateLimit, waf]
`),
  },
  { name: "skip with empty options", doc: rule("{ action: skip, when: { ip: $office }, skip: {} }") },
  // sets
  {
    name: "sets of every type, plain and annotated items",
    doc: policy(`
sets:
  j4: { type: ja4, description: d, items: [t13d880900_fcb5b95cb75a_b0d3b4ac2a14,
        { value: t13d190900_9dc949149365_97f8aa674fd9, note: SEC-142, expires: 2027-03-01 }] }
  j3: { type: ja3, items: [25b4882c2bcb50cd6b469ff28c596742, { value: d87a30a5782a73a83c1544bb06332780 }] }
  office: { type: ip, items: [192.0.2.0/24, "2001:db8:1::/48", { value: 198.51.100.7, note: VPN }] }
  hosting: { type: asn, items: [64496, { value: 64511, note: bulletproof, expires: 2027-12-31 }] }
  paths: { type: string, items: [/wp-login.php, { value: /xmlrpc.php, expires: 2028-01-01 }] }
  1-digit-start: { type: string, items: [x] }
`),
  },
  // origin headers
  {
    name: "origin_headers with every field",
    doc: policy(
      `origin_headers: { ${POLICY_FIELDS.map((f, i) => `x-h${i}: ${f}`).join(", ")}, X-Mixed-Case: bot_score }`,
    ),
  },
  // risk intelligence
  { name: "risk_intelligence minimal, header", doc: policy("risk_intelligence: { token: { header: x-frc-risk-token } }") },
  { name: "risk_intelligence cookie", doc: policy("risk_intelligence: { token: { cookie: frc_risk } }") },
  {
    name: "risk_intelligence full, form field",
    doc: policy(`
risk_intelligence:
  token: { form_field: frc-risk-intelligence-token }
  endpoint: eu
  timeout_ms: 10000
  on_error: block
  sitekey: FCMGEMUD2KTDSQ5H
`),
  },
  { name: "risk_intelligence timeout 1", doc: policy("risk_intelligence: { token: { header: h }, timeout_ms: 1 }") },
];

const VALID_TESTS: ValidCase[] = [
  { name: "the DESIGN.md test example", doc: yaml(readFileSync(join(FIXTURES, "design-example.test.yaml"), "utf8")) },
  { name: "expect a bare action", doc: testCase("{}", "pass") },
  { name: "expect an action without rule", doc: testCase("{ bot_score: 1 }", "{ action: managed_challenge }") },
  { name: "zone and stack", doc: { ...asObject(testCase("{}", "pass")), zone: "shop", stack: "prod-eu.1" } },
  ...(["pass", "skip", "block", "managed_challenge", "js_challenge", "challenge"] as const).map((action) => ({
    name: `expect ${action}`,
    doc: testCase("{}", `{ action: ${action}, rule: storefront/r-1 }`),
  })),
  {
    name: "every request field",
    doc: testCase(
      `
bot_score: 0
verified_bot: false
verified_bot_category: Search Engine Crawler
static_resource: false
corporate_proxy: true
js_detection_passed: true
detection_ids: []
ja3: 25b4882c2bcb50cd6b469ff28c596742
ja4: t13d1516h2_8daaf6152771_02713d6af862
ja4_a: t13d1516h2
ja4_b: 8daaf6152771
ja4_c: 02713d6af862
host: shop.example.com
path: /
method: GET
user_agent: Mozilla/5.0
ip: 2001:db8::1
asn: 3209
country: DE
ja4_signals: { h2h3_ratio_1h: 0.98, heuristic_ratio_1h: 0, reqs_quantile_1h: 0.99, uas_rank_1h: 1030,
  browser_ratio_1h: 0.95, paths_rank_1h: 699, reqs_rank_1h: 1156, cache_ratio_1h: 0.38, ips_rank_1h: 730,
  ips_quantile_1h: 0.99 }
risk: { risk_scores: { overall: 2 }, network: { as: null, future_field: [1] }, event_id: x }
`,
      "block",
    ),
  },
];

// ---------------------------------------------------------------------------------------- invalid
const INVALID_POLICIES: InvalidCase[] = [
  // top level
  { name: "version 2", doc: policy("version: 2"), keyword: "const", path: "/version" },
  { name: "version as a string", doc: policy("version: '1'"), keyword: "const", path: "/version" },
  { name: "missing version", doc: { policy: "p", zones: ["z"] }, keyword: "required", path: "" },
  { name: "missing zones", doc: { version: 1, policy: "p" }, keyword: "required", path: "" },
  { name: "empty zones", doc: policy("zones: []"), keyword: "minItems", path: "/zones" },
  { name: "duplicate zones", doc: policy("zones: [a, a]"), keyword: "uniqueItems", path: "/zones" },
  { name: "zones as a string", doc: policy("zones: shop"), keyword: "type", path: "/zones" },
  { name: "bad policy id", doc: policy("policy: Store_Front"), keyword: "pattern", path: "/policy" },
  { name: "policy id starting with a hyphen", doc: policy("policy: -shop"), keyword: "pattern", path: "/policy" },
  { name: "bad zone key", doc: policy("zones: [Shop]"), keyword: "pattern", path: "/zones/0" },
  { name: "unknown top-level key", doc: policy("rule: []"), keyword: "additionalProperties", path: "" },
  { name: "priority as a string", doc: policy("priority: high"), keyword: "type", path: "/priority" },
  { name: "priority not an integer", doc: policy("priority: 1.5"), keyword: "type", path: "/priority" },
  { name: "bad mode", doc: policy("mode: enforcing"), keyword: "enum", path: "/mode" },
  { name: "rules as a map", doc: policy("rules: { r: {} }"), keyword: "type", path: "/rules" },
  // rules
  { name: "misspelt rule key", doc: rule("{ actoin: block, when: { path: /a } }"), keyword: "additionalProperties", path: "/rules/0" },
  { name: "missing action", doc: { ...asObject(policy()), rules: [{ id: "r", when: { path: "/a" } }] }, keyword: "required", path: "/rules/0" },
  { name: "missing id", doc: { ...asObject(policy()), rules: [{ action: "log", when: { path: "/a" } }] }, keyword: "required", path: "/rules/0" },
  { name: "unknown action", doc: rule("{ action: allow, when: { path: /a } }"), keyword: "enum", path: "/rules/0/action" },
  { name: "neither when nor expression", doc: rule("{}"), keyword: "required", path: "/rules/0" },
  { name: "both when and expression", doc: rule("{ when: { path: /a }, expression: 'true' }"), keyword: "false schema", path: "/rules/0/expression" },
  { name: "empty expression", doc: rule("expression: ''"), keyword: "minLength", path: "/rules/0/expression" },
  { name: "bad rule id", doc: rule("{ id: Block_Bots, when: { path: /a } }"), keyword: "pattern", path: "/rules/0/id" },
  { name: "enabled as a string", doc: rule("{ enabled: 'yes', when: { path: /a } }"), keyword: "type", path: "/rules/0/enabled" },
  // when
  { name: "unknown field", doc: when("score: 5"), keyword: "additionalProperties", path: "/rules/0/when" },
  { name: "empty when", doc: when("{}"), keyword: "minProperties", path: "/rules/0/when" },
  { name: "when as a list", doc: when("[{ path: /a }]"), keyword: "type", path: "/rules/0/when" },
  { name: "boolean field given a string", doc: when("verified_bot: 'false'"), keyword: "type", path: "/rules/0/when/verified_bot" },
  { name: "boolean field given an operator map", doc: when("static_resource: { eq: true }"), keyword: "type", path: "/rules/0/when/static_resource" },
  { name: "unknown bot score band", doc: when("bot_score: likely_bot"), keyword: "enum", path: "/rules/0/when/bot_score" },
  { name: "unknown band in a list", doc: when("bot_score: [automated, bot]"), keyword: "enum", path: "/rules/0/when/bot_score/1" },
  { name: "float in a bot score list", doc: when("bot_score: [1.5]"), keyword: "anyOf", path: "/rules/0/when/bot_score/0" },
  { name: "string operator on bot_score", doc: when("bot_score: { starts_with: '1' }"), keyword: "additionalProperties", path: "/rules/0/when/bot_score" },
  { name: "bot_score lt a band", doc: when("bot_score: { lt: likely_human }"), keyword: "type", path: "/rules/0/when/bot_score/lt" },
  { name: "numeric operator on a string field", doc: when("path: { lt: /b }"), keyword: "additionalProperties", path: "/rules/0/when/path" },
  { name: "empty operator map", doc: when("path: {}"), keyword: "minProperties", path: "/rules/0/when/path" },
  { name: "number for a string field", doc: when("path: 5"), keyword: "anyOf", path: "/rules/0/when/path" },
  { name: "empty list", doc: when("path: []"), keyword: "minItems", path: "/rules/0/when/path" },
  { name: "number in a string list", doc: when("ja4: [t13d1516h2_8daaf6152771_02713d6af862, 5]"), keyword: "type", path: "/rules/0/when/ja4/1" },
  { name: "string `in` that is not a set reference", doc: when("path: { in: /a }"), keyword: "pattern", path: "/rules/0/when/path/in" },
  { name: "operator value of the wrong type", doc: when("path: { starts_with: [/a] }"), keyword: "type", path: "/rules/0/when/path/starts_with" },
  { name: "string operator on ip", doc: when("ip: { starts_with: '192.' }"), keyword: "additionalProperties", path: "/rules/0/when/ip" },
  { name: "asn given a non-set string", doc: when("asn: AS13335"), keyword: "pattern", path: "/rules/0/when/asn" },
  { name: "asn list with a non-set string", doc: when("asn: [13335, AS3209]"), keyword: "pattern", path: "/rules/0/when/asn/1" },
  { name: "asn float", doc: when("asn: { ge: 1.5 }"), keyword: "type", path: "/rules/0/when/asn/ge" },
  { name: "detection_ids as a scalar", doc: when("detection_ids: 5"), keyword: "type", path: "/rules/0/when/detection_ids" },
  { name: "detection_ids with a string", doc: when("detection_ids: [a]"), keyword: "type", path: "/rules/0/when/detection_ids/0" },
  { name: "detection_ids empty", doc: when("detection_ids: []"), keyword: "minItems", path: "/rules/0/when/detection_ids" },
  { name: "unknown JA4 Signals key", doc: when("ja4_signals: { browser_ratio: { lt: 0.1 } }"), keyword: "additionalProperties", path: "/rules/0/when/ja4_signals" },
  { name: "JA4 Signals given a string", doc: when("ja4_signals: { browser_ratio_1h: low }"), keyword: "anyOf", path: "/rules/0/when/ja4_signals/browser_ratio_1h" },
  { name: "JA4 Signals with `in`", doc: when("ja4_signals: { uas_rank_1h: { in: [1] } }"), keyword: "additionalProperties", path: "/rules/0/when/ja4_signals/uas_rank_1h" },
  { name: "empty JA4 Signals", doc: when("ja4_signals: {}"), keyword: "minProperties", path: "/rules/0/when/ja4_signals" },
  { name: "unknown risk section", doc: when("risk: { scores: { overall: 4 } }"), keyword: "additionalProperties", path: "/rules/0/when/risk" },
  { name: "misspelt nested risk key", doc: when("risk: { network: { anonymisation: { tor: true } } }"), keyword: "additionalProperties", path: "/rules/0/when/risk/network" },
  { name: "risk score given a word", doc: when("risk: { risk_scores: { overall: high } }"), keyword: "pattern", path: "/rules/0/when/risk/risk_scores/overall" },
  { name: "risk flag given a string", doc: when("risk: { network: { anonymization: { tor: 'yes' } } }"), keyword: "type", path: "/rules/0/when/risk/network/anonymization/tor" },
  { name: "risk string leaf given a number", doc: when("risk: { client: { os: { version: 10 } } }"), keyword: "anyOf", path: "/rules/0/when/risk/client/os/version" },
  { name: "risk automation detected as a map", doc: when("risk: { client: { automation: { known_bot: { detected: { eq: true } } } } }"), keyword: "type", path: "/rules/0/when/risk/client/automation/known_bot/detected" },
  { name: "empty any", doc: when("any: []"), keyword: "minItems", path: "/rules/0/when/any" },
  { name: "any as a map", doc: when("any: { path: /a }"), keyword: "type", path: "/rules/0/when/any" },
  { name: "not as a list", doc: when("not: [{ path: /a }]"), keyword: "type", path: "/rules/0/when/not" },
  { name: "unknown field deep in all", doc: when("all: [{ any: [{ pth: /a }] }]"), keyword: "additionalProperties", path: "/rules/0/when/all/0/any/0" },
  // response and skip
  { name: "unknown content type", doc: rule("{ when: { path: /a }, response: { status: 403, content_type: application/xml, body: x } }"), keyword: "enum", path: "/rules/0/response/content_type" },
  { name: "response without body", doc: rule("{ when: { path: /a }, response: { status: 403, content_type: text/plain } }"), keyword: "required", path: "/rules/0/response" },
  { name: "status as a string", doc: rule("{ when: { path: /a }, response: { status: '403', content_type: text/plain, body: x } }"), keyword: "type", path: "/rules/0/response/status" },
  { name: "unknown skip phase", doc: rule("{ action: skip, when: { path: /a }, skip: { phases: [bot_fight_mode] } }"), keyword: "enum", path: "/rules/0/skip/phases/0" },
  { name: "unknown skip product", doc: rule("{ action: skip, when: { path: /a }, skip: { products: [botManagement] } }"), keyword: "enum", path: "/rules/0/skip/products/0" },
  { name: "duplicate skip phase", doc: rule("{ action: skip, when: { path: /a }, skip: { phases: [rate_limit, rate_limit] } }"), keyword: "uniqueItems", path: "/rules/0/skip/phases" },
  { name: "unknown skip key", doc: rule("{ action: skip, when: { path: /a }, skip: { ruleset: current } }"), keyword: "additionalProperties", path: "/rules/0/skip" },
  // sets
  { name: "unknown set type", doc: policy("sets: { s: { type: ja5, items: [x] } }"), keyword: "enum", path: "/sets/s/type" },
  { name: "bad set name", doc: policy("sets: { Bad_Set: { type: ja4, items: [x] } }"), keyword: "propertyNames", path: "/sets" },
  { name: "set without items", doc: policy("sets: { s: { type: ja4 } }"), keyword: "required", path: "/sets/s" },
  { name: "set with empty items", doc: policy("sets: { s: { type: ja4, items: [] } }"), keyword: "minItems", path: "/sets/s/items" },
  { name: "annotated item without value", doc: policy("sets: { s: { type: ja4, items: [a, { note: n }] } }"), keyword: "required", path: "/sets/s/items/1" },
  { name: "unknown key in an annotated item", doc: policy("sets: { s: { type: ip, items: [{ value: 192.0.2.1, comment: c }] } }"), keyword: "additionalProperties", path: "/sets/s/items/0" },
  { name: "bad expiry date", doc: policy("sets: { s: { type: ja3, items: [{ value: a, expires: 2027-13-01 }] } }"), keyword: "format", path: "/sets/s/items/0/expires" },
  { name: "string item in an asn set", doc: policy("sets: { s: { type: asn, items: [AS64496] } }"), keyword: "anyOf", path: "/sets/s/items/0" },
  { name: "string value in an asn set item", doc: policy("sets: { s: { type: asn, items: [{ value: AS64496 }] } }"), keyword: "type", path: "/sets/s/items/0/value" },
  { name: "integer item in a ja4 set", doc: policy("sets: { s: { type: ja4, items: [42] } }"), keyword: "anyOf", path: "/sets/s/items/0" },
  // origin headers and risk intelligence
  { name: "unknown origin header field", doc: policy("origin_headers: { x-score: score }"), keyword: "enum", path: "/origin_headers/x-score" },
  { name: "combinator as an origin header field", doc: policy("origin_headers: { x-any: any }"), keyword: "enum", path: "/origin_headers/x-any" },
  { name: "two token sources", doc: policy("risk_intelligence: { token: { header: h, cookie: c } }"), keyword: "maxProperties", path: "/risk_intelligence/token" },
  { name: "no token source", doc: policy("risk_intelligence: { token: {} }"), keyword: "minProperties", path: "/risk_intelligence/token" },
  { name: "unknown token source", doc: policy("risk_intelligence: { token: { query: t } }"), keyword: "additionalProperties", path: "/risk_intelligence/token" },
  { name: "missing token", doc: policy("risk_intelligence: { endpoint: eu }"), keyword: "required", path: "/risk_intelligence" },
  { name: "unknown endpoint", doc: policy("risk_intelligence: { token: { header: h }, endpoint: us }"), keyword: "enum", path: "/risk_intelligence/endpoint" },
  { name: "timeout 0", doc: policy("risk_intelligence: { token: { header: h }, timeout_ms: 0 }"), keyword: "minimum", path: "/risk_intelligence/timeout_ms" },
  { name: "timeout above 10 s", doc: policy("risk_intelligence: { token: { header: h }, timeout_ms: 10001 }"), keyword: "maximum", path: "/risk_intelligence/timeout_ms" },
  { name: "unknown on_error", doc: policy("risk_intelligence: { token: { header: h }, on_error: fail }"), keyword: "enum", path: "/risk_intelligence/on_error" },
];

const INVALID_TESTS: InvalidCase[] = [
  { name: "test version 2", doc: { ...asObject(testCase("{}", "pass")), version: 2 }, keyword: "const", path: "/version" },
  { name: "no cases", doc: { version: 1 }, keyword: "required", path: "" },
  { name: "empty cases", doc: { version: 1, cases: [] }, keyword: "minItems", path: "/cases" },
  { name: "case without name", doc: { version: 1, cases: [{ request: {}, expect: "pass" }] }, keyword: "required", path: "/cases/0" },
  { name: "unknown expected action", doc: testCase("{}", "allow"), keyword: "enum", path: "/cases/0/expect" },
  { name: "log is not a decision", doc: testCase("{}", "log"), keyword: "enum", path: "/cases/0/expect" },
  { name: "bad rule reference", doc: testCase("{}", "{ action: block, rule: block-bots }"), keyword: "pattern", path: "/cases/0/expect/rule" },
  { name: "expect without action", doc: testCase("{}", "{ rule: p/r }"), keyword: "required", path: "/cases/0/expect" },
  { name: "expect as a number", doc: testCase("{}", "403"), keyword: "anyOf", path: "/cases/0/expect" },
  { name: "unknown request field", doc: testCase("{ score: 5 }", "pass"), keyword: "additionalProperties", path: "/cases/0/request" },
  { name: "bot score as a string", doc: testCase("{ bot_score: '5' }", "pass"), keyword: "type", path: "/cases/0/request/bot_score" },
  { name: "unknown JA4 Signals key in a request", doc: testCase("{ ja4_signals: { browser_ratio: 1 } }", "pass"), keyword: "additionalProperties", path: "/cases/0/request/ja4_signals" },
  { name: "risk as a list", doc: testCase("{ risk: [] }", "pass"), keyword: "type", path: "/cases/0/request/risk" },
  { name: "bad zone key", doc: { ...asObject(testCase("{}", "pass")), zone: "Shop" }, keyword: "pattern", path: "/zone" },
];

// -------------------------------------------------------------------------------------- the tests
function expectLocatedError(
  errors: ErrorObject[] | null | undefined,
  keyword: string,
  path: string,
): void {
  const list = errors ?? [];
  expect(
    list.some((e) => e.keyword === keyword && e.instancePath === path),
    `expected a '${keyword}' error at '${path}', got ${describeErrors(list)}`,
  ).toBe(true);
  // Every error sits at the expected place, inside it, or on its way (anyOf/if wrappers).
  for (const e of list) {
    expect(
      e.instancePath.startsWith(path) || path.startsWith(e.instancePath),
      `stray error ${e.keyword} at '${e.instancePath}'`,
    ).toBe(true);
  }
}

describe("policy schema", () => {
  const validate = compilePolicyValidator();

  it.each(VALID_POLICIES)("accepts $name", ({ doc }) => {
    expect(validate(doc), describeErrors(validate.errors)).toBe(true);
  });

  it.each(INVALID_POLICIES)("refuses $name: $keyword at $path", ({ doc, keyword, path }) => {
    expect(validate(doc)).toBe(false);
    expectLocatedError(validate.errors, keyword, path);
  });
});

describe("policy test schema", () => {
  const validate = compileTestValidator();

  it.each(VALID_TESTS)("accepts $name", ({ doc }) => {
    expect(validate(doc), describeErrors(validate.errors)).toBe(true);
  });

  it.each(INVALID_TESTS)("refuses $name: $keyword at $path", ({ doc, keyword, path }) => {
    expect(validate(doc)).toBe(false);
    expectLocatedError(validate.errors, keyword, path);
  });
});

describe("shipped policies", () => {
  const files = readdirSync(POLICIES).filter((f) => f.endsWith(".yaml")).sort();
  const policyFiles = files.filter((f) => !f.endsWith(".test.yaml"));
  const testFiles = files.filter((f) => f.endsWith(".test.yaml"));

  it("include storefront and api, each with a test file", () => {
    expect(policyFiles).toEqual(expect.arrayContaining(["api.yaml", "storefront.yaml"]));
    for (const f of policyFiles) expect(testFiles).toContain(f.replace(/\.yaml$/, ".test.yaml"));
  });

  it.each(policyFiles)("%s validates and points editors at the schema", (file) => {
    const text = readFileSync(join(POLICIES, file), "utf8");
    expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=../schema/${POLICY_SCHEMA_FILE}`);
    const validate = compilePolicyValidator();
    expect(validate(parse(text)), describeErrors(validate.errors)).toBe(true);
  });

  it.each(testFiles)("%s validates, and its cases cover every rule of its policy", (file) => {
    const text = readFileSync(join(POLICIES, file), "utf8");
    expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=../schema/${TEST_SCHEMA_FILE}`);
    const validate = compileTestValidator();
    const doc = parse(text) as { cases: { name: string; expect: string | { rule?: string } }[] };
    expect(validate(doc), describeErrors(validate.errors)).toBe(true);

    const pol = parse(readFileSync(join(POLICIES, file.replace(/\.test\.yaml$/, ".yaml")), "utf8")) as {
      policy: string;
      rules: { id: string }[];
    };
    const refs = pol.rules.map((r) => `${pol.policy}/${r.id}`);
    const expected = doc.cases.flatMap((c) => (typeof c.expect === "object" && c.expect.rule ? [c.expect.rule] : []));
    for (const ref of expected) expect(refs).toContain(ref);
    for (const ref of refs) expect(expected, `no case decided by ${ref}`).toContain(ref);
    expect(doc.cases.length).toBeGreaterThanOrEqual(6);
    expect(doc.cases.length).toBeLessThanOrEqual(10);
    expect(new Set(doc.cases.map((c) => c.name)).size).toBe(doc.cases.length);
  });
});

// ----------------------------------------------------------------------------- schema properties
type SchemaNode = { [key: string]: unknown };

/** Calls `visit` on every subschema (objects only), with its JSON pointer. */
function walkSchema(node: unknown, pointer: string, visit: (node: SchemaNode, pointer: string) => void): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    node.forEach((child, i) => walkSchema(child, `${pointer}/${i}`, visit));
    return;
  }
  const obj = node as SchemaNode;
  visit(obj, pointer);
  for (const [key, child] of Object.entries(obj)) {
    if (key === "enum" || key === "const" || key === "default" || key === "required") continue;
    walkSchema(child, `${pointer}/${key}`, visit);
  }
}

describe.each([POLICY_SCHEMA_FILE, TEST_SCHEMA_FILE])("%s", (file) => {
  const schema = loadSchema(file);

  it("compiles with ajv in strict mode (plain options, no union types allowed)", () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("declares draft 2020-12 and its id", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(`https://bot-policy.dev/schema/${file}`);
  });

  it("has a title and description on every property and definition", () => {
    const missing: string[] = [];
    walkSchema(schema, "#", (node, pointer) => {
      for (const map of ["properties", "$defs"] as const) {
        const children = node[map];
        if (children === undefined || typeof children !== "object" || children === null) continue;
        // `properties` inside if/then/else only re-target existing properties.
        if (map === "properties" && /\/(if|then|else)$/.test(pointer)) continue;
        for (const [name, child] of Object.entries(children as SchemaNode)) {
          const c = child as SchemaNode;
          if (typeof c.title !== "string" || typeof c.description !== "string") {
            missing.push(`${pointer}/${map}/${name}`);
          }
        }
      }
    });
    expect(missing).toEqual([]);
  });

  it("uses no oneOf, and every anyOf switches on pairwise distinct bare JSON types", () => {
    const problems: string[] = [];
    walkSchema(schema, "#", (node, pointer) => {
      if ("oneOf" in node) problems.push(`${pointer}: oneOf`);
      if (!("anyOf" in node)) return;
      const branches = node.anyOf as SchemaNode[];
      const types = branches.map((b) => b.type);
      if (!branches.every((b) => Object.keys(b).length === 1 && typeof b.type === "string")) {
        problems.push(`${pointer}: anyOf branch is not a bare type`);
      }
      if (new Set(types).size !== types.length) problems.push(`${pointer}: anyOf types repeat`);
      if (types.includes("integer") && types.includes("number")) problems.push(`${pointer}: integer and number overlap`);
    });
    expect(problems).toEqual([]);
  });
});

describe("policy field lists", () => {
  const schema = loadSchema(POLICY_SCHEMA_FILE) as {
    $defs: Record<string, { properties?: Record<string, unknown>; enum?: string[] }>;
  };
  const defs = schema.$defs;

  it("POLICY_FIELDS are the `when` fields, in order, besides the combinators", () => {
    const keys = Object.keys(defs.when?.properties ?? {});
    expect(keys.filter((k) => !(WHEN_COMBINATORS as readonly string[]).includes(k))).toEqual([...POLICY_FIELDS]);
    expect(keys).toEqual(expect.arrayContaining([...WHEN_COMBINATORS]));
  });

  it("origin_headers accept exactly POLICY_FIELDS", () => {
    expect(defs.fieldName?.enum).toEqual([...POLICY_FIELDS]);
  });

  it("JA4_SIGNAL_KEYS match the schema and the seed's 10 keys", () => {
    expect(Object.keys(defs.ja4Signals?.properties ?? {})).toEqual([...JA4_SIGNAL_KEYS]);
    expect(JA4_SIGNAL_KEYS).toHaveLength(10);
  });

  it("test requests take every policy field and the same JA4 Signals keys", () => {
    const test = loadSchema(TEST_SCHEMA_FILE) as {
      $defs: { request: { properties: Record<string, { properties?: Record<string, unknown> }> } };
    };
    const request = test.$defs.request.properties;
    // Then the keys raw expressions read (headers, query).
    expect(Object.keys(request)).toEqual([...POLICY_FIELDS, ...Object.keys(REQUEST_EXTRAS)]);
    expect(Object.keys(request.ja4_signals?.properties ?? {})).toEqual([...JA4_SIGNAL_KEYS]);
  });

  it("WORKER_FIELDS and isPolicyField agree with POLICY_FIELDS", () => {
    for (const f of WORKER_FIELDS) expect(isPolicyField(f)).toBe(true);
    expect(isPolicyField("any")).toBe(false);
    expect(isPolicyField("bot_score")).toBe(true);
  });

  it("documents the defaults of DESIGN.md", () => {
    const props = (schema as unknown as { properties: Record<string, { default?: unknown }> }).properties;
    expect(props.priority?.default).toBe(100);
    expect(props.mode?.default).toBe("enforce");
    const ri = defs.riskIntelligence?.properties as Record<string, { default?: unknown }>;
    expect([ri.endpoint?.default, ri.timeout_ms?.default, ri.on_error?.default]).toEqual(["global", 1000, "pass"]);
    const ruleProps = defs.rule?.properties as Record<string, { default?: unknown }>;
    expect(ruleProps.enabled?.default).toBe(true);
  });
});

describe("findSchemaFile and the compiled validators", () => {
  it("finds schema/ from src/schema, from dist/src/schema and from the repository root", () => {
    const expected = join(REPO, "schema", POLICY_SCHEMA_FILE);
    expect(findSchemaFile(POLICY_SCHEMA_FILE)).toBe(expected);
    expect(findSchemaFile(POLICY_SCHEMA_FILE, join(REPO, "dist", "src", "schema"))).toBe(expected);
    expect(findSchemaFile(TEST_SCHEMA_FILE, REPO)).toBe(join(REPO, "schema", TEST_SCHEMA_FILE));
  });

  it("throws when no schema folder is above the start", () => {
    expect(() => findSchemaFile(POLICY_SCHEMA_FILE, "/")).toThrow(/no 'schema\/policy-v1.schema.json'/);
  });

  it("throws for an unknown schema name", () => {
    expect(() => findSchemaFile("nope.schema.json")).toThrow(/does not exist/);
  });

  it("compiles each validator once", () => {
    expect(compilePolicyValidator()).toBe(compilePolicyValidator());
    expect(compileTestValidator()).toBe(compileTestValidator());
    expect(compileTestValidator()).not.toBe(compilePolicyValidator());
  });

  it("reports errors with parentSchema, for hints", () => {
    const validate = compilePolicyValidator();
    validate(when("pth: /a"));
    const error = validate.errors?.find((e) => e.keyword === "additionalProperties");
    const parent = error?.parentSchema as { properties?: Record<string, unknown> } | undefined;
    expect(Object.keys(parent?.properties ?? {})).toContain("path");
  });
});

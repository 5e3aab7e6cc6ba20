import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { importRuleset } from "../../src/import/import-ruleset.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

const now = new Date("2026-12-01T00:00:00Z");

// Small pools shared by expressions and requests, so conditions hit as often as they miss.
const SCORES = [0, 1, 2, 15, 29, 30, 31, 50, 99];
const JA4S = Array.from({ length: 14 }, (_, i) => `t13d${(1516 + i).toString()}h2_8daaf6152771_${(0x02713d6af862 + i).toString(16).padStart(12, "0")}`);
const JA3S = ["25b4882c2bcb50cd6b469ff28c596742", "e7d705a3286e19ea42f587b344ee6865"];
const IPS = ["192.0.2.10", "192.0.2.200", "198.51.100.7", "203.0.113.5", "2001:db8:1::5", "2001:db8:2::1", ...Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 20}`)];
const CIDRS = ["192.0.2.0/25", "2001:db8:1::/48", "203.0.113.0/24"];
const ASNS = [13335, 14061, 15169, 16509, 8075, 24940, 16276, 63949, 20473, 45102, 36352, 9009, 51167];
const COUNTRIES = ["KP", "IR", "FR", "DE", "US", "CN", "RU", "BR", "IN", "JP", "GB", "NL"];
const PATHS = ["/", "/xmlrpc.php", "/wp-admin/x", "/api/v1/items.json", "/login", "/search/shoes", "/API/v2"];
const HOSTS = ["shop.example.com", "api.example.com", "other.example.com"];
const METHODS = ["GET", "POST", "HEAD"];
const AGENTS = ["Mozilla/5.0", "curl/8.0", "UptimeRobot/2.0", "python-requests/2.31"];
const CATEGORIES = ["Search Engine Crawler", "AI Crawler", "Monitoring & Analytics"];
const DETECTIONS = [201326592, 33554817, 50331651];

const q = (value: string): string => JSON.stringify(value);
const someOf = <T>(pool: readonly T[], min = 1, max = 4) => fc.subarray([...pool], { minLength: min, maxLength: Math.min(max, pool.length) });
const op = (...spellings: string[]) => fc.constantFrom(...spellings);
const set = (items: readonly (string | number)[], quote: boolean) => `{${items.map((i) => (quote ? q(String(i)) : String(i))).join(" ")}}`;

/** Conditions on policy fields, spelt as dashboards write them (symbols, words, parentheses). */
const mappable: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(op("lt", "<", "le", "<=", "gt", ">", "ge", ">=", "eq", "==", "ne", "!="), fc.constantFrom(...SCORES)).map(([o, n]) => `cf.bot_management.score ${o} ${n}`),
  fc.constantFrom("{1..29}", "{2..29}", "{30..99}", "{1 5..8}", "{1..35}", "{0..1}").map((items) => `cf.bot_management.score in ${items}`),
  fc.constantFrom("verified_bot", "static_resource", "corporate_proxy", "js_detection.passed").map((f) => `cf.bot_management.${f}`),
  fc.tuple(op("eq", "=="), fc.constantFrom(...CATEGORIES)).map(([o, c]) => `cf.verified_bot_category ${o} ${q(c)}`),
  someOf(CATEGORIES).map((items) => `cf.verified_bot_category in ${set(items, true)}`),
  fc.constantFrom(...JA4S).map((v) => `cf.bot_management.ja4 eq ${q(v)}`),
  // Up to all 14 JA4s: past ten items, a named set.
  someOf(JA4S, 2, 14).map((items) => `cf.bot_management.ja4 in ${set(items, true)}`),
  fc.constantFrom(...JA4S).map((v) => `substring(cf.bot_management.ja4, 0, 10) eq ${q(v.slice(0, 10))}`),
  someOf(JA4S).map((items) => `substring(cf.bot_management.ja4, 24, 36) in ${set(items.map((v) => v.slice(24)), true)}`),
  fc.constantFrom(...JA3S).map((v) => `cf.bot_management.ja3_hash eq ${q(v)}`),
  someOf(DETECTIONS).map((ids) => (ids.length === 1 ? `any(cf.bot_management.detection_ids[*] eq ${ids[0]})` : `any(cf.bot_management.detection_ids[*] in ${set(ids, false)})`)),
  someOf([...IPS, ...CIDRS], 1, 16).map((items) => `ip.src in ${set(items, false)}`),
  fc.tuple(op("eq", "==", "ne"), fc.constantFrom(...IPS)).map(([o, v]) => `ip.src ${o} ${v}`),
  someOf(ASNS, 1, 13).map((items) => `ip.src.asnum in ${set(items, false)}`),
  fc.tuple(op("eq", "ne", "lt", "ge"), fc.constantFrom(...ASNS)).map(([o, v]) => `ip.src.asnum ${o} ${v}`),
  someOf(COUNTRIES, 1, 12).map((items) => `ip.src.country in ${set(items, true)}`),
  fc.tuple(op("eq", "ne"), fc.constantFrom(...COUNTRIES)).map(([o, v]) => `ip.src.country ${o} ${q(v)}`),
  fc.tuple(op("eq", "ne", "contains", "wildcard"), fc.constantFrom("/xmlrpc.php", "/wp-admin/*", "api", "/search/*", "/login")).map(([o, v]) => `http.request.uri.path ${o} ${q(v)}`),
  fc.tuple(op("starts_with", "ends_with"), fc.constantFrom("/api/", ".json", "/search", "/")).map(([f, v]) => `${f}(http.request.uri.path, ${q(v)})`),
  someOf(HOSTS).map((items) => `http.host in ${set(items, true)}`),
  fc.constantFrom(...HOSTS).map((v) => `http.host eq ${q(v)}`),
  fc.constantFrom("GET", "POST").map((v) => `http.request.method eq ${q(v)}`),
  someOf(METHODS).map((items) => `http.request.method in ${set(items, true)}`),
  fc.constantFrom("UptimeRobot", "curl", "bot").map((v) => `http.user_agent contains ${q(v)}`),
);

/** Conditions no policy field expresses: other fields, functions, regexes. */
const raw: fc.Arbitrary<string> = fc.constantFrom(
  'http.cookie contains "session="',
  'http.request.uri.query contains "debug"',
  'lower(http.user_agent) contains "bot"',
  'http.user_agent matches "(?i)curl|python"',
  'http.request.uri.path strict wildcard "/API/*"',
  'http.request.headers["x-api-key"][0] eq "k1"',
  'any(http.request.headers.names[*] eq "x-debug")',
  'lower(http.request.uri.path) wildcard "/api/*"',
  'cf.bot_management.score in {1..29} xor cf.bot_management.verified_bot',
);

const condition: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    mappable,
    mappable,
    raw,
    fc.tuple(tie("expr"), tie("expr"), op("and", "&&", "or", "||")).map(([a, b, o]) => `(${a}) ${o} (${b})`),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, b, c]) => `${a} and ${b} and (${c})`),
    fc.tuple(tie("expr"), op("not ", "!")).map(([a, o]) => `${o}(${a})`),
  ),
})).expr;

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const SKIP_PHASES = ["http_ratelimit", "http_request_firewall_managed", "http_request_sbfm"];
const SKIP_PRODUCTS = ["zoneLockdown", "uaBlock", "bic", "hot", "securityLevel", "rateLimit", "waf"];

/** One rule as the rulesets API returns it (PLATFORM.md §9): action parameters and logging as Cloudflare shapes them. */
const apiRule = fc
  .record({
    action: fc.constantFrom("block", "managed_challenge", "js_challenge", "challenge", "skip", "log"),
    expression: condition,
    description: fc.option(fc.constantFrom("Block bots", "Allow office", "Old rule", "Block bots", ""), { nil: undefined }),
    enabled: fc.boolean(),
    refKind: fc.constantFrom("id", "absent", "slug"),
    response: fc.option(fc.record({ status_code: fc.constantFrom(403, 429), content_type: fc.constantFrom("text/plain", "application/json"), content: fc.constantFrom("no", '{"error":"bot"}') }), { nil: undefined }),
    phases: fc.option(someOf(SKIP_PHASES, 0, 3), { nil: undefined }),
    products: fc.option(someOf(SKIP_PRODUCTS, 0, 3), { nil: undefined }),
    logging: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((r) => {
    const parameters =
      r.action === "block" && r.response
        ? { response: r.response }
        : r.action === "skip"
          ? { ruleset: "current", ...(r.phases ? { phases: r.phases } : {}), ...(r.products ? { products: r.products } : {}) }
          : undefined;
    return { ...r, parameters };
  });

/** A ruleset in the API's shape: `version` a string, `rules` missing when there are none, wrapped or bare. */
const apiRuleset = fc
  .record({
    id: hex32,
    ids: fc.uniqueArray(hex32, { minLength: 8, maxLength: 8 }),
    rules: fc.array(apiRule, { maxLength: 8 }),
    version: fc.integer({ min: 1, max: 40 }).map(String),
    wrapped: fc.boolean(),
  })
  .map(({ id, ids, rules, version, wrapped }) => {
    const apiRules = rules.map((r, i) => ({
      id: ids[i]!,
      ...(r.refKind === "id" ? { ref: ids[i]! } : r.refKind === "slug" ? { ref: `legacy-${i}` } : {}),
      version: "1",
      action: r.action,
      expression: r.expression,
      ...(r.description !== undefined ? { description: r.description } : {}),
      enabled: r.enabled,
      ...(r.parameters ? { action_parameters: r.parameters } : {}),
      ...(r.action === "skip" && r.logging !== undefined ? { logging: { enabled: r.logging } } : {}),
      last_updated: "2026-03-17T15:42:37.917815Z",
    }));
    const ruleset = { id, name: "default", kind: "zone", version, phase: "http_request_firewall_custom", ...(apiRules.length > 0 ? { rules: apiRules } : {}), last_updated: "2026-03-17T15:42:37.917815Z" };
    return { rules: apiRules, text: JSON.stringify(wrapped ? { result: ruleset, success: true, errors: [], messages: [] } : ruleset, null, 2) };
  });

/** A request with the fields the expressions read, each maybe absent. */
const request = fc.record(
  {
    bot_score: fc.constantFrom(...SCORES),
    verified_bot: fc.boolean(),
    static_resource: fc.boolean(),
    corporate_proxy: fc.boolean(),
    js_detection_passed: fc.boolean(),
    verified_bot_category: fc.constantFrom(...CATEGORIES),
    ja4: fc.constantFrom(...JA4S),
    ja3: fc.constantFrom(...JA3S),
    detection_ids: someOf(DETECTIONS, 0, 2),
    ip: fc.constantFrom(...IPS),
    asn: fc.constantFrom(...ASNS),
    country: fc.constantFrom(...COUNTRIES),
    path: fc.constantFrom(...PATHS),
    host: fc.constantFrom(...HOSTS),
    method: fc.constantFrom(...METHODS),
    user_agent: fc.constantFrom(...AGENTS),
    query: fc.constantFrom("debug=1", "q=shoes"),
    headers: fc.record({ cookie: fc.constantFrom("session=abc", "theme=dark"), "x-api-key": fc.constantFrom("k1", "k2"), "x-debug": fc.constant("1") }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

type ApiRule = { action: string; expression: string; enabled: boolean; ref?: string; id: string };

/** The original ruleset run as Cloudflare runs it: first terminating match, `log` goes on, `skip` ends it. */
function originalDecision(rules: readonly ApiRule[], conditions: ReadonlyArray<(fields: Record<string, unknown>) => boolean>, ids: readonly string[], fields: Record<string, unknown>) {
  const logged: string[] = [];
  for (const [index, rule] of rules.entries()) {
    if (!rule.enabled || !conditions[index]!(fields)) continue;
    if (rule.action === "log") logged.push(`shop/${ids[index]}`);
    else return { action: rule.action, rule: `shop/${ids[index]}`, logged };
  }
  return { action: "pass", rule: null, logged };
}

describe("import → compile (property)", () => {
  it("keeps refs and order, and decides every generated request as the original expressions do", () => {
    const seen = { when: 0, expression: 0, sets: 0, decided: new Set<string>() };
    fc.assert(
      fc.property(apiRuleset, fc.array(request, { minLength: 30, maxLength: 30 }), ({ rules, text }, requests) => {
        const imported = importRuleset(text, { file: "entrypoint.json", zone: "shop" });
        expect(imported.diagnostics).toEqual([]);
        const policy = imported.policy!;
        for (const rule of policy.rules) seen[rule.when ? "when" : "expression"]++;
        seen.sets += Object.keys(policy.sets ?? {}).length;

        const compiled = compileProject({ files: new Map([["policies/shop.yaml", imported.text!]]), now });
        const errors = compiled.diagnostics.filter((d) => d.severity === "error");
        if (errors.length > 0 && errors.every((d) => d.code.startsWith("BP6"))) {
          // A mandatory guard refuses a generated rule (one that blocks every request): so it
          // does with every expression kept verbatim, and `when:` is not to blame.
          const verbatim = { ...policy, sets: undefined, rules: policy.rules.map(({ when: _, ...rule }, i) => ({ ...rule, expression: rules[i]!.expression })) };
          const asWritten = compileProject({ files: new Map([["policies/shop.yaml", stringify(verbatim)]]), now });
          expect(asWritten.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.message])).toEqual(errors.map((d) => [d.code, d.message]));
          return;
        }
        expect(errors).toEqual([]);
        const plan = compiled.plans.find((p) => p.zone === "shop");
        const emitted = plan?.firewallCustom.rules ?? [];
        expect(emitted.map((r) => [r.ref, r.enabled, r.action])).toEqual(rules.map((r) => [r.ref ?? r.id, r.enabled, r.action]));
        if (!plan) return;

        const program = compileZoneProgram(plan);
        const conditions = rules.map((r) => {
          const parsed = parseExpression(r.expression);
          if (!parsed.ok) throw new Error(parsed.error.message);
          return compileEvaluator(parsed.expr);
        });
        const ids = policy.rules.map((r) => r.id);
        for (const given of requests) {
          const converted = requestFields(given);
          if ("error" in converted) throw new Error(converted.error);
          const expected = originalDecision(rules, conditions, ids, converted.fields);
          const decided = decideRequest(program, converted.fields);
          expect({ action: decided.action, rule: decided.rule, logged: decided.logged }, JSON.stringify(given)).toEqual(expected);
          seen.decided.add(expected.action);
        }
      }),
      { numRuns: propertyRuns(60) },
    );
    // Not vacuous: both forms were written, lists became sets, and requests reached every outcome.
    expect(seen.when).toBeGreaterThan(50);
    expect(seen.expression).toBeGreaterThan(20);
    expect(seen.sets).toBeGreaterThan(3);
    expect([...seen.decided].sort()).toEqual(["block", "challenge", "js_challenge", "managed_challenge", "pass", "skip"]);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { canonicalCondition } from "../../src/import/canonical-condition.js";
import { importRuleset } from "../../src/import/import-ruleset.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { prng } from "../helpers/prng.js";
import { expectGolden } from "../helpers/run-cli.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "import");
const now = new Date("2026-12-01T00:00:00Z");

interface ApiRule {
  id: string;
  ref?: string;
  action: string;
  expression: string;
  description?: string;
  enabled: boolean;
  action_parameters?: Record<string, unknown>;
  logging?: { enabled: boolean };
}

const text = readFileSync(join(fixtures, "dashboard-export.json"), "utf8");
const original = (JSON.parse(text) as { result: { rules: ApiRule[] } }).result.rules;

function parsed(expression: string) {
  const result = parseExpression(expression);
  if (!result.ok) throw new Error(result.error.message);
  return result.expr;
}

function importExport() {
  const imported = importRuleset(text, { file: "dashboard-export.json", zone: "shop" });
  expect(imported.diagnostics).toEqual([]);
  const compiled = compileProject({ files: new Map([["policies/shop.yaml", imported.text!]]), now });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { imported, plan: compiled.plans[0]! };
}

describe("a realistic dashboard export", () => {
  it("imports to a readable policy (golden): bot fields as when:, large lists as sets, the rest verbatim with the reason", () => {
    const { imported } = importExport();
    expectGolden(join(fixtures, "dashboard-export.golden.yaml"), imported.text!);
    const rules = imported.policy!.rules;
    expect(original.length).toBe(27);
    expect(rules.filter((r) => r.when).length).toBe(19);
    expect(rules.filter((r) => r.expression).map((r) => r.id)).toEqual([
      "partner-api-key",
      "spam-campaign",
      "python-clients",
      "admin-api-outside-office",
      "bot-test-cookie",
      "referer-spam",
      "debug-header",
      "long-forwarding-chains",
    ]);
    // A kept expression is the API's text, byte for byte.
    for (const rule of rules.filter((r) => r.expression)) expect(original.map((r) => r.expression)).toContain(rule.expression);
    expect(Object.keys(imported.policy!.sets ?? {})).toEqual(["hosting-providers-asn", "known-scraper-fingerprints-ja4"]);
  });

  it("compiles back to the same refs, order, actions, parameters, enabled flags and logging", () => {
    const { plan } = importExport();
    const emitted = plan.firewallCustom.rules;
    expect(emitted.map((r) => r.ref)).toEqual(original.map((r) => r.ref ?? r.id));
    expect(emitted.map((r) => [r.action, r.enabled])).toEqual(original.map((r) => [r.action, r.enabled]));
    expect(emitted.map((r) => r.action_parameters ?? null)).toEqual(original.map((r) => r.action_parameters ?? null));
    expect(emitted.map((r) => r.logging?.enabled ?? false)).toEqual(original.map((r) => r.logging?.enabled ?? false));
    expect(emitted.map((r) => canonicalCondition(parsed(r.expression)))).toEqual(original.map((r) => canonicalCondition(parsed(r.expression))));
  });

  it("decides 3,000 seeded random requests as the original expressions do, with every enabled rule deciding or logging some", () => {
    const { imported, plan } = importExport();
    const program = compileZoneProgram(plan);
    const ids = imported.policy!.rules.map((r) => `shop/${r.id}`);
    const conditions = original.map((r) => compileEvaluator(parsed(r.expression)));
    const random = prng(20261203);
    const maybe = <T>(values: readonly T[]): T | undefined => (random() < 0.15 ? undefined : values[Math.floor(random() * values.length)]);
    const hit = new Set<string>();
    for (let n = 0; n < 3000; n++) {
      const given = {
        ip: maybe(["192.0.2.10", "198.51.100.7", "198.51.100.90", "203.0.113.5", "203.0.113.5", "203.0.113.9", "203.0.113.9", "203.0.113.9", "2001:db8:1::5", "2001:db8:9::1", "2001:db8:9::1"]),
        // Values that block early (hosting ASNs, listed fingerprints) are rarer, so later rules are reached.
        asn: maybe([14061, 16509, 13335, 3320, 3320, 3320]),
        user_agent: maybe(["UptimeRobot/2.0", "Mozilla/5.0", "Mozilla/5.0", "Mozilla/5.0", "python-requests/2.31", "Go-http-client/1.1"]),
        path: maybe(["/", "/xmlrpc.php", "/wp-admin/x", "/robots.txt", "/account/login", "/checkout/pay", "/api/v2/admin/users", "/partner/orders", "/wp-content/plugins/x.php"]),
        host: maybe(["shop.example.com", "api.example.com", "eu.example.com", "eu.example.com", "staging.example.com"]),
        method: maybe(["GET", "POST", "PUT"]),
        country: maybe(["KP", "DE", "DE", "US"]),
        bot_score: maybe([1, 4, 9, 25, 45, 99]),
        verified_bot: maybe([true, false]),
        verified_bot_category: random() < 0.5 ? undefined : maybe(["Search Engine Crawler", "AI Crawler", "Monitoring & Analytics"]),
        static_resource: maybe([true, false]),
        corporate_proxy: maybe([true, false]),
        js_detection_passed: maybe([true, false]),
        detection_ids: maybe([[], [33554817], [7], [7]]),
        ja4: maybe(["t13d1715h2_5b57614c22b0_3d5424432f57", "t13d1715h2_000000000000_000000000000", "t13d1516h2_8daaf6152771_02713d6af862", ...Array<string>(6).fill("t13d0000h2_8daaf6152771_02713d6af862")]),
        ja3: maybe(["e7d705a3286e19ea42f587b344ee6865", "00000000000000000000000000000000", "00000000000000000000000000000000", "00000000000000000000000000000000"]),
        query: maybe(["utm_source=spam-blast", "q=shoes", "q=shoes"]),
        headers: {
          cookie: maybe(["__bot_test=1", "theme=dark"]),
          referer: maybe(["https://www.casino-spam.example/win", "https://search.example/", "https://search.example/"]),
          "x-partner-key": maybe(["pk_live_7f3a", "nope"]),
          "x-debug-token": maybe(["1"]),
          "x-forwarded-for": maybe(["203.0.113.1", "203.0.113.1", Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 100}`).join(", ")]),
        },
      };
      const request = JSON.parse(JSON.stringify(given)) as Record<string, unknown>;
      const converted = requestFields(request);
      if ("error" in converted) throw new Error(converted.error);
      const logged: string[] = [];
      let expected: { action: string; rule: string | null } = { action: "pass", rule: null };
      for (const [index, rule] of original.entries()) {
        if (!rule.enabled || !conditions[index]!(converted.fields)) continue;
        if (rule.action === "log") {
          logged.push(ids[index]!);
          continue;
        }
        expected = { action: rule.action, rule: ids[index]! };
        break;
      }
      const decided = decideRequest(program, converted.fields);
      expect({ action: decided.action, rule: decided.rule, logged: decided.logged }, JSON.stringify(request)).toEqual({ ...expected, logged });
      for (const rule of [expected.rule, ...logged]) if (rule) hit.add(rule);
    }
    const enabled = original.flatMap((r, i) => (r.enabled ? [ids[i]!] : []));
    expect(enabled.filter((rule) => !hit.has(rule))).toEqual([]);
  });
});

describe("an unsupported action in a dashboard export", () => {
  it("stops the import with a message naming the rule, located at its action in the file", () => {
    const changed = text.replace('"action": "js_challenge"', '"action": "redirect"');
    const lines = changed.split("\n");
    const line = lines.findIndex((l) => l.includes('"action": "redirect"')) + 1;
    const column = lines[line - 1]!.indexOf('"redirect"') + 1;
    const result = importRuleset(changed, { file: "dashboard-export.json", zone: "shop" });
    expect(result.text).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.message])).toEqual([
      [
        "BP552",
        "dashboard-export.json",
        line,
        column,
        `Cannot import: rule 14 ('Spam campaign') [ref a62ad877d4b463642ce991fc4cfdd19e] has the action "redirect", which bot-policy does not support (it supports block, managed_challenge, js_challenge, challenge, skip, log).`,
      ],
    ]);
  });
});

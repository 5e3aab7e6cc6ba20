import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { prng } from "../helpers/prng.js";
import { importRuleset } from "../../src/import/import-ruleset.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { canonicalCondition } from "../../src/import/canonical-condition.js";
import { cli, makeProject } from "../helpers/run-cli.js";

const fixtures = join(import.meta.dirname, "..", "fixtures", "import");
const now = new Date("2026-12-01T00:00:00Z");

interface ApiRule {
  id: string;
  ref?: string;
  action: string;
  expression: string;
  enabled: boolean;
  action_parameters?: Record<string, unknown>;
  logging?: { enabled: boolean };
}

function apiRules(name: string): ApiRule[] {
  const json = JSON.parse(readFileSync(join(fixtures, name), "utf8")) as { result?: { rules?: ApiRule[] }; rules?: ApiRule[] };
  return (json.result ?? json).rules ?? [];
}

/** Imports a fixture and compiles the policy it gives, as `compile` would. */
function roundTrip(name: string) {
  const text = readFileSync(join(fixtures, name), "utf8");
  const imported = importRuleset(text, { file: name, zone: "shop" });
  expect(imported.diagnostics).toEqual([]);
  const compiled = compileProject({ files: new Map([["policies/shop.yaml", imported.text!]]), now });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { imported, plan: compiled.plans[0]! };
}

/** The expression up to rewrites that keep every decision (operand order, set item order). */
function canonical(expression: string): string {
  const parsed = parseExpression(expression);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return canonicalCondition(parsed.expr);
}

describe("import → compile", () => {
  for (const name of ["dashboard.json", "empty.json"]) {
    it(`gives back the rules of ${name}: refs, order, expressions, actions, parameters, enabled`, () => {
      const { plan } = roundTrip(name);
      const original = apiRules(name);
      const emitted = plan.firewallCustom.rules;
      expect(emitted.map((r) => r.ref)).toEqual(original.map((r) => r.ref ?? r.id));
      expect(emitted.map((r) => canonical(r.expression))).toEqual(original.map((r) => canonical(r.expression)));
      expect(emitted.map((r) => [r.action, r.enabled])).toEqual(original.map((r) => [r.action, r.enabled]));
      // Parameters compare as Cloudflare reads them: logging absent means off (REFERENCE.md §2.2).
      expect(emitted.map((r) => r.action_parameters ?? null)).toEqual(original.map((r) => r.action_parameters ?? null));
      expect(emitted.map((r) => r.logging?.enabled ?? false)).toEqual(original.map((r) => r.logging?.enabled ?? false));
    });
  }

  it("writes a readable policy: rule ids from descriptions, refs, descriptions and options kept", () => {
    const { imported } = roundTrip("dashboard.json");
    expect(imported.rulesetId).toBe("9f3c2a1b4d5e6f708192a3b4c5d6e7f8");
    const rules = imported.policy!.rules;
    expect(rules.map((r) => r.id)).toEqual(["allow-office", "uptime-monitor", "block-wordpress-probes", "challenge-likely-bots", "old-country-rule", "rule-6", "block-search-scrapers"]);
    expect(rules[0]).toEqual({
      id: "allow-office",
      description: "Allow office",
      ref: "1a2b3c4d5e6f708192a3b4c5d6e7f801",
      when: { ip: ["192.0.2.0/24", "2001:db8:1::/48"] },
      action: "skip",
      skip: { phases: ["rate_limit", "super_bot_fight_mode"], products: ["waf"] },
      logging: true,
    });
    // A rule without a ref is known by its id.
    expect(rules[2]).toMatchObject({ ref: "1a2b3c4d5e6f708192a3b4c5d6e7f803", response: { status: 403, content_type: "application/json", body: '{"error":"forbidden"}' } });
    expect(rules[4]).toMatchObject({ enabled: false });
    expect(imported.text).toMatch(/^version: 1\npolicy: shop\n/);
  });

  it("decides random requests as the original rules do, run in Cloudflare's order (seeded)", () => {
    const { plan } = roundTrip("dashboard.json");
    const program = compileZoneProgram(plan);
    const original = apiRules("dashboard.json").filter((r) => r.enabled);
    const conditions = original.map((r) => {
      const parsed = parseExpression(r.expression);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return compileEvaluator(parsed.expr);
    });
    const random = prng(20261202);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const actions = new Set<string>();
    for (let n = 0; n < 500; n++) {
      const request = {
        ip: pick(["192.0.2.10", "198.51.100.7", "203.0.113.5", "2001:db8:1::5"]),
        asn: pick([14061, 13335]),
        user_agent: pick(["UptimeRobot/2.0", "Mozilla/5.0"]),
        path: pick(["/xmlrpc.php", "/wp-admin/x", "/search/shoes", "/SEARCH/a", "/"]),
        host: pick(["shop.example.com", "other.example.com"]),
        method: pick(["GET", "POST"]),
        country: pick(["KP", "FR"]),
        bot_score: pick([1, 20, 50, 99]),
        verified_bot: pick([true, false]),
        static_resource: pick([true, false]),
        ja4: pick(["t13d190900_9dc949149365_97f8aa674fd9", "t13d1516h2_8daaf6152771_02713d6af862"]),
      };
      const converted = requestFields(request);
      if ("error" in converted) throw new Error(converted.error);
      // The original ruleset: first terminating match wins, log goes on, skip ends the ruleset.
      let expected = "pass";
      for (const [index, rule] of original.entries()) {
        if (!conditions[index]!(converted.fields)) continue;
        if (rule.action === "log") continue;
        expected = rule.action;
        break;
      }
      actions.add(expected);
      expect(decideRequest(program, converted.fields).action, JSON.stringify(request)).toBe(expected);
    }
    // The requests reach every kind of outcome, so the comparison is not vacuous.
    expect([...actions].sort()).toEqual(["block", "managed_challenge", "pass", "skip"]);
  });

  it("keeps decisions and test names in policy terms while the emitted refs are Cloudflare's", () => {
    const { plan } = roundTrip("dashboard.json");
    expect(plan.origins["1a2b3c4d5e6f708192a3b4c5d6e7f804"]?.rule).toBe("shop/challenge-likely-bots");
  });
});

describe("import refuses what it cannot keep", () => {
  it("names the rule with an unsupported action, at its action, and imports nothing", () => {
    const text = readFileSync(join(fixtures, "unsupported-action.json"), "utf8");
    const result = importRuleset(text, { file: "unsupported-action.json", zone: "shop" });
    expect(result.text).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      [
        "BP552",
        10,
        `Cannot import: rule 2 ('Old redirect') [ref aa000000000000000000000000000002] has the action "redirect", which bot-policy does not support (it supports block, managed_challenge, js_challenge, challenge, skip, log).`,
      ],
    ]);
  });

  it("refuses another phase, parameters it does not know and skips of other rulesets", () => {
    const rule = (extra: Record<string, unknown>) => JSON.stringify({ id: "0b1c2d3e4f5061728394a5b6c7d8e9f0", phase: "http_request_firewall_custom", rules: [{ id: "r1", action: "skip", expression: "true", enabled: true, ...extra }] });
    expect(importRuleset(JSON.stringify({ id: "0b1c2d3e4f5061728394a5b6c7d8e9f0", phase: "http_ratelimit" }), { file: "f.json", zone: "shop" }).diagnostics.map((d) => d.code)).toEqual(["BP552"]);
    for (const parameters of [{ ruleset: "current", rules: { abc: ["def"] } }, { ruleset: "managed" }, { phases: ["http_request_late_transform"] }, { products: ["nope"] }]) {
      expect(importRuleset(rule({ action_parameters: parameters }), { file: "f.json", zone: "shop" }).diagnostics.map((d) => d.code)).toEqual(["BP552"]);
    }
  });
});

describe("bot-policy import", () => {
  it("writes policies/<policy>.yaml and prints the adopt setting", async () => {
    const dir = makeProject({});
    try {
      const run = await cli(["import", "--from", join(fixtures, "dashboard.json"), "--zone", "shop", "--policy", "legacy", "--dir", dir]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Wrote policies/legacy.yaml: 7 rules of ruleset 9f3c2a1b4d5e6f708192a3b4c5d6e7f8, refs and order kept (6 as 'when:', 1 kept as 'expression:').");
      expect(run.stdout).toContain('  bot-policy:adopt:\n    shop: "9f3c2a1b4d5e6f708192a3b4c5d6e7f8"\n');
      expect(readFileSync(join(dir, "policies", "legacy.yaml"), "utf8")).toContain("policy: legacy\n");
      // Never overwrites.
      const again = await cli(["import", "--from", join(fixtures, "dashboard.json"), "--zone", "shop", "--policy", "legacy", "--dir", dir]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("exists already");
      const validate = await cli(["validate", "--dir", dir]);
      expect(validate.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a rule a guard refuses, as the zone runs it today, with a suppression to review", async () => {
    const dir = makeProject({});
    try {
      // A maintenance lock-out: blocks everyone, which BP602 (mandatory) refuses in a policy.
      const ruleset = { result: { id: "0b1c2d3e4f5061728394a5b6c7d8e9f0", phase: "http_request_firewall_custom", rules: [
        { id: "a1", ref: "allow-office", action: "skip", expression: "ip.src in {192.0.2.0/24}", action_parameters: { ruleset: "current" }, enabled: true },
        { id: "b2", ref: "maintenance", description: "Maintenance", action: "block", expression: "true", enabled: true },
      ] } };
      writeFileSync(join(dir, "ruleset.json"), JSON.stringify(ruleset));
      const run = await cli(["import", "--from", join(dir, "ruleset.json"), "--zone", "shop", "--dir", dir]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("warning: rule 2 ('maintenance') is refused by guard BP602; it is imported with a suppression to review.\n");
      const policy = readFileSync(join(dir, "policies", "shop.yaml"), "utf8");
      expect(policy).toContain("    suppress:\n      - code: BP602\n        reason: \"Imported as zone 'shop' runs it today (ruleset 0b1c2d3e4f5061728394a5b6c7d8e9f0); review it: bot-policy's guards refuse it otherwise.\"\n");
      // Only the refused rule is suppressed, and the project validates as imported.
      expect(policy.match(/suppress:/g)).toHaveLength(1);
      expect((await cli(["validate", "--dir", dir])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes nothing and exits 1 when a rule cannot be kept", async () => {
    const dir = makeProject({});
    try {
      const run = await cli(["import", "--from", join(fixtures, "unsupported-action.json"), "--zone", "shop", "--dir", dir]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("error BP552");
      expect(existsSync(join(dir, "policies", "shop.yaml"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

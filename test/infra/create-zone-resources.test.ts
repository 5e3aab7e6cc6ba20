import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createZoneResources,
  toRulesetRuleInput,
  workerCompatibilityDate,
  workerScriptName,
} from "../../src/infra/create-zone-resources.js";
import type { RulesetBody, ZonePlan } from "../../src/model/zone-plan.js";
import { installMocks, valueOf } from "./pulumi-mocks.js";
import type { RegisteredResource } from "./pulumi-mocks.js";

const zoneId = "00000000000000000000000000000d01";
const accountId = "0123456789abcdef0123456789abcdef";

const firewallCustom: RulesetBody = {
  name: "bot-policy shop",
  kind: "zone",
  phase: "http_request_firewall_custom",
  description: "Bot rules for zone 'shop', managed by bot-policy.",
  rules: [
    {
      ref: "storefront/allow-office",
      description: "storefront/allow-office",
      expression: "(ip.src in {192.0.2.0/24})",
      action: "skip",
      action_parameters: { ruleset: "current", phases: ["http_ratelimit"], products: ["waf"] },
      enabled: true,
      logging: { enabled: true },
    },
    {
      ref: "storefront/block-scrapers",
      description: "storefront/block-scrapers",
      expression: '(cf.bot_management.ja4 in {"t13d880900_fcb5b95cb75a_b0d3b4ac2a14"})',
      action: "block",
      action_parameters: {
        response: { status_code: 403, content_type: "application/json", content: '{"error":"forbidden"}' },
      },
      enabled: true,
    },
    {
      ref: "storefront/challenge-likely-automated",
      description: "storefront/challenge-likely-automated",
      expression: "(cf.bot_management.score lt 30)",
      action: "managed_challenge",
      enabled: true,
    },
  ],
};

const lateTransform: RulesetBody = {
  name: "bot-policy shop headers",
  kind: "zone",
  phase: "http_request_late_transform",
  description: "Origin headers for zone 'shop', managed by bot-policy.",
  rules: [
    {
      ref: "origin-headers",
      description: "origin headers",
      expression: "true",
      action: "rewrite",
      action_parameters: {
        headers: {
          "x-bot-score": { operation: "set", expression: "to_string(cf.bot_management.score)" },
          "x-legacy": { operation: "remove" },
        },
      },
      enabled: true,
    },
  ],
};

function shopPlan(overrides: Partial<ZonePlan> = {}): ZonePlan {
  return {
    zone: "shop",
    zoneId,
    tier: "enterprise",
    routes: ["shop-dev.example.com/*", "shop-dev.example.com/api/*"],
    firewallCustom,
    quota: { customRules: { used: 3, limit: 1000 }, transformRules: { used: 0, limit: 300 } },
    origins: {},
    policies: [{ id: "storefront", priority: 100, mode: "enforce" }],
    ...overrides,
  };
}

const workerPolicy: NonNullable<ZonePlan["worker"]> = {
  version: 1,
  zone: "shop",
  rules: [
    {
      ref: "storefront/signals-outliers",
      stage: "worker",
      condition: {
        kind: "compare",
        op: "lt",
        left: { kind: "field", name: "cf.bot_management.ja4_signals.browser_ratio_1h" },
        right: { kind: "literal", literal: { type: "float", value: 0.05 } },
      },
      action: "block",
      mode: "enforce",
    },
  ],
  originHeaders: [{ name: "x-ja4-signals", field: "ja4_signals" }],
};

/** The same Worker with a rule that reads Risk Intelligence. */
const riskPolicy: NonNullable<ZonePlan["worker"]> = {
  ...workerPolicy,
  rules: [
    ...workerPolicy.rules,
    {
      ref: "storefront/risky-checkout",
      stage: "worker",
      condition: {
        kind: "compare",
        op: "ge",
        left: { kind: "field", name: "risk.risk_scores.overall" },
        right: { kind: "literal", literal: { type: "int", value: 4 } },
      },
      action: "block",
      mode: "enforce",
    },
  ],
  riskIntelligence: { token: { header: "x-frc-risk-token" }, endpoint: "global", timeoutMs: 1000, onError: "pass" },
};

function byName(registered: RegisteredResource[], name: string): RegisteredResource {
  const found = registered.find((resource) => resource.name === name);
  if (found === undefined) throw new Error(`no resource '${name}' among ${registered.map((r) => r.name).join(", ")}`);
  return found;
}

describe("createZoneResources", () => {
  let registered: RegisteredResource[];
  beforeEach(async () => {
    registered = await installMocks("dev");
  });

  it("creates one firewall-custom ruleset with the provider's camelCase rule inputs", async () => {
    const resources = createZoneResources(shopPlan(), { accountId, stack: "dev" });

    expect(resources.rulesets).toHaveLength(1);
    expect(resources.lateTransform).toBeUndefined();
    expect(resources.workerScript).toBeUndefined();
    expect(resources.workerRoutes).toEqual([]);
    // Ids and URNs only resolve when the mock engine registered the resource.
    expect(await valueOf(resources.firewallCustom.id)).toBe("shop-http_request_firewall_custom-id");
    expect(await valueOf(resources.firewallCustom.urn)).toBe(
      "urn:pulumi:dev::bot-policy::cloudflare:index/ruleset:Ruleset::shop-http_request_firewall_custom",
    );

    const ruleset = byName(registered, "shop-http_request_firewall_custom");
    expect(ruleset.type).toBe("cloudflare:index/ruleset:Ruleset");
    expect(ruleset.inputs).toEqual({
      zoneId,
      kind: "zone",
      phase: "http_request_firewall_custom",
      name: "bot-policy shop",
      description: "Bot rules for zone 'shop', managed by bot-policy.",
      rules: [
        {
          ref: "storefront/allow-office",
          description: "storefront/allow-office",
          expression: "(ip.src in {192.0.2.0/24})",
          action: "skip",
          actionParameters: { ruleset: "current", phases: ["http_ratelimit"], products: ["waf"] },
          enabled: true,
          logging: { enabled: true },
        },
        {
          ref: "storefront/block-scrapers",
          description: "storefront/block-scrapers",
          expression: '(cf.bot_management.ja4 in {"t13d880900_fcb5b95cb75a_b0d3b4ac2a14"})',
          action: "block",
          actionParameters: {
            response: { statusCode: 403, contentType: "application/json", content: '{"error":"forbidden"}' },
          },
          enabled: true,
        },
        {
          ref: "storefront/challenge-likely-automated",
          description: "storefront/challenge-likely-automated",
          expression: "(cf.bot_management.score lt 30)",
          action: "managed_challenge",
          enabled: true,
        },
      ],
    });
    // The resource's own outputs carry the same rules back (the mock echoes inputs as state).
    const rules = await valueOf(resources.firewallCustom.rules);
    expect(rules.map((rule) => rule.ref)).toEqual([
      "storefront/allow-office",
      "storefront/block-scrapers",
      "storefront/challenge-likely-automated",
    ]);
  });

  it("adds the late-transform ruleset with header rewrites when the plan has one", async () => {
    const resources = createZoneResources(shopPlan({ lateTransform }), { accountId, stack: "dev" });

    expect(resources.rulesets).toHaveLength(2);
    expect(await valueOf(resources.rulesets[1]!.id)).toBe("shop-http_request_late_transform-id");
    const ruleset = byName(registered, "shop-http_request_late_transform");
    expect(ruleset.inputs).toMatchObject({ zoneId, kind: "zone", phase: "http_request_late_transform" });
    expect(ruleset.inputs.rules).toEqual([
      {
        ref: "origin-headers",
        description: "origin headers",
        expression: "true",
        action: "rewrite",
        actionParameters: {
          headers: {
            "x-bot-score": { operation: "set", expression: "to_string(cf.bot_management.score)" },
            "x-legacy": { operation: "remove" },
          },
        },
        enabled: true,
      },
    ]);
  });

  it("names resources by zone key and phase, so two zones never collide", async () => {
    const api = shopPlan({ zone: "api", zoneId: "00000000000000000000000000000d02", lateTransform });
    createZoneResources(shopPlan({ lateTransform }), { accountId, stack: "dev" });
    const apiResources = createZoneResources(api, { accountId, stack: "dev" });
    await valueOf(apiResources.lateTransform!.id);

    expect(registered.map((resource) => resource.name).sort()).toEqual([
      "api-http_request_firewall_custom",
      "api-http_request_late_transform",
      "shop-http_request_firewall_custom",
      "shop-http_request_late_transform",
    ]);
    expect(byName(registered, "api-http_request_firewall_custom").inputs.zoneId).toBe(
      "00000000000000000000000000000d02",
    );
  });

  it("creates the Worker with its bindings and one route per pattern", async () => {
    const resources = createZoneResources(shopPlan({ worker: riskPolicy }), {
      accountId,
      stack: "dev",
      riskIntelligenceApiKey: "frc-test-key",
      workerScript: "export default { fetch() { return new Response('ok'); } };",
    });

    const script = resources.workerScript!;
    expect(await valueOf(script.id)).toBe("shop-worker-id");
    const scriptInputs = byName(registered, "shop-worker");
    expect(scriptInputs.type).toBe("cloudflare:index/workersScript:WorkersScript");
    expect(scriptInputs.inputs).toMatchObject({
      accountId,
      scriptName: "bot-policy-dev-shop",
      content: "export default { fetch() { return new Response('ok'); } };",
      mainModule: "worker.js",
      compatibilityDate: workerCompatibilityDate,
    });
    // The engine receives the bindings as a secret (the key makes the whole list secret), so
    // Pulumi encrypts them in state and masks them in output.
    expect(scriptInputs.inputs.bindings).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: [
        { type: "plain_text", name: "STACK", text: "dev" },
        { type: "secret_text", name: "RISK_API_KEY", text: "frc-test-key" },
      ],
    });
    expect(await pulumi.isSecret(script.bindings)).toBe(true);

    expect(resources.workerRoutes).toHaveLength(2);
    expect(await valueOf(resources.workerRoutes[0]!.id)).toBe("shop-route-shop-dev.example.com/*-id");
    const routes = registered.filter((resource) => resource.type === "cloudflare:index/workersRoute:WorkersRoute");
    expect(routes.map((route) => route.inputs)).toEqual([
      { zoneId, pattern: "shop-dev.example.com/*", script: "bot-policy-dev-shop" },
      { zoneId, pattern: "shop-dev.example.com/api/*", script: "bot-policy-dev-shop" },
    ]);
  });

  it("binds no secret when no rule reads Risk Intelligence, even when a key is given", async () => {
    const resources = createZoneResources(shopPlan({ worker: workerPolicy }), {
      accountId,
      stack: "prod",
      riskIntelligenceApiKey: "frc-test-key",
      workerScript: "export default {};",
    });
    await valueOf(resources.workerScript!.id);
    const bindings = byName(registered, "shop-worker").inputs.bindings as Array<{ name: string }>;
    expect(bindings.map((binding) => binding.name)).toEqual(["STACK"]);
    expect(await pulumi.isSecret(resources.workerScript!.bindings)).toBe(false);
    expect(await valueOf(resources.workerScript!.scriptName)).toBe(workerScriptName("prod", "shop"));
  });

  it("refuses worker rules without their Worker, and Risk Intelligence without its key", () => {
    expect(() => createZoneResources(shopPlan({ worker: workerPolicy }), { accountId, stack: "dev" })).toThrow(
      "Zone 'shop' has worker rules but no Worker bundle was given.",
    );
    expect(() => createZoneResources(shopPlan({ worker: riskPolicy }), { accountId, stack: "dev", workerScript: "export default {};" })).toThrow(
      "Zone 'shop' uses Risk Intelligence but no API key was given.",
    );
  });
});

describe("toRulesetRuleInput", () => {
  it("omits the optional parts a rule does not have", () => {
    expect(
      toRulesetRuleInput({ ref: "p/r", description: "p/r", expression: "true", action: "log", enabled: false }),
    ).toEqual({ ref: "p/r", description: "p/r", expression: "true", action: "log", enabled: false });
  });
});

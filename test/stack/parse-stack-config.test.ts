import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../src/stack/parse-stack-config.js";
import { catalog } from "../../src/diagnostics/catalog.js";

const accountId = "0123456789abcdef0123456789abcdef";
const shopId = "00000000000000000000000000000d01";
const apiId = "00000000000000000000000000000d02";

const good = {
  "bot-policy:accountId": accountId,
  "bot-policy:mode": "observe",
  "bot-policy:zones": {
    shop: { zoneId: shopId, plan: "enterprise", routes: ["shop-dev.example.com/*"] },
    api: { zoneId: apiId, plan: "pro" },
  },
};

describe("parseStackConfig: valid configs", () => {
  it("reads namespaced keys, keeps zone order and defaults routes to []", () => {
    expect(parseStackConfig("dev", good)).toEqual({
      config: {
        name: "dev",
        accountId,
        mode: "observe",
        zones: [
          { key: "shop", zoneId: shopId, plan: "enterprise", routes: ["shop-dev.example.com/*"] },
          { key: "api", zoneId: apiId, plan: "pro", routes: [] },
        ],
      },
      diagnostics: [],
    });
  });

  it("reads bare keys as pulumi.Config('bot-policy') returns them, without a mode", () => {
    const result = parseStackConfig("prod", { accountId, zones: { shop: { zoneId: shopId, plan: "free" } } });
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toEqual({
      name: "prod",
      accountId,
      zones: [{ key: "shop", zoneId: shopId, plan: "free", routes: [] }],
    });
  });

  it("ignores other namespaces and the secret API key", () => {
    const result = parseStackConfig("dev", {
      ...good,
      "bot-policy:riskIntelligenceApiKey": { secure: "v1:c2VjcmV0" },
      "cloudflare:apiToken": { secure: "v1:dG9rZW4=" },
      "aws:region": "eu-west-1",
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.zones).toHaveLength(2);
  });

  it.each([
    "shop.example.com/*",
    "*.example.com/*",
    "*example.com/*",
    "example.com/api/*",
    "api-dev.example.co.uk/v1/cart",
  ])("accepts the route '%s'", (route) => {
    const result = parseStackConfig("dev", { accountId, zones: { shop: { zoneId: shopId, plan: "pro", routes: [route] } } });
    expect(result.diagnostics).toEqual([]);
  });
});

type Case = [title: string, config: Record<string, unknown>, code: string, message: string, hint?: string];
const zone = (settings: Record<string, unknown>) => ({ ...good, "bot-policy:zones": { shop: settings } });

const cases: Case[] = [
  ["a missing accountId", { "bot-policy:zones": good["bot-policy:zones"] }, "BP152", "Stack 'dev' is missing the required config key 'bot-policy:accountId'."],
  ["missing zones", { "bot-policy:accountId": accountId }, "BP152", "Stack 'dev' is missing the required config key 'bot-policy:zones'."],
  ["an unknown key", { ...good, "bot-policy:zone": {} }, "BP153", "Stack 'dev' has an unknown config key 'bot-policy:zone'.", "did you mean 'bot-policy:zones'?"],
  [
    "guard levels in a stack file",
    { ...good, "bot-policy:guards": { value: { BP601: "disabled" } } },
    "BP153",
    "Stack 'dev' has an unknown config key 'bot-policy:guards'.",
    "guard levels are the same for every stack: set them in Pulumi.yaml under 'config: bot-policy:guards: value: { BPnnn: advisory|mandatory|disabled }'",
  ],
  ["a secure accountId", { ...good, "bot-policy:accountId": { secure: "v1:SECRETCIPHERTEXT" } }, "BP161", "Stack 'dev' config key 'accountId' holds a secure value: only 'riskIntelligenceApiKey' may be a secret.", "set it with 'pulumi config set' without '--secret'"],
  ["a short accountId", { ...good, "bot-policy:accountId": "123" }, "BP154", "Stack 'dev' has an invalid accountId '123': expected 32 lowercase hex characters."],
  ["an uppercase accountId", { ...good, "bot-policy:accountId": accountId.toUpperCase() }, "BP154", `Stack 'dev' has an invalid accountId '${accountId.toUpperCase()}': expected 32 lowercase hex characters.`],
  ["an unknown mode", { ...good, "bot-policy:mode": "audit" }, "BP155", "Stack 'dev' has an invalid mode 'audit': expected 'enforce' or 'observe'."],
  ["zones as a list", { ...good, "bot-policy:zones": ["shop"] }, "BP156", "Stack 'dev' has invalid zones (a list): expected a map of zone keys to zone settings."],
  ["no zones", { ...good, "bot-policy:zones": {} }, "BP156", "Stack 'dev' has no zones: expected at least one zone key with its settings."],
  ["an invalid zone key", { ...good, "bot-policy:zones": { Shop: { zoneId: shopId, plan: "pro" } } }, "BP156", "Stack 'dev' has an invalid zone key 'Shop': expected lowercase letters, digits and '-', starting with a letter or digit."],
  ["a zone that is a string", { ...good, "bot-policy:zones": { shop: shopId } }, "BP156", `Stack 'dev' zone 'shop' is invalid '${shopId}': expected a map with 'zoneId', 'plan' and 'routes'.`],
  ["an unknown zone key", zone({ zoneId: shopId, plan: "pro", zoneID: shopId }), "BP153", "Stack 'dev' zone 'shop' has an unknown key 'zoneID'.", "did you mean 'zoneId'?"],
  ["a zone without zoneId", zone({ plan: "pro" }), "BP152", "Stack 'dev' zone 'shop' is missing the required key 'zoneId'."],
  ["a zone without plan", zone({ zoneId: shopId }), "BP152", "Stack 'dev' zone 'shop' is missing the required key 'plan'."],
  ["a short zoneId", zone({ zoneId: "123", plan: "pro" }), "BP157", "Stack 'dev' zone 'shop' has an invalid zoneId '123': expected 32 lowercase hex characters."],
  [
    "a zoneId YAML read as a number",
    zone({ zoneId: 1, plan: "pro" }),
    "BP163",
    "Stack 'dev' zone 'shop' has a zoneId that YAML reads as a number, not as text: quote it.",
    `write zoneId: "…" with the id's 32 characters in quotes; unquoted, YAML and Pulumi read an id of digits as a number and drop leading zeros or digits`,
  ],
  ["an accountId YAML read as a number", { ...good, "bot-policy:accountId": 1e31 }, "BP163", "Stack 'dev' has an accountId that YAML reads as a number, not as text: quote it.", `write accountId: "…" with the id's 32 characters in quotes; unquoted, YAML and Pulumi read an id of digits as a number and drop leading zeros or digits`],
  [
    "two zone keys on one zone",
    { ...good, "bot-policy:zones": { shop: { zoneId: shopId, plan: "pro" }, api: { zoneId: shopId, plan: "pro" } } },
    "BP162",
    `Stack 'dev' zones 'shop' and 'api' share the zoneId '${shopId}': a zone can be owned by one zone key only.`,
    "Cloudflare allows one entry-point ruleset per phase and zone",
  ],
  ["an unknown plan", zone({ zoneId: shopId, plan: "ent" }), "BP158", "Stack 'dev' zone 'shop' has an invalid plan 'ent': expected 'free', 'pro', 'business' or 'enterprise'."],
  ["routes as a string", zone({ zoneId: shopId, plan: "pro", routes: "shop.example.com/*" }), "BP159", "Stack 'dev' zone 'shop' has invalid routes 'shop.example.com/*': expected a list of patterns like 'shop.example.com/*'."],
  ["a route with a scheme", zone({ zoneId: shopId, plan: "pro", routes: ["https://shop.example.com/*"] }), "BP159", "Stack 'dev' zone 'shop' has an invalid route 'https://shop.example.com/*': expected a pattern like 'shop.example.com/*'.", "a route has no scheme: drop 'https://'"],
  ["a route without a path", zone({ zoneId: shopId, plan: "pro", routes: ["shop.example.com"] }), "BP159", "Stack 'dev' zone 'shop' has an invalid route 'shop.example.com': expected a pattern like 'shop.example.com/*'."],
  ["a route with a wildcard inside the path", zone({ zoneId: shopId, plan: "pro", routes: ["shop.example.com/*/cart"] }), "BP159", "Stack 'dev' zone 'shop' has an invalid route 'shop.example.com/*/cart': expected a pattern like 'shop.example.com/*'."],
  ["a route listed twice", zone({ zoneId: shopId, plan: "pro", routes: ["shop.example.com/*", "shop.example.com/*"] }), "BP159", "Stack 'dev' zone 'shop' lists the route 'shop.example.com/*' twice."],
];

describe("parseStackConfig: invalid configs", () => {
  it.each(cases)("reports %s", (_title, config, code, message, hint) => {
    const result = parseStackConfig("dev", config);
    expect(result.config).toBeUndefined();
    expect(result.diagnostics).toEqual([
      {
        code,
        severity: "error",
        message,
        file: "Pulumi.dev.yaml",
        line: 1,
        column: 1,
        ...(hint === undefined ? {} : { hint }),
      },
    ]);
  });

  it("uses only catalog codes of the stack ranges (BP150–BP179)", () => {
    const stackCodes = Object.keys(catalog).filter((code) => /^BP1[5-7]\d$/.test(code));
    for (const [, , code] of cases) expect(stackCodes).toContain(code);
  });

  it("never prints a secure value", () => {
    const result = parseStackConfig("dev", {
      "bot-policy:accountId": { secure: "v1:SECRETCIPHERTEXT" },
      "bot-policy:zones": { shop: { zoneId: { secure: "v1:SECRETCIPHERTEXT" }, plan: "pro" } },
    });
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["BP161", "BP161"]);
    expect(JSON.stringify(result.diagnostics)).not.toContain("SECRETCIPHERTEXT");
  });

  it("reports every problem at once, at the positions the locator gives", () => {
    const positions: Record<string, { line: number; column: number; length: number }> = {
      "bot-policy:mode": { line: 3, column: 3, length: 15 },
      "bot-policy:zones/shop/plan": { line: 7, column: 7, length: 4 },
    };
    const result = parseStackConfig(
      "dev",
      {
        ...good,
        "bot-policy:mode": "audit",
        "bot-policy:zones": { shop: { zoneId: shopId, plan: "ent" } },
      },
      "infra/Pulumi.dev.yaml",
      (path) => positions[path.join("/")],
    );
    expect(result.diagnostics.map(({ code, file, line, column, length }) => ({ code, file, line, column, length }))).toEqual([
      { code: "BP155", file: "infra/Pulumi.dev.yaml", line: 3, column: 3, length: 15 },
      { code: "BP158", file: "infra/Pulumi.dev.yaml", line: 7, column: 7, length: 4 },
    ]);
  });
});

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { RulesetBody, ZonePlan } from "../../src/model/zone-plan.js";
import { rulesetsOf, verifyRulesets, type RulesetToVerify } from "../../src/verify/verify-rulesets.js";
import { DRY_RUN_OK, startFakeRulesetsApi } from "./fake-rulesets-api.js";

const ZONE_ID = "0123456789abcdef0123456789abcdef";

function body(phase: RulesetBody["phase"]): RulesetBody {
  return { name: `bot-policy ${phase}`, kind: "zone", phase, description: "test", rules: [{ ref: "p/r", description: "r", expression: "true", action: "block", enabled: true }] };
}

const ruleset: RulesetToVerify = { zone: "shop", zoneId: ZONE_ID, body: body("http_request_firewall_custom") };

describe("rulesetsOf", () => {
  it("lists each zone's WAF ruleset, then its transform ruleset when it has one, in plan order", () => {
    const plan = (zone: string, transforms: boolean) => ({ zone, zoneId: ZONE_ID, firewallCustom: body("http_request_firewall_custom"), ...(transforms ? { lateTransform: body("http_request_late_transform") } : {}) }) as ZonePlan;
    expect(rulesetsOf([plan("b", true), plan("a", false)]).map((r) => `${r.zone} ${r.body.phase}`)).toEqual([
      "b http_request_firewall_custom",
      "b http_request_late_transform",
      "a http_request_firewall_custom",
    ]);
  });
});

describe("verifyRulesets", () => {
  it("accepts a 204 answer with no body", async () => {
    const api = await startFakeRulesetsApi(() => ({ status: 204 }));
    try {
      const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: api.baseURL });
      expect(verified!.verdict).toEqual({ kind: "accepted", messages: [] });
    } finally {
      await api.close();
    }
  });

  it("retries a rate-limited request, as the SDK does, and takes the answer that follows", async () => {
    let calls = 0;
    const api = await startFakeRulesetsApi(() => (++calls === 1 ? { status: 429, body: { success: false, errors: [{ code: 10429, message: "rate limited" }], messages: [], result: null } } : DRY_RUN_OK));
    try {
      const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: api.baseURL, maxRetries: 1 });
      expect(verified!.verdict.kind).toBe("accepted");
      expect(api.requests).toHaveLength(2);
    } finally {
      await api.close();
    }
  });

  it("reports an API that cannot be reached as not verified", async () => {
    // A port that was free a moment ago: nothing listens on it.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: `http://127.0.0.1:${port}/client/v4`, maxRetries: 0 });
    expect(verified!.verdict).toEqual({ kind: "failed", reason: `cannot reach the rulesets API at 'http://127.0.0.1:${port}/client/v4': ECONNREFUSED` });
  });

  it("reports an API that does not answer in time as not verified", async () => {
    const server = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: `http://127.0.0.1:${port}/client/v4`, maxRetries: 0, timeoutMs: 200 });
      expect(verified!.verdict).toEqual({ kind: "failed", reason: `the rulesets API at 'http://127.0.0.1:${port}/client/v4' did not answer in time` });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reports a 2xx answer that is not the API's envelope as not verified, never as accepted", async () => {
    const api = await startFakeRulesetsApi(() => ({ status: 200, body: "<html>maintenance</html>" }));
    try {
      const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: api.baseURL });
      expect(verified!.verdict).toEqual({ kind: "failed", reason: "the API answered HTTP 200 with a body that is not its JSON envelope: <html>maintenance</html>" });
    } finally {
      await api.close();
    }
  });

  it("keeps the code, message and pointer of each error", async () => {
    const errors = [
      { code: 20021, message: "bad expression", source: { pointer: "/rules/0/expression" } },
      { code: 20022, message: "bad action" },
    ];
    const api = await startFakeRulesetsApi(() => ({ status: 400, body: { result: null, success: false, errors, messages: [] } }));
    try {
      const [verified] = await verifyRulesets([ruleset], { apiToken: "t", baseURL: api.baseURL });
      expect(verified!.verdict).toEqual({
        kind: "rejected",
        status: 400,
        errors: [
          { code: "20021", message: "bad expression", pointer: "/rules/0/expression" },
          { code: "20022", message: "bad action" },
        ],
      });
    } finally {
      await api.close();
    }
  });
});

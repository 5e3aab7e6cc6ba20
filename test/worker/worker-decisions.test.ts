import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { decide, compileZoneProgram } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { compileProject } from "../../src/compile/compile-project.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { projectFiles } from "../helpers/project-files.js";
import { REPO_ROOT } from "../helpers/run-cli.js";
import type { WorkerPolicy } from "../../src/model/zone-plan.js";
import { apiVariant, examplePolicy, NOW, policyFromText, riskAnswer, startWorkers, workerRequest } from "./worker-harness.js";

const prod = examplePolicy("api", "prod");
const dev = examplePolicy("api", "dev");
// A rule response no Response can carry: the Worker fails while answering and must fail open.
const brokenResponse: WorkerPolicy = {
  ...prod,
  rules: prod.rules.map((rule) => (rule.ref === "api/signals-outliers" ? { ...rule, response: { status: 99, contentType: "text/plain", body: "x" } } : rule)),
};
// A condition the Worker cannot compile: the policy fails to load, every request passes through.
const unloadable: WorkerPolicy = {
  ...prod,
  rules: [{ ...prod.rules[1]!, condition: { kind: "compare", op: "matches", left: { kind: "field", name: "http.user_agent" }, right: { kind: "literal", literal: { type: "string", value: "(" } } } }],
};
const blockResponse = policyFromText(
  apiVariant("  token: { header: x-frc-risk-token }\n", [["    action: block\n\n  - id: risky-checkout", "    action: block\n    response: { status: 429, content_type: application/json, body: '{\"error\":\"slow down\"}' }\n\n  - id: risky-checkout"]]),
  "api",
);

const h = startWorkers(
  {
    "api.example.com": prod,
    "api-dev.example.com": dev,
    "custom.example.com": blockResponse,
    "broken.example.com": brokenResponse,
    "unloadable.example.com": unloadable,
  },
  { apiKey: "test-key" },
);
afterAll(() => h.dispose());
beforeEach(() => h.reset());

const outlier = { browser_ratio_1h: 0.01, heuristic_ratio_1h: 0.82, reqs_rank_1h: 412 };

describe("JA4 Signals", () => {
  it("present and outlying: the worker rule blocks with the default 403 text, the origin is not reached", async () => {
    const response = await h.send("https://api.example.com/v1/products", { cf: { botManagement: { score: 40, ja4Signals: outlier } } });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("Forbidden");
    expect(h.origin).toEqual([]);
  });

  it("present and ordinary: the origin gets them as compact JSON in the origin header", async () => {
    const signals = { browser_ratio_1h: 0.95, heuristic_ratio_1h: 0, h2h3_ratio_1h: 0.99 };
    const response = await h.send("https://api.example.com/v1/products", { cf: { botManagement: { ja4Signals: signals } } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("from the origin");
    expect(h.origin).toHaveLength(1);
    expect(h.origin[0]!.headers["x-ja4-signals"]).toBe('{"browser_ratio_1h":0.95,"heuristic_ratio_1h":0,"h2h3_ratio_1h":0.99}');
  });

  it("partly present: a comparison on a missing key is false, so the request passes", async () => {
    const response = await h.send("https://api.example.com/v1/products", { cf: { botManagement: { ja4Signals: { browser_ratio_1h: 0.01 } } } });
    expect(response.status).toBe(200);
    expect(h.origin[0]!.headers["x-ja4-signals"]).toBe('{"browser_ratio_1h":0.01}');
  });

  it("{} is absent: the request passes and a header the client sent under that name is removed", async () => {
    const response = await h.send("https://api.example.com/v1/products", {
      headers: { "x-ja4-signals": '{"browser_ratio_1h":1}', "x-bot-policy-observed": "api/forged" },
      cf: { botManagement: { score: 50, ja4Signals: {} } },
    });
    expect(response.status).toBe(200);
    expect(h.origin[0]!.headers).not.toHaveProperty("x-ja4-signals");
    expect(h.origin[0]!.headers).not.toHaveProperty("x-bot-policy-observed");
  });

  it("absent (no Bot Management at all): the request passes unchanged", async () => {
    const response = await h.send("https://api.example.com/v1/products?page=2", { headers: { "user-agent": "curl/8" } });
    expect(response.status).toBe(200);
    expect(h.origin).toEqual([
      expect.objectContaining({ method: "GET", url: "https://api.example.com/v1/products?page=2", headers: expect.objectContaining({ "user-agent": "curl/8" }) }),
    ]);
    expect(h.origin[0]!.headers).not.toHaveProperty("x-ja4-signals");
  });

  it("values of the wrong type are absent, not errors", async () => {
    const response = await h.send("https://api.example.com/v1/products", { cf: { botManagement: { ja4Signals: { browser_ratio_1h: "0.01", heuristic_ratio_1h: 0.9 } } } });
    expect(response.status).toBe(200);
    expect(h.origin[0]!.headers["x-ja4-signals"]).toBe('{"heuristic_ratio_1h":0.9}');
  });
});

describe("edge skips re-checked in the Worker", () => {
  it("a verified uptime monitor skips the worker rules too", async () => {
    const response = await h.send("https://api.example.com/checkout/health", {
      headers: { "x-frc-risk-token": "monitor-token" },
      cf: { botManagement: { verifiedBot: true, ja4Signals: outlier }, verifiedBotCategory: "Monitoring & Analytics" },
    });
    expect(response.status).toBe(200);
    expect(h.vendor).toEqual([]);
  });

  it("another verified bot category does not skip", async () => {
    const response = await h.send("https://api.example.com/v1/products", {
      cf: { botManagement: { verifiedBot: true, ja4Signals: outlier }, verifiedBotCategory: "Search Engine Crawler" },
    });
    expect(response.status).toBe(403);
  });
});

describe("Risk Intelligence is asked only when it can matter", () => {
  it("no call for a path no risk rule covers, even with a token", async () => {
    expect((await h.send("https://api.example.com/v1/orders", { headers: { "x-frc-risk-token": "tok-a" } })).status).toBe(200);
    expect(h.vendor).toEqual([]);
  });

  it("no call when an earlier worker rule already blocks", async () => {
    const response = await h.send("https://api.example.com/checkout", { headers: { "x-frc-risk-token": "tok-b" }, cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(403);
    expect(h.vendor).toEqual([]);
  });

  it("a call for a checkout with a token, and its answer decides", async () => {
    h.answer = () => riskAnswer({ risk_scores: { overall: 5, network: 4, browser: 5 } });
    const response = await h.send("https://api.example.com/checkout/pay", { method: "POST", headers: { "x-frc-risk-token": "tok-c" } });
    expect(response.status).toBe(403);
    expect(h.vendor).toEqual([{ url: "https://eu.frcapi.com/api/v2/riskIntelligence/retrieve", apiKey: "test-key", body: { token: "tok-c" } }]);
    expect(h.origin).toEqual([]);
  });
});

describe("block responses", () => {
  it("a worker rule's own response is sent as written", async () => {
    const response = await h.send("https://custom.example.com/v1/products", { cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe('{"error":"slow down"}');
  });
});

describe("the decision trace", () => {
  it("is never sent without the BOT_POLICY_TRACE binding, which deployments do not set", async () => {
    const blocked = await h.send("https://api.example.com/v1/products", { cf: { botManagement: { ja4Signals: outlier } } });
    const forwarded = await h.send("https://api.example.com/v1/products");
    expect([blocked.status, forwarded.status]).toEqual([403, 200]);
    expect(blocked.headers.get("x-bot-policy-decision")).toBeNull();
    expect(forwarded.headers.get("x-bot-policy-decision")).toBeNull();
  });
});

describe("observe mode (stack dev)", () => {
  it("never blocks and tells the origin which rule would have", async () => {
    const response = await h.send("https://api-dev.example.com/v1/products", { cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(200);
    expect(h.origin[0]!.headers["x-bot-policy-observed"]).toBe("api/signals-outliers");
    expect(await h.waitForLog(/matched/)).toEqual(["bot-policy: matched api/signals-outliers (pass)"]);
  });

  it("asks for Risk Intelligence when an observed rule depends on it", async () => {
    h.answer = () => riskAnswer({ network: { anonymization: { tor: true } } });
    const response = await h.send("https://api-dev.example.com/checkout", { headers: { "x-frc-risk-token": "tok-d" }, cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(200);
    expect(h.vendor).toHaveLength(1);
    expect(h.origin[0]!.headers["x-bot-policy-observed"]).toBe("api/signals-outliers, api/risky-checkout");
  });

  it("marks nothing when nothing matched", async () => {
    await h.send("https://api-dev.example.com/v1/products", { cf: { botManagement: { ja4Signals: { browser_ratio_1h: 0.9 } } } });
    expect(h.origin[0]!.headers).not.toHaveProperty("x-bot-policy-observed");
  });
});

describe("internal faults fail open", () => {
  it("an error while answering forwards the request unchanged and logs one line", async () => {
    const response = await h.send("https://broken.example.com/v1/products", { headers: { "x-ja4-signals": "sent by the client" }, cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(200);
    expect(h.origin).toHaveLength(1);
    // Unchanged: not even the Worker's own headers are applied.
    expect(h.origin[0]!.headers["x-ja4-signals"]).toBe("sent by the client");
    const lines = await h.waitForLog(/internal error/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bot-policy: internal error \(RangeError: .*\); request forwarded unchanged$/);
  });

  it("a policy that cannot load forwards every request and logs one line each", async () => {
    const response = await h.send("https://unloadable.example.com/v1/products", { cf: { botManagement: { ja4Signals: outlier } } });
    expect(response.status).toBe(200);
    const lines = await h.waitForLog(/could not be loaded/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bot-policy: the policy could not be loaded \(.*\); request forwarded unchanged$/);
  });
});

describe("the example test cases, run against the bundle in workerd", () => {
  const testFile = parse(readFileSync(join(REPO_ROOT, "policies", "api.test.yaml"), "utf8")) as { cases: Array<{ name: string; request: Record<string, unknown> }> };
  const plan = compileProject({ files: projectFiles(REPO_ROOT), stack: loadStackFile(REPO_ROOT, "prod").config!, now: NOW }).plans.find((p) => p.zone === "api")!;
  const program = compileZoneProgram(plan);

  it.each(testFile.cases.map((c, i) => [c.name, i] as const))("%s", async (_name, index) => {
    const { request } = testFile.cases[index]!;
    const converted = requestFields(request);
    if ("error" in converted) throw new Error(converted.error);
    // What the Node evaluator says the deployed Worker does (edge rules already ran at Cloudflare).
    const expected = decide(program, converted.fields, "worker");
    const edge = decide(program, converted.fields, "edge");
    if (edge.stage === "edge" && edge.action === "block") return; // Cloudflare's WAF answers; the Worker never runs.
    const risk = request.risk as Record<string, unknown> | undefined;
    h.answer = () => (risk === undefined ? riskAnswer({}) : riskAnswer(risk));
    const sent = workerRequest(request);
    const response = await h.send(sent.url, { method: sent.method, headers: { ...sent.headers, ...(risk ? { "x-frc-risk-token": `case-${index}` } : {}) }, cf: sent.cf });
    expect(response.status).toBe(expected.action === "block" ? 403 : 200);
    expect(h.origin).toHaveLength(expected.action === "block" ? 0 : 1);
  });
});

import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { apiVariant, policyFromText, Response, riskAnswer, riskError, startWorkers, type VendorAnswer } from "./worker-harness.js";

// A long timeout, so a loaded test machine never turns an answer into a timeout; the timeout case
// uses its own hosts with a short one, and a vendor that never answers.
const settings = (onError: string, timeout: number) =>
  `  token: { header: x-frc-risk-token }\n  endpoint: global\n  timeout_ms: ${timeout}\n  on_error: ${onError}\n  sitekey: FCMTEST\n`;

const h = startWorkers(
  {
    "pass.example.com": policyFromText(apiVariant(settings("pass", 10_000)), "api"),
    "block.example.com": policyFromText(apiVariant(settings("block", 10_000)), "api"),
    "pass-timeout.example.com": policyFromText(apiVariant(settings("pass", 100)), "api"),
    "block-timeout.example.com": policyFromText(apiVariant(settings("block", 100)), "api"),
    "nokey.example.com": policyFromText(apiVariant(settings("block", 10_000)), "api"),
    "forward.example.com": policyFromText(apiVariant(settings("pass", 10_000), [["  x-ja4-signals: ja4_signals\n", "  x-ja4-signals: ja4_signals\n  x-risk: risk\n"]]), "api"),
  },
  { apiKey: "test-key", withoutApiKey: ["nokey.example.com"] },
);
// A vendor that never answers in time is released at the end, so nothing stays pending.
const pending: Array<() => void> = [];
afterAll(async () => {
  for (const release of pending) release();
  await h.dispose();
});
beforeEach(() => h.reset());

let tokens = 0;
/** Sends a checkout with a fresh token (the Worker caches answers per token). */
async function checkout(host: string): Promise<Response> {
  tokens++;
  return (await h.send(`https://${host}/checkout/pay`, { method: "POST", headers: { "x-frc-risk-token": `token-${tokens}` } })) as Response;
}

const failures: Array<[string, VendorAnswer]> = [
  ["a network error", () => Promise.reject(new Error("connection reset"))],
  ["auth_invalid (401)", () => riskError("auth_invalid", 401)],
  ["auth_required (401)", () => riskError("auth_required", 401)],
  ["sitekey_invalid (400)", () => riskError("sitekey_invalid", 400)],
  ["bad_request (400)", () => riskError("bad_request", 400)],
  ["token_invalid with HTTP 200", () => riskError("token_invalid", 200)],
  ["token_expired with HTTP 200", () => riskError("token_expired", 200)],
  ["an HTML error page (500)", () => new Response("<html><body>Internal Server Error</body></html>", { status: 500, headers: { "content-type": "text/html" } })],
  ["an HTML page with HTTP 200", () => new Response("<html>maintenance</html>", { status: 200, headers: { "content-type": "text/html" } })],
  ["malformed JSON", () => new Response('{"success": tru', { status: 200, headers: { "content-type": "application/json" } })],
  ["a 503 with a success body", () => riskAnswer({ risk_scores: { overall: 5 } }, 503)],
  ["success without risk_intelligence", () => Response.json({ success: true, data: { token: {} } })],
  ["a JSON array", () => Response.json([1, 2])],
];

describe("the retrieve call", () => {
  it("posts the token and sitekey to the configured endpoint with the API key", async () => {
    h.answer = () => riskAnswer({ risk_scores: { overall: 1 } });
    const response = await checkout("pass.example.com");
    expect(response.status).toBe(200);
    expect(h.vendor).toEqual([{ url: "https://global.frcapi.com/api/v2/riskIntelligence/retrieve", apiKey: "test-key", body: { token: `token-${tokens}`, sitekey: "FCMTEST" } }]);
  });

  it.each([
    ["a high overall score", { risk_scores: { overall: 4 } }, 403],
    ["an automation tool", { client: { automation: { automation_tool: { detected: true, name: "Playwright" } } } }, 403],
    ["Tor", { network: { anonymization: { tor: true } } }, 403],
    ["a low-risk browser", { risk_scores: { overall: 1 }, client: { browser: null } }, 200],
    ["only network.ip", { network: { ip: "198.51.100.23" } }, 200],
  ])("decides on the answer: %s", async (_name, risk, status) => {
    h.answer = () => riskAnswer(risk);
    expect((await checkout("pass.example.com")).status).toBe(status);
    expect(h.vendor).toHaveLength(1);
    expect(h.origin).toHaveLength(status === 200 ? 1 : 0);
  });

  it("keeps an answer per token until it expires: a visitor's next page view makes no call", async () => {
    h.answer = () => riskAnswer({ risk_scores: { overall: 5 } });
    const send = () => h.send("https://pass.example.com/checkout", { headers: { "x-frc-risk-token": "cached-token" } });
    expect((await send()).status).toBe(403);
    expect((await send()).status).toBe(403);
    expect(h.vendor).toHaveLength(1);
    await h.send("https://pass.example.com/checkout", { headers: { "x-frc-risk-token": "another-token" } });
    expect(h.vendor).toHaveLength(2);
  });

  it("without the RISK_API_KEY secret, no call is made and on_error applies", async () => {
    h.answer = () => riskAnswer({ risk_scores: { overall: 1 } });
    expect((await checkout("nokey.example.com")).status).toBe(403);
    expect(h.vendor).toEqual([]);
    expect(await h.waitForLog(/unavailable/)).toEqual(["bot-policy: Risk Intelligence unavailable (no RISK_API_KEY secret); on_error: block"]);
  });

  it("does not keep an answer that has already expired", async () => {
    h.answer = () => Response.json({ success: true, data: { token: { expires_at: "2020-01-01T00:00:00Z" }, risk_intelligence: { risk_scores: { overall: 1 } } } });
    const send = () => h.send("https://pass.example.com/checkout", { headers: { "x-frc-risk-token": "expired-token" } });
    await send();
    await send();
    expect(h.vendor).toHaveLength(2);
  });
});

describe("an origin header that forwards risk", () => {
  it("asks for a request with a token even when no rule needs it, and forwards the object as compact JSON", async () => {
    h.answer = () => riskAnswer({ risk_scores: { overall: 2 }, network: { anonymization: { tor: false } } });
    expect((await h.send("https://forward.example.com/v1/products", { headers: { "x-frc-risk-token": "forwarded-token" } })).status).toBe(200);
    expect(h.vendor).toHaveLength(1);
    expect(h.origin[0]!.headers["x-risk"]).toBe('{"risk_scores":{"overall":2},"network":{"anonymization":{"tor":false}}}');
  });

  it("makes no call without a token, and removes the header a client sent", async () => {
    expect((await h.send("https://forward.example.com/v1/products", { headers: { "x-risk": '{"risk_scores":{"overall":1}}' } })).status).toBe(200);
    expect(h.vendor).toEqual([]);
    expect(h.origin[0]!.headers).not.toHaveProperty("x-risk");
  });
});

describe.each([
  ["pass", "pass.example.com", 200],
  ["block", "block.example.com", 403],
])("on_error: %s", (_onError, host, status) => {
  it.each(failures)("%s", async (_name, answer) => {
    h.answer = answer;
    const response = await checkout(host);
    expect(response.status).toBe(status);
    expect(h.vendor).toHaveLength(1);
    expect(h.origin).toHaveLength(status === 200 ? 1 : 0);
    expect(await h.waitForLog(/^bot-policy: Risk Intelligence unavailable/)).toHaveLength(1);
  });

  it("a timeout", async () => {
    h.answer = () => new Promise<Response>((resolve) => void pending.push(() => resolve(riskAnswer({ risk_scores: { overall: 5 } }))));
    const response = await checkout(host.replace(".", "-timeout."));
    expect(response.status).toBe(status);
    expect(h.vendor).toHaveLength(1);
    expect(h.origin).toHaveLength(status === 200 ? 1 : 0);
    expect(await h.waitForLog(/^bot-policy: Risk Intelligence unavailable/)).toEqual([`bot-policy: Risk Intelligence unavailable (timeout after 100 ms); on_error: ${_onError}`]);
  });

  it("a missing token", async () => {
    const response = await h.send(`https://${host}/checkout`);
    expect(response.status).toBe(status);
    expect(h.vendor).toEqual([]);
    expect(await h.waitForLog(/unavailable/)).toEqual([`bot-policy: Risk Intelligence unavailable (no token in the request); on_error: ${_onError}`]);
  });

  it("a request no risk rule can affect is untouched by the failure", async () => {
    h.answer = () => riskError("auth_invalid", 401);
    expect((await h.send(`https://${host}/v1/products`, { headers: { "x-frc-risk-token": "unused" } })).status).toBe(200);
    expect(h.vendor).toEqual([]);
  });
});

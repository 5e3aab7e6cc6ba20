import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { apiVariant, policyFromText, riskAnswer, startWorkers } from "./worker-harness.js";

const withToken = (token: string) => policyFromText(apiVariant(`  token: ${token}\n  endpoint: global\n  timeout_ms: 10000\n  on_error: pass\n`), "api");

const h = startWorkers(
  {
    "header.example.com": withToken("{ header: x-frc-risk-token }"),
    "cookie.example.com": withToken("{ cookie: frc_risk }"),
    "form.example.com": withToken("{ form_field: frc-risk-intelligence-token }"),
  },
  { apiKey: "test-key" },
);
afterAll(() => h.dispose());
beforeEach(() => {
  h.reset();
  h.answer = () => riskAnswer({ risk_scores: { overall: 5 } });
});

const encoder = new TextEncoder();
let count = 0;
/** A token no earlier test used (answers are cached per token). */
const freshToken = () => `tok.${++count}-${"x".repeat(40)}`;

/** The token the vendor was asked about, or undefined when no call was made. */
const askedToken = () => (h.vendor[0]?.body as { token?: string } | undefined)?.token;

describe("the token in a header", () => {
  it("is read from the policy's header", async () => {
    const token = freshToken();
    expect((await h.send("https://header.example.com/checkout", { headers: { "x-frc-risk-token": token } })).status).toBe(403);
    expect(askedToken()).toBe(token);
  });

  it("an empty header is no token", async () => {
    expect((await h.send("https://header.example.com/checkout", { headers: { "x-frc-risk-token": "  " } })).status).toBe(200);
    expect(h.vendor).toEqual([]);
  });
});

describe("the token in a cookie", () => {
  it("is found among other cookies, quoted or percent-encoded", async () => {
    const token = freshToken();
    await h.send("https://cookie.example.com/checkout", { headers: { cookie: `session=abc; frc_risk="${encodeURIComponent(token + "/=")}"; theme=dark` } });
    expect(askedToken()).toBe(token + "/=");
  });

  it("a cookie whose name only ends with the name is not it", async () => {
    expect((await h.send("https://cookie.example.com/checkout", { headers: { cookie: "x_frc_risk=nope" } })).status).toBe(200);
    expect(h.vendor).toEqual([]);
  });
});

describe("the token in a form field", () => {
  it("urlencoded: found, and the origin receives the body byte for byte", async () => {
    const token = freshToken();
    h.answer = () => riskAnswer({ risk_scores: { overall: 1 } });
    const body = encoder.encode(`email=a%40example.com&note=caf%C3%A9+%26+more&frc-risk-intelligence-token=${encodeURIComponent(token)}&last=1`);
    const response = await h.send("https://form.example.com/checkout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(response.status).toBe(200);
    expect(askedToken()).toBe(token);
    expect(h.origin).toHaveLength(1);
    expect(h.origin[0]!.body).toEqual(body);
  });

  it("multipart: found beside a file part, and the origin receives the body byte for byte", async () => {
    const token = freshToken();
    h.answer = () => riskAnswer({ risk_scores: { overall: 1 } });
    const boundary = "----bot-policy-test-7d1f";
    const file = new Uint8Array([0, 255, 13, 10, 45, 45, 200, 1]);
    const body = new Uint8Array([
      ...encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="frc-risk-intelligence-token"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      ...file,
      ...encoder.encode(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="frc-risk-intelligence-token"\r\n\r\n${token}\r\n--${boundary}--\r\n`),
    ]);
    const response = await h.send("https://form.example.com/checkout", { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body });
    expect(response.status).toBe(200);
    expect(askedToken()).toBe(token);
    expect(h.origin[0]!.body).toEqual(body);
  });

  it("a blocked form post never reaches the origin", async () => {
    const token = freshToken();
    const response = await h.send("https://form.example.com/checkout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: `frc-risk-intelligence-token=${token}`,
    });
    expect(response.status).toBe(403);
    expect(askedToken()).toBe(token);
    expect(h.origin).toEqual([]);
  });

  it("only the first 64 KiB are read: a field beyond is not found, and the large body still arrives whole", async () => {
    const body = encoder.encode(`padding=${"a".repeat(70 * 1024)}&frc-risk-intelligence-token=${freshToken()}`);
    const response = await h.send("https://form.example.com/checkout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(response.status).toBe(200);
    expect(h.vendor).toEqual([]);
    expect(h.origin[0]!.body).toEqual(body);
  });

  it("a field within the first 64 KiB of a large body is found", async () => {
    const token = freshToken();
    h.answer = () => riskAnswer({ risk_scores: { overall: 1 } });
    const body = encoder.encode(`frc-risk-intelligence-token=${token}&padding=${"b".repeat(200 * 1024)}`);
    await h.send("https://form.example.com/checkout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(askedToken()).toBe(token);
    expect(h.origin[0]!.body).toEqual(body);
  });

  it("a JSON body is not a form: no token, the body arrives whole", async () => {
    const body = JSON.stringify({ "frc-risk-intelligence-token": freshToken() });
    expect((await h.send("https://form.example.com/checkout", { method: "POST", headers: { "content-type": "application/json" }, body })).status).toBe(200);
    expect(h.vendor).toEqual([]);
    expect(new TextDecoder().decode(h.origin[0]!.body)).toBe(body);
  });

  it("a form post to a path no risk rule covers is not read at all", async () => {
    const body = `frc-risk-intelligence-token=${freshToken()}`;
    await h.send("https://form.example.com/v1/orders", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    expect(h.vendor).toEqual([]);
    expect(new TextDecoder().decode(h.origin[0]!.body)).toBe(body);
  });
});

import { describe, expect, it } from "vitest";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { readWorkerRequest, type WorkerIncoming } from "../../src/fields/read-worker-request.js";
import { compileTestValidator } from "../../src/schema/policy-validators.js";

const JA4 = "t13d1516h2_8daaf6152771_02713d6af862";

function incoming(cf: unknown, headers: Record<string, string> = {}): WorkerIncoming {
  return {
    cf,
    url: "https://shop.example.com/login?next=%2F",
    method: "POST",
    header: (name) => headers[name.toLowerCase()] ?? null,
  };
}

describe("readWorkerRequest", () => {
  it("reads request.cf, the URL, the method and headers into the test request shape", () => {
    const cf = {
      botManagement: {
        score: 12,
        verifiedBot: false,
        staticResource: false,
        corporateProxy: true,
        jsDetection: { passed: true },
        detectionIds: [33554817],
        ja3Hash: "25b4882c2bcb50cd6b469ff28c596742",
        ja4: JA4,
        ja4Signals: { h2h3_ratio_1h: 0.98, ips_rank_1h: Number.NaN, not_a_signal: 1 },
      },
      verifiedBotCategory: "Search Engine Crawler",
      asn: 3209,
      country: "DE",
      colo: "FRA",
    };
    const request = readWorkerRequest(incoming(cf, { "cf-connecting-ip": "192.0.2.1", "user-agent": "Mozilla/5.0" }));
    expect(request).toEqual({
      bot_score: 12,
      verified_bot: false,
      verified_bot_category: "Search Engine Crawler",
      static_resource: false,
      corporate_proxy: true,
      js_detection_passed: true,
      detection_ids: [33554817],
      ja3: "25b4882c2bcb50cd6b469ff28c596742",
      ja4: JA4,
      host: "shop.example.com",
      path: "/login",
      method: "POST",
      user_agent: "Mozilla/5.0",
      ip: "192.0.2.1",
      asn: 3209,
      country: "DE",
      ja4_signals: { h2h3_ratio_1h: 0.98 },
    });
    // What the Worker reads is what a test case may say, and what the evaluator takes.
    const validate = compileTestValidator();
    expect(validate({ version: 1, cases: [{ name: "c", request, expect: "pass" }] }), JSON.stringify(validate.errors)).toBe(true);
    expect(requestFields(request)).not.toHaveProperty("error");
  });

  it("leaves absent what is absent, empty or of the wrong type", () => {
    const bare = { host: "shop.example.com", path: "/login", method: "POST" };
    expect(readWorkerRequest(incoming(undefined))).toEqual(bare);
    expect(readWorkerRequest(incoming({ botManagement: { ja4Signals: {}, score: "12", jsDetection: null }, asn: null }))).toEqual(bare);
    expect(readWorkerRequest(incoming(JSON.parse('{"__proto__": {"asn": 1}, "botManagement": {"__proto__": {"score": 5}}}')))).toEqual(bare);
    expect(readWorkerRequest({ ...incoming(undefined), url: "not a url" })).toEqual({ method: "POST" });
  });
});

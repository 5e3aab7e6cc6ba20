import { describe, expect, it } from "vitest";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { readLogpushLine } from "../../src/fields/read-logpush-line.js";

describe("readLogpushLine", () => {
  it("reads the Logpush fields of PLATFORM.md §8, uppercasing the country", () => {
    const line = {
      BotScore: 7,
      BotScoreSrc: "Heuristics",
      VerifiedBotCategory: "AI Crawler",
      JSDetectionPassed: "failed",
      BotDetectionIDs: [50331651],
      JA3Hash: "25b4882c2bcb50cd6b469ff28c596742",
      JA4: "t13d1516h2_8daaf6152771_02713d6af862",
      JA4Signals: { browser_ratio_1h: 0.02, unknown_key: 1 },
      ClientIP: "2001:db8::1",
      ClientASN: 64496,
      ClientCountry: "de",
      ClientRequestHost: "shop.example.com",
      ClientRequestPath: "/cart",
      ClientRequestMethod: "GET",
      ClientRequestUserAgent: "curl/8.0",
      RayID: "8f00000000000000",
    };
    const { request, unknown } = readLogpushLine(line);
    expect(request).toEqual({
      bot_score: 7,
      verified_bot_category: "AI Crawler",
      js_detection_passed: false,
      detection_ids: [50331651],
      ja3: "25b4882c2bcb50cd6b469ff28c596742",
      ja4: "t13d1516h2_8daaf6152771_02713d6af862",
      host: "shop.example.com",
      path: "/cart",
      method: "GET",
      user_agent: "curl/8.0",
      ip: "2001:db8::1",
      asn: 64496,
      country: "DE",
      ja4_signals: { browser_ratio_1h: 0.02 },
    });
    expect(unknown).toEqual(["verified_bot", "static_resource", "corporate_proxy", "risk"]);
    expect(requestFields(request)).not.toHaveProperty("error");
  });

  it("leaves missing JS detection and mistyped values absent", () => {
    expect(readLogpushLine({ JSDetectionPassed: "missing", BotScore: "7", ClientCountry: 5 }).request).toEqual({});
    expect(readLogpushLine(JSON.parse('{"__proto__": {"BotScore": 1}}') as Record<string, unknown>).request).toEqual({});
  });
});

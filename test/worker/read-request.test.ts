import { describe, expect, it } from "vitest";
import { POLICY_FIELD_TABLE } from "../../src/fields/policy-field-table.js";
import { RULES_ONLY_FIELDS } from "../../src/rules/field-catalog.js";
import { compileRequestReader, readJa4Signals, readRequestFields, WORKER_FIELD_SOURCES } from "../../src/worker/read-request.js";
import type { RequestCf } from "../../src/worker/request-cf.js";

const JA4 = "t13d1516h2_8daaf6152771_02713d6af862";

/**
 * A request as Cloudflare hands it to a Worker, written out by hand from Cloudflare's documentation
 * of `request.cf` (PLATFORM.md §1), not from the field table: a wrong path in the table fails here.
 */
const cf = {
  botManagement: {
    score: 12,
    verifiedBot: false,
    staticResource: true,
    corporateProxy: true,
    jsDetection: { passed: true },
    detectionIds: [33554817, 33554818],
    ja3Hash: "25b4882c2bcb50cd6b469ff28c596742",
    ja4: JA4,
    ja4Signals: { h2h3_ratio_1h: 0.98, browser_ratio_1h: 0.5, ips_rank_1h: Number.NaN, not_a_signal: 1 },
  },
  verifiedBotCategory: "Search Engine Crawler",
  asn: 3209,
  country: "DE",
  colo: "FRA",
} as RequestCf;

const request = new Request("https://shop.example.com/login?next=%2F", {
  method: "POST",
  headers: { "cf-connecting-ip": "192.0.2.1", "user-agent": "Mozilla/5.0", cookie: "session=1", referer: "https://shop.example.com/" },
});

/** What the Rules language sees for that request, by Rules-language field. */
const expected = {
  "cf.bot_management.score": 12,
  "cf.bot_management.verified_bot": false,
  "cf.verified_bot_category": "Search Engine Crawler",
  "cf.bot_management.static_resource": true,
  "cf.bot_management.corporate_proxy": true,
  "cf.bot_management.js_detection.passed": true,
  "cf.bot_management.detection_ids": [33554817, 33554818],
  "cf.bot_management.ja3_hash": "25b4882c2bcb50cd6b469ff28c596742",
  "cf.bot_management.ja4": JA4,
  "http.host": "shop.example.com",
  "http.request.uri.path": "/login",
  "http.request.method": "POST",
  "http.user_agent": "Mozilla/5.0",
  "ip.src": "192.0.2.1",
  "ip.src.asnum": 3209,
  "ip.src.country": "DE",
  "cf.bot_management.ja4_signals.h2h3_ratio_1h": 0.98,
  "cf.bot_management.ja4_signals.browser_ratio_1h": 0.5,
  "http.request.uri.query": "next=%2F",
  "http.request.full_uri": "https://shop.example.com/login?next=%2F",
  "http.cookie": "session=1",
  "http.referer": "https://shop.example.com/",
};

describe("the Worker's reading of a request (derived from the policy field table)", () => {
  it("reads every edge field of the table, and every Rules-only field, from its documented place", () => {
    expect(readRequestFields(request, cf, compileRequestReader())).toEqual(expected);
    // Every edge field is covered above (JA4 sections are cut from the JA4 by the evaluator).
    const edgeFields = POLICY_FIELD_TABLE.flatMap((row) => (row.stage === "edge" && row.section === undefined ? [row.rulesField] : []));
    for (const field of [...edgeFields, ...RULES_ONLY_FIELDS.map((f) => f.name)]) expect(Object.keys(expected)).toContain(field);
  });

  it("reads each field on its own, and only the fields a policy reads", () => {
    for (const [field, value] of Object.entries(expected)) {
      expect(readRequestFields(request, cf, compileRequestReader(new Set([field])))).toEqual({ [field]: value });
    }
    expect(readRequestFields(request, cf, compileRequestReader(new Set()))).toEqual({});
    expect(compileRequestReader(new Set(["cf.bot_management.score"])).readsUrl).toBe(false);
  });

  it("has one source per field, and none for the JA4 sections or Risk Intelligence", () => {
    const fields = WORKER_FIELD_SOURCES.map((s) => s.field);
    expect(new Set(fields).size).toBe(fields.length);
    expect(fields.some((f) => f.startsWith("risk."))).toBe(false);
  });

  it("leaves absent what is absent, empty or of the wrong type", () => {
    const bare = new Request("https://shop.example.com/");
    const url = { "http.host": "shop.example.com", "http.request.uri.path": "/", "http.request.uri.query": "", "http.request.full_uri": "https://shop.example.com/", "http.request.method": "GET" };
    expect(readRequestFields(bare, undefined, compileRequestReader())).toEqual(url);
    const odd = { botManagement: { ja4Signals: {}, score: "12", jsDetection: null, detectionIds: [1.5] }, asn: null, country: 7 } as unknown as RequestCf;
    expect(readRequestFields(bare, odd, compileRequestReader())).toEqual(url);
    // Members inherited or named like prototype members are never read as data.
    const hostile = JSON.parse('{"__proto__": {"asn": 1}, "botManagement": {"__proto__": {"score": 5}}}') as RequestCf;
    expect(readRequestFields(bare, hostile, compileRequestReader())).toEqual(url);
  });

  it("forwards the JA4 Signals object with finite numbers only", () => {
    expect(readJa4Signals(cf)).toEqual({ h2h3_ratio_1h: 0.98, browser_ratio_1h: 0.5, not_a_signal: 1 });
    expect(readJa4Signals({ botManagement: { ja4Signals: {} } })).toBeUndefined();
    expect(readJa4Signals(undefined)).toBeUndefined();
  });
});

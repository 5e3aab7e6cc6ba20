import { describe, expect, it } from "vitest";
import { CLOUDFLARE_FIELDS } from "../../src/rules/cloudflare-fields.js";
import { FIELD_NAMES, JA4_SIGNAL_KEYS, lookupField } from "../../src/rules/field-catalog.js";

describe("field catalog", () => {
  it.each([
    ["cf.bot_management.score", { type: "Int", requires: "enterprise_bot_management", stage: "edge", inWorker: true }],
    ["cf.bot_management.verified_bot", { type: "Bool", requires: "enterprise_bot_management", stage: "edge", inWorker: true }],
    ["cf.verified_bot_category", { type: "String", requires: "all", stage: "edge", inWorker: true }],
    ["cf.bot_management.js_detection.passed", { type: "Bool", requires: "enterprise_bot_management", stage: "edge", inWorker: true }],
    ["cf.bot_management.detection_ids", { type: "Array<Int>", requires: "enterprise_bot_management", stage: "edge", inWorker: true }],
    ["cf.bot_management.ja3_hash", { type: "String", requires: "enterprise_bot_management", stage: "edge", inWorker: true }],
    ["ip.src", { type: "Ip", requires: "all", stage: "edge", inWorker: true }],
    ["ip.src.asnum", { type: "Int", requires: "all", stage: "edge", inWorker: true }],
    ["http.referer", { type: "String", requires: "all", stage: "edge", inWorker: true }],
    ["cf.bot_management.ja4_signals.ips_quantile_1h", { type: "Float", requires: "enterprise_bot_management", stage: "worker", inWorker: true }],
    ["risk.risk_scores.browser", { type: "Int", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.as.asn", { type: "Int", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.as.number", { type: "Int", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.as.route", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.geolocation.country.phone_code", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.geolocation.city", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.abuse_contact.email", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.anonymization.icloud_private_relay", { type: "Bool", requires: "all", stage: "worker", inWorker: true }],
    ["risk.network.anonymization.vpn_score", { type: "Int", requires: "all", stage: "worker", inWorker: true }],
    ["risk.client.time_zone.country_iso2", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.client.browser.release_date", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.client.tls_signature.ja3n", { type: "String", requires: "all", stage: "worker", inWorker: true }],
    ["risk.client.automation.automation_tool.detected", { type: "Bool", requires: "all", stage: "worker", inWorker: true }],
    ["risk.client.automation.known_bot.url", { type: "String", requires: "all", stage: "worker", inWorker: true }],
  ])("%s", (name, info) => {
    expect(lookupField(name)).toEqual(info);
  });

  it.each([
    ["http.request.headers", { type: "Map<Array<String>>", requires: "all", stage: "edge" }],
    ["http.request.headers.names", { type: "Array<String>", requires: "all", stage: "edge" }],
    ["http.request.cookies", { type: "Map<Array<String>>", requires: "pro", stage: "edge" }],
    ["cf.client.bot", { type: "Bool", requires: "all", stage: "edge" }],
    ["cf.waf.score", { type: "Int", requires: "enterprise", stage: "edge" }],
    ["cf.waf.score.class", { type: "String", requires: "business", stage: "edge" }],
    ["cf.api_gateway.auth_id_present", { type: "Bool", requires: "enterprise_add_on", stage: "edge" }],
    ["http.request.body.multipart.names", { type: "Array<Array<String>>", requires: "enterprise", stage: "edge" }],
    ["cf.llm.prompt.custom_topic_categories", { type: "Map<Int>", requires: "enterprise", stage: "edge" }],
    ["ip.geoip.country", { type: "String", requires: "all", stage: "edge", deprecated: { replacedBy: "ip.src.country" } }],
    ["cf.threat_score", { type: "Int", requires: "all", stage: "edge", deprecated: { retired: "Cloudflare now sets it to 0 for every request" } }],
    ["http.request.accepted_languages", { type: "Array<String>", requires: "all", stage: "edge", transformOnly: true }],
  ])("Cloudflare's %s", (name, info) => {
    expect(lookupField(name)).toEqual(info);
  });

  it("knows which fields the Worker reads: the policy table's and four more", () => {
    expect(FIELD_NAMES.filter((name) => lookupField(name)?.inWorker === true && lookupField(name)?.stage === "edge")).toHaveLength(16 + 4);
    expect(lookupField("http.request.headers")?.inWorker).toBeUndefined();
  });

  it("keeps every row of Cloudflare's catalogue, the policy table's types winning", () => {
    for (const [name, type] of CLOUDFLARE_FIELDS) expect(lookupField(name)?.type, name).toBe(type);
    expect(FIELD_NAMES).not.toContain("ip.geoip.country");
  });

  it("does not know partial paths or typos", () => {
    expect(lookupField("risk.network")).toBeUndefined();
    expect(lookupField("cf.bot_management")).toBeUndefined();
    expect(lookupField("http.hots")).toBeUndefined();
  });

  it("lists every field once, with all ten JA4 Signals", () => {
    expect(new Set(FIELD_NAMES).size).toBe(FIELD_NAMES.length);
    expect(JA4_SIGNAL_KEYS).toHaveLength(10);
    expect(FIELD_NAMES.filter((name) => name.startsWith("cf.bot_management.ja4_signals."))).toHaveLength(10);
    // The policy table's 16 edge fields, the 146 other request-phase fields of Cloudflare's catalogue, cf.zone.name/.plan,
    // the three cf.sequence.* fields and raw.http.request.headers(.names, .values).
    expect(FIELD_NAMES.filter((name) => lookupField(name)?.stage === "edge")).toHaveLength(170);
    // 62 leaves of seed 003's Risk Intelligence object, the abuse contact's four included.
    expect(FIELD_NAMES.filter((name) => name.startsWith("risk."))).toHaveLength(62);
  });
});

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLOUDFLARE_FIELDS } from "../../src/rules/cloudflare-fields.js";
import { deriveCloudflareFields, type CloudflareFieldEntry } from "../../src/rules/derive-cloudflare-fields.js";

/**
 * Entries of Cloudflare's field catalogue (cloudflare/cloudflare-docs, src/content/fields/index.yaml),
 * cut to the keys the derivation reads; descriptions keep the sentences it looks for.
 */
const EXCERPT = `
entries:
  - name: http.request.cookies
    data_type: Map<Array<String>>
    categories: [Request, Headers]
    plan_info_label: Pro or above
  - name: ip.src
    data_type: IP address
    categories: [Request]
  - name: ip.src.timezone.name
    data_type: String
    categories: [Request, Geolocation]
    description: |-
      This field is only available in rewrite expressions of [Transform Rules](/rules/transform/).
  - name: ip.src.asnum
    data_type: Number
    categories: [Request, Geolocation]
    description: |-
      This field has the same value as the \`ip.geoip.asnum\` field, which is deprecated. The \`ip.geoip.asnum\` field is still available for new and existing rules, but you should use the \`ip.src.asnum\` field instead.
  - name: ip.src.is_in_european_union
    data_type: Boolean
    categories: [Request, Geolocation]
    plan_info_label: Business or above
    description: |-
      This field has the same value as the \`ip.geoip.is_in_european_union\` field, which is deprecated.
  - name: raw.http.response.headers
    data_type: Map<Array<String>>
    categories: [Response, Headers, Raw fields]
  - name: cf.api_gateway.auth_id_present
    data_type: Boolean
    categories: [Request]
    plan_info_label: Enterprise add-on
  - name: cf.bot_management.detection_ids
    data_type: Array<Number>
    categories: [Request, Bots]
    plan_info_label: Enterprise add-on
  - name: cf.random_seed
    data_type: Bytes
    categories: [Request]
  - name: cf.threat_score
    data_type: Number
    categories: [Request]
    description: |-
      Previously, a threat score represented a Cloudflare threat score from 0–100, where 0 indicated low risk. Now, the threat score is always \`0\` (zero).
  - name: cf.waf.score
    data_type: Number
    categories: [Request]
    plan_info_label: Enterprise
  - name: cf.llm.prompt.custom_topic_categories
    data_type: Map<Number>
    categories: [Request]
    plan_info_label: Enterprise
  - name: http.request.jwt.claims.iat.sec
    data_type: Map<Array<Integer>>
    categories: [Request, JWT validation]
    plan_info_label: Enterprise add-on
  - name: http.request.accepted_languages
    data_type: Array<String>
    categories: [Request, Headers]
    description: |-
      **Note**: This field is only available in [Transform Rules](/rules/transform/).
  - name: http.request.body.multipart.names
    data_type: Array<Array<String>>
    categories: [Request, Body]
    plan_info_label: Enterprise
  - name: http.response.code
    data_type: Integer
    categories: [Response]
`;

describe("Cloudflare's field catalogue", () => {
  const derived = deriveCloudflareFields((parse(EXCERPT) as { entries: CloudflareFieldEntry[] }).entries);

  it("derives each excerpt entry into the committed row, in order", () => {
    const committed = CLOUDFLARE_FIELDS.filter(([name]) => derived.some(([other]) => other === name));
    expect(derived).toEqual(committed);
    expect(derived.map(([name]) => name)).toEqual([
      "http.request.cookies",
      "ip.src",
      "ip.src.timezone.name",
      "ip.src.asnum",
      "ip.geoip.asnum",
      "ip.src.is_in_european_union",
      "ip.geoip.is_in_european_union",
      "cf.api_gateway.auth_id_present",
      "cf.bot_management.detection_ids",
      "cf.random_seed",
      "cf.threat_score",
      "cf.waf.score",
      "cf.llm.prompt.custom_topic_categories",
      "http.request.jwt.claims.iat.sec",
      "http.request.accepted_languages",
      "http.request.body.multipart.names",
    ]);
  });

  it("refuses a data type it does not know rather than guessing", () => {
    expect(() => deriveCloudflareFields([{ name: "x", data_type: "Duration" }])).toThrow("Unknown data type 'Duration'");
  });

  it("has one row per name, each of a known type", () => {
    const names = CLOUDFLARE_FIELDS.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const [, type] of CLOUDFLARE_FIELDS) expect(type).toMatch(/^((Array|Map)<)*(String|Int|Bool|Ip|Bytes)>*$/);
    // Every deprecated alias names a current field.
    for (const [, , , flag] of CLOUDFLARE_FIELDS) {
      if (typeof flag === "object" && "replacedBy" in flag) expect(names).toContain(flag.replacedBy);
    }
  });
});

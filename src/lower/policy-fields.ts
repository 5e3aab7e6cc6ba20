import type { SetType } from "../model/raw-policy.js";

/** How a policy field's values are checked and lowered. */
export type ValueKind = "int" | "bool" | "string" | "ip" | "ja3" | "ja4" | "ja4_section" | "country" | "asn" | "bot_score" | "detection_ids" | "float";

/** What the policy language knows about one field. */
export interface PolicyField {
  /** The Rules-language field (for JA4 sections: the JA4 field they cut from). */
  rulesField: string;
  kind: ValueKind;
  /** For JA4 sections: the character range `[start, end)` of the section in a JA4. */
  section?: [number, number];
  /** Set types whose items this field can use. */
  setTypes: readonly SetType[];
}

const STRING_SETS: readonly SetType[] = ["string"];

/** The edge fields of the policy language (DESIGN.md), each mapped to its Rules-language field. */
export const EDGE_FIELDS: Readonly<Record<string, PolicyField>> = {
  bot_score: { rulesField: "cf.bot_management.score", kind: "bot_score", setTypes: [] },
  verified_bot: { rulesField: "cf.bot_management.verified_bot", kind: "bool", setTypes: [] },
  verified_bot_category: { rulesField: "cf.verified_bot_category", kind: "string", setTypes: STRING_SETS },
  static_resource: { rulesField: "cf.bot_management.static_resource", kind: "bool", setTypes: [] },
  corporate_proxy: { rulesField: "cf.bot_management.corporate_proxy", kind: "bool", setTypes: [] },
  js_detection_passed: { rulesField: "cf.bot_management.js_detection.passed", kind: "bool", setTypes: [] },
  detection_ids: { rulesField: "cf.bot_management.detection_ids", kind: "detection_ids", setTypes: [] },
  ja3: { rulesField: "cf.bot_management.ja3_hash", kind: "ja3", setTypes: ["ja3"] },
  ja4: { rulesField: "cf.bot_management.ja4", kind: "ja4", setTypes: ["ja4"] },
  ja4_a: { rulesField: "cf.bot_management.ja4", kind: "ja4_section", section: [0, 10], setTypes: STRING_SETS },
  ja4_b: { rulesField: "cf.bot_management.ja4", kind: "ja4_section", section: [11, 23], setTypes: STRING_SETS },
  ja4_c: { rulesField: "cf.bot_management.ja4", kind: "ja4_section", section: [24, 36], setTypes: STRING_SETS },
  host: { rulesField: "http.host", kind: "string", setTypes: STRING_SETS },
  path: { rulesField: "http.request.uri.path", kind: "string", setTypes: STRING_SETS },
  method: { rulesField: "http.request.method", kind: "string", setTypes: STRING_SETS },
  user_agent: { rulesField: "http.user_agent", kind: "string", setTypes: STRING_SETS },
  ip: { rulesField: "ip.src", kind: "ip", setTypes: ["ip"] },
  asn: { rulesField: "ip.src.asnum", kind: "asn", setTypes: ["asn"] },
  country: { rulesField: "ip.src.country", kind: "country", setTypes: STRING_SETS },
};

/** The Rules-language name of a JA4 Signals key (worker-only). */
export function ja4SignalField(key: string): string {
  return `cf.bot_management.ja4_signals.${key}`;
}


/**
 * Names the policy schema (`schema/policy-v1.schema.json`) knows, as constants for code that must
 * agree with it (checks, lowering, hints). A test keeps these lists and the schema in sync.
 */

/** The field names a `when` condition (and `origin_headers`) may use, in the order of DESIGN.md. */
export const POLICY_FIELDS = [
  "bot_score",
  "verified_bot",
  "verified_bot_category",
  "static_resource",
  "corporate_proxy",
  "js_detection_passed",
  "detection_ids",
  "ja3",
  "ja4",
  "ja4_a",
  "ja4_b",
  "ja4_c",
  "host",
  "path",
  "method",
  "user_agent",
  "ip",
  "asn",
  "country",
  "ja4_signals",
  "risk",
] as const;

/** A policy field name. */
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** Fields that no Rules-language expression can read: a rule using one runs in the Worker. */
export const WORKER_FIELDS = ["ja4_signals", "risk"] as const satisfies readonly PolicyField[];

/** The `when` keys that combine conditions rather than name a field. */
export const WHEN_COMBINATORS = ["any", "all", "not"] as const;

/** The keys of Cloudflare's JA4 Signals object, from the Rules-language field catalog. */
export { JA4_SIGNAL_KEYS } from "../rules/field-catalog.js";

/** Tells whether a string is a policy field name. */
export function isPolicyField(name: string): name is PolicyField {
  return (POLICY_FIELDS as readonly string[]).includes(name);
}

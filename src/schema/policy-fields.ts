/**
 * The policy field names the schema knows, as constants for code that must agree with it
 * (checks, lowering, hints). They are views of the policy field table, from which the schema's
 * field sections are generated.
 */
import { JA4_SIGNAL_KEYS, POLICY_FIELD_NAMES, POLICY_FIELD_TABLE, findPolicyField } from "../fields/policy-field-table.js";

/** The field names a `when` condition (and `origin_headers`) may use, in table order. */
export const POLICY_FIELDS: readonly string[] = POLICY_FIELD_NAMES;

/** Fields that no Rules-language expression can read: a rule using one runs in the Worker. */
export const WORKER_FIELDS: readonly string[] = POLICY_FIELD_TABLE.filter((row) => row.stage === "worker").map((row) => row.name);

/** The `when` keys that combine conditions rather than name a field. */
export const WHEN_COMBINATORS = ["any", "all", "not"] as const;

/** The keys of Cloudflare's JA4 Signals object. */
export { JA4_SIGNAL_KEYS };

/** Tells whether a string is a policy field name (`__proto__` and other object keys are not). */
export function isPolicyField(name: string): boolean {
  return findPolicyField(name) !== undefined;
}

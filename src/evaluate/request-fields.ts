import { EDGE_FIELDS, ja4SignalField } from "../lower/policy-fields.js";
import type { FieldValues } from "../rules/compile-evaluator.js";

/** A request in the policy language's own words (DESIGN.md "Test files"); omitted fields are absent. */
export type PolicyRequest = Record<string, unknown>;

/**
 * Turns a policy-level request into Rules-language field values. JA4 sections are not fields of
 * their own (Cloudflare derives them from the JA4), so a request gives `ja4` instead; the Risk
 * Intelligence object is flattened to `risk.<path>` leaves. Returns an error message for a
 * request that cannot be represented.
 */
export function requestFields(request: PolicyRequest): { fields: FieldValues } | { error: string } {
  const fields: FieldValues = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (key === "ja4_a" || key === "ja4_b" || key === "ja4_c") {
      return { error: `'${key}' is derived from the JA4; give the whole 'ja4' instead` };
    }
    if (key === "ja4_signals") {
      if (typeof value !== "object" || Array.isArray(value)) return { error: "'ja4_signals' must be a map of signal names to numbers" };
      for (const [signal, number] of Object.entries(value)) {
        // Cloudflare drops NaN and Infinity from the signals: such a key is absent.
        if (typeof number === "number" && Number.isFinite(number)) fields[ja4SignalField(signal)] = number;
      }
      continue;
    }
    if (key === "risk") {
      if (typeof value !== "object" || Array.isArray(value)) return { error: "'risk' must be the Risk Intelligence object" };
      flattenRisk("risk", value as Record<string, unknown>, fields);
      continue;
    }
    const field = EDGE_FIELDS[key];
    if (!field) return { error: `unknown request field '${key}'` };
    fields[field.rulesField] = value;
  }
  return { fields };
}

/** Flattens the vendor's nested object into `risk.a.b` leaves; unknown fields are kept, harmlessly. */
export function flattenRisk(prefix: string, value: Record<string, unknown>, fields: FieldValues): void {
  for (const [key, inner] of Object.entries(value)) {
    const name = `${prefix}.${key}`;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) flattenRisk(name, inner as Record<string, unknown>, fields);
    else if (inner !== null && inner !== undefined) fields[name] = inner;
  }
  // The AS number appears as `number` (field reference) and as `asn` (examples): accept both.
  const as = `${prefix}.network.as`;
  if (prefix === "risk") {
    if (fields[`${as}.number`] === undefined && fields[`${as}.asn`] !== undefined) fields[`${as}.number`] = fields[`${as}.asn`];
    if (fields[`${as}.asn`] === undefined && fields[`${as}.number`] !== undefined) fields[`${as}.asn`] = fields[`${as}.number`];
  }
}

/**
 * A policy as written in YAML, after the schema accepted it. Field-level forms stay loose
 * (`unknown`) where the language allows several shapes; `lower` normalises them.
 */

/** A set item: a plain value, or one with a note and an expiry date. */
export type RawSetItem = string | number | { value: string | number; note?: string; expires?: string };

/** The type of a set's items. */
export type { SetType } from "../fields/policy-field-table.js";
import type { SetType } from "../fields/policy-field-table.js";

/** A named, typed set referenced as `$name`. */
export interface RawSet {
  type: SetType;
  description?: string;
  items: RawSetItem[];
}

/** A `when` map: field names (or any/all/not) to predicates. */
export type RawWhen = Record<string, unknown>;

/** A rule as written. */
export interface RawRule {
  id: string;
  description?: string;
  when?: RawWhen;
  expression?: string;
  action: "block" | "managed_challenge" | "js_challenge" | "challenge" | "skip" | "log";
  response?: { status: number; content_type: string; body: string };
  skip?: { phases?: string[]; products?: string[] };
  enabled?: boolean;
  /** For `skip`: log the requests it matches (Cloudflare's `logging.enabled`; default off). */
  logging?: boolean;
  /** The Cloudflare rule ref to keep (a rule adopted with `import`); default `<policy>/<id>`. */
  ref?: string;
  /** Guard findings that do not apply to this rule, each with its reason. */
  suppress?: Array<{ code: string; reason: string }>;
}

/** A request no rule may block or challenge (`protect:`), in the test-request shape. */
export interface RawProtectedRequest {
  name: string;
  description?: string;
  request: Record<string, unknown>;
}

/** Risk Intelligence settings as written. */
export interface RawRiskIntelligence {
  token: { header?: string; cookie?: string; form_field?: string };
  endpoint?: "global" | "eu";
  timeout_ms?: number;
  on_error?: "pass" | "block";
  sitekey?: string;
}

/** A policy file's content as written. */
export interface RawPolicy {
  version: 1;
  policy: string;
  description?: string;
  zones: string[];
  priority?: number;
  mode?: "enforce" | "observe";
  sets?: Record<string, RawSet>;
  rules: RawRule[];
  protect?: RawProtectedRequest[];
  origin_headers?: Record<string, string>;
  risk_intelligence?: RawRiskIntelligence;
}

/** A test file's content as written. */
export interface RawTestFile {
  version: 1;
  zone?: string;
  stack?: string;
  cases: Array<{ name: string; request: Record<string, unknown>; expect: string | { action: string; rule?: string } }>;
}

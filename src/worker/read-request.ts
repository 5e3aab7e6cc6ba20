import { JA4_SIGNAL_KEYS, lookupField } from "../rules/field-catalog.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import type { RequestCf } from "./request-cf.js";

/**
 * Where each Rules-language field comes from in the Worker: a path into `request.cf`. The one
 * place that knows it (PLATFORM.md §1); fields of the request itself are read below.
 */
const CF_PATHS: ReadonlyArray<readonly [field: string, path: readonly string[]]> = [
  ["cf.bot_management.score", ["botManagement", "score"]],
  ["cf.bot_management.verified_bot", ["botManagement", "verifiedBot"]],
  ["cf.verified_bot_category", ["verifiedBotCategory"]],
  ["cf.bot_management.static_resource", ["botManagement", "staticResource"]],
  ["cf.bot_management.corporate_proxy", ["botManagement", "corporateProxy"]],
  ["cf.bot_management.js_detection.passed", ["botManagement", "jsDetection", "passed"]],
  ["cf.bot_management.detection_ids", ["botManagement", "detectionIds"]],
  ["cf.bot_management.ja3_hash", ["botManagement", "ja3Hash"]],
  ["cf.bot_management.ja4", ["botManagement", "ja4"]],
  ...JA4_SIGNAL_KEYS.map((key) => [`cf.bot_management.ja4_signals.${key}`, ["botManagement", "ja4Signals", key]] as const),
  ["ip.src.asnum", ["asn"]],
  ["ip.src.country", ["country"]],
];

/**
 * Reads one request into the Rules-language field values the decide function takes. A field
 * stays absent when Cloudflare did not send it or sent a value of the wrong type (NaN and
 * Infinity included), so `ja4Signals: {}` reads as absent signals.
 */
export function readRequestFields(request: Request, cf: RequestCf | undefined): FieldValues {
  const fields: FieldValues = {};
  if (cf !== undefined && cf !== null && typeof cf === "object") {
    for (const [field, path] of CF_PATHS) {
      const value = readPath(cf, path);
      if (value !== undefined && hasFieldType(field, value)) fields[field] = value;
    }
  }
  const url = new URL(request.url);
  const headers = request.headers;
  setString(fields, "ip.src", headers.get("cf-connecting-ip"));
  setString(fields, "http.host", url.hostname);
  setString(fields, "http.request.uri.path", url.pathname);
  setString(fields, "http.request.uri.query", url.search.slice(1));
  setString(fields, "http.request.full_uri", request.url);
  setString(fields, "http.request.method", request.method);
  setString(fields, "http.user_agent", headers.get("user-agent"));
  setString(fields, "http.cookie", headers.get("cookie"));
  setString(fields, "http.referer", headers.get("referer"));
  return fields;
}

/** The JA4 Signals object to forward to the origin: finite numbers only; none → undefined. */
export function readJa4Signals(cf: RequestCf | undefined): Record<string, number> | undefined {
  const signals = readPath(cf, ["botManagement", "ja4Signals"]);
  if (signals === null || typeof signals !== "object" || Array.isArray(signals)) return undefined;
  const finite: Record<string, number> = {};
  let count = 0;
  for (const [key, value] of Object.entries(signals as Record<string, unknown>)) {
    if (typeof value === "number" && Number.isFinite(value)) {
      finite[key] = value;
      count++;
    }
  }
  return count === 0 ? undefined : finite;
}

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? undefined;
}

function hasFieldType(field: string, value: unknown): boolean {
  switch (lookupField(field)?.type) {
    case "Int":
      return Number.isInteger(value);
    case "Float":
      return typeof value === "number" && Number.isFinite(value);
    case "Bool":
      return typeof value === "boolean";
    case "String":
    case "Ip":
      return typeof value === "string";
    case "Array<Int>":
      return Array.isArray(value) && value.every((item) => Number.isInteger(item));
    case undefined:
      return false;
  }
}

function setString(fields: FieldValues, field: string, value: string | null): void {
  if (value !== null) fields[field] = value;
}

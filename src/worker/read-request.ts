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

/** How one `request.cf` path becomes a field value: the path and the check of its type. */
interface CfReader {
  field: string;
  path: readonly string[];
  accepts: (value: unknown) => boolean;
}

const CF_READERS: readonly CfReader[] = CF_PATHS.map(([field, path]) => ({ field, path, accepts: typeCheck(field) }));

/**
 * Reads one request into the Rules-language field values the decide function takes. A field
 * stays absent when Cloudflare did not send it or sent a value of the wrong type (NaN and
 * Infinity included), so `ja4Signals: {}` reads as absent signals. With `wanted`, only those
 * fields are read (what a compiled policy reads: each header read costs a call into the runtime).
 */
export function readRequestFields(request: Request, cf: RequestCf | undefined, wanted?: ReadonlySet<string>): FieldValues {
  const fields: FieldValues = {};
  const want = (field: string) => wanted === undefined || wanted.has(field);
  if (cf !== undefined && cf !== null && typeof cf === "object") {
    for (const reader of CF_READERS) {
      if (!want(reader.field)) continue;
      const value = readPath(cf, reader.path);
      if (value !== undefined && reader.accepts(value)) fields[reader.field] = value;
    }
  }
  const url = splitUrl(request.url);
  const headers = request.headers;
  if (want("ip.src")) setString(fields, "ip.src", headers.get("cf-connecting-ip"));
  if (want("http.host")) fields["http.host"] = url.hostname;
  if (want("http.request.uri.path")) fields["http.request.uri.path"] = url.path;
  if (want("http.request.uri.query")) fields["http.request.uri.query"] = url.query;
  if (want("http.request.full_uri")) fields["http.request.full_uri"] = request.url;
  if (want("http.request.method")) fields["http.request.method"] = request.method;
  if (want("http.user_agent")) setString(fields, "http.user_agent", headers.get("user-agent"));
  if (want("http.cookie")) setString(fields, "http.cookie", headers.get("cookie"));
  if (want("http.referer")) setString(fields, "http.referer", headers.get("referer"));
  return fields;
}

/**
 * The host name, path and query of a serialised absolute URL (a request's `url`), without the
 * URL parser: `new URL` costs about 6 µs a call in workerd, more than deciding 100 rules. The
 * runtime hands the Worker a normalised URL, so splitting it gives what the parser would.
 */
export function splitUrl(url: string): { hostname: string; path: string; query: string } {
  const authorityStart = url.indexOf("//") + 2;
  let pathStart = url.length;
  for (let i = authorityStart; i < url.length; i++) {
    const c = url.charCodeAt(i);
    // '/', '?' or '#' ends the authority.
    if (c === 0x2f || c === 0x3f || c === 0x23) {
      pathStart = i;
      break;
    }
  }
  let authority = url.slice(authorityStart, pathStart);
  const at = authority.lastIndexOf("@");
  if (at >= 0) authority = authority.slice(at + 1);
  // A port follows the last ':' unless that ':' is inside an IPv6 literal's brackets.
  const colon = authority.lastIndexOf(":");
  const hostname = colon > authority.lastIndexOf("]") ? authority.slice(0, colon) : authority;
  const hash = url.indexOf("#", pathStart);
  const end = hash < 0 ? url.length : hash;
  const question = url.indexOf("?", pathStart);
  const pathEnd = question < 0 || question > end ? end : question;
  const path = pathStart < pathEnd && url.charCodeAt(pathStart) === 0x2f ? url.slice(pathStart, pathEnd) : "/";
  return { hostname, path, query: pathEnd < end ? url.slice(pathEnd + 1, end) : "" };
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

function typeCheck(field: string): (value: unknown) => boolean {
  switch (lookupField(field)?.type) {
    case "Int":
      return (value) => Number.isInteger(value);
    case "Float":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "Bool":
      return (value) => typeof value === "boolean";
    case "String":
    case "Ip":
      return (value) => typeof value === "string";
    case "Array<Int>":
      return (value) => Array.isArray(value) && value.every((item) => Number.isInteger(item));
    default:
      return () => false;
  }
}

function setString(fields: FieldValues, field: string, value: string | null): void {
  if (value !== null) fields[field] = value;
}

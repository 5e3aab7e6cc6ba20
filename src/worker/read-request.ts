import { valueTypeOf } from "../fields/field-value-types.js";
import { findPolicyField, POLICY_FIELD_TABLE, workerFieldLeaves, type FieldLeaf, type WorkerSource } from "../fields/policy-field-table.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import { RULES_ONLY_FIELDS } from "../rules/field-catalog.js";
import type { RequestCf } from "./request-cf.js";

/**
 * Where the Worker finds one Rules-language field, as the policy field table says (its `worker`
 * source), with the type check its value must pass. `cf` paths are split once, here.
 */
export interface FieldSource {
  field: string;
  source: Exclude<WorkerSource, { from: "section" } | { from: "risk_intelligence_api" }>;
  /** `request.cf` path keys, for a `cf` source. */
  path: readonly string[];
  accepts: (value: unknown) => boolean;
}

/**
 * Every field the Worker can read, derived once at module load from the policy field table (and
 * the Rules-only fields of the catalog): edge fields from their `worker` source, worker fields
 * read from `request.cf` leaf by leaf below their object's path. JA4 sections have no source of
 * their own (the evaluator cuts them from the JA4), and `risk` comes from the vendor, not the request.
 */
export const WORKER_FIELD_SOURCES: readonly FieldSource[] = deriveFieldSources();

function deriveFieldSources(): FieldSource[] {
  const sources: FieldSource[] = [];
  const add = (field: string, source: WorkerSource, accepts: (value: unknown) => boolean): void => {
    if (source.from === "section" || source.from === "risk_intelligence_api") return;
    sources.push({ field, source, path: source.from === "cf" ? source.path.split(".") : [], accepts });
  };
  for (const row of POLICY_FIELD_TABLE) {
    if (row.stage === "edge") {
      if (row.section === undefined) add(row.rulesField, row.worker, valueTypeOf(row).test);
      continue;
    }
    const { worker } = row;
    if (worker.from !== "cf") continue;
    for (const { path, rulesField, leaf } of workerFieldLeaves(row)) add(rulesField, { from: "cf", path: [worker.path, ...path].join(".") }, leafAccepts(leaf));
  }
  for (const field of RULES_ONLY_FIELDS) add(field.name, field.worker, (value) => typeof value === "string");
  return sources;
}

/** Cloudflare drops NaN and Infinity from the JA4 Signals: a value that is not finite is absent. */
function leafAccepts(leaf: FieldLeaf): (value: unknown) => boolean {
  const test = valueTypeOf(leaf).test;
  return (value) => test(value) && (typeof value !== "number" || Number.isFinite(value));
}

/** The sources of the fields a compiled policy reads, chosen once per isolate. */
export interface RequestReader {
  sources: readonly FieldSource[];
  /** Whether any source is a part of the URL (split only then). */
  readsUrl: boolean;
}

/**
 * A reader for the given Rules-language fields (what the zone's rules read: each header read is a
 * call into the runtime, and most zones read a handful of fields); without `wanted`, every field.
 */
export function compileRequestReader(wanted?: ReadonlySet<string>): RequestReader {
  const sources = wanted === undefined ? WORKER_FIELD_SOURCES : WORKER_FIELD_SOURCES.filter((s) => wanted.has(s.field));
  return { sources, readsUrl: sources.some((s) => s.source.from === "url" && s.source.part !== "href") };
}

/**
 * Reads one request into the Rules-language field values the decide function takes. A field
 * stays absent when Cloudflare did not send it or sent a value of the wrong type (NaN and
 * Infinity included), so `ja4Signals: {}` reads as absent signals.
 */
export function readRequestFields(request: Request, cf: RequestCf | undefined, reader: RequestReader): FieldValues {
  const fields: FieldValues = {};
  const url = reader.readsUrl ? splitUrl(request.url) : undefined;
  for (const { field, source, path, accepts } of reader.sources) {
    let value: unknown;
    switch (source.from) {
      case "cf":
        value = readPath(cf, path);
        break;
      case "header":
        value = request.headers.get(source.name) ?? undefined;
        break;
      case "url":
        value = source.part === "href" ? request.url : source.part === "hostname" ? url?.hostname : source.part === "pathname" ? url?.path : url?.query;
        break;
      case "method":
        value = request.method;
        break;
    }
    if (value !== undefined && accepts(value)) fields[field] = value;
  }
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

/** Where `request.cf` holds the JA4 Signals object: the table's source of `ja4_signals`. */
const JA4_SIGNALS_PATH: readonly string[] = ja4SignalsPath();

function ja4SignalsPath(): readonly string[] {
  const source = findPolicyField("ja4_signals")?.worker;
  if (source?.from !== "cf") throw new Error("the policy field table has no request.cf source for 'ja4_signals'");
  return source.path.split(".");
}

/** The JA4 Signals object to forward to the origin: finite numbers only; none → undefined. */
export function readJa4Signals(cf: RequestCf | undefined): Record<string, number> | undefined {
  const signals = readPath(cf, JA4_SIGNALS_PATH);
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

/** A value at a path of own properties (a prototype's members are never read as data). */
function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current ?? undefined;
}

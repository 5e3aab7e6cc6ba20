/**
 * How a replay reads one line of traffic (DESIGN.md "Replay semantics"): a Logpush
 * `http_requests` object, mapped through the policy field table, or a request in the test-request
 * shape. The shape is told per line, by its keys: Logpush names are capitalised, policy fields are not.
 */
import { requestFields } from "../evaluate/request-fields.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import { compileTestValidator } from "../schema/policy-validators.js";
import { readLogpushFields, REQUEST_SHAPE, type Knowledge } from "./read-logpush-fields.js";

/** A line read: a request to decide, a line that is not an eyeball request, or a malformed line and why. */
export type TrafficRecord =
  | { kind: "request"; fields: FieldValues; knowledge: Knowledge; rayId: string | null; path: string | null; ja4: string | null; asn: number | null }
  | { kind: "subrequest" }
  | { kind: "other_source" }
  | { kind: "malformed"; reason: string };

/** Reads one line of traffic; never throws. */
export function readTrafficLine(text: string): TrafficRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message differs between Node versions and quotes the line: the line number says where.
    return { kind: "malformed", reason: "not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { kind: "malformed", reason: "not a JSON object" };
  const line = value as Record<string, unknown>;
  return isLogpushLine(line) ? readLogpushRecord(line) : readRequestRecord(line);
}

/** A Logpush line has capitalised field names; a test-shaped request has policy field names. */
function isLogpushLine(line: Record<string, unknown>): boolean {
  for (const key in line) {
    const first = key.charCodeAt(0);
    if (first >= 0x41 && first <= 0x5a) return true;
  }
  return false;
}

function readLogpushRecord(line: Record<string, unknown>): TrafficRecord {
  // A Worker's fetch() logs a second line for the same visit (PLATFORM.md §8); its other sources
  // are `edgeWorkerCacheAPI` and `edgeWorkerKV`. Only eyeball lines count.
  const source = line.ClientRequestSource;
  if (line.WorkerSubrequest === true || (typeof source === "string" && source.startsWith("edgeWorker"))) return { kind: "subrequest" };
  if (typeof source === "string" && source !== "eyeball") return { kind: "other_source" };
  const { fields, knowledge } = readLogpushFields(line);
  return {
    kind: "request",
    fields,
    knowledge,
    rayId: typeof line.RayID === "string" ? line.RayID : null,
    path: typeof line.ClientRequestPath === "string" ? line.ClientRequestPath : null,
    ja4: typeof line.JA4 === "string" && line.JA4 !== "" ? line.JA4 : null,
    asn: Number.isSafeInteger(line.ClientASN) ? (line.ClientASN as number) : null,
  };
}

function readRequestRecord(request: Record<string, unknown>): TrafficRecord {
  // The same schema as a test case's request, so a request line means what it would in a test.
  const validate = compileTestValidator();
  if (!validate({ version: 1, cases: [{ name: "line", request, expect: "pass" }] })) {
    const error = (validate.errors ?? []).find((e) => e.instancePath.startsWith("/cases/0/request"));
    const at = error ? error.instancePath.slice("/cases/0/request".length).split("/").filter(Boolean).join(".") : "";
    return { kind: "malformed", reason: at === "" ? "not a request in the test-request shape" : `'${at}' does not fit the test-request shape` };
  }
  const converted = requestFields(request);
  if ("error" in converted) return { kind: "malformed", reason: converted.error };
  return {
    kind: "request",
    fields: converted.fields,
    knowledge: REQUEST_SHAPE,
    rayId: null,
    path: typeof request.path === "string" ? request.path : null,
    ja4: typeof request.ja4 === "string" ? request.ja4 : null,
    asn: Number.isSafeInteger(request.asn) ? (request.asn as number) : null,
  };
}

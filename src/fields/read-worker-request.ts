/**
 * How the Worker turns an incoming request into the request shape tests use (DESIGN.md "The
 * Worker"), read from the policy field table's Worker sources. Pure and free of Node APIs, so it
 * runs unchanged in workerd.
 */
import { typedLeaves, valueTypeOf } from "./field-value-types.js";
import { POLICY_FIELD_TABLE, type WorkerSource } from "./policy-field-table.js";

/** What the Worker knows of a request: `request.cf`, the URL, the method and a header getter. */
export interface WorkerIncoming {
  /** `request.cf`; absent in some runtimes and subrequests. */
  cf: unknown;
  url: string;
  method: string;
  /** Reads a header (case-insensitive, as `Headers.get`); `null` when absent. */
  header: (name: string) => string | null;
}

/**
 * Reads every field the Worker can see into a policy request. Absent stays absent, and so does a
 * value of the wrong type or an empty object (`ja4Signals: {}`): the Worker must never fail on
 * what Cloudflare sends. Risk Intelligence is not here; the Worker retrieves it only when needed.
 */
export function readWorkerRequest(incoming: WorkerIncoming): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const row of POLICY_FIELD_TABLE) {
    const value = readSource(row.worker, incoming);
    if (value === undefined || value === null) continue;
    if (row.stage === "edge") {
      if (valueTypeOf(row).test(value)) request[row.name] = value;
      continue;
    }
    const known = typedLeaves(row.tree, value);
    if (known !== undefined) request[row.name] = known;
  }
  return request;
}

function readSource(source: WorkerSource, incoming: WorkerIncoming): unknown {
  switch (source.from) {
    case "cf":
      return readPath(incoming.cf, source.path.split("."));
    case "header":
      return incoming.header(source.name) ?? undefined;
    case "url":
      return parseUrl(incoming.url)?.[source.part];
    case "method":
      return incoming.method;
    case "section":
    case "risk_intelligence_api":
      return undefined;
  }
}

function readPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

import { findPolicyField, POLICY_FIELD_TABLE } from "../fields/policy-field-table.js";
import type { PolicyRequest } from "../evaluate/request-fields.js";

/** A test request as Cloudflare hands it to the Worker: URL, method, headers and `request.cf`. */
export interface WorkerCaseRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  cf: Record<string, unknown>;
}

/**
 * The members of `request.cf` the Worker reads (top level), from the field table: a runner that
 * fills absent ones with placeholders (miniflare does) must clear these.
 */
export const CF_MEMBERS_READ: readonly string[] = [
  ...new Set(POLICY_FIELD_TABLE.flatMap((row) => (row.worker.from === "cf" ? [row.worker.path.split(".")[0]!] : []))),
];

/**
 * Places each field of a test request where Cloudflare puts it for a Worker (the inverse of the
 * Worker's reading, from the same table's `worker` sources): `request.cf` paths, headers, the
 * URL's host and path, the method. JA4 sections come with the JA4, and `risk` from the vendor, so
 * neither is placed. A real request always has a host, a path and a method: without them in the
 * case, `defaultHost`, `/` and GET are used.
 */
export function workerRequestForCase(request: PolicyRequest, defaultHost: string): WorkerCaseRequest {
  const cf: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  let host = defaultHost;
  let path = "/";
  let method = "GET";
  for (const [key, value] of Object.entries(request)) {
    const source = findPolicyField(key)?.worker;
    if (source === undefined || value === undefined || value === null) continue;
    switch (source.from) {
      case "cf":
        setPath(cf, source.path.split("."), value);
        break;
      case "header":
        headers[source.name] = String(value);
        break;
      case "url":
        if (source.part === "hostname") host = String(value);
        else if (source.part === "pathname") path = String(value);
        break;
      case "method":
        method = String(value);
        break;
      case "section":
      case "risk_intelligence_api":
        break;
    }
  }
  return { url: `https://${host}${path}`, method, headers, cf };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === null || typeof next !== "object") node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

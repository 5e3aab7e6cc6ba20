import { valueTypeOf } from "../fields/field-value-types.js";
import { childNode, findPolicyField, POLICY_FIELD_TABLE, workerFieldLeaves, type FieldBranch, type WorkerFieldRow } from "../fields/policy-field-table.js";
import { isManagedListName, listNameProblem, MANAGED_LISTS } from "../rules/cloudflare-lists.js";
import { listMembershipKey, type FieldValues } from "../rules/compile-evaluator.js";

/** A request in the policy language's own words (DESIGN.md "Test files"); omitted fields are absent. */
export type PolicyRequest = Record<string, unknown>;

/**
 * Turns a policy-level request into Rules-language field values, reading the policy field table.
 * JA4 sections are not fields of their own (Cloudflare derives them from the JA4), so a request
 * gives `ja4` instead; worker fields (`ja4_signals`, `risk`) are read along the table's tree into
 * their leaves. Every key is looked up in the table, so `__proto__` or `constructor` is an
 * unknown name like any other. Returns an error message for a request that cannot be represented.
 */
export function requestFields(request: PolicyRequest): { fields: FieldValues } | { error: string } {
  const fields: FieldValues = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (key === "headers" || key === "query" || key === "lists") {
      const error = key === "headers" ? readHeaders(value, fields) : key === "query" ? readQuery(value, fields) : readLists(value, fields);
      if (error !== undefined) return { error };
      continue;
    }
    const row = findPolicyField(key);
    if (row === undefined) return { error: `unknown request field '${key}'` };
    if (row.stage === "worker") {
      const error = readWorkerField(row, value, fields);
      if (error !== undefined) return { error };
      continue;
    }
    if (row.section !== undefined) return { error: `'${key}' is derived from the JA4; give the whole 'ja4' instead` };
    const expected = valueTypeOf(row);
    if (!expected.test(value)) return { error: `'${key}' must be ${expected.name}` };
    fields[row.rulesField] = value;
  }
  // A policy field given by name wins over what the headers say.
  for (const [header, field] of HEADER_FIELDS) {
    const values = (fields["http.request.headers"] as Record<string, string[]> | undefined)?.[header];
    if (fields[field] === undefined && values !== undefined) fields[field] = values.join(header === "cookie" ? "; " : ", ");
  }
  return { fields };
}

/**
 * The policy fields a request gives as one Rules-language field each (edge fields other than the
 * JA4 sections), with the test their value must pass: `requestFields` copies such a key's value
 * as it is, so a reader may put it straight where the field goes.
 */
export const PLAIN_REQUEST_FIELDS: ReadonlyMap<string, { rulesField: string; accepts: (value: unknown) => boolean }> = new Map(
  POLICY_FIELD_TABLE.flatMap((row) => (row.stage === "edge" && row.section === undefined && row.name !== "headers" && row.name !== "query" ? [[row.name, { rulesField: row.rulesField, accepts: valueTypeOf(row).test }] as const] : [])),
);

/**
 * Keys of a request beyond the policy fields, with their JSON Schema (the test schema's request
 * is generated from the policy field table and these): raw expressions read them. The schema's
 * `anyOf` stays on bare types, so the items of a header's list are checked by `requestFields`.
 */
export const REQUEST_EXTRAS: Readonly<Record<"headers" | "query" | "lists", { title: string; description: string; schema: Record<string, unknown> }>> = {
  headers: {
    title: "Headers",
    description:
      "Request headers, name → value or list of values, for raw expressions that read `http.request.headers[\"name\"]`, `.names` or `.values`. Names are matched lowercased; `user-agent`, `referer`, `cookie` and `x-forwarded-for` also give their fields unless the request names them.",
    schema: { type: "object", additionalProperties: { anyOf: [{ type: "string" }, { type: "array" }] } },
  },
  query: {
    title: "Query string",
    description: "The query string without `?` (e.g. `a=1&b=2`), for `http.request.uri.query` and `http.request.uri.args` (not decoded, as Cloudflare gives them).",
    schema: { type: "string" },
  },
  lists: {
    title: "List membership",
    description:
      "Whether the request is in each named list (custom or managed: `office_ips`, `cf.vpn`), for raw expressions that test `in $name`. Tests and `eval` cannot see a list's contents: a list not named here counts as not containing the request, and a decision that depends on it is reported.",
    schema: { type: "object", additionalProperties: { type: "boolean" } },
  },
};

/** Fields Cloudflare fills from one header. */
const HEADER_FIELDS: ReadonlyArray<[string, string]> = [
  ["user-agent", "http.user_agent"],
  ["referer", "http.referer"],
  ["cookie", "http.cookie"],
  ["x-forwarded-for", "http.x_forwarded_for"],
];

/** `headers`: the header map (lowercased names), and the names and values in the order given. */
function readHeaders(value: unknown, fields: FieldValues): string | undefined {
  if (!isPlainObject(value)) return "'headers' must be an object of header names";
  const map: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const names: string[] = [];
  const values: string[] = [];
  for (const [name, given] of Object.entries(value)) {
    const list = typeof given === "string" ? [given] : given;
    if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) return `'headers.${name}' must be a string or a list of strings`;
    const lower = name.toLowerCase();
    map[lower] = [...(map[lower] ?? []), ...list];
    for (const item of list) {
      names.push(name);
      values.push(item);
    }
  }
  fields["http.request.headers"] = { ...map };
  fields["http.request.headers.names"] = names;
  fields["http.request.headers.values"] = values;
  return undefined;
}

/** `lists`: the request's stated membership of each named list (see `listMembershipKey`). */
function readLists(value: unknown, fields: FieldValues): string | undefined {
  if (!isPlainObject(value)) return "'lists' must be an object of list names";
  for (const [name, member] of Object.entries(value)) {
    if (typeof member !== "boolean") return `'lists.${name}' must be true or false`;
    const known = isManagedListName(name) ? MANAGED_LISTS.has(name) : listNameProblem(name) === undefined;
    if (!known) return `'lists.${name}' names no list Cloudflare can have (write the name without '$')`;
    fields[listMembershipKey(name)] = member;
  }
  return undefined;
}

/** `query`: the query string and its arguments, split on `&` and the first `=`, not decoded. */
function readQuery(value: unknown, fields: FieldValues): string | undefined {
  if (typeof value !== "string") return "'query' must be a string";
  if (value.startsWith("?")) return "'query' is the query string without its '?'";
  const args: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const names: string[] = [];
  const values: string[] = [];
  for (const pair of value === "" ? [] : value.split("&")) {
    const equals = pair.indexOf("=");
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const argument = equals === -1 ? "" : pair.slice(equals + 1);
    args[name] = [...(args[name] ?? []), argument];
    names.push(name);
    values.push(argument);
  }
  fields["http.request.uri.query"] = value;
  fields["http.request.uri.args"] = { ...args };
  fields["http.request.uri.args.names"] = names;
  fields["http.request.uri.args.values"] = values;
  return undefined;
}

/**
 * Reads a worker field's object into its leaves. The walk follows the table's tree, never the
 * input's depth, so a deeply nested or cyclic-looking request cannot exhaust the stack.
 */
function readWorkerField(row: WorkerFieldRow, value: unknown, fields: FieldValues): string | undefined {
  const error = readBranch(row, row.tree, value, [row.name], fields);
  if (error !== undefined) return error;
  // A leaf with an alias (the AS number as `number` and as `asn`) is present when either is.
  for (const { path, rulesField, leaf } of workerFieldLeaves(row)) {
    if (leaf.alias === undefined || fields[rulesField] !== undefined) continue;
    const sibling = [row.rulesPrefix, ...path.slice(0, -1), leaf.alias].join(".");
    if (fields[sibling] !== undefined) fields[rulesField] = fields[sibling];
  }
  return undefined;
}

function readBranch(row: WorkerFieldRow, node: FieldBranch, value: unknown, path: readonly string[], fields: FieldValues): string | undefined {
  if (!isPlainObject(value)) return `'${path.join(".")}' must be an object`;
  for (const [key, inner] of Object.entries(value)) {
    // The vendor sends `null` for a sub-object it has no data for: absent.
    if (inner === undefined || inner === null) continue;
    const child = childNode(node, key);
    const at = [...path, key];
    if (child === undefined) {
      if (row.request === "closed") return `unknown request field '${at.join(".")}'`;
      continue; // New vendor fields appear over time; no rule can name them, so they are ignored.
    }
    if (child.kind === "branch") {
      const error = readBranch(row, child, inner, at, fields);
      if (error !== undefined) return error;
      continue;
    }
    const expected = valueTypeOf(child);
    if (!expected.test(inner)) return `'${at.join(".")}' must be ${expected.name}`;
    // Cloudflare drops NaN and Infinity from the JA4 Signals: such a key is absent.
    if (typeof inner === "number" && !Number.isFinite(inner)) continue;
    fields[[row.rulesPrefix, ...at.slice(1)].join(".")] = inner;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

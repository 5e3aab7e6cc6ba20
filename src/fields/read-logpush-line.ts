/**
 * How a replay reads one Logpush `http_requests` line (PLATFORM.md §8) into the request shape
 * tests use, from the policy field table's Logpush sources.
 */
import { typedLeaves, valueTypeOf } from "./field-value-types.js";
import { POLICY_FIELD_TABLE, type LogpushSource } from "./policy-field-table.js";

/** A request read from a log line, and the policy fields no log line can tell (a rule using one is undecidable). */
export interface LogpushRequest {
  request: Record<string, unknown>;
  unknown: string[];
}

/** Reads the policy fields a Logpush line carries; values of the wrong type stay absent. */
export function readLogpushLine(line: Record<string, unknown>): LogpushRequest {
  const request: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const row of POLICY_FIELD_TABLE) {
    if (row.logpush === undefined) {
      // JA4 sections are cut from the JA4 the line carries; they are known whenever it is.
      if (!(row.stage === "edge" && row.worker.from === "section")) unknown.push(row.name);
      continue;
    }
    const value = readLogValue(row.logpush, line);
    if (value === undefined) continue;
    if (row.stage === "edge") {
      if (valueTypeOf(row).test(value)) request[row.name] = value;
      continue;
    }
    const leaves = typedLeaves(row.tree, value);
    if (leaves !== undefined) request[row.name] = leaves;
  }
  return { request, unknown };
}

/** Reads one Logpush field of a line as its `read` rule says (PLATFORM.md §8); `undefined` when absent or unreadable. */
export function readLogValue(source: LogpushSource, line: Record<string, unknown>): unknown {
  if (!Object.hasOwn(line, source.field)) return undefined;
  const value = line[source.field];
  switch (source.read) {
    case "as_is":
      return value ?? undefined;
    case "uppercase":
      return typeof value === "string" ? value.toUpperCase() : undefined;
    case "passed_failed_missing":
      return value === "passed" ? true : value === "failed" ? false : undefined;
  }
}

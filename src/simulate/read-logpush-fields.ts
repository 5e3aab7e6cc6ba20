/**
 * A Logpush line straight to Rules-language field values, and what the line cannot tell
 * (DESIGN.md "Replay semantics"). It means exactly `requestFields(readLogpushLine(line).request)`
 * (a test proves it on generated lines); it exists because a replay reads millions of lines, and
 * that route builds and re-checks an intermediate request per line. Both read the policy field
 * table; this one compiles its Logpush rows into one reader, once.
 */
import { valueTypeOf } from "../fields/field-value-types.js";
import { findPolicyFieldByRulesField, POLICY_FIELD_TABLE, workerFieldLeaves } from "../fields/policy-field-table.js";
import { readLogValue } from "../fields/read-logpush-line.js";
import type { FieldValues } from "../rules/compile-evaluator.js";

/**
 * What a line tells about the fields a rule reads. For a Logpush line, a bit per Logpush field of
 * the table (set when the line carries that field); for a test-shaped request, `REQUEST_SHAPE`:
 * every field is known, an omitted one is absent.
 */
export type Knowledge = number;

/** The knowledge of a request in the test-request shape: nothing is unknown. */
export const REQUEST_SHAPE: Knowledge = -1;

/** The Logpush fields the table reads; a field's index is its bit in a `Knowledge`. */
const LOGPUSH_FIELDS: readonly string[] = [...new Set(POLICY_FIELD_TABLE.flatMap((row) => (row.logpush ? [row.logpush.field] : [])))];

type Read = (line: Record<string, unknown>, fields: FieldValues) => void;

/** One reader per table row with a Logpush field: an edge field's value, or each leaf of a worker field's object. */
const READERS: readonly Read[] = POLICY_FIELD_TABLE.flatMap((row): Read[] => {
  const source = row.logpush;
  if (source === undefined) return [];
  if (row.stage === "edge") {
    const type = valueTypeOf(row);
    return [
      (line, fields) => {
        const value = readLogValue(source, line);
        if (value !== undefined && value !== null && type.test(value)) fields[row.rulesField] = value;
      },
    ];
  }
  const leaves = workerFieldLeaves(row).map(({ path, rulesField, leaf }) => ({
    // A leaf with an alias (the AS number as `number` and as `asn`) takes its sibling's value when it has none.
    paths: leaf.alias === undefined ? [path] : [path, [...path.slice(0, -1), leaf.alias]],
    rulesField,
    type: valueTypeOf(leaf),
  }));
  return [
    (line, fields) => {
      const root = readLogValue(source, line);
      if (!isObject(root)) return;
      for (const { paths, rulesField, type } of leaves) {
        for (const path of paths) {
          const value = leafAt(root, path);
          if (value !== undefined && type.test(value) && (typeof value !== "number" || Number.isFinite(value))) {
            fields[rulesField] = value;
            break;
          }
        }
      }
    },
  ];
});

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function leafAt(root: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Reads a Logpush line's field values and which Logpush fields it carries. */
export function readLogpushFields(line: Record<string, unknown>): { fields: FieldValues; knowledge: Knowledge } {
  const fields: FieldValues = {};
  for (const read of READERS) read(line, fields);
  let knowledge = 0;
  for (let bit = 0; bit < LOGPUSH_FIELDS.length; bit += 1) if (Object.hasOwn(line, LOGPUSH_FIELDS[bit]!)) knowledge |= 1 << bit;
  return { fields, knowledge };
}

/**
 * Which Rules-language fields a line of this knowledge leaves unknown: a field no log carries
 * (`verified_bot`, `static_resource`, `corporate_proxy`, `risk`, and anything that is not a
 * policy field, such as a header a raw expression reads), and a field whose Logpush field this
 * line lacks (a job logs only the fields it lists: a field it did not list is not absent, it is
 * not known). A test-shaped request leaves nothing unknown.
 */
export function unknownFields(knowledge: Knowledge): (rulesField: string) => boolean {
  if (knowledge === REQUEST_SHAPE) return () => false;
  return (rulesField) => {
    const source = findPolicyFieldByRulesField(rulesField)?.logpush;
    if (source === undefined) return true;
    return (knowledge & (1 << LOGPUSH_FIELDS.indexOf(source.field))) === 0;
  };
}

import { childNode, type EdgeFieldRow, type FieldBranch, type FieldLeaf } from "./policy-field-table.js";

/** A test of a request value's JSON type, with the words an error message uses for it. */
export interface ValueTypeTest {
  name: string;
  test: (value: unknown) => boolean;
}

const IS_STRING: ValueTypeTest = { name: "a string", test: (v) => typeof v === "string" };
const IS_INTEGER: ValueTypeTest = { name: "an integer", test: (v) => Number.isSafeInteger(v) };
const IS_BOOLEAN: ValueTypeTest = { name: "true or false", test: (v) => typeof v === "boolean" };

const EDGE_VALUE_TYPES: Readonly<Record<EdgeFieldRow["type"], ValueTypeTest>> = {
  String: IS_STRING,
  Ip: IS_STRING,
  Int: IS_INTEGER,
  Bool: IS_BOOLEAN,
  "Array<Int>": { name: "a list of integers", test: (v) => Array.isArray(v) && v.every((item) => Number.isSafeInteger(item)) },
};

const LEAF_VALUE_TYPES: Readonly<Record<FieldLeaf["type"], ValueTypeTest>> = {
  String: IS_STRING,
  Int: IS_INTEGER,
  Bool: IS_BOOLEAN,
  Float: { name: "a number", test: (v) => typeof v === "number" },
};

/** The JSON type a request gives for an edge field or a worker field's leaf. */
export function valueTypeOf(field: EdgeFieldRow | FieldLeaf): ValueTypeTest {
  return "stage" in field ? EDGE_VALUE_TYPES[field.type] : LEAF_VALUE_TYPES[field.type];
}

/**
 * The known leaves of a worker field's object that have the table's types, non-finite numbers
 * dropped (Cloudflare drops them too); `undefined` when none is left. Input from outside (Cloudflare,
 * logs) is filtered rather than refused: an unexpected value is simply absent.
 */
export function typedLeaves(node: FieldBranch, value: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const child = childNode(node, key);
    if (child === undefined) continue;
    const read = child.kind === "branch" ? typedLeaves(child, inner) : valueTypeOf(child).test(inner) && (typeof inner !== "number" || Number.isFinite(inner)) ? inner : undefined;
    if (read !== undefined) kept[key] = read;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

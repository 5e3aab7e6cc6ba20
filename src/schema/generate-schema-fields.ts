/**
 * Generates the field sections of the JSON Schemas from the policy field table. The rest of each
 * schema is written by hand: generation takes the committed schema, replaces only its generated
 * parts and keeps everything else (and its key order), so the output is deterministic and a test
 * can prove the committed files are current.
 */
import {
  POLICY_FIELD_NAMES,
  POLICY_FIELD_TABLE,
  type FieldBranch,
  type FieldDocs,
  type FieldLeaf,
  type FieldNode,
  type PolicyFieldRow,
  type ValueKind,
} from "../fields/policy-field-table.js";
import { REQUEST_EXTRAS } from "../evaluate/request-fields.js";
import { WHEN_COMBINATORS } from "./policy-fields.js";

/** A JSON Schema node, as plain data. */
export type SchemaNode = { [key: string]: unknown };

/** Marks a generated `$defs` entry, so a later run can replace or remove it. */
export const GENERATED_COMMENT = "Generated from src/fields/policy-field-table.ts by `npm run generate:schema`; do not edit.";

const WHEN_COMMENT = `Properties other than ${WHEN_COMBINATORS.join("/")} are generated from src/fields/policy-field-table.ts by \`npm run generate:schema\`.`;

const REQUEST_COMMENT = "Its properties are generated from src/fields/policy-field-table.ts and REQUEST_EXTRAS (src/evaluate/request-fields.ts) by `npm run generate:schema`.";

/** The predicate definition that checks a value of each kind in a `when` condition. */
const PREDICATE_DEFS: Readonly<Record<ValueKind, string>> = {
  bot_score: "botScorePredicate",
  bool: "boolPredicate",
  detection_ids: "detectionIds",
  ip: "ipPredicate",
  asn: "intPredicate",
  int: "intPredicate",
  float: "numberPredicate",
  string: "stringPredicate",
  ja3: "stringPredicate",
  ja4: "stringPredicate",
  ja4_section: "stringPredicate",
  country: "stringPredicate",
};

/** The JSON type a request gives for each leaf type. */
const LEAF_JSON_TYPES: Readonly<Record<FieldLeaf["type"], string>> = { String: "string", Int: "integer", Bool: "boolean", Float: "number" };

/** Serialises a schema the way the committed files are written. */
export function renderSchema(schema: SchemaNode): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Returns the policy schema with its field sections (field names, `when` fields, worker field definitions) regenerated. */
export function generatePolicySchema(current: SchemaNode): SchemaNode {
  const schema = structuredClone(current);
  const defs = objectAt(schema, "$defs");
  const generated = new Map<string, SchemaNode>();
  const fieldName = objectAt(defs, "fieldName");
  fieldName.enum = [...POLICY_FIELD_NAMES];

  const when = objectAt(defs, "when");
  const properties: SchemaNode = {};
  for (const row of POLICY_FIELD_TABLE) properties[row.name] = whenProperty(row, generated);
  // The combinators are written by hand, after the fields.
  const written = objectAt(when, "properties");
  for (const key of WHEN_COMBINATORS) if (Object.hasOwn(written, key)) properties[key] = written[key];
  when.properties = properties;
  when.$comment = WHEN_COMMENT;

  replaceGeneratedDefs(defs, generated);
  return schema;
}

/** Returns the policy test schema with the request's fields regenerated. */
export function generateTestSchema(current: SchemaNode): SchemaNode {
  const schema = structuredClone(current);
  const request = objectAt(objectAt(schema, "$defs"), "request");
  const properties: SchemaNode = {};
  for (const row of POLICY_FIELD_TABLE) properties[row.name] = requestProperty(row);
  for (const [name, extra] of Object.entries(REQUEST_EXTRAS)) properties[name] = { title: extra.title, description: extra.description, ...extra.schema };
  request.properties = properties;
  request.$comment = REQUEST_COMMENT;
  return schema;
}

function whenProperty(row: PolicyFieldRow, generated: Map<string, SchemaNode>): SchemaNode {
  const docs = { title: row.title, description: joinNote(row.description, row.whenNote) };
  if (row.stage === "edge") return { $ref: predicateRef(row.valueKind), ...docs };
  const def = row.tree.schemaDef;
  generated.set(def.name, branchSchema(row.tree, def, generated));
  return { $ref: defRef(def.name), ...docs };
}

/** An object of conditions: its children are ANDed, unknown keys are refused, at least one is needed. */
function branchSchema(node: FieldBranch, docs: { title: string; description: string }, generated: Map<string, SchemaNode>): SchemaNode {
  const properties: SchemaNode = {};
  for (const [key, child] of Object.entries(node.children)) properties[key] = childSchema(child, generated);
  return { title: docs.title, description: docs.description, type: "object", properties, additionalProperties: false, minProperties: 1 };
}

function childSchema(node: FieldNode, generated: Map<string, SchemaNode>): SchemaNode {
  const docs = { title: node.title, description: node.description };
  if (node.kind === "leaf") return { $ref: predicateRef(node.valueKind), ...docs };
  if (node.schemaDef === undefined) return branchSchema(node, docs, generated);
  generated.set(node.schemaDef.name, branchSchema(node, node.schemaDef, generated));
  return { $ref: defRef(node.schemaDef.name), ...docs };
}

/** Puts generated definitions in place (keeping their position), adds new ones, drops stale ones. */
function replaceGeneratedDefs(defs: SchemaNode, generated: ReadonlyMap<string, SchemaNode>): void {
  for (const [name, def] of Object.entries(defs)) {
    const fresh = generated.get(name);
    if (fresh !== undefined) defs[name] = { ...fresh, $comment: GENERATED_COMMENT };
    else if (isObject(def) && def.$comment === GENERATED_COMMENT) delete defs[name];
  }
  for (const [name, def] of generated) if (!Object.hasOwn(defs, name)) defs[name] = { ...def, $comment: GENERATED_COMMENT };
}

function requestProperty(row: PolicyFieldRow): SchemaNode {
  const docs = { title: row.title, description: joinNote(row.description, row.requestNote) };
  if (row.stage === "worker") {
    if (row.request === "open") return { ...docs, type: "object" };
    return { ...docs, ...requestBranch(row.tree) };
  }
  switch (row.type) {
    case "Int":
      return { ...docs, type: "integer" };
    case "Bool":
      return { ...docs, type: "boolean" };
    case "Array<Int>":
      return { ...docs, type: "array", items: { type: "integer" } };
    case "String":
    case "Ip":
      return { ...docs, type: "string" };
  }
}

/** A request's value for a closed branch: only the known keys, each optional. */
function requestBranch(node: FieldBranch): SchemaNode {
  const properties: SchemaNode = {};
  for (const [key, child] of Object.entries(node.children)) {
    const docs = { title: child.title, description: child.description };
    properties[key] = child.kind === "leaf" ? { ...docs, type: LEAF_JSON_TYPES[child.type] } : { ...docs, ...requestBranch(child) };
  }
  return { type: "object", properties, additionalProperties: false };
}

function joinNote(description: string, note: FieldDocs["whenNote"]): string {
  return note === undefined ? description : `${description} ${note}`;
}

function predicateRef(kind: ValueKind): string {
  return defRef(PREDICATE_DEFS[kind]);
}

function defRef(name: string): string {
  return `#/$defs/${name}`;
}

function objectAt(node: SchemaNode, key: string): SchemaNode {
  const value = node[key];
  if (!isObject(value)) throw new Error(`bot-policy: the schema has no object at '${key}'.`);
  return value;
}

function isObject(value: unknown): value is SchemaNode {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

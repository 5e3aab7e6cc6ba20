import type { ErrorObject } from "ajv";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { locate, type ValuePath, type YamlSource } from "../load/parse-yaml.js";

/** Patterns of the schema, described for people. */
const PATTERN_RULES: Record<string, string> = {
  "^[a-z0-9][a-z0-9-]*$": "use lowercase letters, digits and '-', starting with a letter or digit",
  "^\\$[a-z0-9][a-z0-9-]*$": "a set reference is '$' followed by the set's name",
};

/**
 * Translates ajv errors into the project's diagnostics, located in the YAML source. `anyOf`
 * alternatives are collapsed to the most specific error; summaries ajv adds are dropped.
 */
export function translateSchemaErrors(errors: readonly ErrorObject[], source: YamlSource, schema: object): Diagnostic[] {
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of selectErrors(errors)) {
    const diagnostic = translateError(error, source, schema);
    const key = `${diagnostic.code}|${diagnostic.line}|${diagnostic.column}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

type TypeUnion = ErrorObject & { mergedTypes?: string[] };

function selectErrors(errors: readonly ErrorObject[]): TypeUnion[] {
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  let kept: TypeUnion[] = errors.filter((e) => !["anyOf", "oneOf", "if", "propertyNames"].includes(e.keyword));
  // Deepest alternatives first, so an inner anyOf is settled before the one around it.
  for (const alt of [...alternatives].sort((a, b) => b.instancePath.length - a.instancePath.length)) {
    const at = alt.instancePath;
    const within = kept.filter((e) => isWithin(e.instancePath, at));
    const shallowTypes = within.filter((e) => e.keyword === "type" && e.instancePath === at);
    const specific = within.filter((e) => !shallowTypes.includes(e));
    if (specific.length > 0) {
      kept = kept.filter((e) => !shallowTypes.includes(e));
    } else if (shallowTypes.length > 0) {
      const merged: TypeUnion = { ...shallowTypes[0]!, mergedTypes: shallowTypes.map((e) => String(e.params.type)) };
      kept = kept.filter((e) => !shallowTypes.includes(e)).concat(merged);
    }
  }
  return kept;
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function translateError(error: TypeUnion, source: YamlSource, schema: object): Diagnostic {
  const path = parsePointer(error.instancePath);
  const where = describePath(source.value, path);
  const params = error.params as Record<string, unknown>;
  const value = valueAt(source.value, path);
  switch (error.keyword) {
    case "additionalProperties":
    case "unevaluatedProperties": {
      const field = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? propertiesOf(schema, error.schemaPath));
      const diagnostic = makeDiagnostic("BP201", locate(source, [...path, field], "key"), field, describePath(source.value, path, "in"));
      return withHint(diagnostic, didYouMean(field, known) ?? (known.length > 0 && known.length <= 16 ? `allowed here: ${quoteList(known)}.` : undefined));
    }
    case "false schema": {
      // The schema forbids a field here; for a rule that is 'expression' beside 'when'.
      const field = String(path[path.length - 1]);
      const owner = path.slice(0, -1);
      if (field === "expression" && owner[0] === "rules") {
        const id = String(valueAt(source.value, [...owner, "id"]) ?? `#${Number(owner[1]) + 1}`);
        return makeDiagnostic("BP320", locate(source, path, "key"), id);
      }
      return makeDiagnostic("BP201", locate(source, path, "key"), field, describePath(source.value, owner, "in"));
    }
    case "required":
      return makeDiagnostic("BP204", locate(source, path, "key"), String(params.missingProperty), describePath(source.value, path, "in"));
    case "type": {
      const types = error.mergedTypes ?? [String(params.type)];
      return makeDiagnostic("BP202", locate(source, path), where, describeTypes(types));
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const diagnostic = makeDiagnostic("BP203", locate(source, path), where, String(value), quoteList(allowed));
      return withHint(diagnostic, didYouMean(String(value), allowed));
    }
    case "const":
      if (path.length === 1 && path[0] === "version") return makeDiagnostic("BP207", locate(source, path), String(value));
      return makeDiagnostic("BP203", locate(source, path), where, String(value), quoteList([String(params.allowedValue)]));
    case "pattern": {
      const propertyName = (error as { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        return makeDiagnostic("BP205", locate(source, [...path, propertyName], "key"), `Name '${propertyName}' in ${describePath(source.value, path)}`, propertyName, describePattern(String(params.pattern)));
      }
      return makeDiagnostic("BP205", locate(source, path), where, String(value), describePattern(String(params.pattern)));
    }
    case "format":
      if (params.format === "date") return makeDiagnostic("BP209", locate(source, path), where, String(value));
      return makeDiagnostic("BP205", locate(source, path), where, String(value), `expected a ${String(params.format)}`);
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return makeDiagnostic("BP206", locate(source, path), where, `${String(value)} must be ${String(params.comparison)} ${String(params.limit)}`);
    case "minItems":
      return makeDiagnostic("BP208", locate(source, path), where, `needs at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}`);
    case "maxItems":
      return makeDiagnostic("BP208", locate(source, path), where, `takes at most ${String(params.limit)} item${params.limit === 1 ? "" : "s"}`);
    case "minProperties":
      return makeDiagnostic("BP208", locate(source, path), where, `needs at least ${String(params.limit)} entr${params.limit === 1 ? "y" : "ies"}`);
    case "maxProperties":
      return makeDiagnostic("BP208", locate(source, path), where, `takes at most ${String(params.limit)} entr${params.limit === 1 ? "y" : "ies"}`);
    case "minLength":
      return makeDiagnostic("BP208", locate(source, path), where, `needs at least ${String(params.limit)} character${params.limit === 1 ? "" : "s"}`);
    case "maxLength":
      return makeDiagnostic("BP208", locate(source, path), where, `takes at most ${String(params.limit)} characters`);
    case "uniqueItems":
      return makeDiagnostic("BP208", locate(source, path), where, `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`);
    default:
      return makeDiagnostic("BP210", locate(source, path), where, describeSchemaNode(schema, error.schemaPath));
  }
}

/** Splits a JSON pointer (ajv's instancePath) into segments; array indexes become numbers. */
export function parsePointer(pointer: string): Array<string | number> {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, path: ValuePath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/**
 * Names a place in a policy for people: `Rule 'block-bots'`, `'when.bot_score' of rule 'x'`,
 * `set 'office'`, `'origin_headers'`. With `preposition` "in", the form suits "Unknown field … in …".
 */
export function describePath(root: unknown, path: ValuePath, preposition?: "in"): string {
  if (path.length === 0) return preposition ? "the policy" : "The policy";
  const [head, index, ...rest] = path;
  let owner: string | undefined;
  let inner: ValuePath = path;
  if ((head === "rules" || head === "cases") && typeof index === "number") {
    const item = valueAt(root, [head, index]) as Record<string, unknown> | undefined;
    const name = head === "rules" ? item?.id : item?.name;
    const noun = head === "rules" ? "rule" : "test case";
    owner = typeof name === "string" ? `${noun} '${name}'` : `${noun} #${index + 1}`;
    inner = rest;
  } else if (head === "sets" && typeof index === "string") {
    owner = `set '${index}'`;
    inner = rest;
  }
  const dotted = formatPath(inner);
  if (owner === undefined) return preposition ? `'${dotted}'` : `'${dotted}'`;
  if (inner.length === 0) return preposition ? owner : capitalize(owner);
  return preposition ? `'${dotted}' of ${owner}` : `'${dotted}' of ${owner}`;
}

function formatPath(path: ValuePath): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(", ");
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a map",
  null: "empty",
};

function describeTypes(types: readonly string[]): string {
  const names = [...new Set(types.flatMap((t) => t.split(",")))].map((t) => TYPE_NAMES[t] ?? t);
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]!}`;
}

function describePattern(pattern: string): string {
  return PATTERN_RULES[pattern] ?? `expected to match /${pattern}/`;
}

function resolveSchemaPath(schema: object, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = schema;
  for (const segment of parsePointer(schemaPath.replace(/^#/, ""))) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node !== null && typeof node === "object" ? (node as Record<string, unknown>) : undefined;
}

// The keys a map allows: the `properties` beside the keyword that refused an unknown one.
function propertiesOf(schema: object, schemaPath: string): Record<string, unknown> {
  const parent = resolveSchemaPath(schema, schemaPath.replace(/\/[^/]+$/, ""));
  return (parent?.properties as Record<string, unknown> | undefined) ?? {};
}

function describeSchemaNode(schema: object, schemaPath: string): string {
  const parent = resolveSchemaPath(schema, schemaPath.replace(/\/[^/]+$/, ""));
  const title = parent?.title ?? parent?.description;
  return typeof title === "string" ? title.replace(/\.$/, "").toLowerCase() : "value";
}

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_FIELD_NAMES } from "../../src/fields/policy-field-table.js";
import {
  GENERATED_COMMENT,
  generatePolicySchema,
  generateTestSchema,
  renderSchema,
  type SchemaNode,
} from "../../src/schema/generate-schema-fields.js";
import { POLICY_SCHEMA_FILE, TEST_SCHEMA_FILE, findSchemaFile } from "../../src/schema/policy-validators.js";

const GENERATORS = [
  [POLICY_SCHEMA_FILE, generatePolicySchema],
  [TEST_SCHEMA_FILE, generateTestSchema],
] as const;

function committed(name: string): string {
  return readFileSync(findSchemaFile(name), "utf8");
}

describe.each(GENERATORS)("%s", (name, generate) => {
  it("is the schema generated from the policy field table, byte for byte", () => {
    const text = committed(name);
    const generated = renderSchema(generate(JSON.parse(text) as SchemaNode));
    expect(text === generated, `schema/${name} is out of date with src/fields/policy-field-table.ts: run 'npm run generate:schema' and commit the result`).toBe(true);
  });

  it("regenerates to the same bytes from its own output (generation is deterministic)", () => {
    const once = renderSchema(generate(JSON.parse(committed(name)) as SchemaNode));
    expect(renderSchema(generate(JSON.parse(once) as SchemaNode))).toBe(once);
  });
});

describe("policy schema generation", () => {
  const schema = JSON.parse(committed(POLICY_SCHEMA_FILE)) as { $defs: Record<string, SchemaNode> };

  it("restores generated parts that were edited or deleted, and keeps hand-written ones", () => {
    const edited = structuredClone(schema);
    delete edited.$defs.riskClient;
    (edited.$defs.fieldName as { enum: string[] }).enum = ["bot_score"];
    const when = edited.$defs.when as { properties: Record<string, unknown> };
    delete when.properties.country;
    when.properties.bogus = { $ref: "#/$defs/stringPredicate" };
    (edited.$defs.action as { description: string }).description = "hand-written";

    const regenerated = generatePolicySchema(edited) as { $defs: Record<string, SchemaNode> };
    expect(regenerated.$defs.riskClient).toEqual(schema.$defs.riskClient);
    expect(regenerated.$defs.fieldName).toEqual(schema.$defs.fieldName);
    expect(regenerated.$defs.when).toEqual(schema.$defs.when);
    expect(regenerated.$defs.action?.description).toBe("hand-written");
  });

  it("drops a generated definition the table no longer produces", () => {
    const edited = structuredClone(schema);
    edited.$defs.riskRemoved = { title: "t", description: "d", type: "object", $comment: GENERATED_COMMENT };
    const regenerated = generatePolicySchema(edited) as { $defs: Record<string, SchemaNode> };
    expect(Object.keys(regenerated.$defs)).toEqual(Object.keys(schema.$defs));
  });

  it("puts every table field, then the combinators, in `when`", () => {
    const when = schema.$defs.when as { properties: Record<string, unknown> };
    expect(Object.keys(when.properties)).toEqual([...POLICY_FIELD_NAMES, "any", "all", "not"]);
  });
});

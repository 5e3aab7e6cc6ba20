/**
 * `npm run generate:schema`: rewrites the field sections of `schema/*.schema.json` from the policy
 * field table, in place. Run it after changing `src/fields/policy-field-table.ts`; a test fails
 * while the committed schemas differ from the generated ones.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { generatePolicySchema, generateTestSchema, renderSchema, type SchemaNode } from "./generate-schema-fields.js";
import { POLICY_SCHEMA_FILE, TEST_SCHEMA_FILE, findSchemaFile } from "./policy-validators.js";

const changed: string[] = [];
for (const [name, generate] of [
  [POLICY_SCHEMA_FILE, generatePolicySchema],
  [TEST_SCHEMA_FILE, generateTestSchema],
] as const) {
  const file = findSchemaFile(name);
  const text = readFileSync(file, "utf8");
  const fresh = renderSchema(generate(JSON.parse(text) as SchemaNode));
  if (fresh === text) continue;
  writeFileSync(file, fresh);
  changed.push(name);
}
console.log(changed.length === 0 ? "schemas are current" : `regenerated ${changed.join(", ")}`);

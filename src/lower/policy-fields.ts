/**
 * The policy fields as lowering sees them: a view of the policy field table (src/fields), which
 * holds every fact about a field.
 */
import type { SetType } from "../model/raw-policy.js";
import { POLICY_FIELD_TABLE, type ValueKind } from "../fields/policy-field-table.js";

export type { ValueKind };

/** What lowering needs to know about one field (an edge field, or one leaf of a worker field). */
export interface PolicyField {
  /** The Rules-language field (for JA4 sections: the JA4 field they cut from). */
  rulesField: string;
  kind: ValueKind;
  /** For JA4 sections: the character range `[start, end)` of the section in a JA4. */
  section?: readonly [number, number];
  /** Set types whose items this field can use. */
  setTypes: readonly SetType[];
}

function edgeFields(): Readonly<Record<string, PolicyField>> {
  // A null prototype: `EDGE_FIELDS["__proto__"]` or `["constructor"]` is undefined, not an inherited member.
  const fields = Object.create(null) as Record<string, PolicyField>;
  for (const row of POLICY_FIELD_TABLE) {
    if (row.stage !== "edge") continue;
    fields[row.name] = { rulesField: row.rulesField, kind: row.valueKind, setTypes: row.setTypes, ...(row.section ? { section: row.section } : {}) };
  }
  return Object.freeze(fields);
}

/** The edge fields of the policy language, by policy field name. */
export const EDGE_FIELDS: Readonly<Record<string, PolicyField>> = edgeFields();

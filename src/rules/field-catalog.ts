import { POLICY_FIELD_TABLE, workerFieldLeaves, type FieldType, type PlanRequirement, type WorkerSource } from "../fields/policy-field-table.js";

export type { FieldType };
export { JA4_SIGNAL_KEYS } from "../fields/policy-field-table.js";

/** What a field needs, its type, and where it can be evaluated. */
export interface FieldInfo {
  type: FieldType;
  /** `enterprise_bot_management`: Enterprise plan with the Bot Management add-on. */
  requires: PlanRequirement;
  /** `edge`: in Cloudflare's Rules language; `worker`: only the bot-policy Worker can read it. */
  stage: "edge" | "worker";
}

/** A Rules-language field that backs no policy field, and where the Worker finds it. */
export interface RulesOnlyField {
  name: string;
  type: FieldType;
  requires: PlanRequirement;
  worker: WorkerSource;
}

/**
 * Rules-language fields that back no policy field: users may still name them in `expression:`
 * (the Worker re-checks such edge skips, so it reads them too). Every field behind a policy field
 * comes from the policy field table.
 */
export const RULES_ONLY_FIELDS: readonly RulesOnlyField[] = [
  { name: "http.request.uri.query", type: "String", requires: "all", worker: { from: "url", part: "query" } },
  { name: "http.request.full_uri", type: "String", requires: "all", worker: { from: "url", part: "href" } },
  { name: "http.cookie", type: "String", requires: "all", worker: { from: "header", name: "cookie" } },
  { name: "http.referer", type: "String", requires: "all", worker: { from: "header", name: "referer" } },
];

function buildCatalog(): ReadonlyMap<string, FieldInfo> {
  const catalog = new Map<string, FieldInfo>();
  for (const row of POLICY_FIELD_TABLE) {
    if (row.stage === "edge") {
      // The JA4 sections share the JA4's field; the first row names it.
      if (!catalog.has(row.rulesField)) catalog.set(row.rulesField, { type: row.type, requires: row.requires, stage: "edge" });
      continue;
    }
    for (const { rulesField, leaf } of workerFieldLeaves(row)) catalog.set(rulesField, { type: leaf.type, requires: row.requires, stage: "worker" });
  }
  for (const { name, type, requires } of RULES_ONLY_FIELDS) catalog.set(name, { type, requires, stage: "edge" });
  return catalog;
}

/** Every field bot-policy knows, keyed by its Rules-language name. */
export const FIELD_CATALOG: ReadonlyMap<string, FieldInfo> = buildCatalog();

/** All known field names, in catalog order (for did-you-mean suggestions). */
export const FIELD_NAMES: readonly string[] = [...FIELD_CATALOG.keys()];

/** Looks a field up by its Rules-language name; `undefined` when bot-policy does not know it. */
export function lookupField(name: string): FieldInfo | undefined {
  return FIELD_CATALOG.get(name);
}

import { POLICY_FIELD_TABLE, workerFieldLeaves, type WorkerSource } from "../fields/policy-field-table.js";
import { CLOUDFLARE_FIELDS, type CloudflarePlan } from "./cloudflare-fields.js";

export { JA4_SIGNAL_KEYS } from "../fields/policy-field-table.js";

/**
 * The type of a Rules-language field: a scalar (`String`, `Int`, `Bool`, `Ip`, `Bytes`, and the
 * worker-only `Float`) or a container of them (`Array<String>`, `Map<Array<String>>`, …).
 */
export type FieldType = string;

/** What a field needs, its type, and where it can be evaluated. */
export interface FieldInfo {
  type: FieldType;
  /** `enterprise_bot_management`: Enterprise plan with the Bot Management add-on. */
  requires: CloudflarePlan;
  /** `edge`: in Cloudflare's Rules language; `worker`: only the bot-policy Worker can read it. */
  stage: "edge" | "worker";
  /** Only Transform Rules can read it (Cloudflare refuses it in a custom rule). */
  transformOnly?: true;
  /** A deprecated alias still accepted (with a warning), or a field that no longer means anything. */
  deprecated?: { replacedBy: string } | { retired: string };
  /** The bot-policy Worker reads it (src/worker/read-request.ts); any other field is absent there. */
  inWorker?: true;
}

/** A Rules-language field that backs no policy field, and where the Worker finds it. */
export interface RulesOnlyField {
  name: string;
  type: FieldType;
  requires: CloudflarePlan;
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

/**
 * The policy field table's fields first (they drive the bot fields and the Worker's), then every
 * request-phase field of Cloudflare's catalogue that the table does not have.
 */
function buildCatalog(): ReadonlyMap<string, FieldInfo> {
  const catalog = new Map<string, FieldInfo>();
  for (const row of POLICY_FIELD_TABLE) {
    if (row.stage === "edge") {
      // The JA4 sections share the JA4's field; the first row names it.
      if (!catalog.has(row.rulesField)) catalog.set(row.rulesField, { type: row.type, requires: row.requires, stage: "edge", inWorker: true });
      continue;
    }
    for (const { rulesField, leaf } of workerFieldLeaves(row)) catalog.set(rulesField, { type: leaf.type, requires: row.requires, stage: "worker", inWorker: true });
  }
  for (const [name, type, requires, flag] of CLOUDFLARE_FIELDS) {
    if (catalog.has(name)) continue;
    const info: FieldInfo = { type, requires, stage: "edge" };
    if (flag === "transform") info.transformOnly = true;
    else if (flag !== undefined) info.deprecated = flag;
    if (RULES_ONLY_FIELDS.some((field) => field.name === name)) info.inWorker = true;
    catalog.set(name, info);
  }
  return catalog;
}

/** Every field bot-policy knows, keyed by its Rules-language name. */
export const FIELD_CATALOG: ReadonlyMap<string, FieldInfo> = buildCatalog();

/** Current field names, in catalog order (for did-you-mean suggestions; deprecated aliases left out). */
export const FIELD_NAMES: readonly string[] = [...FIELD_CATALOG].filter(([, info]) => info.deprecated === undefined).map(([name]) => name);

/** Looks a field up by its Rules-language name; `undefined` when bot-policy does not know it. */
export function lookupField(name: string): FieldInfo | undefined {
  return FIELD_CATALOG.get(name);
}

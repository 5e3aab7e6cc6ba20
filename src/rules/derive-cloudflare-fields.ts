import type { CloudflareFieldFlag, CloudflareFieldRow, CloudflarePlan } from "./cloudflare-fields.js";

/** One entry of Cloudflare's field catalogue (`src/content/fields/index.yaml`), as far as it matters here. */
export interface CloudflareFieldEntry {
  name: string;
  data_type: string;
  categories?: readonly string[];
  plan_info_label?: string;
  description?: string;
}

const SCALARS: Readonly<Record<string, string>> = {
  String: "String",
  Integer: "Int",
  Number: "Int",
  Boolean: "Bool",
  "IP address": "Ip",
  Bytes: "Bytes",
};

const PLANS: Readonly<Record<string, CloudflarePlan>> = {
  "Pro or above": "pro",
  "Business or above": "business",
  Enterprise: "enterprise",
  "Enterprise add-on": "enterprise_add_on",
};

/** The catalogue's sentence for a deprecated alias: "… same value as the `ip.geoip.asnum` field, which is deprecated." */
const DEPRECATED_ALIAS = /same value as the `([a-z0-9_.]+)` field, which is deprecated/;
/** The catalogue's sentences for fields only Transform Rules can read. */
const TRANSFORM_ONLY = /only available in (rewrite expressions of )?\[Transform Rules\]/;
/** The catalogue's sentence for `cf.threat_score`, which still exists but no longer says anything. */
const RETIRED = /is always `0`/;

/**
 * Derives the rows of `CLOUDFLARE_FIELDS` from the catalogue's entries: response-phase entries
 * are left out, types are renamed (`Number` → `Int`, `IP address` → `Ip`, inside `Array<…>` and
 * `Map<…>` too), plan labels become plans (an add-on in the Bots category is Bot Management),
 * and a deprecated alias named in an entry's description becomes a row of its own after it.
 */
export function deriveCloudflareFields(entries: readonly CloudflareFieldEntry[]): CloudflareFieldRow[] {
  const rows: CloudflareFieldRow[] = [];
  for (const entry of entries) {
    const categories = entry.categories ?? [];
    if (categories.includes("Response")) continue;
    const type = deriveType(entry.data_type);
    const label = entry.plan_info_label;
    let plan: CloudflarePlan = label === undefined ? "all" : (PLANS[label] ?? "enterprise");
    if (plan === "enterprise_add_on" && categories.includes("Bots")) plan = "enterprise_bot_management";
    const description = entry.description ?? "";
    const flag: CloudflareFieldFlag | undefined = TRANSFORM_ONLY.test(description)
      ? "transform"
      : RETIRED.test(description)
        ? { retired: "Cloudflare now sets it to 0 for every request" }
        : undefined;
    rows.push(flag === undefined ? [entry.name, type, plan] : [entry.name, type, plan, flag]);
    const alias = DEPRECATED_ALIAS.exec(description)?.[1];
    if (alias !== undefined) rows.push([alias, type, plan, { replacedBy: entry.name }]);
  }
  return rows;
}

function deriveType(dataType: string): string {
  const container = /^(Array|Map)<(.+)>$/.exec(dataType.trim());
  if (container !== null) return `${container[1]}<${deriveType(container[2] as string)}>`;
  const scalar = SCALARS[dataType.trim()];
  if (scalar === undefined) throw new Error(`Unknown data type '${dataType}' in Cloudflare's field catalogue.`);
  return scalar;
}

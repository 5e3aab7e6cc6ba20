/** The type of a field's value in the Rules language (plus the worker-only Float). */
export type FieldType = "String" | "Int" | "Bool" | "Ip" | "Float" | "Array<Int>";

/** What a field needs, its type, and where it can be evaluated. */
export interface FieldInfo {
  type: FieldType;
  /** `enterprise_bot_management`: Enterprise plan with the Bot Management add-on. */
  requires: "all" | "enterprise_bot_management";
  /** `edge`: in Cloudflare's Rules language; `worker`: only the bot-policy Worker can read it. */
  stage: "edge" | "worker";
}

const EDGE_FIELDS: ReadonlyArray<[string, FieldType, FieldInfo["requires"]]> = [
  ["cf.bot_management.score", "Int", "enterprise_bot_management"],
  ["cf.bot_management.verified_bot", "Bool", "enterprise_bot_management"],
  ["cf.verified_bot_category", "String", "all"],
  ["cf.bot_management.static_resource", "Bool", "enterprise_bot_management"],
  ["cf.bot_management.corporate_proxy", "Bool", "enterprise_bot_management"],
  ["cf.bot_management.js_detection.passed", "Bool", "enterprise_bot_management"],
  ["cf.bot_management.detection_ids", "Array<Int>", "enterprise_bot_management"],
  ["cf.bot_management.ja3_hash", "String", "enterprise_bot_management"],
  ["cf.bot_management.ja4", "String", "enterprise_bot_management"],
  ["http.host", "String", "all"],
  ["http.request.uri.path", "String", "all"],
  ["http.request.uri.query", "String", "all"],
  ["http.request.full_uri", "String", "all"],
  ["http.request.method", "String", "all"],
  ["http.user_agent", "String", "all"],
  ["http.cookie", "String", "all"],
  ["http.referer", "String", "all"],
  ["ip.src", "Ip", "all"],
  ["ip.src.asnum", "Int", "all"],
  ["ip.src.country", "String", "all"],
];

/** The JA4 Signals keys (seed 000); the Worker reads them from `request.cf.botManagement.ja4Signals`. */
export const JA4_SIGNAL_KEYS: readonly string[] = [
  "h2h3_ratio_1h",
  "heuristic_ratio_1h",
  "reqs_quantile_1h",
  "uas_rank_1h",
  "browser_ratio_1h",
  "paths_rank_1h",
  "reqs_rank_1h",
  "cache_ratio_1h",
  "ips_rank_1h",
  "ips_quantile_1h",
];

/** Risk Intelligence paths (seed 003) under `risk.`, grouped by type; `{a,b}` lists siblings. */
const RISK_FIELDS: ReadonlyArray<[FieldType, string[]]> = [
  ["Int", ["risk_scores.{overall,network,browser}", "network.as.{number,asn}", "network.anonymization.{vpn_score,proxy_score}"]],
  ["Bool", [
    "network.anonymization.{tor,icloud_private_relay}",
    "client.automation.automation_tool.detected",
    "client.automation.known_bot.detected",
  ]],
  ["String", [
    "network.ip",
    "network.as.{name,company,description,domain,country,rir,route,type}",
    "network.geolocation.country.{iso2,iso3,name,name_native,region,subregion,currency,currency_name,phone_code,capital}",
    "network.geolocation.{city,state}",
    "client.header_user_agent",
    "client.time_zone.{name,country_iso2}",
    "client.browser.{id,name,version,release_date}",
    "client.browser_engine.{id,name,version}",
    "client.device.{type,brand,model}",
    "client.os.{id,name,version}",
    "client.tls_signature.{ja3,ja3n,ja4}",
    "client.automation.automation_tool.{id,name,type}",
    "client.automation.known_bot.{id,name,type,url}",
  ]],
];

function expandBraces(pattern: string): string[] {
  const match = /^(.*)\{([^}]*)\}$/.exec(pattern);
  if (match === null) return [pattern];
  const [, prefix = "", names = ""] = match;
  return names.split(",").map((name) => prefix + name);
}

function buildCatalog(): ReadonlyMap<string, FieldInfo> {
  const catalog = new Map<string, FieldInfo>();
  for (const [name, type, requires] of EDGE_FIELDS) catalog.set(name, { type, requires, stage: "edge" });
  for (const key of JA4_SIGNAL_KEYS) {
    catalog.set(`cf.bot_management.ja4_signals.${key}`, {
      type: "Float",
      requires: "enterprise_bot_management",
      stage: "worker",
    });
  }
  for (const [type, patterns] of RISK_FIELDS) {
    for (const pattern of patterns) {
      for (const path of expandBraces(pattern)) catalog.set(`risk.${path}`, { type, requires: "all", stage: "worker" });
    }
  }
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

/**
 * The one table of policy fields (DESIGN.md "Pipeline"). Every fact about a field the policy
 * language offers lives here: its name, the Rules-language field behind it, its type and value
 * kind, where it is evaluated, the plan it needs, the Logpush field a replay reads, where the
 * Worker finds it in `request.cf`, and the words the schema shows editors. The schema's field
 * sections (`npm run generate:schema`), lowering, the type checker's field catalog and the request
 * format of tests and `eval` are all derived from it; nothing else lists field names.
 */

/** The type of a set's items (`sets.<name>.type`). */
export type SetType = "ja4" | "ja3" | "ip" | "asn" | "string";

/** The type of a field's value in the Rules language (plus the worker-only Float). */
export type FieldType = "String" | "Int" | "Bool" | "Ip" | "Float" | "Array<Int>";

/** `enterprise_bot_management`: Enterprise plan with the Bot Management add-on. */
export type PlanRequirement = "all" | "enterprise_bot_management";

/** `edge`: in Cloudflare's Rules language; `worker`: only the bot-policy Worker can read it. */
export type FieldStage = "edge" | "worker";

/** How a policy field's values are checked and lowered. */
export type ValueKind = "int" | "bool" | "string" | "ip" | "ja3" | "ja4" | "ja4_section" | "country" | "asn" | "bot_score" | "detection_ids" | "float";

/**
 * How a replay reads the field from a Logpush `http_requests` line (PLATFORM.md §8): `as_is`,
 * `uppercase` (real logs hold lowercase countries), or `passed_failed_missing` (a string that
 * becomes `true`, `false` or absent).
 */
export interface LogpushSource {
  field: string;
  read: "as_is" | "uppercase" | "passed_failed_missing";
}

/** Where the Worker finds a field at run time (DESIGN.md "The Worker"). */
export type WorkerSource =
  /** `request.cf` at this dotted path, e.g. `botManagement.jsDetection.passed`. */
  | { from: "cf"; path: string }
  /** A request header (lowercase name). */
  | { from: "header"; name: string }
  /** A part of the request URL: host name, path, query string (without `?`), or the whole URL. */
  | { from: "url"; part: "hostname" | "pathname" | "query" | "href" }
  /** The request method. */
  | { from: "method" }
  /** Cut from another policy field (the JA4 sections). */
  | { from: "section"; field: string }
  /** The Friendly Captcha Risk Intelligence API (seed 003). */
  | { from: "risk_intelligence_api" };

/** The words editors see for a field, in the schema's `title` and `description`. */
export interface FieldDocs {
  title: string;
  /** What the field is; shown in the policy schema and the test schema. */
  description: string;
  /** Appended in the policy schema only: how a condition on the field is written. */
  whenNote?: string;
  /** Appended in the test schema only: how a request gives the field. */
  requestNote?: string;
}

/** A value of a worker field's tree: one Rules-language field. */
export interface FieldLeaf {
  kind: "leaf";
  type: "String" | "Int" | "Bool" | "Float";
  valueKind: ValueKind;
  /** Set types whose items this leaf can use. */
  setTypes: readonly SetType[];
  /** A sibling key that carries the same value under another name; a request may give either. */
  alias?: string;
  title: string;
  description: string;
}

/** An object of a worker field's tree: named children. */
export interface FieldBranch {
  kind: "branch";
  title: string;
  description: string;
  /** A branch the schema names in `$defs` (referenced where it is used), with its own words. */
  schemaDef?: { name: string; title: string; description: string };
  children: Readonly<Record<string, FieldNode>>;
}

/** A node of a worker field's tree. */
export type FieldNode = FieldLeaf | FieldBranch;

/** A field a Rules-language expression can read: one policy field, one Rules-language field. */
export interface EdgeFieldRow extends FieldDocs {
  name: string;
  stage: "edge";
  /** The Rules-language field (for JA4 sections: the JA4 field they cut from). */
  rulesField: string;
  type: Exclude<FieldType, "Float">;
  valueKind: ValueKind;
  /** For JA4 sections: the character range `[start, end)` of the section in a JA4. */
  section?: readonly [number, number];
  /** Set types whose items this field can use. */
  setTypes: readonly SetType[];
  requires: PlanRequirement;
  /** `undefined`: Logpush has no such field, so a replay cannot decide a rule that uses it. */
  logpush: LogpushSource | undefined;
  worker: WorkerSource;
}

/** A field only the Worker can read: an object whose leaves are fields named `<rulesPrefix>.<path>`. */
export interface WorkerFieldRow extends FieldDocs {
  name: string;
  stage: "worker";
  rulesPrefix: string;
  requires: PlanRequirement;
  logpush: LogpushSource | undefined;
  worker: WorkerSource;
  /** `closed`: a request may give only the known leaves; `open`: unknown keys are ignored. */
  request: "closed" | "open";
  tree: FieldBranch & { schemaDef: NonNullable<FieldBranch["schemaDef"]> };
}

/** One row of the table. */
export type PolicyFieldRow = EdgeFieldRow | WorkerFieldRow;

const STRING_SETS: readonly SetType[] = ["string"];
const NO_SETS: readonly SetType[] = [];

function stringLeaf(title: string, description: string): FieldLeaf {
  return { kind: "leaf", type: "String", valueKind: "string", setTypes: STRING_SETS, title, description };
}

function intLeaf(title: string, description: string, extra: Pick<FieldLeaf, "setTypes" | "alias"> = { setTypes: NO_SETS }): FieldLeaf {
  return { kind: "leaf", type: "Int", valueKind: "int", ...extra, title, description };
}

function boolLeaf(title: string, description: string): FieldLeaf {
  return { kind: "leaf", type: "Bool", valueKind: "bool", setTypes: NO_SETS, title, description };
}

function floatLeaf(title: string, description: string): FieldLeaf {
  return { kind: "leaf", type: "Float", valueKind: "float", setTypes: NO_SETS, title, description };
}

function branch(title: string, description: string, children: Record<string, FieldNode>): FieldBranch {
  return { kind: "branch", title, description, children };
}

/** A branch the schema names in `$defs`, with the same words where it is defined and where it is used. */
function definedBranch(name: string, title: string, description: string, children: Record<string, FieldNode>): FieldBranch & { schemaDef: NonNullable<FieldBranch["schemaDef"]> } {
  return { ...branch(title, description, children), schemaDef: { name, title, description } };
}

const JA4_SECTION_NOTE = "Normally derived from `ja4`.";

/** The JA4 Signals (seed 000): Cloudflare's global observations about a JA4, read from `request.cf.botManagement.ja4Signals`. */
const JA4_SIGNALS: Record<string, FieldNode> = {
  h2h3_ratio_1h: floatLeaf("HTTP/2+3 ratio", "Share of HTTP/2 and HTTP/3 requests for this JA4 in the last hour (0–1)."),
  heuristic_ratio_1h: floatLeaf(
    "Heuristic ratio",
    "Share of requests scored by the heuristics engine for this JA4 in the last hour (0–1); higher means more flagged as automated.",
  ),
  reqs_quantile_1h: floatLeaf(
    "Requests quantile",
    "Quantile of this JA4 by request count across all fingerprints in the last hour (0–1); higher means more requests.",
  ),
  uas_rank_1h: floatLeaf("User agents rank", "Rank of this JA4 by number of distinct user agents in the last hour; lower means more diverse user agents."),
  browser_ratio_1h: floatLeaf("Browser ratio", "Share of requests from browser user agents for this JA4 in the last hour (0–1)."),
  paths_rank_1h: floatLeaf("Paths rank", "Rank of this JA4 by number of unique request paths in the last hour; lower means more diverse paths."),
  reqs_rank_1h: floatLeaf("Requests rank", "Rank of this JA4 by request count in the last hour; lower means more requests."),
  cache_ratio_1h: floatLeaf("Cache ratio", "Share of cacheable responses for this JA4 in the last hour (0–1)."),
  ips_rank_1h: floatLeaf("IPs rank", "Rank of this JA4 by number of unique client IPs in the last hour; lower means more IPs."),
  ips_quantile_1h: floatLeaf(
    "IPs quantile",
    "Quantile of this JA4 by unique client IPs across all fingerprints in the last hour (0–1); higher means more IPs.",
  ),
};

/** Friendly Captcha Risk Intelligence (seed 003, PLATFORM.md §6), nested as the vendor returns it. */
const RISK_SECTIONS: Record<string, FieldNode> = {
  risk_scores: {
    ...branch("Risk scores", "Summary risk scores, integers 0–5.", {
      overall: intLeaf("Overall risk", "Combined risk score from all signals, 0–5."),
      network: intLeaf("Network risk", "Risk from network signals (IP reputation, ASN, geolocation), 0–5."),
      browser: intLeaf("Browser risk", "Risk from browser signals (user agent consistency, automation traces), 0–5."),
    }),
    schemaDef: { name: "riskScores", title: "Risk scores", description: "Summary risk scores, integers 0–5 (0 unknown, 1 very low … 5 very high)." },
  },
  network: definedBranch("riskNetwork", "Network", "The client's network and IP address.", {
    ip: stringLeaf("IP address", "The IP address when the token was obtained in the browser."),
    as: branch("Autonomous system", "The autonomous system that owns the IP address.", {
      // The AS number appears as `number` (field reference) and as `asn` (examples): both are accepted.
      number: intLeaf("AS number", "Autonomous system number (as in the field reference).", { setTypes: ["asn"], alias: "asn" }),
      asn: intLeaf("AS number (asn)", "Autonomous system number (as in the vendor's examples); same as `number`.", { setTypes: ["asn"], alias: "number" }),
      name: stringLeaf("AS name", "Short name or handle of the autonomous system, e.g. `VODANET`."),
      company: stringLeaf("Company", "Organisation that owns the ASN."),
      description: stringLeaf("Company description", "Short description of the company that owns the ASN."),
      domain: stringLeaf("Company domain", "Domain name associated with the ASN."),
      country: stringLeaf("AS country", "ISO 3166-1 alpha-2 country where the ASN is registered."),
      rir: stringLeaf("RIR", "Regional Internet Registry: `ARIN`, `RIPE`, `APNIC`, `LACNIC` or `AFRINIC`."),
      route: stringLeaf("Route", "IP route (CIDR) associated with the ASN."),
      type: stringLeaf("AS type", "`isp`, `mobile`, `government`, `hosting`, `education`, `individual`, `business` or `other`."),
    }),
    geolocation: branch("Geolocation", "Geographic location of the IP address.", {
      country: branch("Country", "Country of the IP address.", {
        iso2: stringLeaf("ISO alpha-2", "Two-letter country code, e.g. `DE`."),
        iso3: stringLeaf("ISO alpha-3", "Three-letter country code, e.g. `DEU`."),
        name: stringLeaf("Country name", "English country name."),
        name_native: stringLeaf("Native name", "Country name in its native language."),
        region: stringLeaf("Region", "Major world region, e.g. `Europe`."),
        subregion: stringLeaf("Subregion", "World subregion, e.g. `Western Europe`."),
        currency: stringLeaf("Currency", "ISO 4217 currency code."),
        currency_name: stringLeaf("Currency name", "Name of the country's primary currency."),
        phone_code: stringLeaf("Phone code", "International dialling code, e.g. `49`."),
        capital: stringLeaf("Capital", "Capital city."),
      }),
      city: stringLeaf("City", "City of the IP address; empty if unknown."),
      state: stringLeaf("State", "State, region or province; empty if unknown."),
    }),
    abuse_contact: branch("Abuse contact", "Contact for reporting network abuse.", {
      address: stringLeaf("Address", "Postal address of the abuse contact."),
      name: stringLeaf("Name", "Name of the abuse contact person or team."),
      email: stringLeaf("Email", "Abuse contact email address."),
      phone: stringLeaf("Phone", "Abuse contact phone number."),
    }),
    anonymization: branch("Anonymization", "VPN, proxy and anonymizer detection.", {
      vpn_score: intLeaf("VPN score", "Likelihood that a VPN is used, 0–5."),
      proxy_score: intLeaf("Proxy score", "Likelihood that a proxy is used, 0–5."),
      tor: boolLeaf("Tor", "Whether the IP is a Tor exit node."),
      icloud_private_relay: boolLeaf("iCloud Private Relay", "Whether the IP belongs to iCloud Private Relay."),
    }),
  }),
  client: definedBranch("riskClient", "Client", "The client's browser, device and automation signals.", {
    header_user_agent: stringLeaf("User-Agent header", "The User-Agent header the browser sent."),
    time_zone: branch("Time zone", "IANA time zone reported by the browser.", {
      name: stringLeaf("Time zone name", "IANA time zone name, e.g. `Europe/Berlin`."),
      country_iso2: stringLeaf("Time zone country", "Country derived from the time zone; `XU` if unknown."),
    }),
    browser: branch("Browser", "Detected browser.", {
      id: stringLeaf("Browser id", "Browser identifier, e.g. `chrome`, `firefox`, `safari_ios`; empty if unknown."),
      name: stringLeaf("Browser name", "Human-readable browser name."),
      version: stringLeaf("Browser version", "Browser version, e.g. `146.0`."),
      release_date: stringLeaf("Release date", "Release date of the version, `YYYY-MM-DD`; empty if unknown."),
    }),
    browser_engine: branch("Browser engine", "Detected rendering engine.", {
      id: stringLeaf("Engine id", "Engine identifier: `blink`, `gecko`, `webkit`, …; empty if unknown."),
      name: stringLeaf("Engine name", "Human-readable engine name."),
      version: stringLeaf("Engine version", "Engine version."),
    }),
    device: branch("Device", "Detected device.", {
      type: stringLeaf("Device type", "`desktop`, `mobile`, `tablet`, `tv`, `console`, `wearable`, `xr` or `unknown`."),
      brand: stringLeaf("Device brand", "Manufacturer brand."),
      model: stringLeaf("Device model", "Device model name."),
    }),
    os: branch("Operating system", "Detected operating system.", {
      id: stringLeaf("OS id", "OS identifier: `windows`, `macos`, `linux`, `android`, `ios`, `ipados`, `chromeos`; empty if unknown."),
      name: stringLeaf("OS name", "Human-readable OS name."),
      version: stringLeaf("OS version", "OS version."),
    }),
    tls_signature: branch("TLS signature", "TLS fingerprints seen by the vendor.", {
      ja3: stringLeaf("JA3", "JA3 fingerprint (32 hex)."),
      ja3n: stringLeaf("JA3N", "Normalised JA3 fingerprint (32 hex)."),
      ja4: stringLeaf("JA4", "JA4 fingerprint."),
    }),
    automation: branch("Automation", "Detected automation tools and known bots.", {
      automation_tool: branch("Automation tool", "Detected automation tool (Puppeteer, Playwright, WebDriver, …).", {
        detected: boolLeaf("Detected", "Whether automation tool was detected."),
        id: stringLeaf("Identifier", "Identifier of the automation tool; empty if none."),
        name: stringLeaf("Name", "Human-readable name of the automation tool; empty if none."),
        type: stringLeaf("Type", "Type of the automation tool; empty if none."),
      }),
      known_bot: branch("Known bot", "Detected known bot (GoogleBot, GPTBot, …).", {
        detected: boolLeaf("Detected", "Whether known bot was detected."),
        id: stringLeaf("Identifier", "Identifier of the known bot; empty if none."),
        name: stringLeaf("Name", "Human-readable name of the known bot; empty if none."),
        type: stringLeaf("Type", "Type of the known bot; empty if none."),
        url: stringLeaf("Documentation URL", "Link to the bot's documentation; empty if none."),
      }),
    }),
  }),
};

/** Every policy field, in the order of DESIGN.md (the order the schema and catalog show them). */
export const POLICY_FIELD_TABLE: readonly PolicyFieldRow[] = [
  {
    name: "bot_score",
    stage: "edge",
    rulesField: "cf.bot_management.score",
    type: "Int",
    valueKind: "bot_score",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    logpush: { field: "BotScore", read: "as_is" },
    worker: { from: "cf", path: "botManagement.score" },
    title: "Bot score",
    description: "Cloudflare bot score `cf.bot_management.score`: 1 (automated) to 99 (human), 0 = not computed.",
    whenNote:
      "Takes an integer, a band (`automated` = 1, `likely_automated` = 2–29, `likely_human` = 30–99), a list of integers and bands (any of), or an operator map such as `{ lt: 30 }`. Enterprise Bot Management.",
  },
  {
    name: "verified_bot",
    stage: "edge",
    rulesField: "cf.bot_management.verified_bot",
    type: "Bool",
    valueKind: "bool",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    // `BotScoreSrc == "Verified Bot"` only approximates it (PLATFORM.md §8): a replay says unknown.
    logpush: undefined,
    worker: { from: "cf", path: "botManagement.verifiedBot" },
    title: "Verified bot",
    description: "`cf.bot_management.verified_bot`: true for bots on Cloudflare's verified list. `true` or `false`; an absent value counts as false.",
  },
  {
    name: "verified_bot_category",
    stage: "edge",
    rulesField: "cf.verified_bot_category",
    type: "String",
    valueKind: "string",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "VerifiedBotCategory", read: "as_is" },
    worker: { from: "cf", path: "verifiedBotCategory" },
    title: "Verified bot category",
    description:
      "`cf.verified_bot_category`: exact, case-sensitive category such as `Search Engine Crawler`, `AI Crawler`, `Monitoring & Analytics`.",
  },
  {
    name: "static_resource",
    stage: "edge",
    rulesField: "cf.bot_management.static_resource",
    type: "Bool",
    valueKind: "bool",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    logpush: undefined,
    worker: { from: "cf", path: "botManagement.staticResource" },
    title: "Static resource",
    description: "`cf.bot_management.static_resource`: true for requests for static assets. `true` or `false`.",
  },
  {
    name: "corporate_proxy",
    stage: "edge",
    rulesField: "cf.bot_management.corporate_proxy",
    type: "Bool",
    valueKind: "bool",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    logpush: undefined,
    worker: { from: "cf", path: "botManagement.corporateProxy" },
    title: "Corporate proxy",
    description: "`cf.bot_management.corporate_proxy`: true when the request comes through a known corporate proxy. `true` or `false`.",
  },
  {
    name: "js_detection_passed",
    stage: "edge",
    rulesField: "cf.bot_management.js_detection.passed",
    type: "Bool",
    valueKind: "bool",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    logpush: { field: "JSDetectionPassed", read: "passed_failed_missing" },
    worker: { from: "cf", path: "botManagement.jsDetection.passed" },
    title: "JavaScript detection passed",
    description: "`cf.bot_management.js_detection.passed`: true when the client passed Cloudflare's JavaScript detection. `true` or `false`.",
  },
  {
    name: "detection_ids",
    stage: "edge",
    rulesField: "cf.bot_management.detection_ids",
    type: "Array<Int>",
    valueKind: "detection_ids",
    setTypes: NO_SETS,
    requires: "enterprise_bot_management",
    logpush: { field: "BotDetectionIDs", read: "as_is" },
    worker: { from: "cf", path: "botManagement.detectionIds" },
    title: "Detection IDs",
    description: "`cf.bot_management.detection_ids`: the heuristic detection IDs on the request.",
    whenNote: "A list of IDs matches when the request carries any of them.",
  },
  {
    name: "ja3",
    stage: "edge",
    rulesField: "cf.bot_management.ja3_hash",
    type: "String",
    valueKind: "ja3",
    setTypes: ["ja3"],
    requires: "enterprise_bot_management",
    logpush: { field: "JA3Hash", read: "as_is" },
    worker: { from: "cf", path: "botManagement.ja3Hash" },
    title: "JA3 fingerprint",
    description: "`cf.bot_management.ja3_hash`: 32 lowercase hex characters. Empty for non-TLS requests, so an allow rule on it fails closed.",
  },
  {
    name: "ja4",
    stage: "edge",
    rulesField: "cf.bot_management.ja4",
    type: "String",
    valueKind: "ja4",
    setTypes: ["ja4"],
    requires: "enterprise_bot_management",
    logpush: { field: "JA4", read: "as_is" },
    worker: { from: "cf", path: "botManagement.ja4" },
    title: "JA4 fingerprint",
    description:
      "`cf.bot_management.ja4`: 36 characters `a_b_c`, e.g. `t13d1516h2_8daaf6152771_02713d6af862`. Block-listing known-bad values is the intended use.",
  },
  {
    name: "ja4_a",
    stage: "edge",
    rulesField: "cf.bot_management.ja4",
    type: "String",
    valueKind: "ja4_section",
    section: [0, 10],
    setTypes: STRING_SETS,
    requires: "enterprise_bot_management",
    // Sections are cut from the JA4 (and from `JA4` in logs), never read on their own.
    logpush: undefined,
    worker: { from: "section", field: "ja4" },
    title: "JA4 section a",
    description: "First 10 characters of the JA4: protocol, TLS version, SNI, cipher and extension counts, ALPN (e.g. `t13d1516h2`).",
    requestNote: JA4_SECTION_NOTE,
  },
  {
    name: "ja4_b",
    stage: "edge",
    rulesField: "cf.bot_management.ja4",
    type: "String",
    valueKind: "ja4_section",
    section: [11, 23],
    setTypes: STRING_SETS,
    requires: "enterprise_bot_management",
    logpush: undefined,
    worker: { from: "section", field: "ja4" },
    title: "JA4 section b",
    description: "Second JA4 section: 12 lowercase hex characters, the sorted cipher-suite hash.",
    requestNote: JA4_SECTION_NOTE,
  },
  {
    name: "ja4_c",
    stage: "edge",
    rulesField: "cf.bot_management.ja4",
    type: "String",
    valueKind: "ja4_section",
    section: [24, 36],
    setTypes: STRING_SETS,
    requires: "enterprise_bot_management",
    logpush: undefined,
    worker: { from: "section", field: "ja4" },
    title: "JA4 section c",
    description: "Third JA4 section: 12 lowercase hex characters, the extensions and signature-algorithms hash.",
    requestNote: JA4_SECTION_NOTE,
  },
  {
    name: "host",
    stage: "edge",
    rulesField: "http.host",
    type: "String",
    valueKind: "string",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "ClientRequestHost", read: "as_is" },
    worker: { from: "url", part: "hostname" },
    title: "Host",
    description: "`http.host`: the request's host name.",
  },
  {
    name: "path",
    stage: "edge",
    rulesField: "http.request.uri.path",
    type: "String",
    valueKind: "string",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "ClientRequestPath", read: "as_is" },
    worker: { from: "url", part: "pathname" },
    title: "Path",
    description: "`http.request.uri.path`: the URI path, without the query string.",
  },
  {
    name: "method",
    stage: "edge",
    rulesField: "http.request.method",
    type: "String",
    valueKind: "string",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "ClientRequestMethod", read: "as_is" },
    worker: { from: "method" },
    title: "Method",
    description: "`http.request.method`: the HTTP method in upper case, e.g. `POST`.",
  },
  {
    name: "user_agent",
    stage: "edge",
    rulesField: "http.user_agent",
    type: "String",
    valueKind: "string",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "ClientRequestUserAgent", read: "as_is" },
    worker: { from: "header", name: "user-agent" },
    title: "User-Agent",
    description: "`http.user_agent`: the User-Agent request header.",
  },
  {
    name: "ip",
    stage: "edge",
    rulesField: "ip.src",
    type: "Ip",
    valueKind: "ip",
    setTypes: ["ip"],
    requires: "all",
    logpush: { field: "ClientIP", read: "as_is" },
    worker: { from: "header", name: "cf-connecting-ip" },
    title: "Client IP",
    description: "`ip.src`: the client IP.",
    whenNote: "Takes an address, a CIDR in a list, a `$set` of type `ip`, or `{ eq | ne | in | not_in }`.",
  },
  {
    name: "asn",
    stage: "edge",
    rulesField: "ip.src.asnum",
    type: "Int",
    valueKind: "asn",
    setTypes: ["asn"],
    requires: "all",
    logpush: { field: "ClientASN", read: "as_is" },
    worker: { from: "cf", path: "asn" },
    title: "Client ASN",
    description: "`ip.src.asnum`: the client's autonomous system number.",
  },
  {
    name: "country",
    stage: "edge",
    rulesField: "ip.src.country",
    type: "String",
    valueKind: "country",
    setTypes: STRING_SETS,
    requires: "all",
    logpush: { field: "ClientCountry", read: "uppercase" },
    worker: { from: "cf", path: "country" },
    title: "Client country",
    description: "`ip.src.country`: ISO 3166-1 alpha-2 country code, e.g. `DE`.",
  },
  {
    name: "ja4_signals",
    stage: "worker",
    rulesPrefix: "cf.bot_management.ja4_signals",
    requires: "enterprise_bot_management",
    logpush: { field: "JA4Signals", read: "as_is" },
    worker: { from: "cf", path: "botManagement.ja4Signals" },
    request: "closed",
    title: "JA4 Signals (worker)",
    description: "Cloudflare's global observations about the request's JA4 over the last hour.",
    whenNote: "Only Workers see them, so a rule that uses this field runs in the bot-policy Worker (worker stage).",
    requestNote: "Omitted keys are absent.",
    tree: definedBranch(
      "ja4Signals",
      "JA4 Signals",
      "Conditions on Cloudflare's JA4 Signals (ANDed). Ratios and quantiles are 0–1, ranks are integers (lower = more). A missing signal makes every comparison false except `ne`.",
      JA4_SIGNALS,
    ),
  },
  {
    name: "risk",
    stage: "worker",
    rulesPrefix: "risk",
    requires: "all",
    logpush: undefined,
    worker: { from: "risk_intelligence_api" },
    request: "open",
    title: "Risk Intelligence (worker)",
    description: "Friendly Captcha Risk Intelligence data, nested as the vendor returns it (`risk_scores`, `network`, `client`).",
    whenNote: "Retrieved by the bot-policy Worker (worker stage); needs `risk_intelligence:`.",
    requestNote: "Unknown keys are ignored; omit it to simulate a missing or failed retrieval.",
    tree: definedBranch(
      "risk",
      "Risk Intelligence conditions",
      "Conditions on Friendly Captcha Risk Intelligence, nested as the vendor returns it (ANDed). Unknown keys are refused to catch typos. A missing value makes every comparison false except `ne`.",
      RISK_SECTIONS,
    ),
  },
];

/** The keys of Cloudflare's JA4 Signals object, in table order. */
export const JA4_SIGNAL_KEYS: readonly string[] = Object.keys(JA4_SIGNALS);

const BY_NAME: ReadonlyMap<string, PolicyFieldRow> = new Map(POLICY_FIELD_TABLE.map((row) => [row.name, row]));

/** The policy field names, in table order. */
export const POLICY_FIELD_NAMES: readonly string[] = POLICY_FIELD_TABLE.map((row) => row.name);

/** The table's row for a policy field name; `undefined` for any other string (`__proto__` included). */
export function findPolicyField(name: string): PolicyFieldRow | undefined {
  return BY_NAME.get(name);
}

/**
 * The policy field behind a Rules-language field: the edge row that reads it (the JA4 itself
 * for `cf.bot_management.ja4`, not a section), or the worker field whose leaf it is.
 */
export function findPolicyFieldByRulesField(rulesField: string): PolicyFieldRow | undefined {
  return POLICY_FIELD_TABLE.find((row) =>
    row.stage === "edge" ? row.rulesField === rulesField && row.section === undefined : rulesField.startsWith(`${row.rulesPrefix}.`),
  );
}

/** The child of a branch by key; `undefined` for unknown keys (own properties only). */
export function childNode(node: FieldBranch, key: string): FieldNode | undefined {
  return Object.hasOwn(node.children, key) ? node.children[key] : undefined;
}

/** One leaf of a worker field with its path below the field and its Rules-language name. */
export interface LeafEntry {
  path: readonly string[];
  rulesField: string;
  leaf: FieldLeaf;
}

/** Every leaf of a worker field, depth first in table order. */
export function workerFieldLeaves(row: WorkerFieldRow): LeafEntry[] {
  const leaves: LeafEntry[] = [];
  const visit = (node: FieldNode, path: readonly string[]): void => {
    if (node.kind === "leaf") {
      leaves.push({ path, rulesField: [row.rulesPrefix, ...path].join("."), leaf: node });
      return;
    }
    for (const [key, child] of Object.entries(node.children)) visit(child, [...path, key]);
  };
  visit(row.tree, []);
  return leaves;
}


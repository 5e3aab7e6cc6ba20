/**
 * Generates whole policy projects, mostly valid: several policy files over a few zones, sets of
 * every type (annotated, expiring, expired items), rules with every field and predicate form,
 * any/all/not nesting, raw expressions, origin headers, Risk Intelligence, observe mode,
 * disabled rules; stacks of every plan tier, in either mode; and requests that draw their values
 * from the same pools as the policies, so rules really match. `mutate-project.ts` breaks them.
 */
import { JA4_SIGNAL_KEYS, FIELD_CATALOG } from "../../src/rules/field-catalog.js";
import type { PolicyRequest } from "../../src/evaluate/request-fields.js";
import { Random } from "./random.js";

/** One generated project: policy values by file, stack configs, requests and the date. */
export interface GeneratedProject {
  policies: Array<{ file: string; value: Record<string, unknown> }>;
  /** Each stack's `config:` map, as written in `Pulumi.<name>.yaml`. */
  stacks: Array<{ name: string; config: Record<string, unknown> }>;
  requests: PolicyRequest[];
  now: Date;
}

/** The values policies and requests share, so conditions and requests meet. */
interface Pools {
  zones: string[];
  paths: string[];
  hosts: string[];
  agents: string[];
  categories: string[];
  methods: string[];
  ja3: string[];
  ja4: string[];
  ipv4: string[];
  ipv6: string[];
  asns: number[];
  countries: string[];
  detectionIds: number[];
  riskLeaves: readonly RiskLeaf[];
}

const ACTIONS = ["block", "managed_challenge", "js_challenge", "challenge", "skip", "log"] as const;
const WORKER_ACTIONS = ["block", "skip", "log"] as const;
const BANDS = ["automated", "likely_automated", "likely_human"];
const PHASES = ["rate_limit", "managed_rules", "super_bot_fight_mode"];
const PRODUCTS = ["zoneLockdown", "uaBlock", "bic", "hot", "securityLevel", "rateLimit", "waf"];
const CONTENT_TYPES = ["text/html", "text/plain", "application/json", "text/xml"];
const BOOL_FIELDS = ["verified_bot", "static_resource", "corporate_proxy", "js_detection_passed"];
const STRING_FIELDS = ["verified_bot_category", "host", "path", "method", "user_agent"];
const EDGE_HEADER_FIELDS = ["bot_score", "verified_bot", "verified_bot_category", "static_resource", "corporate_proxy", "js_detection_passed", "detection_ids", "ja3", "ja4", "ja4_a", "ja4_b", "ja4_c", "host", "path", "method", "user_agent", "ip", "asn", "country"];

type RiskLeaf = [string, "Int" | "Bool" | "String"];

/** Risk Intelligence leaves (`a.b.c` under `risk`) with their type, from the field catalog. */
const RISK_LEAVES: readonly RiskLeaf[] = [...FIELD_CATALOG].filter(([name]) => name.startsWith("risk.")).map(([name, info]): RiskLeaf => [name.slice(5), info.type as RiskLeaf[1]]);

/**
 * Leaves the schema has and the field catalog lacks (`risk.network.abuse_contact`, a known crash
 * being fixed: issue 10, item 5). Only a few projects of hostile (fuzz) runs use them, as each
 * crash costs a deep recursion; when the field table is one, they join RISK_LEAVES.
 */
const SCHEMA_ONLY_RISK_LEAVES: readonly RiskLeaf[] = ["address", "name", "email", "phone"].map((key): RiskLeaf => [`network.abuse_contact.${key}`, "String"]);

/** Regexes: ordinary ones, ones only Cloudflare's syntax knows, invalid ones, a catastrophic one. */
const PATTERNS = ["^/api/", "\\.php$", "bot|crawl", "(?i)bot", "^/(login|signin)$", "[[:alpha:]]+", "a{2,}", "^(a+)+$", "(", "\\d+", "é|😀", "(?<x>a)", "\\-", ".*"];
const WILDCARDS = ["*.php", "/api/*", "*bot*", "*", "/a\\*b", "**", "/é*"];

/** Raw expressions: edge, worker-only, plan-gated, header lookups, and a few that do not parse or type-check. */
const EXPRESSIONS = [
  'http.request.uri.path eq "/xmlrpc.php"',
  "cf.bot_management.score lt 30 and not cf.bot_management.verified_bot",
  "ip.src in {192.0.2.0/24 2001:db8::/32}",
  'http.request.headers["x-test"][0] eq "1"',
  'any(http.request.headers.names[*] == "x-forwarded-for")',
  'lower(http.user_agent) contains "curl"',
  'http.request.uri.path matches "\\.php$"',
  'http.request.uri.path matches r"\\.php$"',
  "cf.bot_management.ja4_signals.browser_ratio_1h lt 0.1",
  "risk.risk_scores.overall ge 4",
  'ip.src.country in {"CN" "RU"}',
  'http.cookie contains "session"',
  'http.request.full_uri wildcard "https://*.example.com/*"',
  'to_string(cf.bot_management.score) eq "5"',
  "len(http.request.uri.path) gt 100",
  'starts_with(http.request.uri.path, "/api")',
  "any(cf.bot_management.detection_ids[*] eq 5)",
  "ip.src in $office_ips",
  'http.host eq "a" or (http.host eq "b" and not http.host eq "c")',
  'cf.bot_management.ja4 eq "t13d1516h2_8daaf6152771_02713d6af862"',
  "cf.bot_management.score lt",
  'http.request.uri.path eq 5',
  "ip.src.asnum in {1..100 13335}",
  'substring(cf.bot_management.ja4, 0, 10) eq "t13d1516h2"',
  'http.user_agent eq "\\u00e9"',
  "true",
];

/** Builds the pools one project draws from; `hostile` adds a user agent that makes `^(a+)+$` backtrack for seconds. */
function makePools(r: Random, hostile: boolean): Pools {
  const ja4a = () => `${r.pick(["t", "q", "d"])}${r.pick(["13", "12", "s3", "00"])}${r.pick(["d", "i"])}${String(r.int(0, 99)).padStart(2, "0")}${String(r.int(0, 99)).padStart(2, "0")}${r.pick(["h2", "h1", "00", "dt"])}`;
  return {
    zones: r.some(["shop", "api", "z-3", "blog"], 1, 3),
    paths: r.some(["/", "/api/", "/api/cart", "/checkout", "/login", "/xmlrpc.php", "/é/😀", '/a"b\\c', "/a b", "", "/%2e%2e", "/search?q=1", "/" + "x".repeat(300)], 2, 5),
    hosts: r.some(["shop.example.com", "api.example.com", "EXAMPLE.com", "xn--nxasmq6b.example", "a"], 1, 3),
    agents: r.some(["curl/8.0", "Mozilla/5.0", "python-requests/2.31", "", "bot 😀", `${"a".repeat(hostile ? 30 : 10)}!`], 2, 4),
    categories: r.some(["Search Engine Crawler", "AI Crawler", "Monitoring & Analytics", ""], 1, 2),
    // Rarely a value validate must refuse (Cloudflare gives methods in upper case).
    methods: r.chance(0.1) ? ["GET", "POST", "PUT", "HEAD", "get"] : ["GET", "POST", "PUT", "HEAD"],
    ja3: r.list(2, 3, () => r.hex(32)),
    ja4: r.list(2, 4, () => `${ja4a()}_${r.hex(12)}_${r.hex(12)}`),
    ipv4: r.list(2, 3, () => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}`),
    ipv6: r.list(1, 2, () => `2001:db8:${r.int(1, 0xffff).toString(16)}`),
    asns: r.list(2, 3, () => r.pick([r.int(1, 70000), r.int(1, 4294967295), 13335])),
    countries: r.some(["US", "DE", "FR", "T1", "CN", "BR", "XX"], 2, 3),
    detectionIds: r.list(2, 3, () => r.pick([r.int(1, 1000), r.int(1, 2 ** 31)])),
    riskLeaves: hostile && r.chance(0.03) ? [...RISK_LEAVES, ...SCHEMA_ONLY_RISK_LEAVES] : RISK_LEAVES,
  };
}

/** Generates one project; `hostile` (fuzz runs only) adds inputs that take a backtracking regex engine seconds. */
export function generateProject(r: Random, hostile = false): GeneratedProject {
  const p = makePools(r, hostile);
  const count = r.weighted([[5, 1], [4, 2], [2, 3]] as const);
  const policies = Array.from({ length: count }, (_, i) => ({
    // Files load in name order, not id order: evaluation order must come from priority then id.
    file: `policies/${["zeta", "alpha", "mid"][i]}${r.chance(0.1) ? ".yml" : ".yaml"}`,
    value: generatePolicy(r, p, i, i === count - 1),
  }));
  const stacks = r.list(0, 2, () => generateStack(r, p));
  stacks.forEach((s, i) => (s.name = `${s.name}${i}`));
  const requests = r.list(4, 8, () => generateRequest(r, p));
  const now = new Date(Date.UTC(2026, r.int(0, 11), r.int(1, 28)));
  return { policies, stacks, requests, now };
}

function generateStack(r: Random, p: Pools): { name: string; config: Record<string, unknown> } {
  const zones: Record<string, unknown> = {};
  for (const key of r.chance(0.85) ? p.zones : r.some([...p.zones, "other"], 1, 3)) {
    zones[key] = { zoneId: r.hex(32), plan: r.weighted([[1, "free"], [1, "pro"], [1, "business"], [9, "enterprise"]] as const), routes: r.chance(0.5) ? [`${key}.example.com/*`] : [] };
  }
  // Declares the list the raw expressions above test (drawing nothing, so the seed's projects stay the same).
  const config: Record<string, unknown> = { "bot-policy:accountId": r.hex(32), "bot-policy:zones": zones, "bot-policy:lists": { office_ips: "ip" } };
  if (r.chance(0.6)) config["bot-policy:mode"] = r.pick(["enforce", "observe"]);
  return { name: r.pick(["dev", "prod", "stage"]), config };
}

function generatePolicy(r: Random, p: Pools, index: number, last: boolean): Record<string, unknown> {
  const policy: Record<string, unknown> = { version: 1, policy: `p${index}-${r.pick(["shop", "api", "x"])}` };
  if (r.chance(0.3)) policy.description = r.pick(["Bot rules.", "é 😀", "", "x".repeat(500)]);
  policy.zones = r.some(p.zones, 1, p.zones.length);
  if (r.chance(0.6)) policy.priority = last && r.chance(0.8) ? 1000 : r.pick([10, 50, 100, 100, -5, 0]);
  if (r.chance(0.4)) policy.mode = r.pick(["enforce", "observe"]);

  const sets = generateSets(r, p);
  if (Object.keys(sets).length > 0) policy.sets = sets;
  const needsRisk = { value: false };
  const rules: Array<Record<string, unknown>> = [];
  const ruleCount = r.int(1, 6);
  // Worker rules go last (a worker rule before a terminating edge rule is an error): most
  // projects keep that order, a few do not.
  // Across policies the same holds (Cloudflare runs every ruleset before the Worker): mostly only
  // the last file, given the highest priority below, has worker rules.
  const workerFrom = !last && r.chance(0.8) ? ruleCount : r.chance(0.9) ? r.int(Math.max(0, ruleCount - 2), ruleCount) : r.int(0, ruleCount);
  for (let i = 0; i < ruleCount; i++) rules.push(generateRule(r, p, sets, i, i >= workerFrom, needsRisk));
  policy.rules = rules;

  if (r.chance(0.35)) {
    const headers: Record<string, string> = {};
    // Mostly names of this policy's own; sometimes a name another policy of the zone may set too.
    for (const field of r.some([...EDGE_HEADER_FIELDS, "ja4_signals", "risk"], 1, 3)) headers[`x-${r.chance(0.8) ? `${index}-` : ""}${field.replace(/_/g, "-")}`] = field;
    if (r.chance(0.1)) headers[r.pick(["X-Upper", "cf-reserved", "x bad"])] = "ja4";
    policy.origin_headers = headers;
    if (Object.values(headers).includes("risk")) needsRisk.value = true;
  }
  if (needsRisk.value ? r.chance(0.97) : r.chance(0.1)) policy.risk_intelligence = generateRiskSettings(r);
  return policy;
}

function generateRiskSettings(r: Random): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    token: r.pick([{ header: "x-frc-risk-token" }, { cookie: "frc" }, { form_field: "frc-risk-intelligence-token" }]),
  };
  if (r.chance(0.5)) settings.endpoint = r.pick(["global", "eu"]);
  if (r.chance(0.5)) settings.timeout_ms = r.pick([1, 1000, 10000]);
  if (r.chance(0.5)) settings.on_error = r.pick(["pass", "block"]);
  if (r.chance(0.2)) settings.sitekey = "FCMGEMUD2KTDSQ5H";
  return settings;
}

type SetSpec = { type: string; items: unknown[]; description?: string };

function generateSets(r: Random, p: Pools): Record<string, SetSpec> {
  const sets: Record<string, SetSpec> = {};
  const item = (value: string | number): unknown => {
    if (!r.chance(0.25)) return value;
    const annotated: Record<string, unknown> = { value };
    if (r.chance(0.5)) annotated.note = "SEC-142";
    // Expiry dates around the generated `now` (2026): some expired, some not.
    if (r.chance(0.6)) annotated.expires = r.pick(["2025-12-31", "2026-06-15", "2027-03-01"]);
    return annotated;
  };
  const make = (name: string, type: string, values: Array<string | number>) => {
    if (!r.chance(0.6)) return;
    const spec: SetSpec = { type, items: r.some(values, 1, values.length).map(item) };
    if (r.chance(0.2)) spec.description = "maintained by SEC";
    sets[name] = spec;
  };
  make("ja4s", "ja4", p.ja4);
  make("ja3s", "ja3", p.ja3);
  make("ips", "ip", [...p.ipv4.map((n) => `${n}.0/24`), ...p.ipv4.map((n) => `${n}.7`), ...p.ipv6.map((n) => `${n}::/48`), ...p.ipv6.map((n) => `${n}::1`)]);
  make("asns", "asn", p.asns);
  make("paths", "string", p.paths);
  make("sections", "string", p.ja4.map((v) => v.slice(0, 10)));
  make("countries", "string", r.chance(0.1) ? [...p.countries, "de"] : p.countries);
  make("agents", "string", p.agents);
  return sets;
}

function generateRule(r: Random, p: Pools, sets: Record<string, SetSpec>, index: number, worker: boolean, needsRisk: { value: boolean }): Record<string, unknown> {
  const rule: Record<string, unknown> = { id: `r${index}` };
  if (r.chance(0.2)) rule.description = r.pick(["block scrapers", "é😀", 'quote " and \\']);
  let action: string;
  if (r.chance(0.15)) {
    const expression = r.chance(0.5) ? r.pick(EXPRESSIONS.slice(0, 6)) : r.pick(EXPRESSIONS);
    rule.expression = expression;
    if (expression.startsWith("risk.")) needsRisk.value = true;
    action = expression.includes("ja4_signals") || expression.startsWith("risk.") ? r.pick(WORKER_ACTIONS) : r.pick(ACTIONS);
  } else {
    const when = generateWhen(r, p, sets, worker, 0);
    if (JSON.stringify(when).includes('"risk"')) needsRisk.value = true;
    rule.when = when;
    action = worker ? r.pick(WORKER_ACTIONS) : r.pick(ACTIONS);
  }
  rule.action = action;
  if (action === "block" && r.chance(0.3)) rule.response = { status: r.pick([403, 429, 400, 499]), content_type: r.pick(CONTENT_TYPES), body: r.pick(['{"error":"forbidden"}', "", "é😀", "<b>no</b>"]) };
  if (action === "skip" && r.chance(0.4)) {
    const skip: Record<string, unknown> = {};
    if (r.chance(0.7)) skip.phases = r.some(PHASES, 1, 3);
    if (r.chance(0.5)) skip.products = r.some(PRODUCTS, 1, 3);
    rule.skip = skip;
  }
  if (r.chance(0.12)) rule.enabled = false;
  else if (r.chance(0.1)) rule.enabled = true;
  return rule;
}

/** A `when` map: 1–3 entries, fields or combinators; worker rules add a worker field. */
function generateWhen(r: Random, p: Pools, sets: Record<string, SetSpec>, worker: boolean, depth: number): Record<string, unknown> {
  const when: Record<string, unknown> = {};
  const entries = r.int(1, 3);
  for (let i = 0; i < entries; i++) {
    const roll = depth < 3 ? r.int(0, 9) : 9;
    if (roll === 0) when.any = r.list(1, 3, () => generateWhen(r, p, sets, false, depth + 1));
    else if (roll === 1) when.all = r.list(1, 2, () => generateWhen(r, p, sets, false, depth + 1));
    else if (roll === 2) when.not = generateWhen(r, p, sets, false, depth + 1);
    else {
      const [field, predicate] = edgePredicate(r, p, sets);
      when[field] = predicate;
    }
  }
  if (worker) {
    if (r.chance(0.5)) when.ja4_signals = ja4SignalsPredicate(r);
    else when.risk = riskPredicate(r, p);
  }
  return when;
}

function ja4SignalsPredicate(r: Random): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of r.some(JA4_SIGNAL_KEYS, 1, 2)) {
    const value = () => r.pick([0, 0.05, 0.5, 1, 3, 1000, -1, 1.5]);
    out[key] = r.chance(0.3) ? value() : operators(r, ["eq", "ne", "lt", "le", "gt", "ge"], value);
  }
  return out;
}

function riskPredicate(r: Random, p: Pools): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, type] of r.some(p.riskLeaves, 1, 2)) {
    const predicate =
      type === "Bool"
        ? r.chance(0.8)
        : type === "Int"
          ? r.chance(0.4)
            ? r.int(0, 5)
            : operators(r, ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"], () => r.int(0, 5), () => r.list(1, 3, () => r.int(0, 5)))
          : stringPredicate(r, [...p.countries, "Chrome", "curl", ...p.ja3], undefined);
    setPath(out, path.split("."), predicate);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = next !== null && typeof next === "object" ? next : {}) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** An operator map of 1–2 operators (ANDed). */
function operators(r: Random, ops: string[], value: () => unknown, list?: () => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const op of r.some(ops, 1, 2)) out[op] = (op === "in" || op === "not_in") && list ? list() : value();
  return out;
}

/** A string predicate: a value, a list (with `$set` items), a `$set`, or an operator map. */
function stringPredicate(r: Random, values: string[], setRef: string | undefined, regex = false): unknown {
  const value = () => r.pick(values);
  const listItem = () => (setRef && r.chance(0.2) ? setRef : value());
  const list = () => r.list(1, 3, listItem);
  const inOperand = () => (setRef && r.chance(0.3) ? setRef : list());
  const ops: Record<string, () => unknown> = {
    eq: value,
    ne: value,
    in: inOperand,
    not_in: inOperand,
    starts_with: () => value().slice(0, 3),
    ends_with: () => value().slice(-3),
    contains: () => value().slice(1, 4),
  };
  if (regex) {
    // Mostly patterns every engine reads; now and then one only Cloudflare's syntax knows, or none does.
    ops.matches = () => (r.chance(0.7) ? r.pick(PATTERNS.slice(0, 3)) : r.pick(PATTERNS));
    ops.wildcard = () => r.pick(WILDCARDS);
  }
  return r.weighted<() => unknown>([
    [3, value],
    [2, list],
    [setRef ? 1 : 0, () => setRef],
    [4, () => {
      const out: Record<string, unknown> = {};
      for (const op of r.some(Object.keys(ops), 1, 2)) out[op] = ops[op]!();
      return out;
    }],
  ])();
}

function setRef(sets: Record<string, SetSpec>, name: string): string | undefined {
  // Only sets that exist; `edgePredicate` sometimes names a missing or mistyped one on purpose.
  return sets[name] ? `$${name}` : undefined;
}

function edgePredicate(r: Random, p: Pools, sets: Record<string, SetSpec>): [string, unknown] {
  const kind = r.int(0, 14);
  const stringSet = (name: string) => (r.chance(0.05) ? `$${r.pick(["missing", "ja3s", "ips"])}` : setRef(sets, name));
  switch (kind) {
    case 0: {
      const score = () => r.weighted<number>([[18, r.int(1, 99)], [1, 0], [1, 100]]);
      const item = () => (r.chance(0.3) ? r.pick(BANDS) : score());
      return ["bot_score", r.weighted<() => unknown>([
        [2, score],
        [1, () => r.pick(BANDS)],
        [1, () => r.list(1, 3, item)],
        [3, () => operators(r, ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"], score, () => r.list(1, 3, item))],
      ])()];
    }
    case 1:
      return [r.pick(BOOL_FIELDS), r.chance(0.5)];
    case 2: {
      const field = r.pick(STRING_FIELDS);
      const values = field === "path" ? p.paths : field === "host" ? p.hosts : field === "user_agent" ? p.agents : field === "method" ? p.methods : p.categories;
      return [field, stringPredicate(r, values, stringSet(field === "user_agent" ? "agents" : "paths"), true)];
    }
    case 3:
      return ["ja3", stringPredicate(r, p.ja3, stringSet("ja3s"))];
    case 4:
      return ["ja4", stringPredicate(r, p.ja4, stringSet("ja4s"))];
    case 5:
      return ["ja4_a", stringPredicate(r, p.ja4.map((v) => v.slice(0, 10)), stringSet("sections"))];
    case 6:
      return [r.pick(["ja4_b", "ja4_c"]), stringPredicate(r, p.ja4.map((v) => v.slice(11, 23)).concat(p.ja4.map((v) => v.slice(24))), undefined)];
    case 7:
    case 8: {
      const address = () => r.chance(0.7) ? `${r.pick(p.ipv4)}.${r.pick([1, 7, 200])}` : `${r.pick(p.ipv6)}::1`;
      const cidr = () => r.chance(0.7) ? `${r.pick(p.ipv4)}.0/24` : `${r.pick(p.ipv6)}::/48`;
      const value = () => (r.chance(0.5) ? address() : cidr());
      const ref = setRef(sets, "ips");
      const list = () => r.list(1, 3, () => (ref && r.chance(0.2) ? ref : value()));
      return ["ip", r.weighted<() => unknown>([[2, value], [2, list], [ref ? 1 : 0, () => ref], [2, () => operators(r, ["eq", "ne", "in", "not_in"], value, list)]])()];
    }
    case 9: {
      const value = () => r.pick(p.asns);
      const ref = setRef(sets, "asns");
      const list = () => r.list(1, 3, () => (ref && r.chance(0.2) ? ref : value()));
      return ["asn", r.weighted<() => unknown>([[2, value], [2, list], [ref ? 1 : 0, () => ref], [2, () => operators(r, ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"], value, list)]])()];
    }
    case 10:
      return ["country", stringPredicate(r, p.countries, stringSet("countries"))];
    case 11:
      return ["detection_ids", r.some(p.detectionIds, 1, p.detectionIds.length)];
    default: {
      const field = r.pick(["path", "user_agent", "host"]);
      return [field, stringPredicate(r, field === "path" ? p.paths : field === "host" ? p.hosts : p.agents, stringSet("paths"), true)];
    }
  }
}

/** A request in the policy language's words, mostly drawn from the pools. */
function generateRequest(r: Random, p: Pools): PolicyRequest {
  const request: PolicyRequest = {};
  const maybe = (key: string, make: () => unknown) => {
    if (r.chance(0.6)) request[key] = make();
  };
  maybe("bot_score", () => r.int(1, 99));
  for (const field of BOOL_FIELDS) maybe(field, () => r.chance(0.5));
  maybe("verified_bot_category", () => r.pick(p.categories));
  maybe("detection_ids", () => r.some([...p.detectionIds, 7], 0, 3));
  maybe("ja3", () => (r.chance(0.8) ? r.pick(p.ja3) : r.hex(32)));
  maybe("ja4", () => {
    const [a, b, c] = [r.pick(p.ja4), r.pick(p.ja4), r.pick(p.ja4)];
    return r.chance(0.3) ? `${a.slice(0, 10)}_${b.slice(11, 23)}_${c.slice(24)}` : a;
  });
  maybe("host", () => r.pick(p.hosts));
  maybe("path", () => r.pick(p.paths));
  maybe("method", () => r.pick(p.methods));
  maybe("user_agent", () => r.pick(p.agents));
  maybe("ip", () => r.pick([`${r.pick(p.ipv4)}.${r.pick([1, 7, 200])}`, `${r.pick(p.ipv6)}::1`, "198.51.100.9", "::ffff:192.0.2.1"]));
  maybe("asn", () => r.pick(p.asns));
  maybe("country", () => r.pick([...p.countries, "GB"]));
  maybe("ja4_signals", () => Object.fromEntries(r.some(JA4_SIGNAL_KEYS, 0, 4).map((k) => [k, r.pick([0, 0.01, 0.5, 1, 2, 500])])));
  maybe("risk", () => {
    const risk: Record<string, unknown> = {};
    for (const [path, type] of r.some(p.riskLeaves, 1, 6)) setPath(risk, path.split("."), type === "Bool" ? r.chance(0.5) : type === "Int" ? r.int(0, 5) : r.pick([...p.countries, "Chrome", "curl"]));
    return risk;
  });
  return request;
}

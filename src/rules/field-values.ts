/**
 * The value validators of the Rules-language fields whose values have a fixed form (JA3, JA4 and
 * its sections, country, AS number, method, IP, and fields only raw expressions read: continent,
 * WAF score class, HTTP version, URI, full URI, extension, region, port; plus the verified bot
 * category and the path, for lowering).
 * One implementation, used by the type checker (for
 * raw expressions and lowered conditions alike) and by lowering (for located policy diagnostics).
 * No Node APIs: the Worker runs it too.
 */
import type { Expr } from "./ast.js";
import { ipProblem } from "./ip-address.js";

/** Why a value cannot match its field, with a fix when there is an obvious one. */
export interface ValueProblem {
  reason: string;
  hint?: string;
}

/** The forms a field's values take; `ja4_a`…`ja4_c` are the sections of a JA4 (FoxIO spec). */
export type ValueFormat = "ja3" | "ja4" | "ja4_a" | "ja4_b" | "ja4_c" | "country" | "asn" | "method" | "ip";

/**
 * The forms of values of fields only raw expressions use (no policy field stands for them), each
 * taken from Cloudflare's documentation (cloudflare/cloudflare-docs `src/content/fields/index.yaml`
 * unless said otherwise at the value list).
 */
export type RulesValueFormat =
  | "continent"
  | "verified_bot_category"
  | "waf_score_class"
  | "http_version"
  | "path"
  | "full_uri"
  | "extension"
  | "subdivision"
  | "port"
  | "lowercase"
  | "uppercase";

/**
 * Rules-language fields whose values have a fixed form. The rules-only formats are keyed only to
 * fields no policy field stands for: a policy's `when:` values are checked by lowering, with their
 * own codes, before the condition reaches the type checker (`verified_bot_category` and `path` are
 * policy fields, so their forms are here for lowering to use, not keyed below).
 */
const FIELD_FORMATS: ReadonlyMap<string, ValueFormat | RulesValueFormat> = new Map<string, ValueFormat | RulesValueFormat>([
  ["cf.bot_management.ja3_hash", "ja3"],
  ["cf.bot_management.ja4", "ja4"],
  ["ip.src.country", "country"],
  ["ip.geoip.country", "country"],
  ["ip.src.asnum", "asn"],
  ["ip.geoip.asnum", "asn"],
  ["http.request.method", "method"],
  ["ip.src", "ip"],
  ["ip.src.continent", "continent"],
  ["ip.geoip.continent", "continent"],
  ["cf.waf.score.class", "waf_score_class"],
  ["http.request.version", "http_version"],
  ["raw.http.request.uri.path", "path"],
  ["http.request.uri", "path"],
  ["raw.http.request.uri", "path"],
  ["http.request.full_uri", "full_uri"],
  ["raw.http.request.full_uri", "full_uri"],
  ["http.request.uri.path.extension", "extension"],
  ["ip.src.subdivision_1_iso_code", "subdivision"],
  ["ip.geoip.subdivision_1_iso_code", "subdivision"],
  ["ip.src.subdivision_2_iso_code", "subdivision"],
  ["ip.geoip.subdivision_2_iso_code", "subdivision"],
  ["cf.edge.server_port", "port"],
]);

/** `ip.src.continent`: "Values: AF, AN, AS, EU, NA, OC, SA, T1 (Tor network)". */
const CONTINENTS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA", "T1"];

/**
 * `cf.verified_bot_category`: the "String value" of each category on Cloudflare's Verified bots
 * page (cloudflare-docs `src/content/docs/bots/concepts/bot/verified-bots/index.mdx`, where the
 * field links; `Archiver` is newer than the older reference page's list).
 */
const VERIFIED_BOT_CATEGORIES = [
  "Academic Research", "Accessibility", "Advertising & Marketing", "Aggregator", "AI Assistant", "AI Crawler", "AI Search", "Archiver", "Feed Fetcher",
  "Monitoring & Analytics", "Page Preview", "Search Engine Crawler", "Search Engine Optimization", "Security", "Social Media Marketing",
  "Webhooks", "Other",
];

/** `cf.waf.score.class`: "Can have one of the following values: attack, likely_attack, likely_clean, clean". */
const WAF_SCORE_CLASSES = ["attack", "likely_attack", "likely_clean", "clean"];

/**
 * `http.request.version`: the documented examples are "HTTP/1.1" and "HTTP/3", so the form is
 * uppercase `HTTP/` and a version, and HTTP/2 and HTTP/3 have no minor version (RFC 9113, 9114).
 * The documentation gives no closed list, so any other well-formed version (HTTP/1.2, which many
 * published rules test) is accepted rather than refused on a guess.
 */
const HTTP_VERSION_FORM = /^HTTP\/\d(\.\d)?$/;

/** The character ranges `[start, end)` of a JA4's sections. */
const JA4_SECTIONS: Readonly<Record<"ja4_a" | "ja4_b" | "ja4_c", readonly [number, number]>> = {
  ja4_a: [0, 10],
  ja4_b: [11, 23],
  ja4_c: [24, 36],
};

const JA3 = /^[0-9a-f]{32}$/;
const JA4_A = /^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[di]\d{2}\d{2}[0-9a-zA-Z]{2}$/;
const HEX12 = /^[0-9a-f]{12}$/;
/** A whole well-formed JA4 (`a_b_c`): one test for the common case, before any section is cut out. */
const JA4 = /^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[di]\d{2}\d{2}[0-9a-zA-Z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/;
const MAX_ASN = 4294967295;

/**
 * The value form of what an expression reads: a field with a fixed form, or a JA4 section cut
 * with `substring(cf.bot_management.ja4, start, end)`; `undefined` for anything else.
 */
export function valueFormatOf(subject: Expr): ValueFormat | RulesValueFormat | undefined {
  if (subject.kind === "field") return subject.index === undefined ? FIELD_FORMATS.get(subject.name) : undefined;
  // What lower()/upper() return has one case only (the functions' documentation): a literal in the other never matches.
  if (subject.kind === "call" && subject.name === "lower") return "lowercase";
  if (subject.kind === "call" && subject.name === "upper") return "uppercase";
  if (subject.kind !== "call" || subject.name !== "substring") return undefined;
  const [base, start, end] = subject.args;
  if (base?.kind !== "field" || base.name !== "cf.bot_management.ja4" || start?.kind !== "literal" || end?.kind !== "literal") return undefined;
  const [from, to] = [start.literal.value, end.literal.value];
  for (const [section, [s, e]] of Object.entries(JA4_SECTIONS)) {
    if (from === s && to === e) return section as ValueFormat;
  }
  return undefined;
}

/** Why a value does not fit a field's form, or `undefined` when it fits. */
export function valueProblem(format: ValueFormat | RulesValueFormat, value: string | number): ValueProblem | undefined {
  const text = String(value);
  switch (format) {
    case "continent":
      return oneOf(text, CONTINENTS, "a continent is one of the codes AF, AN, AS, EU, NA, OC, SA, or T1 for Tor");
    case "verified_bot_category":
      return oneOf(text, VERIFIED_BOT_CATEGORIES, "Cloudflare's verified bot categories are exact, case-sensitive names such as 'Search Engine Crawler'");
    case "waf_score_class":
      return oneOf(text, WAF_SCORE_CLASSES, "the WAF attack score class is one of attack, likely_attack, likely_clean, clean");
    case "http_version": {
      const major = /^http\/([23])\.0$/i.exec(text)?.[1];
      if (major !== undefined) return { reason: `HTTP/${major} has no minor version`, hint: `write 'HTTP/${major}'.` };
      if (HTTP_VERSION_FORM.test(text)) return undefined;
      const fixed = text.toUpperCase();
      return HTTP_VERSION_FORM.test(fixed) ? { reason: "Cloudflare writes the version as HTTP/1.1 or HTTP/3", hint: `write '${fixed}'.` } : { reason: "Cloudflare writes the version as HTTP/1.1 or HTTP/3" };
    }
    case "path":
      // A request line's target is a path; only `OPTIONS *` has none.
      if (text.startsWith("/") || text === "*") return undefined;
      return { reason: "a request path starts with '/'", hint: `write '/${text}'.` };
    case "full_uri":
      if (/^https?:\/\//.test(text)) return undefined;
      return /^https?:\/\//i.test(text)
        ? { reason: "Cloudflare gives the scheme in lowercase", hint: `write '${text.replace(/^https?/i, (scheme) => scheme.toLowerCase())}'.` }
        : { reason: "a full URI starts with 'http://' or 'https://'" };
    case "extension":
      if (/^[^.A-Z]*$/.test(text)) return undefined;
      return {
        reason: "Cloudflare gives the extension lowercased and without the dot",
        hint: `write '${text.slice(text.lastIndexOf(".") + 1).toLowerCase()}'.`,
      };
    case "subdivision":
      // "When the actual value is not available, this field contains an empty string."
      if (/^([A-Z]{2}-[A-Z0-9]{1,3})?$/.test(text)) return undefined;
      return /^[a-z]{2}-[a-z0-9]{1,3}$/i.test(text)
        ? { reason: "Cloudflare gives region codes in uppercase", hint: `write '${text.toUpperCase()}'.` }
        : { reason: "a region is an ISO 3166-2 code such as 'GB-ENG'" };
    case "lowercase":
      return /[A-Z]/.test(text) ? { reason: "lower() gives lowercase text", hint: `write '${text.toLowerCase()}'.` } : undefined;
    case "uppercase":
      return /[a-z]/.test(text) ? { reason: "upper() gives uppercase text", hint: `write '${text.toUpperCase()}'.` } : undefined;
    case "port":
      // "The value is a port number in the range 1–65535."
      return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : { reason: "a port is an integer from 1 to 65535" };
    case "ja3":
      if (JA3.test(text)) return undefined;
      return withLowercaseHint({ reason: "a JA3 is 32 lowercase hex characters" }, text, JA3);
    case "ja4":
    case "ja4_a":
    case "ja4_b":
    case "ja4_c": {
      const problem = ja4Problem(text, format === "ja4" ? undefined : (format.slice(4) as "a" | "b" | "c"));
      if (problem === undefined) return undefined;
      const fixed = text.toLowerCase();
      const fixable = fixed !== text && ja4Problem(fixed, format === "ja4" ? undefined : (format.slice(4) as "a" | "b" | "c")) === undefined;
      return fixable ? { reason: `${problem} (JA4 fingerprints are lowercase)`, hint: `write '${fixed}'.` } : { reason: problem };
    }
    case "country":
      if (/^[A-Z][A-Z0-9]$/.test(text)) return undefined;
      return /^[a-z][a-z0-9]$/i.test(text)
        ? { reason: "Cloudflare gives country codes in uppercase", hint: `write '${text.toUpperCase()}'.` }
        : { reason: "a country is two letters (ISO 3166-1 alpha-2), or 'T1' for Tor" };
    case "asn":
      return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_ASN
        ? undefined
        : { reason: `an AS number is an integer from 1 to ${MAX_ASN}` };
    case "method":
      if (/^[A-Z]+$/.test(text)) return undefined;
      return /^[A-Za-z]+$/.test(text)
        ? { reason: "Cloudflare gives the method in uppercase", hint: `write '${text.toUpperCase()}'.` }
        : { reason: "an HTTP method is a word of uppercase letters" };
    case "ip":
      return ipProblem(text, true);
  }
}

/**
 * Says what is wrong with a JA4 fingerprint or one of its sections (`a`, `b`, `c`), or nothing
 * when it is well formed (FoxIO JA4 spec: `a_b_c`, 36 characters).
 */
function ja4Problem(value: string, section?: "a" | "b" | "c"): string | undefined {
  if (section === "a") return JA4_A.test(value) ? undefined : describeSectionA(value);
  if (section === "b" || section === "c") {
    if (HEX12.test(value)) return undefined;
    return value.length === 12 ? `section ${section} is 12 lowercase hex characters` : `section ${section} is 12 lowercase hex characters, this one has ${value.length}`;
  }
  if (JA4.test(value)) return undefined;
  if (value.length !== 36) return `a JA4 is 36 characters (a_b_c), this one has ${value.length}`;
  const [a = "", b = "", c = ""] = value.split("_");
  return ja4Problem(a, "a") ?? ja4Problem(b, "b") ?? ja4Problem(c, "c");
}

function describeSectionA(value: string): string {
  if (value.length !== 10) return `section a is 10 characters, this one has ${value.length}`;
  if (!/^[tqd]/.test(value)) return `section a starts with the protocol 't', 'q' or 'd'`;
  if (!/^.(13|12|11|10|s3|s2|d1|d2|d3|00)/.test(value)) return `section a has an unknown TLS version '${value.slice(1, 3)}'`;
  if (!/^...[di]/.test(value)) return `section a has 'd' (SNI) or 'i' (no SNI) as its 4th character`;
  if (!/^....\d{4}/.test(value)) return `section a has two 2-digit counts (ciphers, extensions) after the SNI flag`;
  return `section a ends with two letters or digits of ALPN`;
}

/** A value from a closed list; a value that differs only in case (or spacing) gets the listed spelling as its fix. */
function oneOf(text: string, values: readonly string[], reason: string): ValueProblem | undefined {
  if (values.includes(text)) return undefined;
  const loose = (value: string) => value.toLowerCase().replace(/[\s_-]+/g, " ").trim();
  const fix = values.find((value) => loose(value) === loose(text));
  return fix === undefined ? { reason } : { reason, hint: `write '${fix}'.` };
}

function withLowercaseHint(problem: ValueProblem, text: string, form: RegExp): ValueProblem {
  const fixed = text.toLowerCase();
  return fixed !== text && form.test(fixed) ? { ...problem, hint: `write '${fixed}'.` } : problem;
}

/**
 * The value validators of the Rules-language fields whose values have a fixed form (JA3, JA4 and
 * its sections, country, AS number, method, IP). One implementation, used by the type checker (for
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

/** Rules-language fields whose values have a fixed form. */
const FIELD_FORMATS: ReadonlyMap<string, ValueFormat> = new Map([
  ["cf.bot_management.ja3_hash", "ja3"],
  ["cf.bot_management.ja4", "ja4"],
  ["ip.src.country", "country"],
  ["ip.geoip.country", "country"],
  ["ip.src.asnum", "asn"],
  ["ip.geoip.asnum", "asn"],
  ["http.request.method", "method"],
  ["ip.src", "ip"],
]);

/** The character ranges `[start, end)` of a JA4's sections. */
const JA4_SECTIONS: Readonly<Record<"ja4_a" | "ja4_b" | "ja4_c", readonly [number, number]>> = {
  ja4_a: [0, 10],
  ja4_b: [11, 23],
  ja4_c: [24, 36],
};

const JA3 = /^[0-9a-f]{32}$/;
const JA4_A = /^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[di]\d{2}\d{2}[0-9a-zA-Z]{2}$/;
const HEX12 = /^[0-9a-f]{12}$/;
const MAX_ASN = 4294967295;

/**
 * The value form of what an expression reads: a field with a fixed form, or a JA4 section cut
 * with `substring(cf.bot_management.ja4, start, end)`; `undefined` for anything else.
 */
export function valueFormatOf(subject: Expr): ValueFormat | undefined {
  if (subject.kind === "field") return subject.index === undefined ? FIELD_FORMATS.get(subject.name) : undefined;
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
export function valueProblem(format: ValueFormat, value: string | number): ValueProblem | undefined {
  const text = String(value);
  switch (format) {
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

function withLowercaseHint(problem: ValueProblem, text: string, form: RegExp): ValueProblem {
  const fixed = text.toLowerCase();
  return fixed !== text && form.test(fixed) ? { ...problem, hint: `write '${fixed}'.` } : problem;
}

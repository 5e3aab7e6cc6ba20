import { isIP } from "node:net";

const JA3 = /^[0-9a-f]{32}$/;
const JA4_A = /^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[di]\d{2}\d{2}[0-9a-zA-Z]{2}$/;
const HEX12 = /^[0-9a-f]{12}$/;

/** True for a JA3 hash: 32 lowercase hex characters. */
export function isJa3(value: string): boolean {
  return JA3.test(value);
}

/**
 * Says what is wrong with a JA4 fingerprint or one of its sections (`a`, `b`, `c`), or nothing
 * when it is well formed (FoxIO JA4 spec: `a_b_c`, 36 characters).
 */
export function ja4Problem(value: string, section?: "a" | "b" | "c"): string | undefined {
  if (section === "a") return JA4_A.test(value) ? undefined : describeSectionA(value);
  if (section === "b" || section === "c") {
    return HEX12.test(value) ? undefined : `section ${section} is 12 lowercase hex characters`;
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

/** True for an IPv4 or IPv6 address, or a CIDR range of one. */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return isIP(value) !== 0;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const version = isIP(address);
  if (version === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/** True for an ISO 3166-1 alpha-2 country code as Cloudflare writes it (uppercase), or Tor's `T1`. */
export function isCountry(value: string): boolean {
  return /^[A-Z][A-Z0-9]$/.test(value);
}

/** True for a 32-bit AS number. */
export function isAsn(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 4294967295;
}

/**
 * IPv4 and IPv6 addresses as numbers, shared by the lexer (validation), the printer (validation)
 * and the evaluator (matching). IPv4 fits a double exactly; IPv6 needs a bigint.
 */

/** A parsed address: IPv4 as an unsigned 32-bit number, IPv6 as a 128-bit bigint. */
export type IpAddress = { version: 4; value: number } | { version: 6; value: bigint };

/** An inclusive range of addresses of one family, e.g. from a CIDR. */
export type IpRange =
  | { version: 4; first: number; last: number }
  | { version: 6; first: bigint; last: bigint };

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Reads `text[start, end)` as dotted IPv4: four parts of 1-3 digits, each at most 255, without
 * leading zeros (Rust's parser, and so Cloudflare's, rejects "010", which could be read as
 * octal). A scan rather than a regex: every set item is read this way, so it must not allocate.
 */
function scanIpv4(text: string, start: number, end: number): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots += 1;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 3 || (digits === 1 && octet === 0)) return undefined;
      octet = octet * 10 + (c - 0x30);
      digits += 1;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || dots !== 3) return undefined;
  return value * 256 + octet;
}

function parseIpv4(text: string): number | undefined {
  return scanIpv4(text, 0, text.length);
}

function parseGroups(parts: string[], allowTrailingIpv4: boolean): number[] | undefined {
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (allowTrailingIpv4 && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const gap = text.indexOf("::");
  let groups: number[];
  if (gap === -1) {
    const all = parseGroups(text.split(":"), true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  } else {
    if (text.indexOf("::", gap + 1) !== -1) return undefined;
    const headText = text.slice(0, gap);
    const tailText = text.slice(gap + 2);
    const head = headText === "" ? [] : parseGroups(headText.split(":"), false);
    const tail = tailText === "" ? [] : parseGroups(tailText.split(":"), true);
    if (head === undefined || tail === undefined) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** Parses a plain IPv4 or IPv6 address (no prefix, no zone); `undefined` when invalid. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

/** An address as one value: IPv4 as a number, IPv6 as a bigint (the version is the JS type). */
export type IpValue = number | bigint;

/**
 * Parses an address like `parseIpAddress`, to its bare value: for the evaluator, which parses a
 * request's IP once per request. IPv4 is read without a regex or an allocation; any text that is
 * not IPv4 is read as IPv6 when it has a ':' (as parseIpAddress decides), else refused.
 */
export function parseIpValue(text: string): IpValue | undefined {
  return scanIpv4(text, 0, text.length) ?? notIpv4(text);
}

function notIpv4(text: string): bigint | undefined {
  return text.includes(":") ? parseIpv6(text) : undefined;
}

/**
 * Which well-formed IPv4 form `text` is: a plain address (`ip`), a CIDR whose host bits are all
 * 0 (`cidr`), or neither (`undefined`: some other form, valid or not, for the full parsers to
 * judge). The common case of every IP set item, read without allocating.
 */
export function ipv4Form(text: string): "ip" | "cidr" | undefined {
  const slash = text.indexOf("/");
  const address = scanIpv4(text, 0, slash === -1 ? text.length : slash);
  if (address === undefined) return undefined;
  if (slash === -1) return "ip";
  // The prefix as parseCidr reads it: 1-3 digits, at most 32.
  const digits = text.length - slash - 1;
  if (digits < 1 || digits > 3) return undefined;
  let prefix = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    prefix = prefix * 10 + (c - 0x30);
  }
  if (prefix > 32) return undefined;
  return address % 2 ** (32 - prefix) === 0 ? "cidr" : undefined;
}

/** Parses `address/prefix` into its range, or says why it is not a valid CIDR. */
export function parseCidr(text: string): { ok: true; range: IpRange } | { ok: false; reason: string } {
  const slash = text.indexOf("/");
  if (slash === -1) return { ok: false, reason: `'${text}' has no '/prefix'` };
  const v4 = scanIpv4(text, 0, slash);
  const address: IpAddress | undefined = v4 !== undefined ? { version: 4, value: v4 } : parseIpAddress(text.slice(0, slash));
  if (address === undefined) return { ok: false, reason: `'${text.slice(0, slash)}' is not a valid IP address` };
  const prefixText = text.slice(slash + 1);
  const maxPrefix = address.version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return { ok: false, reason: `'/${prefixText}' is not a valid prefix length (0-${maxPrefix})` };
  }
  const prefix = Number(prefixText);
  if (address.version === 4) {
    const size = 2 ** (32 - prefix);
    const first = address.value - (address.value % size);
    if (first !== address.value) {
      return { ok: false, reason: `'${text}' has host bits set; the network is '${formatIpv4(first)}/${prefix}'` };
    }
    return { ok: true, range: { version: 4, first, last: first + size - 1 } };
  }
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  if ((address.value & hostMask) !== 0n) {
    return { ok: false, reason: `'${text}' has host bits set; the network is '${formatIpv6(address.value & ~hostMask)}/${prefix}'` };
  }
  return { ok: true, range: { version: 6, first: address.value, last: address.value | hostMask } };
}

/** The range covering exactly one address. */
export function singleAddressRange(address: IpAddress): IpRange {
  return address.version === 4
    ? { version: 4, first: address.value, last: address.value }
    : { version: 6, first: address.value, last: address.value };
}

/** Why a policy IP value is refused (Cloudflare would refuse it, or it could never match), or nothing. */
export interface IpProblem {
  reason: string;
  hint?: string;
}

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Checks an IP address (or, with `allowCidr`, a CIDR) as Cloudflare reads it: its engine parses
 * with Rust's `IpAddr`/`cidr` (no zone index, no host bits in a CIDR). An IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`) parses there but never equals `ip.src`, which holds an IPv4
 * client as IPv4, so it is refused too, with the IPv4 form as a hint.
 */
export function ipProblem(text: string, allowCidr: boolean): IpProblem | undefined {
  const form = ipv4Form(text);
  if (form === "ip" || (form === "cidr" && allowCidr)) return undefined;
  if (text.includes("%")) {
    return { reason: "an IPv6 zone index ('%…') names an interface of one host; Cloudflare's rules take none", hint: `write '${text.replace(/%[^/]*/, "")}'.` };
  }
  const slash = text.indexOf("/");
  if (slash >= 0) {
    if (!allowCidr) return { reason: "a CIDR range is not one address" };
    const cidr = parseCidr(text);
    if (!cidr.ok) {
      const network = /the network is '([^']+)'/.exec(cidr.reason)?.[1];
      return network === undefined ? { reason: cidr.reason } : { reason: "host bits are set (all bits after the prefix must be 0)", hint: `the network is '${network}'.` };
    }
    const mapped = mappedIpv4(parseIpAddress(text.slice(0, slash)));
    return mapped === undefined ? undefined : mappedProblem(`${mapped}/${Math.max(0, Number(text.slice(slash + 1)) - 96)}`);
  }
  const address = parseIpAddress(text);
  if (address === undefined) return { reason: "not an IPv4 or IPv6 address" };
  const mapped = mappedIpv4(address);
  return mapped === undefined ? undefined : mappedProblem(mapped);
}

function mappedIpv4(address: IpAddress | undefined): string | undefined {
  if (address?.version !== 6 || address.value >> 32n !== 0xffffn) return undefined;
  return formatIpv4(Number(address.value - IPV4_MAPPED_PREFIX));
}

function mappedProblem(ipv4: string): IpProblem {
  return { reason: "an IPv4-mapped IPv6 address never matches: Cloudflare gives IPv4 clients as IPv4", hint: `write '${ipv4}'.` };
}

function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  // Compress the longest run of two or more zero groups (RFC 5952).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** An address as text the parser reads back: dotted IPv4, or eight hex groups of IPv6 (uncompressed). */
export function formatIpAddress(address: IpAddress): string {
  if (address.version === 4) return [address.value >>> 24, (address.value >>> 16) & 255, (address.value >>> 8) & 255, address.value & 255].join(".");
  return Array.from({ length: 8 }, (_, i) => ((address.value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16)).join(":");
}

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

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): number | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = match[i] as string;
    // Rust's parser (and so Cloudflare's) rejects leading zeros: "010" could be read as octal.
    if (part.length > 1 && part.startsWith("0")) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
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

/** Parses `address/prefix` into its range, or says why it is not a valid CIDR. */
export function parseCidr(text: string): { ok: true; range: IpRange } | { ok: false; reason: string } {
  const slash = text.indexOf("/");
  if (slash === -1) return { ok: false, reason: `'${text}' has no '/prefix'` };
  const address = parseIpAddress(text.slice(0, slash));
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
    return { ok: false, reason: `'${text}' has host bits set` };
  }
  return { ok: true, range: { version: 6, first: address.value, last: address.value | hostMask } };
}

/** The range covering exactly one address. */
export function singleAddressRange(address: IpAddress): IpRange {
  return address.version === 4
    ? { version: 4, first: address.value, last: address.value }
    : { version: 6, first: address.value, last: address.value };
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

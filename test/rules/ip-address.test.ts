import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { valueProblem } from "../../src/rules/field-values.js";
import { ipProblem, ipv4Form, parseCidr, parseIpAddress, parseIpValue } from "../../src/rules/ip-address.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

/** IPv4 as the regex-based reader read it before the scanner: the reference the scan must equal. */
function referenceIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith("0")) return undefined;
    if (Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Text near IPv4 and CIDR forms: digits with leading zeros, out-of-range octets, stray signs. */
const nearIpv4 = fc
  .array(fc.constantFrom("0", "1", "2", "5", "9", "25", "255", "256", "010", "1000", ".", ".", ".", "/", "/8", "/32", "/33", "/024", ":", "%", " ", "\n", "a"), { maxLength: 12 })
  .map((parts) => parts.join(""));

const octet = fc.integer({ min: 0, max: 255 });
const wellFormed = fc.tuple(octet, octet, octet, octet, fc.option(fc.integer({ min: 0, max: 40 }))).map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}${prefix === null ? "" : `/${prefix}`}`);

describe("IPv4 scanning", () => {
  it("reads IPv4 exactly as the regex-based reader did", () => {
    fc.assert(
      fc.property(fc.oneof(nearIpv4, wellFormed), (text) => {
        const reference = referenceIpv4(text);
        const parsed = parseIpAddress(text);
        if (!text.includes(":")) expect(parsed === undefined ? undefined : parsed.value).toBe(reference);
        if (reference !== undefined) expect(parseIpValue(text)).toBe(reference);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it("names a well-formed IPv4 address or CIDR exactly when the full parsers accept it", () => {
    fc.assert(
      fc.property(fc.oneof(nearIpv4, wellFormed), (text) => {
        const form = ipv4Form(text);
        const cidr = text.includes("/") ? parseCidr(text) : undefined;
        const isCidr = cidr !== undefined && cidr.ok && cidr.range.version === 4;
        const isIp = !text.includes("/") && parseIpAddress(text)?.version === 4;
        expect(form).toBe(isCidr ? "cidr" : isIp ? "ip" : undefined);
        // The shortcut in ipProblem never hides a problem the full check finds.
        if (form !== undefined) expect(ipProblem(text, true)).toBeUndefined();
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it("keeps the reasons of refused IPv4 forms", () => {
    expect(ipProblem("192.0.2.1/24", true)).toEqual({ reason: "host bits are set (all bits after the prefix must be 0)", hint: "the network is '192.0.2.0/24'." });
    expect(ipProblem("192.0.2.0/24", false)).toEqual({ reason: "a CIDR range is not one address" });
    expect(ipProblem("192.0.2.010", true)).toEqual({ reason: "not an IPv4 or IPv6 address" });
    expect(ipv4Form("10.0.0.0/024")).toBe("cidr");
    expect(ipv4Form("0.0.0.0/0")).toBe("cidr");
    expect(ipv4Form("10.0.0.0/")).toBeUndefined();
  });
});

describe("JA4 checking", () => {
  const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });
  const noisy = (length: number) => fc.string({ unit: fc.constantFrom("0", "a", "f", "F", "g", "_"), minLength: length - 1, maxLength: length + 1 });
  const hexText = (length: number) => fc.oneof({ weight: 4, arbitrary: hex(length) }, { weight: 1, arbitrary: noisy(length) });
  const sectionA = fc
    .tuple(fc.constantFrom("t", "q", "d", "x"), fc.constantFrom("13", "s3", "00", "99"), fc.constantFrom("d", "i", "x"), fc.constantFrom("1516", "0910", "15a6"), fc.constantFrom("h2", "00", "H2", "_2"))
    .map((parts) => parts.join(""));

  it("accepts a whole JA4 exactly when each of its sections is well formed", () => {
    let accepted = 0;
    fc.assert(
      fc.property(sectionA, hexText(12), hexText(12), (a, b, c) => {
        const ja4 = `${a}_${b}_${c}`;
        const sections = valueProblem("ja4_a", a) === undefined && valueProblem("ja4_b", b) === undefined && valueProblem("ja4_c", c) === undefined;
        const ok = valueProblem("ja4", ja4) === undefined;
        expect(ok).toBe(ja4.length === 36 && sections);
        if (ok) accepted++;
      }),
      { numRuns: propertyRuns(2000) },
    );
    // Both answers were exercised, not only refusals.
    expect(accepted).toBeGreaterThan(20);
  });
});

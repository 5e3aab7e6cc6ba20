import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIpAddress, parseIpValue } from "../../src/rules/ip-address.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

/** The slot program parses a request's IP with parseIpValue: it must read every text as parseIpAddress does. */
describe("property: parseIpValue reads addresses as parseIpAddress", () => {
  const octet = fc.oneof(fc.nat(300).map(String), fc.constantFrom("0", "00", "01", "010", "255", "256", "1000"));
  const text = fc.oneof(
    fc.array(octet, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
    fc.string({ unit: fc.constantFrom("0", "1", "9", "2", "5", ".", ":", "a", "f", "x", "%", "１"), maxLength: 20 }),
    fc.array(fc.nat(0xffff).map((g) => g.toString(16)), { minLength: 1, maxLength: 9 }).map((groups) => groups.join(":")),
    fc.constantFrom("::", "::1", "300::1", "1234::1", "01::", "::ffff:192.0.2.1", "1.2.3.4:80", "fe80::1%eth0", ""),
  );

  it("agrees on every text", () => {
    let addresses = 0;
    fc.assert(
      fc.property(text, (value) => {
        const expected = parseIpAddress(value)?.value;
        expect(parseIpValue(value)).toBe(expected);
        if (expected !== undefined) addresses++;
      }),
      { numRuns: propertyRuns(5000) },
    );
    // Not vacuous: many texts are addresses.
    expect(addresses).toBeGreaterThan(500);
  });
});

import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../../src/rules/hmac-sha256.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("hmacSha256", () => {
  it("gives RFC 4231's test case 2", () => {
    const enc = new TextEncoder();
    expect(hex(hmacSha256(enc.encode("Jefe"), enc.encode("what do ya want for nothing?")))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("equals Node's HMAC for keys and messages around the block boundaries", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 200 }), (key, message) => {
        expect(hex(hmacSha256(key, message))).toBe(createHmac("sha256", key).update(message).digest("hex"));
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

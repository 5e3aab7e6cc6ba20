import { describe, expect, it } from "vitest";
import { checkPolicies } from "../../src/compile/compile-project.js";

const NOW = new Date("2026-11-21T00:00:00Z");

/** A one-zone policy of block rules, each given as its `when` in flow style. */
function policy(whens: readonly string[]): string {
  const rules = whens.map((when, i) => `  - id: r${i}\n    when: ${when}\n    action: block\n`).join("");
  return `version: 1\npolicy: shop\nzones: [shop]\nrules:\n${rules}`;
}

/** Each BP601 as "rule <- the earlier rule reported". */
function unreachable(whens: readonly string[]): string[] {
  const { diagnostics } = checkPolicies({ files: new Map([["policies/shop.yaml", policy(whens)]]), now: NOW });
  return diagnostics.filter((d) => d.code === "BP601").map((d) => d.message.match(/'shop\/(r\d+)'.*'shop\/(r\d+)'/)!.slice(1).join(" <- "));
}

describe("BP601 (a rule an earlier one always matches first)", () => {
  it("names the first earlier rule that implies it, whatever fields the earlier rules test", () => {
    // r0 tests the IP, r1 the score: different fields, yet each implies r2.
    const ipFirst = ["{ ip: 10.0.0.0/8 }", "{ bot_score: { lt: 50 } }", "{ ip: 10.1.0.0/16, bot_score: { lt: 10 } }"];
    expect(unreachable(ipFirst)).toEqual(["r2 <- r0"]);
    const scoreFirst = [ipFirst[1]!, ipFirst[0]!, ipFirst[2]!];
    expect(unreachable(scoreFirst)).toEqual(["r2 <- r0"]);
    // The earliest rule, not the earliest kind of rule: r0 tests the IP too but implies nothing.
    const interleaved = ["{ ip: 192.168.0.0/16 }", ipFirst[1]!, ipFirst[0]!, ipFirst[2]!];
    expect(unreachable(interleaved)).toEqual(["r3 <- r1"]);
  });

  it("finds what an earlier rule's conjuncts or a function test imply, and not what they only overlap", () => {
    const whens = [
      "{ path: { starts_with: /admin/ } }",
      "{ path: { starts_with: /admin/ }, method: POST }",
      "{ path: { starts_with: /api/ }, method: POST }",
      "{ bot_score: { lt: 30 }, verified_bot: false }",
      "{ bot_score: { lt: 20 }, verified_bot: false, path: { starts_with: /cart/ } }",
      "{ bot_score: { lt: 40 }, verified_bot: false }",
    ];
    expect(unreachable(whens)).toEqual(["r1 <- r0", "r4 <- r3"]);
  });

  it("compares a rule with at most 10,000 earlier ones in a zone, in order", () => {
    // Rules on distinct ASNs, so none implies another; then a copy of the first. With k rules
    // before it, the copy costs k pairs on top of k(k-1)/2 for the rules before.
    const distinct = Array.from({ length: 150 }, (_, i) => `{ asn: ${64496 + i} }`);
    const copyAt = (k: number) => [...distinct.slice(0, k), distinct[0]!];
    expect(unreachable(copyAt(140))).toEqual(["r140 <- r0"]);
    // 141 · 140 / 2 = 9,870 pairs before the copy, whose first pair is the 9,871st: still compared.
    expect(unreachable(copyAt(141))).toEqual(["r141 <- r0"]);
    // 142 · 141 / 2 = 10,011: the budget is spent before the copy is reached.
    expect(unreachable(copyAt(142))).toEqual([]);
  });
});

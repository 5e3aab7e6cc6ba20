import { describe, expect, it } from "vitest";
import { checkPolicies, compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decide } from "../../src/evaluate/decide.js";
import { projectFiles } from "../helpers/project-files.js";
import type { Mode, StackConfig, ZoneTier } from "../../src/model/stack.js";
import { prng } from "../helpers/prng.js";
import { makeProject } from "../helpers/run-cli.js";

// Values from each defect class of this check, mostly valid, mixed into random conditions: [valid, invalid].
const IPS = [["192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "0.0.0.0/0"], ["192.0.2.1/24", "fe80::1%eth0", "::ffff:192.0.2.1", "2001:db8::1/32"]] as const;
const STRINGS = [["US", "GET", "/x", "constructor"], ["us", "get", "T13D0912H1", "8daaf615277"]] as const;
const INTEGERS = [["1", "30", "99"], ["9007199254740993", "12345678901234567890"]] as const;
const SEED = 20261121;
const RUNS = 150;

function generate(random: () => number): { text: string; stack: StackConfig } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const value = (kinds: readonly [readonly string[], readonly string[]]): string => pick(random() < 0.9 ? kinds[0] : kinds[1]);
  const leaf = (): string =>
    pick([
      () => `{ ip: ${JSON.stringify(value(IPS))} }`,
      () => "{ ip: $ips }",
      () => "{ ip: { not_in: $ips } }",
      () => `{ ${pick(["country", "method", "ja4_a"])}: $strings }`,
      () => "{ ja4_b: { in: $strings } }",
      () => `{ country: ${JSON.stringify(value(STRINGS))} }`,
      () => `{ detection_ids: [${value(INTEGERS)}] }`,
      () => `{ bot_score: { lt: ${value(INTEGERS)} } }`,
      () => "{ ja4_signals: { browser_ratio_1h: { lt: 0.5 } } }",
      () => '{ path: { matches: "^/a" } }',
    ])();
  const when = (depth: number): string =>
    depth === 0 || random() < 0.4 ? leaf() : pick([`{ not: ${when(depth - 1)} }`, `{ any: [${when(depth - 1)}, ${when(depth - 1)}] }`, `{ all: [${when(depth - 1)}, ${when(depth - 1)}] }`]);
  const expires = random() < 0.5 ? "2020-01-01" : "2099-01-01";
  const rules = Array.from({ length: 1 + Math.floor(random() * 7) }, (_, i) => `  - id: r${i}\n    when: ${when(3)}\n    action: ${pick(["block", "log", "skip", "managed_challenge"])}\n`).join("");
  const header = random() < 0.5 ? `origin_headers:\n  ${pick(["__proto__", "x-a"])}: ${pick(["bot_score", "detection_ids", "country", "ja4_signals"])}\n` : "";
  const text = [
    "version: 1\npolicy: p\nzones: [shop]\n",
    `mode: ${pick(["enforce", "observe"])}\npriority: ${value(INTEGERS)}\n`,
    `sets:\n  ips: { type: ip, items: [{ value: ${JSON.stringify(value(IPS))}, expires: ${expires} }] }\n`,
    `  strings: { type: string, items: [{ value: ${JSON.stringify(value(STRINGS))}, expires: ${expires} }] }\n`,
    random() < 0.1 ? "" : `rules:\n${rules}`,
    header,
  ].join("");
  const mode = pick<Mode | undefined>([undefined, "observe"]);
  const plan = pick<ZoneTier>(["free", "pro", "business", "enterprise", "enterprise", "enterprise"]);
  return { text, stack: { name: "s", accountId: "a", ...(mode ? { mode } : {}), zones: [{ key: "shop", zoneId: "z", plan, routes: [] }] } };
}

describe("whatever validate accepts for a stack compiles for it", () => {
  it(`holds for ${RUNS} generated policies (seed ${SEED})`, () => {
    const random = prng(SEED);
    const now = new Date("2026-11-21T00:00:00Z");
    let accepted = 0;
    for (let run = 0; run < RUNS; run++) {
      const { text, stack } = generate(random);
      const files = projectFiles(makeProject({ "policies/p.yaml": text }));
      const checked = checkPolicies({ files, stack, now });
      if (checked.diagnostics.some((d) => d.severity === "error")) continue;
      accepted++;
      const compiled = compileProject({ files, stack, now });
      expect(compiled.diagnostics.filter((d) => d.severity === "error"), `run ${run} (seed ${SEED}):\n${text}`).toEqual([]);
      for (const plan of compiled.plans) decide(compileZoneProgram(plan), { "ip.src": "192.0.2.7", "ip.src.country": "US" });
    }
    // Enough policies get through for the property to mean something.
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });
});

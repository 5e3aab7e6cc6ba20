import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { projectFiles } from "../helpers/project-files.js";
import { MAX_EXPRESSION_LENGTH } from "../../src/compile/compile-zone.js";
import { packingMinimum, packSetItems, type CostedItem } from "../../src/compile/pack-set-items.js";
import { compileZoneProgram, decide } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import type { ZonePlan } from "../../src/model/zone-plan.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression, printSetItem } from "../../src/rules/print-expression.js";
import { prng } from "../helpers/prng.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

// ---------------------------------------------------------------------------------------------
// Seeded JA4 generation: large sets come from a seed, so fast-check shrinks a seed and a size
// instead of thousands of strings, and a failure is reproducible from two numbers.


const HEX = "0123456789abcdef";
const VERSIONS = ["13", "12", "11", "10", "s3", "d1"];
const ALPN = ["h2", "h1", "00", "dt"];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function hex(random: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += HEX[Math.floor(random() * 16)];
  return out;
}

/** One valid JA4 (FoxIO: `a_b_c`, 36 characters). */
function randomJa4(random: () => number): string {
  const counts = String(10 + Math.floor(random() * 90)) + String(10 + Math.floor(random() * 90));
  const a = `${pick(random, ["t", "q", "d"])}${pick(random, VERSIONS)}${pick(random, ["d", "i"])}${counts}${pick(random, ALPN)}`;
  return `${a}_${hex(random, 12)}_${hex(random, 12)}`;
}

/** `count` distinct JA4s from a seed. */
function ja4Set(seed: number, count: number): string[] {
  const random = prng(seed);
  const seen = new Set<string>();
  while (seen.size < count) seen.add(randomJa4(random));
  return [...seen];
}

/** What compile-zone pays per item: the printed item and one separating space. */
function costed(values: readonly string[]): Array<CostedItem<string>> {
  return values.map((value) => {
    const key = printSetItem({ type: "string", value });
    return { item: value, key, cost: key.length + 1 };
  });
}

/** The capacity compile-zone computes for a bare `cf.bot_management.ja4 in {…}` rule. */
const JA4_FIELD_PREFIX = printExpression({ kind: "in", left: { kind: "field", name: "cf.bot_management.ja4" }, items: [{ type: "string", value: "x" }] }).length - 3;
const JA4_CAPACITY = MAX_EXPRESSION_LENGTH - JA4_FIELD_PREFIX + 1;

function nonEmpty<T>(parts: readonly T[][]): number {
  return parts.filter((p) => p.length > 0).length;
}

function packJa4(values: readonly string[]): { parts: string[][]; salt: number; minimum: number } {
  const items = costed(values);
  const packed = packSetItems(items, JA4_CAPACITY);
  if (!packed) throw new Error("a JA4 is larger than a whole rule");
  return { ...packed, minimum: packingMinimum(items.map((i) => i.cost), JA4_CAPACITY) };
}

// ---------------------------------------------------------------------------------------------

// Arbitrary keys and costs (not only JA4s), with capacities small enough to need many parts.
const smallCase = fc
  .record({
    capacity: fc.integer({ min: 40, max: 400 }),
    keys: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 0, maxLength: 120 }),
    costSeed: fc.integer(),
  })
  .map(({ capacity, keys, costSeed }) => {
    const random = prng(costSeed);
    // Mostly small items, now and then one that fills a whole part.
    const items = keys.map((key, i) => ({ item: i, key, cost: random() < 0.05 ? capacity : 1 + Math.floor(random() * (capacity / 4)) }));
    return { capacity, items };
  });

describe("packSetItems: invariants", () => {
  it("every part fits the capacity and every item lands in exactly one part", () => {
    fc.assert(
      fc.property(smallCase, ({ capacity, items }) => {
        const parts = packSetItems(items, capacity)?.parts;
        expect(parts).toBeDefined();
        for (const part of parts!) expect(part.reduce((sum, i) => sum + items[i]!.cost, 0)).toBeLessThanOrEqual(capacity);
        const placed = parts!.flat().sort((a, b) => a - b);
        expect(placed).toEqual(items.map((_, i) => i));
        expect(parts!.length).toBeGreaterThanOrEqual(packingMinimum(items.map((i) => i.cost), capacity));
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it("is deterministic, and an item's part does not depend on the input order", () => {
    fc.assert(
      fc.property(smallCase, fc.integer(), ({ capacity, items }, shuffleSeed) => {
        const first = packSetItems(items, capacity)?.parts;
        expect(packSetItems(items, capacity)?.parts).toEqual(first);
        const random = prng(shuffleSeed);
        const shuffled = [...items].sort(() => random() - 0.5);
        const again = packSetItems(shuffled, capacity)!.parts;
        expect(again.map((part) => [...part].sort((a, b) => a - b))).toEqual(first!.map((part) => [...part].sort((a, b) => a - b)));
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("refuses a set holding an item larger than a whole part", () => {
    expect(packSetItems([{ item: "a", key: "a", cost: 11 }], 10)).toBeUndefined();
    expect(packSetItems([], 10)).toEqual({ parts: [[]], salt: 0 });
  });
});

describe("packSetItems: JA4 sets", () => {
  it("a fixed seeded 2,000-item JA4 set needs at most 1.3 × the packing minimum", () => {
    const { parts, minimum } = packJa4(ja4Set(2000, 2000));
    const ratio = nonEmpty(parts) / minimum;
    // Observed with seed 2000: 22 parts for a minimum of 20 (1.10).
    expect(ratio).toBeLessThanOrEqual(1.3);
  });

  /*
   * With plain jump hashing, 1.3 × the minimum was NOT a bound: a part that starts heavy stays
   * heavy as parts are added (it loses only ~1/(parts+1) of its items per extra part). Over 6,000
   * random sets of 500-3,000 JA4s that packer gave median 1.19, p95 1.32, p99 1.39, max 1.53, and
   * ~7% of sets over 1.3. The salted fallback (PACKING_TARGET) brings every set within 1.3 (0 of
   * 3,000 over, max exactly 1.30), at a cost in stability that the next test shows.
   */
  it("random sets of 500-3,000 JA4s need at most 1.3 × the packing minimum", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 500, max: 3000 }), (seed, size) => {
        const { parts, minimum } = packJa4(ja4Set(seed, size));
        expect(nonEmpty(parts) / minimum).toBeLessThanOrEqual(1.3);
      }),
      { numRuns: propertyRuns(120) },
    );
  });

  it("adding one item changes exactly one part unless it re-packs the set, which is rare", () => {
    let runs = 0;
    let sameCount = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 500, max: 3000 }), (seed, size) => {
        const values = ja4Set(seed, size + 1);
        const added = values.pop()!;
        const packedBefore = packJa4(values);
        const packedAfter = packJa4([...values, added]);
        const [before, after] = [packedBefore.parts, packedAfter.parts];
        runs++;
        if (after.length !== before.length || packedAfter.salt !== packedBefore.salt) {
          // A re-pack (the item's part was full): the count grew, or another hash packs tighter;
          // either way the new packing keeps the bound.
          expect(nonEmpty(after) / packedAfter.minimum).toBeLessThanOrEqual(1.3);
          return;
        }
        sameCount++;
        const changed = before.map((part, i) => JSON.stringify(part) !== JSON.stringify(after[i])).filter(Boolean).length;
        expect(changed).toBe(1);
        expect(after.find((part) => part.includes(added))).toBeDefined();
      }),
      // A set where the part count stays but the salted fallback switches hash (a re-pack).
      { numRuns: propertyRuns(200), examples: [[-1185417268, 503]] },
    );
    // Observed: no re-pack in ~98.6% of additions.
    expect(sameCount / runs).toBeGreaterThanOrEqual(0.9);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: a policy with a 2,000-item set, through compileProject and the zone evaluator.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function writeBigSetProject(items: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "bot-policy-pack-"));
  dirs.push(dir);
  mkdirSync(join(dir, "policies"));
  const yaml = [
    "version: 1",
    "policy: x",
    "zones: [shop]",
    "sets:",
    "  big:",
    "    type: ja4",
    "    items:",
    ...items.map((item) => `      - ${item}`),
    "rules:",
    "  - id: rule",
    "    when: { ja4: $big }",
    "    action: block",
    "",
  ].join("\n");
  writeFileSync(join(dir, "policies", "x.yaml"), yaml);
  return dir;
}

function compileOnlyZone(dir: string): ZonePlan {
  const result = compileProject({ files: projectFiles(dir), now: new Date("2026-01-01T00:00:00Z") });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.plans).toHaveLength(1);
  return result.plans[0]!;
}

function setItemsOf(expression: string): string[] {
  const parsed = parseExpression(expression);
  if (!parsed.ok) throw new Error(`emitted expression does not parse: ${parsed.error.message}`);
  if (parsed.expr.kind !== "in") throw new Error(`expected a bare set rule, got '${parsed.expr.kind}'`);
  return parsed.expr.items.map((item) => {
    if (item.type !== "string") throw new Error(`expected string items, got '${item.type}'`);
    return item.value;
  });
}

describe("compileProject: a 2,000-item JA4 set", () => {
  const values = ja4Set(42, 2001);
  const added = values.pop()!;

  it("is split into rules of at most 4,096 characters, refs x/rule#N, each item in exactly one rule", () => {
    const plan = compileOnlyZone(writeBigSetProject(values));
    const rules = plan.firewallCustom.rules;
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) {
      expect(rule.ref).toMatch(/^x\/rule#[1-9][0-9]*$/);
      expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
      expect(rule.action).toBe("block");
    }
    expect(new Set(rules.map((r) => r.ref)).size).toBe(rules.length);
    const emitted = rules.flatMap((r) => setItemsOf(r.expression));
    expect(emitted.sort()).toEqual([...values].sort());
    expect(rules.length / packingMinimum(costed(values).map((c) => c.cost), JA4_CAPACITY)).toBeLessThanOrEqual(1.3);

    const program = compileZoneProgram(plan);
    const evaluate = (fields: Parameters<typeof decide>[1]) => decide(program, fields);
    for (const ja4 of values.slice(0, 200)) {
      const request = requestFields({ ja4 });
      if ("error" in request) throw new Error(request.error);
      expect(evaluate(request.fields)).toMatchObject({ action: "block", rule: "x/rule", stage: "edge" });
    }
    const outsider = requestFields({ ja4: added });
    if ("error" in outsider) throw new Error(outsider.error);
    expect(evaluate(outsider.fields).action).toBe("pass");
  });

  it("adding one item to the YAML changes exactly one emitted rule", () => {
    const before = compileOnlyZone(writeBigSetProject(values)).firewallCustom.rules;
    const after = compileOnlyZone(writeBigSetProject([...values, added])).firewallCustom.rules;
    const byRef = (rules: typeof before) => new Map(rules.map((r) => [r.ref, JSON.stringify(r)]));
    const old = byRef(before);
    const now = byRef(after);
    const refs = [...new Set([...old.keys(), ...now.keys()])];
    const changed = refs.filter((ref) => old.get(ref) !== now.get(ref));
    expect(changed).toHaveLength(1);
    const [ref] = changed;
    expect(after.find((r) => r.ref === ref)!.expression).toContain(`"${added}"`);
  });
});

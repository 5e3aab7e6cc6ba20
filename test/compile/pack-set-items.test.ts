import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { MAX_EXPRESSION_LENGTH } from "../../src/compile/compile-zone.js";
import { compareKeys, EMPTY_PART, packingMinimum, packSetItems, type CostedItem, type PackedPart } from "../../src/compile/pack-set-items.js";
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

function packJa4(values: readonly string[]): { parts: Array<PackedPart<string>>; minimum: number } {
  const items = costed(values);
  const parts = packSetItems(items, JA4_CAPACITY);
  if (!parts) throw new Error("a JA4 is larger than a whole rule");
  return { parts, minimum: packingMinimum(items.map((i) => i.cost), JA4_CAPACITY) };
}

/** Parts that differ between two packings: added, removed, or holding other items under one name. */
function changedParts(before: ReadonlyArray<PackedPart<string>>, after: ReadonlyArray<PackedPart<string>>): string[] {
  const old = new Map(before.map((p) => [p.name, p.items.join(" ")]));
  const now = new Map(after.map((p) => [p.name, p.items.join(" ")]));
  return [...new Set([...old.keys(), ...now.keys()])].filter((name) => old.get(name) !== now.get(name));
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
  it("every part fits the capacity, items keep key order, names are unique, and every item lands once", () => {
    fc.assert(
      fc.property(smallCase, ({ capacity, items }) => {
        const parts = packSetItems(items, capacity);
        expect(parts).toBeDefined();
        for (const part of parts!) expect(part.items.reduce((sum, i) => sum + items[i]!.cost, 0)).toBeLessThanOrEqual(capacity);
        expect(new Set(parts!.map((p) => p.name)).size).toBe(parts!.length);
        for (const part of parts!) expect(part.name).toMatch(items.length === 0 ? EMPTY_PART : /^[0-9a-f]{12}(\.[0-9]+)?$/);
        const order = parts!.flatMap((p) => p.items);
        const keys = order.map((i) => items[i]!.key);
        expect(keys).toEqual([...keys].sort(compareKeys));
        expect([...order].sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
        expect(parts!.length).toBeGreaterThanOrEqual(packingMinimum(items.map((i) => i.cost), capacity));
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it("is deterministic and does not depend on the input order", () => {
    fc.assert(
      fc.property(smallCase, fc.integer(), ({ capacity, items }, shuffleSeed) => {
        const first = packSetItems(items, capacity);
        const random = prng(shuffleSeed);
        const shuffled = [...items].sort(() => random() - 0.5);
        expect(packSetItems(shuffled, capacity)).toEqual(first);
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("orders keys by UTF-16 code units, as the built-in sort does, whatever they share", () => {
    // Long shared prefixes, prefixes of one another, and code units above 0x7f take the sort's other paths.
    const key = fc.array(fc.constantFrom("a", "b", "ab", "\u00e9", "\ud83d\ude00", "~"), { maxLength: 6 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 80 }), (keys) => {
        const parts = packSetItems(keys.map((k) => ({ item: k, key: k, cost: 1 })), 1_000);
        expect(parts!.flatMap((p) => p.items)).toEqual([...keys].sort());
      }),
      { numRuns: propertyRuns(200) },
    );
  });

  it("refuses a set holding an item larger than a whole part", () => {
    expect(packSetItems([{ item: "a", key: "a", cost: 11 }], 10)).toBeUndefined();
    expect(packSetItems([], 10)).toEqual([{ name: EMPTY_PART, items: [] }]);
  });
});

describe("packSetItems: JA4 sets", () => {
  it("fixed seeded 2,000- and 20,000-item JA4 sets need at most 1.10 × the packing minimum", () => {
    // Observed: 2,000 items (seed 2000) 21 parts for a minimum of 20 (1.05); 20,000 items 208 for 192 (1.08).
    for (const size of [2000, 20000]) {
      const { parts, minimum } = packJa4(ja4Set(size, size));
      expect(parts.length / minimum).toBeLessThanOrEqual(1.1);
    }
  });

  it("random sets of 500-3,000 JA4s need at most one part more than 1.10 × the packing minimum, rounded up", () => {
    // Over 400 seeded sets of 500-3,000 JA4s: median 1.08 × the minimum, p95 1.15, max 1.20 (6 parts
    // for a minimum of 5); never more than one part over ceil(1.10 × minimum).
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 500, max: 3000 }), (seed, size) => {
        const { parts, minimum } = packJa4(ja4Set(seed, size));
        expect(parts.length).toBeLessThanOrEqual(Math.ceil(1.1 * minimum) + 1);
      }),
      { numRuns: propertyRuns(60) },
    );
  });

  it("an addition changes the part it joins and, when it moves cut points, only parts from the one before it on", () => {
    // Many seeded sets, a few additions each. Structural claims, checked on every addition:
    // - the part that takes the item changes, and no part ending before the one ahead of it does
    //   (a part's cut point depends only on the items from its start to one capacity on);
    // - when no cut point moves, only that part changes, and it keeps its name unless the added
    //   item is its new top item;
    // - k moved cut points change at most k + 1 parts, plus one for each part whose top item moved
    //   to another part (named parts, not positions, are what Cloudflare sees).
    // And the rate, which is not structural: observed with these seeds, 546 of 640 additions (85%)
    // changed exactly one part; 36 (5.6%) changed more than three, the worst 21. Bounding that tail
    // while keeping parts within 1.10 × the minimum is the open problem in pack-set-items.ts.
    let single = 0;
    let total = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const values = ja4Set(seed, 1500 + ((seed * 97) % 1000));
      const { parts: before } = packJa4(values);
      const present = new Set(values);
      const added = ja4Set(1000 + seed, 50).filter((v) => !present.has(v)).slice(0, 40);
      for (const item of added) {
        const { parts: after } = packJa4([...values, item]);
        const changed = changedParts(before, after);
        const holder = after.findIndex((p) => p.items.includes(item));
        expect(changed).toContain(after[holder]!.name);
        for (let k = 0; k < holder - 1; k++) expect(after[k]).toEqual(before[k]);
        // Cut points: each part's last item but the final part's (the end of the set is no choice).
        const cuts = (parts: ReadonlyArray<PackedPart<string>>) => new Set(parts.slice(0, -1).map((p) => p.items.at(-1)!));
        const [cutsBefore, cutsAfter] = [cuts(before), cuts(after)];
        const moved = Math.max([...cutsAfter].filter((c) => !cutsBefore.has(c)).length, [...cutsBefore].filter((c) => !cutsAfter.has(c)).length);
        const renamed = after.filter((p) => !before.some((q) => q.name === p.name)).length;
        if (moved === 0) {
          expect(changed).toHaveLength(1 + renamed);
          // The only possible new name is the added item's, when it is its part's new top item.
          if (renamed > 0) expect(after[holder]!.name).toBe(packJa4([item]).parts[0]!.name);
        } else {
          expect(changed.length).toBeLessThanOrEqual(moved + 1 + renamed);
        }
        total++;
        if (changed.length === 1) single++;
      }
    }
    expect(single / total).toBeGreaterThanOrEqual(0.8);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: policies with large sets, through compileProject and the zone evaluator.

interface BigSet {
  type: "ja4" | "ip" | "asn";
  items: ReadonlyArray<string | number>;
  /** The rule's `when`, naming the set `$big`. */
  when?: string;
}

function bigSetPlan({ type, items, when = `{ ${type}: $big }` }: BigSet): ZonePlan {
  const yaml = [
    "version: 1",
    "policy: x",
    "zones: [shop]",
    "sets:",
    "  big:",
    `    type: ${type}`,
    "    items:",
    ...items.map((item) => `      - ${typeof item === "string" ? JSON.stringify(item) : item}`),
    "rules:",
    "  - id: rule",
    `    when: ${when}`,
    "    action: block",
    "",
  ].join("\n");
  const result = compileProject({ files: new Map([["policies/x.yaml", yaml]]), now: new Date("2026-01-01T00:00:00Z") });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.plans).toHaveLength(1);
  return result.plans[0]!;
}

/** The items of the one set in an emitted expression (a bare set, or a set inside an `and`). */
function setItemsOf(expression: string): string[] {
  const parsed = parseExpression(expression);
  if (!parsed.ok) throw new Error(`emitted expression does not parse: ${parsed.error.message}`);
  const set = parsed.expr.kind === "in" ? parsed.expr : parsed.expr.kind === "logical" ? parsed.expr.operands.find((o) => o.kind === "in") : undefined;
  if (set?.kind !== "in") throw new Error(`expected a set rule, got '${parsed.expr.kind}'`);
  return set.items.map((item) => printSetItem(item));
}

/** Emitted rules that differ between two compiles: added, removed, or another body under one ref. */
function changedRules(before: ZonePlan, after: ZonePlan): string[] {
  const byRef = (plan: ZonePlan) => new Map(plan.firewallCustom.rules.map((r) => [r.ref, JSON.stringify(r)]));
  const [old, now] = [byRef(before), byRef(after)];
  return [...new Set([...old.keys(), ...now.keys()])].filter((ref) => old.get(ref) !== now.get(ref));
}

function evaluateOn(plan: ZonePlan, request: Record<string, unknown>) {
  const fields = requestFields(request);
  if ("error" in fields) throw new Error(fields.error);
  return decide(compileZoneProgram(plan), fields.fields);
}

const SPLIT_REF = /^x\/rule#[0-9a-f]{12}(\.[0-9]+)?$/;

describe("compileProject: a 2,000-item JA4 set", () => {
  const values = ja4Set(42, 2001);
  const added = values.pop()!;

  it("is split into rules of at most 4,096 characters, refs named by content, each item in exactly one rule", () => {
    const plan = bigSetPlan({ type: "ja4", items: values });
    const rules = plan.firewallCustom.rules;
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) {
      expect(rule.ref).toMatch(SPLIT_REF);
      expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
      expect(rule.action).toBe("block");
    }
    expect(new Set(rules.map((r) => r.ref)).size).toBe(rules.length);
    const emitted = rules.flatMap((r) => setItemsOf(r.expression));
    expect(emitted).toEqual(values.map((v) => printSetItem({ type: "string", value: v })).sort());
    expect(rules.length / packingMinimum(costed(values).map((c) => c.cost), JA4_CAPACITY)).toBeLessThanOrEqual(1.1);

    for (const ja4 of values.slice(0, 200)) expect(evaluateOn(plan, { ja4 })).toMatchObject({ action: "block", rule: "x/rule", stage: "edge" });
    expect(evaluateOn(plan, { ja4: added }).action).toBe("pass");
  });

  it("adding one item to the YAML changes one emitted rule, keeping its ref, unless a cut point moves", () => {
    const before = bigSetPlan({ type: "ja4", items: values });
    const refs = new Set(before.firewallCustom.rules.map((r) => r.ref));
    let single = 0;
    for (const item of [added, ...ja4Set(43, 11)]) {
      const after = bigSetPlan({ type: "ja4", items: [...values, item] });
      const changed = changedRules(before, after);
      const holder = after.firewallCustom.rules.find((r) => r.expression.includes(`"${item}"`))!;
      expect(changed).toContain(holder.ref);
      if (changed.length === 1) {
        single++;
        expect(refs.has(holder.ref)).toBe(true);
      }
      // The rules that changed are one run, in key order, around the one that took the item.
      const positions = after.firewallCustom.rules.flatMap((r, i) => (changed.includes(r.ref) ? [i] : []));
      expect(positions.at(-1)! - positions[0]! + 1).toBe(positions.length);
    }
    // Observed with seeds 42 and 43: 9 of 12 additions changed exactly one rule.
    expect(single).toBeGreaterThanOrEqual(8);
  });
});

describe("compileProject: other large sets", () => {
  it("splits a mixed set of IPs and ranges, ANDed with another condition, and every rule keeps the condition", () => {
    const random = prng(440);
    const octet = () => Math.floor(random() * 256);
    const items = [...new Set(Array.from({ length: 3000 }, (_, i) => (i % 4 === 0 ? `10.${octet()}.${octet()}.0/24` : i % 9 === 0 ? `2001:db8::${octet().toString(16)}:${octet().toString(16)}` : `192.${octet()}.${octet()}.${octet()}`)))];
    const plan = bigSetPlan({ type: "ip", items, when: '{ ip: $big, path: { starts_with: "/api/" } }' });
    const rules = plan.firewallCustom.rules;
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) {
      expect(rule.ref).toMatch(SPLIT_REF);
      expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
      expect(rule.expression).toContain('starts_with(http.request.uri.path, "/api/")');
    }
    expect(rules.flatMap((r) => setItemsOf(r.expression)).sort()).toEqual([...items].sort());
    expect(evaluateOn(plan, { ip: "10.1.2.3", path: "/api/x" }).action).toBe(items.some((i) => i.startsWith("10.1.2.")) ? "block" : "pass");
    const ip = items.find((i) => !i.includes("/") && !i.includes(":"))!;
    expect(evaluateOn(plan, { ip, path: "/api/x" })).toMatchObject({ action: "block", rule: "x/rule" });
    expect(evaluateOn(plan, { ip, path: "/shop/" }).action).toBe("pass");
  });

  it("splits a large ASN set", () => {
    const items = Array.from({ length: 3000 }, (_, i) => 64496 + i * 7);
    const rules = bigSetPlan({ type: "asn", items }).firewallCustom.rules;
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    expect(rules.flatMap((r) => setItemsOf(r.expression)).map(Number).sort((a, b) => a - b)).toEqual(items);
  });

  it("every emitted expression fits 4,096 characters, whatever the item lengths and the condition around the set", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 50, max: 600 }), fc.integer({ min: 0, max: 2 }), (seed, count, extra) => {
        // Strings of very different lengths (up to a fifth of a rule), some needing escapes.
        const random = prng(seed);
        const values = [...new Set(Array.from({ length: count }, () => "x".repeat(1 + Math.floor(random() ** 4 * 800)) + String.fromCharCode(33 + Math.floor(random() * 90)) + hex(random, 4)))];
        const when = ["{ user_agent: $big }", '{ user_agent: $big, path: { starts_with: "/a" } }', '{ user_agent: $big, path: { starts_with: "/a" }, method: [POST, PUT] }'][extra]!;
        const yaml = ["version: 1", "policy: x", "zones: [shop]", "sets:", "  big:", "    type: string", "    items:", ...values.map((v) => `      - ${JSON.stringify(v)}`), "rules:", "  - id: rule", `    when: ${when}`, "    action: block", ""].join("\n");
        const result = compileProject({ files: new Map([["policies/x.yaml", yaml]]), now: new Date("2026-01-01T00:00:00Z") });
        expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const rules = result.plans[0]!.firewallCustom.rules;
        for (const rule of rules) expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
        expect(rules.flatMap((r) => setItemsOf(r.expression)).sort()).toEqual(values.map((v) => printSetItem({ type: "string", value: v })).sort());
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileSlotProgram, type RuleSpec } from "../../src/evaluate/compile-slot-program.js";
import { compileWorkerProgram, compileZoneProgram, decide, decideInOrder, type ZoneProgram } from "../../src/evaluate/decide.js";
import { mergeSplitParts } from "../../src/evaluate/merge-split-parts.js";
import { requestFields, type PolicyRequest } from "../../src/evaluate/request-fields.js";
import type { Action } from "../../src/model/policy-ir.js";
import type { ZonePlan } from "../../src/model/zone-plan.js";
import type { CompareOp, Expr, SetItem } from "../../src/rules/ast.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { generateProject } from "../fuzz/generate-project.js";
import { readStack } from "../fuzz/pipeline.js";
import { Random } from "../fuzz/random.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

/*
 * The slot program (compile-slot-program.ts) must decide exactly as the general evaluator
 * (`decideInOrder` over closures reading named fields): same action, rule, stage and logged rules,
 * from the edge and from inside the Worker, for requests read from field values or from the
 * policy language (where it must also refuse the same requests with the same message).
 */

type Stats = { decisions: number; decided: number; logged: number; slotted: number };

/** Compares every way the slot program reads and decides with the general evaluator, on one program. */
function expectSameDecisions(program: ZoneProgram, requests: readonly PolicyRequest[], stats: Stats, froms: ReadonlyArray<"edge" | "worker">): void {
  const slots = program.slots;
  if (slots === undefined) return;
  stats.slotted++;
  for (const request of requests) {
    const converted = requestFields(request);
    const read = slots.readRequest(request);
    if ("error" in converted) {
      expect(read).toBe(converted.error);
      continue;
    }
    expect(read).toBeUndefined();
    for (const from of froms) {
      const expected = decideInOrder(program, converted.fields, from);
      slots.readRequest(request);
      expect(slots.decision(slots.decide(from))).toEqual(expected);
      expect(decide(program, converted.fields, from)).toEqual(expected);
      stats.decisions++;
      if (expected.rule !== null) stats.decided++;
      if (expected.logged.length > 0) stats.logged++;
    }
  }
}

/** Requests of a generated project, and variants that take the other reading paths: headers, a wrong type, an unknown key, null. */
function requestVariants(requests: readonly PolicyRequest[]): PolicyRequest[] {
  return requests.flatMap((request, i) => {
    const variants: PolicyRequest[] = [request];
    if (i % 3 === 0) variants.push({ ...request, headers: { "User-Agent": "curl/8.0", "x-test": ["1", "2"] }, query: "a=1&b" });
    if (i % 4 === 1) variants.push({ ...request, bot_score: "high" });
    if (i % 5 === 2) variants.push({ ...request, unknown_field: 1 });
    if (i % 2 === 1) variants.push({ ...request, path: null, ja4: undefined });
    return variants;
  });
}

describe("property: the slot program decides as the general evaluator", () => {
  it("on generated projects and their requests", () => {
    const stats: Stats = { decisions: 0, decided: 0, logged: 0, slotted: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const project = generateProject(new Random(seed));
        const files = new Map(project.policies.map((p) => [p.file, stringify(p.value, { lineWidth: 0 })]));
        const stacks = [undefined, ...project.stacks.map((s) => readStack(s.name, s.config).stack)];
        const requests = requestVariants(project.requests);
        for (const stack of stacks) {
          const { plans } = compileProject({ files, now: project.now, ...(stack ? { stack } : {}) });
          for (const plan of plans) {
            expectSameDecisions(compileZoneProgram(plan), requests, stats, ["edge", "worker"]);
            if (plan.worker) expectSameDecisions(compileWorkerProgram(plan.worker), requests, stats, ["worker"]);
          }
        }
      }),
      { numRuns: propertyRuns(80) },
    );
    // Not vacuous: many programs run over slots, rules decide and log.
    expect(stats.slotted).toBeGreaterThan(100);
    expect(stats.decided / stats.decisions).toBeGreaterThan(0.05);
    expect(stats.logged).toBeGreaterThan(20);
  });

  it("on generated conditions, rule lists and field values of every type", () => {
    let decided = 0;
    let total = 0;
    fc.assert(
      fc.property(ruleList, fc.array(fieldValues, { minLength: 1, maxLength: 8 }), ([edgeSpecs, workerSpecs], requests) => {
        const program: ZoneProgram = { edge: edgeSpecs.map(programRule), worker: workerSpecs.map(programRule) };
        const slots = compileSlotProgram(edgeSpecs, workerSpecs);
        if (slots === undefined) throw new Error("no $list here: a slot program is expected");
        for (const fields of requests) {
          for (const from of ["edge", "worker"] as const) {
            const expected = decideInOrder(program, fields, from);
            slots.load(fields);
            expect(slots.decision(slots.decide(from))).toEqual(expected);
            total++;
            if (expected.rule !== null || expected.logged.length > 0) decided++;
          }
        }
      }),
      { numRuns: propertyRuns(1500) },
    );
    expect(decided / total).toBeGreaterThan(0.2);
    expect(decided / total).toBeLessThan(0.95);
  });
});

describe("slot program", () => {
  it("merges the parts of a split set into one rule and decides as the parts do", () => {
    const random = new Random(7);
    const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[random.int(0, 15)]).join("");
    const ja4s = Array.from({ length: 900 }, () => `t13d1516h2_${hex(12)}_${hex(12)}`);
    const policy = {
      version: 1,
      policy: "split",
      zones: ["shop"],
      sets: { scrapers: { type: "ja4", items: ja4s } },
      rules: [
        { id: "log-api", when: { path: { starts_with: "/api/" } }, action: "log" },
        { id: "block-scrapers", when: { ja4: "$scrapers", path: { starts_with: "/shop/" } }, action: "block" },
        { id: "challenge-rest", when: { ja4: "$scrapers" }, action: "managed_challenge" },
      ],
    };
    const { plans, diagnostics } = compileProject({ files: new Map([["policies/split.yaml", stringify(policy, { lineWidth: 0 })]]), now: new Date("2026-06-01T00:00:00Z") });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const plan = plans[0] as ZonePlan;
    const program = compileZoneProgram(plan);
    const parts = plan.firewallCustom.rules.filter((r) => r.ref.startsWith("split/block-scrapers#")).length;
    expect(parts).toBeGreaterThan(3);
    // Each split rule is one rule of the slot program.
    expect(program.slots?.ruleCount).toBe(3);
    const requests = Array.from({ length: 400 }, (_, i): PolicyRequest => ({
      ja4: i % 3 === 0 ? `t13d1516h2_${hex(12)}_${hex(12)}` : random.pick(ja4s),
      path: random.pick(["/shop/a", "/api/x", "/", "/shop"]),
    }));
    const stats: Stats = { decisions: 0, decided: 0, logged: 0, slotted: 0 };
    expectSameDecisions(program, requests, stats, ["edge"]);
    expect(stats.decided).toBeGreaterThan(200);
    const actions = new Set(requests.map((request) => decide(program, (requestFields(request) as { fields: FieldValues }).fields).action));
    expect([...actions].sort()).toEqual(["block", "managed_challenge", "pass"]);
  });

  it("joins the sets of parts that differ in one set only; other parts are joined by or", () => {
    const path: Expr = { kind: "call", name: "starts_with", args: [{ kind: "field", name: "http.request.uri.path" }, { kind: "literal", literal: { type: "string", value: "/a" } }] };
    const set = (...values: string[]): Expr => ({ kind: "in", left: { kind: "field", name: "cf.bot_management.ja4" }, items: values.map((value) => ({ type: "string", value })) });
    const and = (...operands: Expr[]): Expr => ({ kind: "logical", op: "and", operands });
    expect(mergeSplitParts([and(set("a", "b"), path), and(set("c"), path)])).toEqual(and(set("a", "b", "c"), path));
    expect(mergeSplitParts([set("a"), set("b")])).toEqual(set("a", "b"));
    const other = and(set("c"), { kind: "not", operand: path });
    expect(mergeSplitParts([and(set("a"), path), other])).toEqual({ kind: "logical", op: "or", operands: [and(set("a"), path), other] });
  });

  it("decides IP sets of several rules with one lookup, at every range's edges", () => {
    const sets = [["192.0.2.0/25", "10.0.0.7"], ["192.0.2.127", "10.0.0.0/30"], ["2001:db8::/32", "10.0.0.8"], ["192.0.2.128/25"]];
    const specs = sets.map((items, i): RuleSpec => ({
      ref: `p/ips-${i}`,
      action: i === 1 ? "log" : "block",
      condition: { kind: "in", left: { kind: "field", name: "ip.src" }, items: items.map((value) => ({ type: value.includes("/") ? "cidr" : "ip", value })) },
      observe: false,
      guard: false,
    }));
    const negated: RuleSpec = { ...specs[3]!, ref: "p/not-ips", condition: { kind: "not", operand: specs[3]!.condition } };
    const program: ZoneProgram = { edge: [...specs, negated].map(programRule), worker: [] };
    const slots = compileSlotProgram([...specs, negated], [])!;
    const addresses = ["10.0.0.0", "10.0.0.3", "10.0.0.4", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "192.0.2.0", "192.0.2.126", "192.0.2.127", "192.0.2.128", "192.0.2.255", "192.0.3.0", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "x", ""];
    for (const address of [...addresses, 7, undefined]) {
      const fields: FieldValues = address === undefined ? {} : { "ip.src": address };
      slots.load(fields);
      expect(slots.decision(slots.decide("edge")), String(address)).toEqual(decideInOrder(program, fields));
    }
  });

  it("decides number tests of several rules with one lookup, at and between every literal", () => {
    const score = field("cf.bot_management.score");
    const int = (value: number): Expr => ({ kind: "literal", literal: { type: "int", value } });
    const conditions: Expr[] = [
      { kind: "in", left: score, items: [{ type: "int", value: 1 }, { type: "int_range", from: 2, to: 29 }] },
      { kind: "compare", op: "lt", left: score, right: int(13) },
      { kind: "compare", op: "ge", left: score, right: int(29) },
      { kind: "not", operand: { kind: "compare", op: "eq", left: score, right: int(30) } },
      { kind: "compare", op: "le", left: score, right: { kind: "literal", literal: { type: "float", value: 0.5 } } },
      { kind: "compare", op: "gt", left: score, right: int(-1) },
    ];
    const specs = conditions.map((condition, i): RuleSpec => ({ ref: `p/r${i}`, action: "log", condition, observe: false, guard: false }));
    const program: ZoneProgram = { edge: specs.map(programRule), worker: [] };
    const slots = compileSlotProgram(specs, [])!;
    for (const value of [-2, -1, -0, 0, 0.5, 0.7, 1, 1.5, 2, 12, 12.9, 13, 28.5, 29, 29.5, 30, 31, Infinity, -Infinity, Number.NaN, "1", true, undefined]) {
      const fields: FieldValues = value === undefined ? {} : { "cf.bot_management.score": value };
      slots.load(fields);
      expect(slots.decision(slots.decide("edge")), String(value)).toEqual(decideInOrder(program, fields));
    }
  });

  it("decides starts_with of several rules with one walk, for nested, empty and astral prefixes", () => {
    const path = field("http.request.uri.path");
    const prefixes = ["/api/", "/api/v1/", "/", "", "/a", "/😀", "/\ud83d"];
    const specs = prefixes.map((prefix, i): RuleSpec => {
      const test: Expr = { kind: "call", name: "starts_with", args: [path, str(prefix)] };
      return { ref: `p/r${i}`, action: "log", condition: i === 2 ? { kind: "not", operand: test } : test, observe: false, guard: false };
    });
    const program: ZoneProgram = { edge: specs.map(programRule), worker: [] };
    const slots = compileSlotProgram(specs, [])!;
    for (const value of ["/api/v1/x", "/api/", "/api", "/ap", "/", "", "x/", "/😀x", "/\ud83d", "/b", 5, null, undefined]) {
      const fields: FieldValues = value === undefined ? {} : { "http.request.uri.path": value };
      slots.load(fields);
      expect(slots.decision(slots.decide("edge")), String(value)).toEqual(decideInOrder(program, fields));
    }
  });

  it("is not made for a zone that reads a custom list: the general evaluator decides it", () => {
    const rule: RuleSpec = { ref: "p/r", action: "block", condition: { kind: "in_list", left: { kind: "field", name: "ip.src" }, list: "office" }, observe: false, guard: false };
    expect(compileSlotProgram([rule], [])).toBeUndefined();
  });

  it("allocates no decision when nothing is logged: the outcome's decision is shared and frozen", () => {
    const rule: RuleSpec = { ref: "p/r", action: "block", condition: { kind: "compare", op: "lt", left: { kind: "field", name: "cf.bot_management.score" }, right: { kind: "literal", literal: { type: "int", value: 10 } } }, observe: false, guard: false };
    const slots = compileSlotProgram([rule], [])!;
    slots.load({ "cf.bot_management.score": 3 });
    const first = slots.decision(slots.decide("edge"));
    slots.load({ "cf.bot_management.score": 5 });
    expect(slots.decision(slots.decide("edge"))).toBe(first);
    expect(first).toEqual({ action: "block", rule: "p/r", stage: "edge", logged: [] });
    expect(Object.isFrozen(first.logged)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Conditions over fields of every type, with values of every type (absent, null, wrong type).

const STRING_FIELDS = ["http.host", "http.request.uri.path", "cf.bot_management.ja4"];
const INT_FIELDS = ["cf.bot_management.score", "ip.src.asnum"];
const IPS = ["192.0.2.1", "192.0.2.200", "198.51.100.1", "2001:db8::1", "2001:db9::1", "::1", "10.0.0.1"];
const CIDRS = ["192.0.2.0/25", "198.51.100.0/24", "2001:db8::/32", "10.0.0.0/8"];
const smallString = fc.string({ unit: fc.constantFrom("a", "b", "A", "/", "é", "😀"), maxLength: 4 });

const field = (name: string): Expr => ({ kind: "field", name });
const str = (value: string): Expr => ({ kind: "literal", literal: { type: "string", value } });

const stringSubject: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(...STRING_FIELDS).map(field),
  fc.constantFrom(...STRING_FIELDS).map((name): Expr => ({ kind: "call", name: "lower", args: [field(name)] })),
  fc.constantFrom(...STRING_FIELDS).map((name): Expr => ({ kind: "call", name: "substring", args: [field(name), { kind: "literal", literal: { type: "int", value: 0 } }, { kind: "literal", literal: { type: "int", value: 2 } }] })),
);

const setItems: fc.Arbitrary<SetItem[]> = fc.oneof(
  fc.array(smallString.map((value): SetItem => ({ type: "string", value })), { minLength: 1, maxLength: 7 }),
  fc.array(fc.oneof(
    fc.integer({ min: 0, max: 30 }).map((value): SetItem => ({ type: "int", value })),
    fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 8 })).map(([from, width]): SetItem => ({ type: "int_range", from, to: from + width })),
  ), { minLength: 1, maxLength: 7 }),
  fc.array(fc.oneof(fc.constantFrom(...IPS).map((value): SetItem => ({ type: "ip", value })), fc.constantFrom(...CIDRS).map((value): SetItem => ({ type: "cidr", value }))), { minLength: 1, maxLength: 7 }),
  // A raw expression's set may mix kinds.
  fc.array(fc.oneof(smallString.map((value): SetItem => ({ type: "string", value })), fc.integer({ min: 0, max: 30 }).map((value): SetItem => ({ type: "int", value })), fc.constantFrom(...CIDRS).map((value): SetItem => ({ type: "cidr", value }))), { minLength: 1, maxLength: 7 }),
);

const atom: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom<Expr>(field("cf.bot_management.verified_bot"), { kind: "constant", value: true }, { kind: "constant", value: false }),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne", "lt", "ge", "contains", "wildcard", "matches"), stringSubject, smallString).map(([op, left, value]): Expr => ({ kind: "compare", op, left, right: str(op === "matches" ? value.replace(/[^a-z]/g, "") || "a" : value) })),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne", "lt", "le", "gt", "ge"), fc.constantFrom(...INT_FIELDS), fc.integer({ min: -2, max: 32 })).map(([op, name, value]): Expr => ({ kind: "compare", op, left: field(name), right: { kind: "literal", literal: { type: "int", value } } })),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne", "lt", "ge"), fc.constantFrom(...IPS)).map(([op, value]): Expr => ({ kind: "compare", op, left: field("ip.src"), right: { kind: "literal", literal: { type: "ip", value } } })),
  fc.tuple(fc.constantFrom(...STRING_FIELDS, ...INT_FIELDS, "ip.src"), setItems).map(([name, items]): Expr => ({ kind: "in", left: field(name), items })),
  fc.tuple(stringSubject, setItems).map(([left, items]): Expr => ({ kind: "in", left, items })),
  fc.tuple(fc.constantFrom("starts_with" as const, "ends_with" as const), stringSubject, smallString).map(([name, left, value]): Expr => ({ kind: "call", name, args: [left, str(value)] })),
  fc.constantFrom<Expr>({ kind: "call", name: "any", args: [{ kind: "compare", op: "eq", left: { kind: "field", name: "cf.bot_management.detection_ids", index: "*" }, right: { kind: "literal", literal: { type: "int", value: 2 } } }] }),
);

const { condition } = fc.letrec<{ condition: Expr }>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    tie("condition").map((operand): Expr => ({ kind: "not", operand })),
    fc
      .tuple(fc.constantFrom("and" as const, "or" as const, "xor" as const), fc.array(tie("condition"), { minLength: 2, maxLength: 3 }))
      .map(([op, operands]): Expr => ({ kind: "logical", op, operands })),
  ),
}));

/** Rules drawn from a few refs, so that adjacent rules of one ref and action (split parts) occur. */
const ruleSpec = (stage: "edge" | "worker"): fc.Arbitrary<RuleSpec> =>
  fc
    .record({
      ref: fc.constantFrom("p/a", "p/b", "p/c"),
      action: fc.constantFrom<Action>("block", "skip", "log", "managed_challenge", "js_challenge", "challenge"),
      // Bare atoms and their negations often, so that several rules test one subject (atom groups).
      condition: fc.oneof(
        { weight: 2, arbitrary: atom },
        atom.map((operand): Expr => ({ kind: "not", operand })),
        condition,
        fc.tuple(condition, atom).map(([c, a]): Expr => ({ kind: "logical", op: "and", operands: [c, a] })),
      ),
      observe: fc.boolean(),
      guard: fc.boolean(),
    })
    .map((spec) => (stage === "edge" ? { ...spec, observe: false, guard: false } : { ...spec, guard: spec.guard && spec.action === "skip" }));

const ruleList = fc.tuple(fc.array(ruleSpec("edge"), { maxLength: 6 }), fc.array(ruleSpec("worker"), { maxLength: 4 }));

/** A field's value: mostly of its type, sometimes of another, null or absent. */
const valueOf = <T>(typed: fc.Arbitrary<T>) => fc.option(fc.oneof({ weight: 6, arbitrary: typed }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, "x", true, ["a"]) }), { nil: undefined, freq: 4 });

const fieldValues: fc.Arbitrary<FieldValues> = fc
  .record({
    "http.host": valueOf(smallString),
    "http.request.uri.path": valueOf(smallString),
    "cf.bot_management.ja4": valueOf(smallString),
    "cf.bot_management.score": valueOf(fc.integer({ min: 0, max: 32 })),
    "ip.src.asnum": valueOf(fc.integer({ min: -2, max: 32 })),
    "cf.bot_management.verified_bot": valueOf(fc.boolean()),
    "ip.src": valueOf(fc.constantFrom(...IPS, "192.0.2.127", "192.0.2.128", "010.0.0.1", "1.2.3", "::ffff:192.0.2.1", "")),
    "cf.bot_management.detection_ids": valueOf(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })),
  })
  .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));

function programRule(spec: RuleSpec): ZoneProgram["edge"][number] {
  return { ref: spec.ref, action: spec.action, matches: compileEvaluator(spec.condition), observe: spec.observe, guard: spec.guard };
}

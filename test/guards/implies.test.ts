import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileZone } from "../../src/compile/compile-zone.js";
import { compileZoneProgram, decide } from "../../src/evaluate/decide.js";
import { implies, isAlwaysTrue } from "../../src/guards/implies.js";
import { runGuards } from "../../src/guards/run-guards.js";
import type { Action, PolicyIR, RuleIR } from "../../src/model/policy-ir.js";
import type { StackZone } from "../../src/model/stack.js";
import type { Expr, SetItem } from "../../src/rules/ast.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

function parse(text: string): Expr {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.expr;
}

describe("implies (proven cases)", () => {
  it.each([
    ["cf.bot_management.score lt 10", "cf.bot_management.score lt 30"],
    ["cf.bot_management.score in {1 2..29}", "cf.bot_management.score le 29"],
    ["cf.bot_management.score eq 1 and not cf.bot_management.verified_bot", "cf.bot_management.score in {1..5}"],
    ['http.request.uri.path eq "/a"', 'http.request.uri.path in {"/a" "/b"}'],
    ['http.request.uri.path eq "/a"', 'http.request.uri.path ne "/b"'],
    ["ip.src eq 192.0.2.10", "ip.src in {192.0.2.0/24}"],
    ["ip.src in {192.0.2.0/25}", "ip.src in {192.0.2.0/24 2001:db8::/32}"],
    ['starts_with(http.request.uri.path, "/api") and cf.bot_management.verified_bot', 'starts_with(http.request.uri.path, "/api")'],
    ["cf.bot_management.ja4_signals.browser_ratio_1h lt 0.01", "cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05"],
    ["cf.bot_management.verified_bot", "cf.bot_management.verified_bot or cf.bot_management.static_resource"],
    ["true and cf.bot_management.verified_bot", "cf.bot_management.verified_bot"],
  ])("%s ⇒ %s", (a, b) => {
    expect(implies(parse(a), parse(b))).toBe(true);
  });

  it.each([
    ["cf.bot_management.score lt 30", "cf.bot_management.score lt 10"],
    ['http.request.uri.path ne "/a"', 'http.request.uri.path ne "/b"'],
    // An absent score is neither below nor at or above 30.
    ["true", "cf.bot_management.score lt 30 or cf.bot_management.score ge 30"],
    ['starts_with(http.request.uri.path, "/api")', 'http.request.uri.path eq "/api"'],
    ['starts_with(http.request.uri.path, "/api/v1")', 'starts_with(http.request.uri.path, "/api")'],
    ["ip.src in {192.0.2.0/24}", "ip.src in {192.0.2.0/25}"],
    ["cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05", "cf.bot_management.ja4_signals.browser_ratio_1h le 0.04"],
  ])("%s ⇏ %s (not proven)", (a, b) => {
    expect(implies(parse(a), parse(b))).toBe(false);
  });

  it("knows a condition that holds for every request", () => {
    expect(isAlwaysTrue(parse("true"))).toBe(true);
    expect(isAlwaysTrue(parse('http.request.method eq "GET" or not http.request.method eq "GET"'))).toBe(true);
    expect(isAlwaysTrue(parse('http.request.method ne "GET"'))).toBe(false);
    expect(isAlwaysTrue(parse("cf.bot_management.score ge 1 or cf.bot_management.score lt 1"))).toBe(false);
  });
});

/* A small world of fields and constants, so random rules often overlap and shadow each other. */
const SCORES = [1, 2, 10, 29, 30, 50];
const PATHS = ["/", "/a", "/api", "/api/x"];
const IPS = ["192.0.2.1", "192.0.2.200", "198.51.100.7", "2001:db8::1"];
const RATIOS = [0, 0.05, 0.5, 1];

const scoreAtom: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({ op: fc.constantFrom("eq", "ne", "lt", "le", "gt", "ge" as const), value: fc.constantFrom(...SCORES) }).map(({ op, value }) => ({
    kind: "compare" as const,
    op,
    left: { kind: "field" as const, name: "cf.bot_management.score" },
    right: { kind: "literal" as const, literal: { type: "int" as const, value } },
  })),
  fc
    .array(fc.oneof(fc.constantFrom(...SCORES).map((value): SetItem => ({ type: "int", value })), fc.tuple(fc.constantFrom(...SCORES), fc.constantFrom(...SCORES)).map(([x, y]): SetItem => ({ type: "int_range", from: Math.min(x, y), to: Math.max(x, y) }))), { minLength: 1, maxLength: 3 })
    .map((items) => ({ kind: "in" as const, left: { kind: "field" as const, name: "cf.bot_management.score" }, items })),
);
const pathAtom: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({ op: fc.constantFrom("eq", "ne" as const), value: fc.constantFrom(...PATHS) }).map(({ op, value }) => ({
    kind: "compare" as const,
    op,
    left: { kind: "field" as const, name: "http.request.uri.path" },
    right: { kind: "literal" as const, literal: { type: "string" as const, value } },
  })),
  fc.subarray(PATHS, { minLength: 1 }).map((values) => ({ kind: "in" as const, left: { kind: "field" as const, name: "http.request.uri.path" }, items: values.map((value): SetItem => ({ type: "string", value })) })),
  fc.constantFrom(...PATHS).map((value) => ({
    kind: "call" as const,
    name: "starts_with" as const,
    args: [{ kind: "field" as const, name: "http.request.uri.path" }, { kind: "literal" as const, literal: { type: "string" as const, value } }],
  })),
);
const ipAtom: fc.Arbitrary<Expr> = fc
  .array(fc.constantFrom<SetItem>({ type: "cidr", value: "192.0.2.0/24" }, { type: "cidr", value: "192.0.2.0/25" }, { type: "ip", value: "198.51.100.7" }, { type: "cidr", value: "2001:db8::/32" }), { minLength: 1, maxLength: 2 })
  .map((items) => ({ kind: "in" as const, left: { kind: "field" as const, name: "ip.src" }, items }));
const ratioAtom: fc.Arbitrary<Expr> = fc.record({ op: fc.constantFrom("lt", "le", "gt", "ge" as const), value: fc.constantFrom(...RATIOS) }).map(({ op, value }) => ({
  kind: "compare" as const,
  op,
  left: { kind: "field" as const, name: "cf.bot_management.ja4_signals.browser_ratio_1h" },
  right: { kind: "literal" as const, literal: { type: "float" as const, value } },
}));
const boolAtom: fc.Arbitrary<Expr> = fc.constantFrom("cf.bot_management.verified_bot", "cf.bot_management.static_resource").map((name) => ({ kind: "field" as const, name }));

const condition: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scoreAtom,
    pathAtom,
    ipAtom,
    ratioAtom,
    boolAtom,
    fc.constant<Expr>({ kind: "constant", value: true }),
    tie("expr").map((operand): Expr => ({ kind: "not", operand })),
    fc.record({ op: fc.constantFrom("and", "or" as const), operands: fc.array(tie("expr"), { minLength: 2, maxLength: 3 }) }).map(({ op, operands }): Expr => ({ kind: "logical", op, operands })),
  ),
})).expr;

/** Requests over the same constants (and absent fields), where shadowing would show if it were wrong. */
const request: fc.Arbitrary<FieldValues> = fc.record(
  {
    "cf.bot_management.score": fc.oneof(fc.constantFrom(...SCORES), fc.integer({ min: 0, max: 99 })),
    "http.request.uri.path": fc.oneof(fc.constantFrom(...PATHS), fc.constantFrom("/api/", "/b", "/apix")),
    "ip.src": fc.constantFrom(...IPS),
    "cf.bot_management.ja4_signals.browser_ratio_1h": fc.oneof(fc.constantFrom(...RATIOS), fc.double({ min: 0, max: 1, noNaN: true })),
    "cf.bot_management.verified_bot": fc.boolean(),
    "cf.bot_management.static_resource": fc.boolean(),
  },
  { requiredKeys: [] },
);

function rule(id: string, expr: Expr, action: Action): RuleIR {
  const stage = expressionFieldsAreWorker(expr) ? "worker" : "edge";
  return { kind: "rule", ref: `p/${id}`, policy: "p", id, stage, condition: expr, action, enabled: true, source: { file: "policies/p.yaml", line: 1, column: 1 } };
}

function expressionFieldsAreWorker(expr: Expr): boolean {
  return JSON.stringify(expr).includes("ja4_signals");
}

const ZONE: StackZone = { key: "z", zoneId: "", plan: "enterprise", routes: [] };

describe("the shadowing guard is sound", () => {
  it("whenever a later condition is said to imply an earlier one, no request satisfies the later and not the earlier", () => {
    fc.assert(
      fc.property(condition, condition, fc.array(request, { minLength: 40, maxLength: 40 }), (later, earlier, requests) => {
        if (!implies(later, earlier)) return;
        const l = compileEvaluator(later);
        const e = compileEvaluator(earlier);
        for (const fields of requests) if (l(fields)) expect(e(fields)).toBe(true);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it("a rule reported unreachable never decides nor logs a request (the decide function)", () => {
    let reported = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(condition, fc.constantFrom<Action>("block", "skip", "log", "managed_challenge")), { minLength: 2, maxLength: 5 }),
        fc.array(request, { minLength: 30, maxLength: 30 }),
        (specs, requests) => {
          // Worker rules may not precede edge rules that end evaluation: keep edge rules first.
          const rules = specs.map(([expr, action], i) => rule(`r${i}`, expr, action));
          const ordered = [...rules.filter((r) => r.stage === "edge"), ...rules.filter((r) => r.stage === "worker").map((r) => ({ ...r, action: r.action === "managed_challenge" ? ("block" as const) : r.action }))];
          const policy: PolicyIR = { kind: "policy", id: "p", zones: ["z"], priority: 100, mode: "enforce", rules: ordered, originHeaders: [], source: { file: "policies/p.yaml", line: 1, column: 1 } };
          const findings = runGuards({ policies: [policy], checked: [], files: new Map(), now: new Date("2026-11-21"), planZone: (zone, policies) => compileZone(zone, policies).plan });
          const unreachable = findings.filter((d) => d.code === "BP601").map((d) => /Rule '([^']+)'/.exec(d.message)![1]!);
          if (unreachable.length === 0) return;
          reported += unreachable.length;
          const plan = compileZone(ZONE, [policy]).plan!;
          const program = compileZoneProgram(plan);
          for (const fields of requests) {
            const decision = decide(program, fields);
            for (const ref of unreachable) {
              expect(decision.rule).not.toBe(ref);
              expect(decision.logged).not.toContain(ref);
            }
          }
        },
      ),
      { numRuns: propertyRuns(400) },
    );
    // Not vacuous: the generator makes shadowed rules.
    expect(reported).toBeGreaterThan(20);
  });
});

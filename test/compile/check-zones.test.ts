import { describe, expect, it } from "vitest";
import { checkZones } from "../../src/compile/check-zones.js";
import type { Action, OriginHeaderIR, PolicyIR, RuleIR, Stage } from "../../src/model/policy-ir.js";
import type { Mode, StackConfig, ZoneTier } from "../../src/model/stack.js";
import type { Expr } from "../../src/rules/ast.js";

const at = (line: number) => ({ file: "policies/p.yaml", line, column: 1 });
const PATH: Expr = { kind: "compare", op: "eq", left: { kind: "field", name: "http.request.uri.path" }, right: { kind: "literal", literal: { type: "string", value: "/x" } } };
const SIGNAL: Expr = { kind: "compare", op: "lt", left: { kind: "field", name: "cf.bot_management.ja4_signals.browser_ratio_1h" }, right: { kind: "literal", literal: { type: "float", value: 0.5 } } };

function rule(id: string, action: Action, line: number, stage: Stage = "edge", condition: Expr = PATH): RuleIR {
  return { kind: "rule", ref: `p/${id}`, policy: "p", id, stage, condition, action, enabled: true, source: at(line) };
}

function policy(id: string, rules: RuleIR[], originHeaders: OriginHeaderIR[] = [], mode: Mode = "enforce", priority = 100): PolicyIR {
  return { kind: "policy", id, zones: ["shop"], priority, mode, rules, originHeaders, source: at(1) };
}

function stack(plan: ZoneTier, mode?: Mode): StackConfig {
  return { name: "s", accountId: "a", ...(mode ? { mode } : {}), zones: [{ key: "shop", zoneId: "z", plan, routes: [] }] };
}

const found = (diagnostics: ReturnType<typeof checkZones>) => diagnostics.map((d) => `${d.code} ${d.line}${d.hint ? " (hint)" : ""}`);

describe("checkZones", () => {
  it("refuses the 'log' that observe mode makes of a terminating action below Enterprise, with a hint", () => {
    const policies = [policy("p", [rule("a", "block", 3), rule("b", "skip", 4)], [], "observe")];
    expect(found(checkZones(policies, stack("business")))).toEqual(["BP403 3 (hint)"]);
    expect(found(checkZones(policies, stack("enterprise")))).toEqual([]);
    // Without a stack, every zone is Enterprise.
    expect(found(checkZones(policies))).toEqual([]);
  });

  it("applies the stack's observe mode to a policy that enforces", () => {
    const policies = [policy("p", [rule("a", "managed_challenge", 3)])];
    expect(found(checkZones(policies, stack("pro", "observe")))).toEqual(["BP403 3 (hint)"]);
    expect(found(checkZones(policies, stack("pro", "enforce")))).toEqual([]);
  });

  it("refuses a log rule below Enterprise without the observe hint", () => {
    expect(found(checkZones([policy("p", [rule("a", "log", 3)])], stack("business")))).toEqual(["BP403 3"]);
  });

  it("refuses Bot Management fields in worker rules and in origin headers of either stage below Enterprise", () => {
    const headers: OriginHeaderIR[] = [
      { policy: "p", name: "x-signals", field: "ja4_signals", stage: "worker", source: at(7) },
      { policy: "p", name: "x-ja4-a", field: "ja4_a", stage: "edge", source: at(8) },
      { policy: "p", name: "x-category", field: "verified_bot_category", stage: "edge", source: at(9) },
      { policy: "p", name: "x-country", field: "country", stage: "edge", source: at(10) },
    ];
    const policies = [policy("p", [rule("a", "block", 3, "worker", SIGNAL)], headers)];
    expect(found(checkZones(policies, stack("business")))).toEqual(["BP403 3", "BP403 7", "BP403 8"]);
    expect(found(checkZones(policies, stack("enterprise")))).toEqual([]);
  });

  it("refuses a header set by two policies of one zone, and a worker rule before another policy's edge block", () => {
    const first = policy("a", [rule("w", "block", 3, "worker", SIGNAL)], [{ policy: "p", name: "x-h", field: "country", stage: "edge", source: at(5) }], "enforce", 1);
    const second = policy("b", [rule("e", "block", 13)], [{ policy: "p", name: "x-h", field: "asn", stage: "edge", source: at(15) }], "enforce", 2);
    expect(found(checkZones([second, first]))).toEqual(["BP315 13", "BP406 15"]);
  });

  it("refuses more edge rules than the plan's custom-rule quota", () => {
    const rules = Array.from({ length: 6 }, (_, i) => rule(`r${i}`, "block", 3 + i));
    expect(found(checkZones([policy("p", rules)], stack("free")))).toEqual(["BP401 1"]);
    expect(found(checkZones([policy("p", rules.slice(1))], stack("free")))).toEqual([]);
  });
});

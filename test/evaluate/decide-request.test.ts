import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";

/** A zone whose Worker blocks risky checkouts, with the given `on_error`. */
function zone(onError: "pass" | "block") {
  const text = [
    "version: 1",
    "policy: api",
    "zones: [api]",
    "rules:",
    "  - id: block-bad-bots",
    "    when: { bot_score: 1 }",
    "    action: block",
    "  - id: risky-checkout",
    "    when: { path: { starts_with: /checkout }, risk: { risk_scores: { overall: { ge: 4 } } } }",
    "    action: block",
    "risk_intelligence:",
    "  token: { header: x-frc-risk-token }",
    `  on_error: ${onError}`,
    "",
  ].join("\n");
  const { plans, diagnostics } = compileProject({ files: new Map([["policies/api.yaml", text]]), now: new Date("2026-12-01T00:00:00Z") });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const program = compileZoneProgram(plans[0]!);
  return (request: Record<string, unknown>) => {
    const converted = requestFields(request);
    if ("error" in converted) throw new Error(converted.error);
    return decideRequest(program, converted.fields);
  };
}

describe("decideRequest: a request without Risk Intelligence data, as the deployed Worker decides it", () => {
  it("with on_error: block, blocks by the first rule that needed the data", () => {
    expect(zone("block")({ path: "/checkout", bot_score: 40 })).toEqual({ action: "block", rule: "api/risky-checkout", stage: "worker", logged: [] });
  });

  it("with on_error: pass, decides as if the data were absent (fail open)", () => {
    expect(zone("pass")({ path: "/checkout", bot_score: 40 })).toEqual({ action: "pass", rule: null, stage: null, logged: [] });
  });

  it("applies on_error only where the data could change the outcome", () => {
    const decide = zone("block");
    // No rule reads risk for this path; and an edge block comes before the Worker.
    expect(decide({ path: "/cart", bot_score: 40 }).action).toBe("pass");
    expect(decide({ path: "/checkout", bot_score: 1 })).toMatchObject({ action: "block", rule: "api/block-bad-bots", stage: "edge" });
    // With the vendor's answer, the rule decides on it.
    expect(decide({ path: "/checkout", bot_score: 40, risk: { risk_scores: { overall: 2 } } }).action).toBe("pass");
    expect(decide({ path: "/checkout", bot_score: 40, risk: { risk_scores: { overall: 5 } } }).rule).toBe("api/risky-checkout");
  });
});

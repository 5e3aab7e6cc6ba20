import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileWorkerProgram, compileZoneProgram, decide } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { projectFiles } from "../helpers/project-files.js";
import { REPO_ROOT } from "../helpers/run-cli.js";

const plan = compileProject({ files: projectFiles(REPO_ROOT), now: new Date("2026-11-21T00:00:00Z") }).plans.find((p) => p.zone === "api")!;
const partial = compileWorkerProgram(plan.worker!, (field) => field.startsWith("risk."));
const full = compileZoneProgram(plan);

function fields(request: Record<string, unknown>) {
  const converted = requestFields(request);
  if ("error" in converted) throw new Error(converted.error);
  return converted.fields;
}

describe("decide with risk unknown (what the Worker runs before asking the vendor)", () => {
  it.each([
    ["a path no risk rule covers is decided", { path: "/v1/products" }, { action: "pass", rule: null, stage: null, logged: [] }],
    ["a checkout depends on risk", { path: "/checkout/pay" }, { action: "unknown", rule: "api/risky-checkout", stage: "worker", logged: [] }],
    [
      "an earlier worker rule decides first",
      { path: "/checkout", ja4_signals: { browser_ratio_1h: 0.01, heuristic_ratio_1h: 0.9 } },
      { action: "block", rule: "api/signals-outliers", stage: "worker", logged: [] },
    ],
    [
      "an edge skip re-checked in the Worker decides first",
      { path: "/checkout", verified_bot: true, verified_bot_category: "Monitoring & Analytics" },
      { action: "skip", rule: "api/allow-monitoring", stage: "edge", logged: [] },
    ],
  ])("%s", (_name, request, expected) => {
    expect(decide(partial, fields(request), "worker")).toEqual(expected);
  });

  it("agrees with the two-valued decision whenever it decides", () => {
    for (const request of [{ path: "/v1/products" }, { path: "/checkout", risk: { risk_scores: { overall: 5 } } }, { path: "/x", ja4_signals: { browser_ratio_1h: 0, heuristic_ratio_1h: 1 } }]) {
      const { risk: _risk, ...known } = request as Record<string, unknown>;
      const first = decide(partial, fields(known), "worker");
      if (first.action !== "unknown") expect(decide(full, fields(request), "worker")).toEqual(first);
    }
  });
});

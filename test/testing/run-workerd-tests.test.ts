import * as miniflare from "miniflare";
import { describe, expect, it } from "vitest";
import { checkTestSchema } from "../../src/check/check-schema.js";
import { compileProject } from "../../src/compile/compile-project.js";
import { parseProjectFiles } from "../../src/load/load-policies.js";
import { prepareTestCases, type PreparedTests } from "../../src/testing/run-policy-tests.js";
import { runWorkerdTests } from "../../src/testing/run-workerd-tests.js";
import { CF_MEMBERS_READ, workerRequestForCase } from "../../src/testing/worker-request-for-case.js";
import { NOW } from "../worker/worker-harness.js";
import { projectFiles } from "../helpers/project-files.js";
import { REPO_ROOT } from "../helpers/run-cli.js";

/** The shipped api test cases, prepared against the example project without a stack. */
function preparedApiCases(): PreparedTests {
  const files = projectFiles(REPO_ROOT);
  const compiled = compileProject({ files, now: NOW });
  const { tests } = checkTestSchema(parseProjectFiles(files, ["policies/api.test.yaml"]).sources);
  return prepareTestCases(tests, () => ({ ok: true, plans: compiled.plans, policies: compiled.policies }));
}

describe("runWorkerdTests", () => {
  it("fails every case whose Worker decided nothing (failed open), even where the origin's 200 looks like the expected pass", async () => {
    const prepared = preparedApiCases();
    // A condition the Worker cannot compile: its policy fails to load and every request passes through.
    const unloadable = { kind: "compare", op: "matches", left: { kind: "field", name: "http.user_agent" }, right: { kind: "literal", literal: { type: "string", value: "(" } } } as const;
    for (const c of prepared.cases) {
      const worker = c.plan.worker!;
      c.plan = { ...c.plan, worker: { ...worker, rules: worker.rules.map((r) => (r.ref === "api/signals-outliers" ? { ...r, condition: unloadable } : r)) } };
    }
    const report = await runWorkerdTests(prepared, miniflare);
    const results = report.cases.map((c, i) => [c.name, c.passed, report.decidedIn[i]]);
    // Cases the edge decides never reach the Worker; every case that reached it fails.
    expect(results).toEqual(report.cases.map((c, i) => [c.name, report.decidedIn[i] === "edge", report.decidedIn[i]]));
    expect(results.filter(([, , where]) => where === "workerd").length).toBeGreaterThan(5);
    const pass = report.cases.find((c) => c.name === "a low-risk browser checkout passes")!;
    expect(pass.actual).toEqual({ action: "pass", rule: null, stage: null, logged: [] });
    const failure = report.diagnostics.find((d) => d.code === "BP501" && d.line === pass.line)!;
    expect(failure.message).toMatch(/^Test 'a low-risk browser checkout passes' failed: expected 'pass', got 'pass' \(decided in workerd by the zone's Worker\); the Worker decided nothing and failed open/);
  }, 60_000);
});

describe("workerRequestForCase", () => {
  it("places each field where Cloudflare hands it to a Worker, from the field table", () => {
    const sent = workerRequestForCase(
      { bot_score: 3, js_detection_passed: true, ja4_signals: { browser_ratio_1h: 0.1 }, asn: 64500, ip: "192.0.2.9", user_agent: "curl/8", host: "a.example", path: "/x", method: "POST", risk: { risk_scores: { overall: 5 } } },
      "default.example",
    );
    expect(sent).toEqual({
      url: "https://a.example/x",
      method: "POST",
      headers: { "cf-connecting-ip": "192.0.2.9", "user-agent": "curl/8" },
      cf: { botManagement: { score: 3, jsDetection: { passed: true }, ja4Signals: { browser_ratio_1h: 0.1 } }, asn: 64500 },
    });
    expect(workerRequestForCase({}, "default.example")).toEqual({ url: "https://default.example/", method: "GET", headers: {}, cf: {} });
    expect(CF_MEMBERS_READ).toEqual(["botManagement", "verifiedBotCategory", "asn", "country"]);
  });
});

import { describe, expect, it } from "vitest";
import { loadMiniflare } from "../../src/cli/load-miniflare.js";
import { UsageError } from "../../src/cli/io.js";
import { apiVariant } from "../worker/worker-harness.js";
import { cli, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

interface JsonCase {
  file: string;
  line: number;
  name: string;
  zone: string;
  passed: boolean;
  actual: { action: string; rule: string | null; stage: string | null; logged: string[] };
  decided_in?: "edge" | "workerd";
}

async function runJson(args: string[]): Promise<{ code: number; cases: JsonCase[]; stderr: string }> {
  const { code, stdout, stderr } = await cli(["test", "--format", "json", ...args]);
  return { code, cases: (JSON.parse(stdout) as { cases: JsonCase[] }).cases, stderr };
}

describe("bot-policy test --runtime workerd", () => {
  // Without a stack, and with each shipped stack (dev runs the api zone in observe mode).
  it.each([[[]], [["--stack", "dev"]], [["--stack", "prod"]]])("decides every shipped case as the Node evaluator does (%j)", async (stack) => {
    const node = await runJson(["--dir", REPO_ROOT, ...stack]);
    const workerd = await runJson(["--dir", REPO_ROOT, "--runtime", "workerd", ...stack]);
    expect(workerd.stderr).toBe("");
    expect(workerd.cases.length).toBe(node.cases.length);
    expect(workerd.cases.map(({ decided_in: _, ...c }) => c)).toEqual(node.cases);
    // Worker-rule cases really ran in workerd; edge blocks and edge-only zones were decided before it.
    const where = Object.fromEntries(workerd.cases.map((c) => [c.name, c.decided_in]));
    expect(where["a JA4 that browsers rarely use and heuristics often flag is blocked"]).toBe("workerd");
    expect(where["a high-risk checkout is blocked"]).toBe("workerd");
    expect(where["a verified uptime monitor is skipped, worker rules included"]).toBe("workerd");
    // In dev the api zone observes: its edge block only logs, so the Worker runs after it.
    expect(where["a known-bad JA4 is blocked at the edge"]).toBe(stack.includes("dev") ? "workerd" : "edge");
    expect(where["xmlrpc probes are blocked by the raw expression"]).toBe("edge");
    expect(workerd.code).toBe(node.code);
  }, 60_000);

  it("prints like test, and says where the cases were decided", async () => {
    const { code, stdout } = await cli(["test", "--dir", REPO_ROOT, "--runtime", "workerd"]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "PASS: 20/20",
        "coverage api: 5/5 rules exercised",
        "coverage shop: 7/7 rules exercised",
        "runtime workerd: 8 cases ran through the zone's Worker bundle in workerd; 12 were decided by edge rules before any Worker (Node decide function, as Cloudflare's WAF)",
        "",
      ].join("\n"),
    );
  }, 60_000);

  it("runs the deployed Worker, not the evaluator: on_error block blocks a checkout without a token, at the case's line", async () => {
    const policy = apiVariant("  token: { header: x-frc-risk-token }\n  on_error: block\n");
    const tests = ["version: 1", "cases:", "  - name: a checkout without risk data", "    request: { path: /checkout, bot_score: 40 }", "    expect: pass", ""].join("\n");
    const dir = makeProject({ "policies/api.yaml": policy, "policies/api.test.yaml": tests });
    const { code, stderr } = await cli(["test", "--dir", dir, "--runtime", "workerd"]);
    expect(code).toBe(1);
    expect(stderr).toContain("policies/api.test.yaml:3:5 - error BP501: Test 'a checkout without risk data' failed: expected 'pass', got block by 'api/risky-checkout' (decided in workerd by the zone's Worker).");
  }, 60_000);

  it.each([
    ["a cookie", "  token: { cookie: frc_risk }\n", "GET"],
    ["a urlencoded form field", "  token: { form_field: frc-risk-solution }\n", "POST"],
  ])("serves the case's risk to the Worker through the token in %s", async (_where, token, method) => {
    const tests = [
      "version: 1",
      "cases:",
      "  - name: risky",
      `    request: { path: /checkout, method: ${method}, risk: { risk_scores: { overall: 5 } } }`,
      "    expect: { action: block, rule: api/risky-checkout }",
      "  - name: calm",
      `    request: { path: /checkout, method: ${method}, risk: { risk_scores: { overall: 1 } } }`,
      "    expect: pass",
      "",
    ].join("\n");
    const dir = makeProject({ "policies/api.yaml": apiVariant(token), "policies/api.test.yaml": tests });
    const { code, cases } = await runJson(["--dir", dir, "--runtime", "workerd"]);
    expect(cases.map((c) => [c.name, c.passed, c.decided_in])).toEqual([
      ["risky", true, "workerd"],
      ["calm", true, "workerd"],
    ]);
    expect(code).toBe(0);
  }, 60_000);
});

describe("loadMiniflare", () => {
  it("turns a missing miniflare package into one line saying how to add it", async () => {
    const missing = Object.assign(new Error("Cannot find package 'miniflare'"), { code: "ERR_MODULE_NOT_FOUND" });
    const failure = loadMiniflare(() => Promise.reject(missing));
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow("--runtime workerd needs the 'miniflare' package (it runs workerd): add it with 'npm install --save-dev miniflare'.");
  });

  it("lets any other failure through as the error it is", async () => {
    const broken = new TypeError("boom");
    await expect(loadMiniflare(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});

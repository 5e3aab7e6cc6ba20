import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli, makeProject } from "../helpers/run-cli.js";

// `validate --format github|sarif` as a workflow runs them (.github/workflows/pull-request.yml).

const POLICY = (rules: string) => `version: 1\npolicy: a\nzones: [shop]\nrules:\n${rules}`;
const BAD_RULE = (i: number) => `  - id: x${i}\n    when: { ja3: nope${i} }\n    action: block\n`;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("validate --format github", () => {
  it("prints every annotation and appends the full list to $GITHUB_STEP_SUMMARY", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY(Array.from({ length: 12 }, (_, i) => BAD_RULE(i)).join("")) });
    const summary = join(mkdtempSync(join(tmpdir(), "bot-policy-summary-")), "summary.md");
    writeFileSync(summary, "earlier step output\n");
    vi.stubEnv("GITHUB_STEP_SUMMARY", summary);
    const run = await cli(["validate", "--dir", dir, "--format", "github"]);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n").filter((line) => line.startsWith("::error file=policies/a.yaml,"))).toHaveLength(12);
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("earlier step output\n### bot-policy validate\n\nFound 12 errors and 0 warnings.\n")).toBe(true);
    // Twelve rows: more than the ten annotations GitHub shows for a step.
    expect(text.match(/^\| ❌ \| policies\/a\.yaml:\d+:\d+ \| BP305 \| Invalid JA3 fingerprint 'nope\d+'/gm)).toHaveLength(12);
  });

  it("writes no summary outside GitHub Actions, nor with another format", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY(BAD_RULE(0)) });
    const summary = join(mkdtempSync(join(tmpdir(), "bot-policy-summary-")), "summary.md");
    vi.stubEnv("GITHUB_STEP_SUMMARY", summary);
    await cli(["validate", "--dir", dir, "--format", "json"]);
    expect(existsSync(summary)).toBe(false);
    vi.stubEnv("GITHUB_STEP_SUMMARY", "");
    const run = await cli(["validate", "--dir", dir, "--format", "github"]);
    expect(run.code).toBe(1);
    expect(existsSync(summary)).toBe(false);
  });
});

describe("validate --format sarif", () => {
  it("prints a SARIF log on stdout and exits 1 on errors", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY(BAD_RULE(0)) });
    const run = await cli(["validate", "--dir", dir, "--format", "sarif"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const log = JSON.parse(run.stdout) as { version: string; runs: { results: { ruleId: string; locations: unknown[] }[] }[] };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]!.results).toMatchObject([
      { ruleId: "BP305", level: "error", locations: [{ physicalLocation: { artifactLocation: { uri: "policies/a.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 6, startColumn: 18 } } }] },
    ]);
  });

  it("prints an empty run and exits 0 for a clean project", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY(`  - id: ok\n    when: { path: /a }\n    action: block\n`) });
    const run = await cli(["validate", "--dir", dir, "--format", "sarif"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).runs[0].results).toEqual([]);
  });
});

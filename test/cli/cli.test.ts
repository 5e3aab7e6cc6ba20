import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cli, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

const RULE = (id: string, path: string) => `  - id: ${id}\n    when: { path: ${path} }\n    action: block\n`;
const POLICY = (id: string, zone: string, rules: string) => `version: 1\npolicy: ${id}\nzones: [${zone}]\nrules:\n${rules}`;

function stackFile(plan: string): string {
  return `config:\n  bot-policy:accountId: "0123456789abcdef0123456789abcdef"\n  bot-policy:zones:\n    shop:\n      zoneId: "00000000000000000000000000000d01"\n      plan: ${plan}\n`;
}

describe("bot-policy command line", () => {
  it("prints help and exits 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["validate", "compile", "plan", "eval", "test"]) expect(run.stdout).toContain(command);
  });

  it("exits 2 on an unknown command or option, without a stack trace", async () => {
    for (const args of [["frobnicate"], ["validate", "--formt", "json"], ["validate", "--format", "xml"]]) {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("validates the shipped examples", async () => {
    const run = await cli(["validate", "--dir", REPO_ROOT, "--stack", "prod"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^Checked 2 policies \(\d+ rules\): no errors\.\n$/);
  });

  it("names the known stacks when asked for an unknown one", async () => {
    const run = await cli(["validate", "--dir", REPO_ROOT, "--stack", "staging"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("bot-policy: Unknown stack 'staging' (known stacks: dev, prod).\n");
  });

  it("writes GitHub annotations with --format github", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", "  - id: x\n    when: { ja3: nope }\n    action: block\n") });
    // Inside a GitHub Actions job, the test must not append to that job's real step summary.
    vi.stubEnv("GITHUB_STEP_SUMMARY", "");
    const run = await cli(["validate", "--dir", dir, "--format", "github"]);
    vi.unstubAllEnvs();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("::error file=policies/a.yaml,line=6,col=18,title=BP305::Invalid JA3 fingerprint 'nope': expected 32 lowercase hex characters.\n");
  });

  it("reports a policy id used twice across files", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("shop", "shop", RULE("x", "/a")), "policies/b.yaml": POLICY("shop", "shop", RULE("y", "/b")) });
    const run = await cli(["validate", "--dir", dir, "--format", "json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).diagnostics).toMatchObject([{ code: "BP301", file: "policies/b.yaml", line: 2, column: 9 }]);
  });

  it("reports an empty project", async () => {
    const run = await cli(["validate", "--dir", makeProject({}), "--format", "json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).diagnostics[0].code).toBe("BP105");
  });

  it("warns about expired set items and leaves them out (date fixed with --now)", async () => {
    const policy = `version: 1\npolicy: a\nzones: [shop]\nsets:\n  bad:\n    type: ja3\n    items:\n      - 25b4882c2bcb50cd6b469ff28c596742\n      - { value: 0123456789abcdef0123456789abcdef, expires: 2026-01-01 }\nrules:\n  - id: x\n    when: { ja3: $bad }\n    action: block\n`;
    const dir = makeProject({ "policies/a.yaml": policy });
    const before = await cli(["eval", "--dir", dir, "--now", "2025-12-31", "--request", '{"ja3":"0123456789abcdef0123456789abcdef"}']);
    expect(JSON.parse(before.stdout)).toMatchObject({ action: "block", rule: "a/x" });
    const after = await cli(["eval", "--dir", dir, "--now", "2026-01-02", "--request", '{"ja3":"0123456789abcdef0123456789abcdef"}']);
    expect(JSON.parse(after.stdout)).toMatchObject({ action: "pass", rule: null });
    expect(after.stderr).toContain("policies/a.yaml:9:61 - warning BP317: Set item '0123456789abcdef0123456789abcdef' expired on 2026-01-01");
  });
});

describe("eval", () => {
  it("prints one decision as one JSON line", async () => {
    const run = await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", '{"ja4":"t13d880900_fcb5b95cb75a_b0d3b4ac2a14","bot_score":5}']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{"action":"block","rule":"storefront/block-scrapers","stage":"edge","logged":[]}\n');
  });

  it("reads the request from a file and applies the stack's observe mode", async () => {
    const dir = makeProject({}, []);
    const file = join(dir, "request.json");
    writeFileSync(file, JSON.stringify({ bot_score: 12, path: "/", verified_bot: false, static_resource: false }));
    const run = await cli(["eval", "--dir", REPO_ROOT, "--stack", "dev", "--zone", "shop", "--request", file]);
    expect(JSON.parse(run.stdout)).toEqual({ action: "pass", rule: null, stage: null, logged: ["storefront/challenge-likely-automated"] });
  });

  it("decides worker-stage rules on JA4 Signals and Risk Intelligence", async () => {
    const signals = await cli(["eval", "--dir", REPO_ROOT, "--zone", "api", "--request", '{"ja4_signals":{"browser_ratio_1h":0.01,"heuristic_ratio_1h":0.9}}']);
    expect(JSON.parse(signals.stdout)).toEqual({ action: "block", rule: "api/signals-outliers", stage: "worker", logged: [] });
    const risk = await cli(["eval", "--dir", REPO_ROOT, "--zone", "api", "--request", '{"path":"/checkout/pay","risk":{"network":{"anonymization":{"tor":true}}}}']);
    expect(JSON.parse(risk.stdout)).toMatchObject({ action: "block", rule: "api/risky-checkout", stage: "worker" });
  });

  it("needs --zone when the project has several zones, and refuses bad requests", async () => {
    expect(await cli(["eval", "--dir", REPO_ROOT, "--request", "{}"])).toMatchObject({ code: 2, stderr: "bot-policy: This project has several zones (api, shop); choose one with --zone.\n" });
    expect((await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", "{nope"])).code).toBe(2);
    expect((await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", '{"bot_scor":1}'])).stderr).toContain("unknown request field 'bot_scor'");
  });
});

describe("test", () => {
  it("runs the shipped tests: all pass, every rule exercised", async () => {
    const run = await cli(["test", "--dir", REPO_ROOT]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS: (\d+)\/\1\n/);
    expect(run.stdout).toMatch(/coverage shop: (\d+)\/\1 rules exercised\n/);
  });

  it("locates a failing case at its line and names the rules no case exercised", async () => {
    const dir = makeProject({
      "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a") + RULE("y", "/b")),
      "policies/a.test.yaml": "version: 1\ncases:\n  - name: a is blocked\n    request: { path: /a }\n    expect: block\n  - name: c is blocked\n    request: { path: /c }\n    expect: { action: block, rule: a/x }\n",
    });
    const run = await cli(["test", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("policies/a.test.yaml:6:5 - error BP501: Test 'c is blocked' failed: expected block by 'a/x', got 'pass'.");
    expect(run.stdout).toBe("FAIL: 1/2 failed, 1 passed\ncoverage shop: 1/2 rules exercised; not exercised: a/y\n");

    const json = JSON.parse((await cli(["test", "--dir", dir, "--format", "json"])).stdout);
    expect(json.summary).toEqual({ passed: 1, failed: 1, total: 2 });
    expect(json.cases[1]).toMatchObject({ name: "c is blocked", line: 6, passed: false, actual: { action: "pass" } });
  });
});

describe("compile limits", () => {
  it("fails when a zone needs more custom rules than its plan allows", async () => {
    const rules = Array.from({ length: 6 }, (_, i) => RULE(`r${i}`, `/p${i}`)).join("");
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", rules), "Pulumi.small.yaml": stackFile("free") });
    const run = await cli(["compile", "--dir", dir, "--stack", "small", "--out", join(dir, "out")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP401: Zone 'shop' needs 6 custom rules; the free plan allows 5.");
  });

  it("fails on a plan-gated feature, at the rule", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", "  - id: x\n    when: { bot_score: { lt: 30 } }\n    action: block\n"), "Pulumi.small.yaml": stackFile("pro") });
    const run = await cli(["plan", "--dir", dir, "--stack", "small"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("policies/a.yaml:5:9 - error BP403: Bot Management field 'cf.bot_management.score' (Enterprise with Bot Management) is not available on zone 'shop' (plan 'pro').");
  });

  it("fails on an expression too long to split, never with a stack trace", async () => {
    const long = "x".repeat(4200);
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", `  - id: x\n    when: { user_agent: { contains: ${long} } }\n    action: block\n`) });
    const run = await cli(["compile", "--dir", dir, "--out", join(dir, "out")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP404: The compiled expression is 4227 characters");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("plans each zone with sizes and quota", async () => {
    const run = await cli(["plan", "--dir", REPO_ROOT, "--stack", "prod", "--format", "json"]);
    const plan = JSON.parse(run.stdout);
    expect(plan.stack).toBe("prod");
    const shop = plan.zones.find((z: { zone: string }) => z.zone === "shop");
    expect(shop.quota.customRules).toEqual({ used: shop.rules.filter((r: { stage: string }) => r.stage === "edge").length, limit: 1000 });
    expect(plan.zones.find((z: { zone: string }) => z.zone === "api").worker).toBe(true);
  });
});

describe("a user's environment: one line, exit 2, never a stack trace", () => {
  const root = process.getuid?.() === 0;
  /** The run printed exactly one line on stderr, and it names the problem. */
  const oneLine = (run: { code: number; stdout: string; stderr: string }, text: string) => {
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^bot-policy: [^\n]+\n$/);
    expect(run.stderr).toContain(text);
  };

  it("prints the version from package.json", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("refuses a --dir that is missing or not a folder, and a folder that is not a project", async () => {
    const dir = makeProject({});
    oneLine(await cli(["validate", "--dir", join(dir, "nope")]), `--dir '${join(dir, "nope")}' cannot be used: it does not exist`);
    writeFileSync(join(dir, "file"), "x");
    oneLine(await cli(["plan", "--dir", join(dir, "file")]), `--dir '${join(dir, "file")}' is not a folder.`);
    rmSync(join(dir, "policies"), { recursive: true });
    oneLine(await cli(["test", "--dir", dir]), "has no 'policies/' folder");
  });

  it("refuses a stack file that is a folder", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")) });
    mkdirSync(join(dir, "Pulumi.dev.yaml"));
    oneLine(await cli(["validate", "--dir", dir, "--stack", "dev"]), "Pulumi.dev.yaml': it is a folder.");
  });

  it.each(["2026-02-30", "2026-13-01", "2025-02-29", "2026-1-01", "tomorrow"])("refuses --now %s, an impossible date", async (date) => {
    oneLine(await cli(["validate", "--dir", REPO_ROOT, "--now", date]), `--now takes a real date as YYYY-MM-DD, not '${date}'.`);
  });

  it("accepts --now on a leap day", async () => {
    expect((await cli(["validate", "--dir", REPO_ROOT, "--now", "2028-02-29"])).code).toBe(0);
  });

  it("refuses an --out that is a file, or inside one, before compiling", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")) });
    writeFileSync(join(dir, "out"), "a file");
    oneLine(await cli(["compile", "--dir", dir, "--out", join(dir, "out")]), `--out '${join(dir, "out")}' is not a folder.`);
    oneLine(await cli(["compile", "--dir", dir, "--out", join(dir, "out", "sub")]), "a part of the path is a file, not a folder");
  });

  it.skipIf(root)("refuses an --out it may not write (skipped as root, who may write anywhere)", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")) });
    mkdirSync(join(dir, "out"));
    chmodSync(join(dir, "out"), 0o500);
    oneLine(await cli(["compile", "--dir", dir, "--out", join(dir, "out")]), "permission denied");
  });

  it("refuses a request file that is a folder", async () => {
    const dir = makeProject({});
    oneLine(await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", dir]), `Cannot read the request file '${dir}': it is a folder.`);
  });

  it("prints nothing but the line when run as a process", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src", "cli", "main.ts"), "validate", "--dir", join(REPO_ROOT, "nope")], { encoding: "utf8", cwd: REPO_ROOT });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`bot-policy: --dir '${join(REPO_ROOT, "nope")}' cannot be used: it does not exist (or is a link to nothing).\n`);
  });
});

describe("compile --out", () => {
  it("removes the folders of zones that no longer exist, and only folders it wrote", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")) });
    const out = join(dir, "out");
    for (const folder of ["old", "mine", "mixed", "empty"]) mkdirSync(join(out, folder), { recursive: true });
    writeFileSync(join(out, "old", "http_request_firewall_custom.json"), "{}\n");
    writeFileSync(join(out, "old", "worker.json"), "{}\n");
    writeFileSync(join(out, "mine", "notes.txt"), "the user's\n");
    writeFileSync(join(out, "mixed", "worker.json"), "{}\n");
    writeFileSync(join(out, "mixed", "notes.txt"), "the user's\n");
    writeFileSync(join(out, "README.md"), "the user's\n");
    const run = await cli(["compile", "--dir", dir, "--out", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("removed ");
    expect(readdirSync(out).sort()).toEqual(["README.md", "empty", "mine", "mixed", "shop"]);
    expect(readdirSync(join(out, "mixed")).sort()).toEqual(["notes.txt", "worker.json"]);
    // A second run has nothing left to remove.
    expect((await cli(["compile", "--dir", dir, "--out", out])).stdout).not.toContain("removed");
  });
});

describe("eval --request is checked with the test cases' request schema", () => {
  it("locates a schema error inside a request file, with a hint", async () => {
    const dir = makeProject({});
    const file = join(dir, "request.json");
    writeFileSync(file, '{\n  "path": "/a",\n  "bot_scor": 5,\n  "ja4_signals": { "browser_ratio_1h": "low" }\n}\n');
    const run = await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${file}:3:3 - error BP503: Invalid request: unknown request field 'bot_scor'.\n\n3   "bot_scor": 5,\n    ~~~~~~~~~~\nhint: did you mean 'bot_score'?`);
    expect(run.stderr).toContain(`${file}:4:40 - error BP503: Invalid request: 'ja4_signals.browser_ratio_1h' must be a number, not "low".`);
  });

  it("names an inline request's errors by JSON path", async () => {
    const run = await cli(["eval", "--dir", REPO_ROOT, "--zone", "shop", "--request", '{"bot_score":"high"}']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--request:1:14 - error BP503: Invalid request: 'bot_score' must be an integer, not \"high\".");
  });
});

describe("test never reports a pass it did not run", () => {
  it("refuses a test file that does not exist", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")) });
    const run = await cli(["test", "--dir", dir, "policies/nope.test.yaml"]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `bot-policy: No test file 'policies/nope.test.yaml' in '${dir}' or the current folder.\n` });
  });

  it("fails on an invalid test file, saying so instead of 'PASS: 0/0'", async () => {
    const dir = makeProject({ "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")), "policies/a.test.yaml": "version: 1\ncases: []\n" });
    const run = await cli(["test", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("policies/a.test.yaml:2:8 - error BP208");
    expect(run.stdout).toBe("FAIL: 1 test file invalid; no test case ran\n");
  });

  it("fails when one file is invalid even if every case of the others passed", async () => {
    const dir = makeProject({
      "policies/a.yaml": POLICY("a", "shop", RULE("x", "/a")),
      "policies/a.test.yaml": "version: 1\ncases:\n  - name: a\n    request: { path: /a }\n    expect: block\n",
      "policies/b.test.yaml": "version: 1\ncases:\n  - name: b\n    request: { path: /b }\n    expct: pass\n",
    });
    const run = await cli(["test", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")[0]).toBe("FAIL: 1 test file invalid; 0/1 failed, 1 passed");
  });
});

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGitFiles } from "../../src/cli/read-git-files.js";
import type { SimulationReport, ZoneSimulation } from "../../src/simulate/simulation-report.js";
import { cli, expectGolden, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

const SHOP = "test/fixtures/traffic/shop.ndjson";
const API = "test/fixtures/traffic/api.ndjson";
const NOW = ["--now", "2026-12-01"];
const GOLDEN = join(REPO_ROOT, "test", "golden", "simulate");

async function simulate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(["simulate", "--dir", REPO_ROOT, ...NOW, ...args]);
}

async function zoneReport(args: string[]): Promise<ZoneSimulation> {
  const run = await simulate([...args, "--format", "json"]);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as SimulationReport;
  expect(report.zones).toHaveLength(1);
  return report.zones[0]!;
}

function counts(zone: ZoneSimulation): Record<string, [matched: number, decided: number, unknown: number]> {
  return Object.fromEntries(zone.rules.map((r) => [r.rule, [r.matched, r.decided, r.unknown]]));
}

describe("simulate on the Logpush fixture of the shop zone", () => {
  it("counts every line where it belongs, and each rule's matched, decided and unknown lines", async () => {
    const zone = await zoneReport(["--zone", "shop", "--traffic", SHOP]);
    // 17 lines, one blank: 12 eyeball (lines 1-8, 10, 13, 15, 17), the Worker subrequest of line 8
    // (line 9), a health check (14), a cut-off line (11) and a JSON array (16).
    expect({ lines: zone.lines, eyeball: zone.eyeball, subrequests: zone.subrequests, other: zone.other_sources, malformed: zone.malformed }).toEqual({
      lines: 16,
      eyeball: 12,
      subrequests: 1,
      other: 1,
      malformed: 2,
    });
    expect(zone.malformed_lines).toEqual([
      { file: SHOP, line: 11, reason: "not valid JSON" },
      { file: SHOP, line: 16, reason: "not a JSON object" },
    ]);
    expect(counts(zone)).toEqual({
      "storefront/allow-office": [1, 1, 0], // line 1
      "storefront/allow-mobile-app": [1, 1, 0], // line 2
      "storefront/allow-search-crawlers": [0, 0, 1], // line 3: a crawler's category, but is it verified?
      "storefront/block-scrapers": [3, 3, 1], // lines 4, 5, 17; line 13's job logs no JA4
      "storefront/challenge-odd-stacks": [1, 1, 1], // line 6; line 13 again
      "storefront/challenge-likely-automated": [1, 1, 5], // line 15 (a test-shaped request); scores < 30 on 1, 2, 3, 5, 7
      "storefront/legacy-raw": [1, 1, 0], // line 10
    });
    expect(zone.decisions).toEqual({ pass: 1, skip: 2, block: 4, managed_challenge: 2, js_challenge: 0, challenge: 0, unknown: 3 });
    expect(Object.fromEntries(zone.rules.filter((r) => r.undecided > 0).map((r) => [r.rule, r.undecided]))).toEqual({
      "storefront/allow-search-crawlers": 1,
      "storefront/block-scrapers": 1,
      "storefront/challenge-likely-automated": 1,
    });
    const scrapers = zone.rules.find((r) => r.rule === "storefront/block-scrapers")!;
    expect(scrapers.top).toEqual({
      ja4: [
        { value: "t13d880900_fcb5b95cb75a_b0d3b4ac2a14", count: 2 },
        { value: "t12d5909h1_4d2b5b6cd3ae_6d9a1c6bd03f", count: 1 },
      ],
      path: [
        { value: "/search", count: 2 },
        { value: "/product/1234", count: 1 },
      ],
      asn: [
        { value: 64496, count: 2 },
        { value: 64511, count: 1 },
      ],
      approximate: false,
    });
    expect(zone.changes).toEqual([]);
  });

  it("reports each malformed line as a BP530 warning on stderr and still completes", async () => {
    const run = await simulate(["--zone", "shop", "--traffic", SHOP]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`${SHOP}:11:1 - warning BP530: This line cannot be replayed: not valid JSON.`);
    expect(run.stderr).toContain(`${SHOP}:16:1 - warning BP530: This line cannot be replayed: not a JSON object.`);
  });

  it("prints the JSON and Markdown reports as the golden files hold them", async () => {
    expectGolden(join(GOLDEN, "shop.json"), (await simulate(["--zone", "shop", "--traffic", SHOP, "--format", "json"])).stdout);
    expectGolden(join(GOLDEN, "shop.md"), (await simulate(["--zone", "shop", "--traffic", SHOP, "--format", "markdown"])).stdout);
    expectGolden(join(GOLDEN, "shop.txt"), (await simulate(["--zone", "shop", "--traffic", SHOP])).stdout);
  });

  it("reads the gzip copy the same way, and several files as one stream of lines", async () => {
    const plain = await zoneReport(["--zone", "shop", "--traffic", SHOP]);
    const gzipped = await zoneReport(["--zone", "shop", "--traffic", `${SHOP}.gz`]);
    const rename = (zone: ZoneSimulation): ZoneSimulation => ({ ...zone, malformed_lines: zone.malformed_lines.map((m) => ({ ...m, file: "" })) });
    expect(rename(gzipped)).toEqual(rename(plain));
    const both = await zoneReport(["--zone", "shop", "--traffic", SHOP, `${SHOP}.gz`]);
    expect(both.lines).toBe(2 * plain.lines);
    expect(both.decisions.unknown).toBe(2 * plain.decisions.unknown);
    expect(both.malformed_lines.map((m) => `${m.file}:${m.line}`)).toEqual([`${SHOP}:11`, `${SHOP}:16`, `${SHOP}.gz:11`, `${SHOP}.gz:16`]);
  });
});

describe("simulate on the api zone: Worker rules replay from logged JA4 Signals; Risk Intelligence is unknown", () => {
  it("decides JA4 Signals rules and reports risk rules as unknown", async () => {
    const zone = await zoneReport(["--zone", "api", "--traffic", API]);
    expect({ lines: zone.lines, eyeball: zone.eyeball, subrequests: zone.subrequests }).toEqual({ lines: 7, eyeball: 6, subrequests: 1 });
    expect(counts(zone)).toEqual({
      "api/allow-monitoring": [0, 0, 1],
      "api/block-bad-ja4": [0, 0, 0],
      "api/block-abusive-networks": [1, 1, 0],
      "api/signals-outliers": [1, 1, 0],
      "api/risky-checkout": [0, 0, 2],
    });
    expect(zone.rules.map((r) => r.stage)).toEqual(["edge", "edge", "edge", "worker", "worker"]);
    // Empty JA4 Signals (`{}`: no signals for this JA4) are absent, not unknown: that line passes.
    expect(zone.decisions).toMatchObject({ pass: 2, block: 2, unknown: 2 });
  });

  it("needs --zone when the project has several, and names the zones", async () => {
    const run = await simulate(["--traffic", API]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("bot-policy: This project has several zones (api, shop); choose the one the traffic is from with --zone.\n");
    expect((await simulate(["--zone", "nope", "--traffic", API])).stderr).toBe("bot-policy: Unknown zone 'nope' (zones: api, shop).\n");
  });
});

describe("three-valued replay: a field no log carries is unknown, never guessed", () => {
  const project = makeProject({
    "policies/bots.yaml": [
      "version: 1",
      "policy: bots",
      "zones: [web]",
      "rules:",
      "  - id: block-unverified-crawlers",
      "    when: { verified_bot: false, bot_score: { lt: 30 } }",
      "    action: block",
      "  - id: challenge-corporate",
      "    when: { corporate_proxy: true, path: { starts_with: /admin } }",
      "    action: managed_challenge",
      "",
    ].join("\n"),
  });
  const traffic = join(project, "traffic.ndjson");
  writeFileSync(
    traffic,
    [
      // Score 5: the block rule hinges on verified_bot, which no Logpush field carries.
      JSON.stringify({ BotScore: 5, ClientRequestPath: "/", ClientRequestSource: "eyeball", RayID: "0000000000000001" }),
      // Score 80: false whatever verified_bot is (Kleene: false wins `and`), so it is decided.
      JSON.stringify({ BotScore: 80, ClientRequestPath: "/", RayID: "0000000000000002" }),
      // /admin with a high score: the corporate-proxy rule hinges on corporate_proxy.
      JSON.stringify({ BotScore: 80, ClientRequestPath: "/admin/users", RayID: "0000000000000003" }),
      // The same question as a test-shaped request: every field is known, omitted ones are absent.
      JSON.stringify({ bot_score: 5, verified_bot: false, path: "/" }),
      JSON.stringify({ bot_score: 5, verified_bot: true, path: "/" }),
    ].join("\n"),
  );

  it("counts a rule that depends on verified_bot or corporate_proxy as unknown on Logpush lines", async () => {
    const run = await cli(["simulate", "--dir", project, "--traffic", traffic, "--format", "json"]);
    expect(run.code).toBe(0);
    const zone = (JSON.parse(run.stdout) as SimulationReport).zones[0]!;
    expect(counts(zone)).toEqual({ "bots/block-unverified-crawlers": [1, 1, 1], "bots/challenge-corporate": [0, 0, 1] });
    expect(zone.decisions).toMatchObject({ pass: 2, block: 1, unknown: 2 });
    expect(Object.fromEntries(zone.rules.map((r) => [r.rule, r.undecided]))).toEqual({ "bots/block-unverified-crawlers": 1, "bots/challenge-corporate": 1 });
  });
});

describe("Logpush values as real logs write them", () => {
  it("uppercases the lowercase country and reads JSDetectionPassed's strings", async () => {
    const project = makeProject({
      "policies/geo.yaml": "version: 1\npolicy: geo\nzones: [web]\nrules:\n  - id: block-sa-without-js\n    when: { country: SA, js_detection_passed: false }\n    action: block\n",
    });
    const traffic = join(project, "traffic.ndjson");
    const line = (country: string, js: string): string => JSON.stringify({ ClientCountry: country, JSDetectionPassed: js, ClientRequestPath: "/", RayID: `${country}-${js}` });
    // "missing" (no JS detection ran) reads as false, as Cloudflare's field is then false.
    writeFileSync(traffic, [line("sa", "failed"), line("sa", "passed"), line("sa", "missing"), line("de", "failed")].join("\n"));
    const run = await cli(["simulate", "--dir", project, "--traffic", traffic, "--format", "json"]);
    const zone = (JSON.parse(run.stdout) as SimulationReport).zones[0]!;
    expect(counts(zone)).toEqual({ "geo/block-sa-without-js": [2, 2, 0] });
    expect(zone.decisions).toMatchObject({ block: 2, pass: 2, unknown: 0 });
  });
});

describe("simulate --base REF: the decisions that change, from a git revision", () => {
  function git(dir: string, ...args: string[]): void {
    const run = spawnSync("git", ["-C", dir, "-c", "user.name=bot-policy test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  }

  /** The shipped example in a throwaway repository, one commit; the project in a sub-folder, as in a monorepo. */
  function exampleRepository(): { repo: string; dir: string } {
    const repo = mkdtempSync(join(tmpdir(), "bot-policy-git-"));
    const dir = join(repo, "infra", "bots");
    mkdirSync(dir, { recursive: true });
    cpSync(join(REPO_ROOT, "policies"), join(dir, "policies"), { recursive: true });
    for (const stack of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) cpSync(join(REPO_ROOT, stack), join(dir, stack));
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "base");
    return { repo, dir };
  }

  /** The head: the price-monitoring JA4 is taken out of the scraper set, and odd TLS stacks are blocked instead of challenged. */
  function editShop(dir: string): void {
    const file = join(dir, "policies", "storefront.yaml");
    const text = readFileSync(file, "utf8")
      .replace("      - value: t12d5909h1_4d2b5b6cd3ae_6d9a1c6bd03f\n        note: price-monitoring bot, SEC-157\n", "")
      .replace("when: { ja4_a: t13d0912h1, ja4_b: 8daaf6152771 }\n    action: managed_challenge", "when: { ja4_a: t13d0912h1, ja4_b: 8daaf6152771 }\n    action: block");
    writeFileSync(file, text);
  }

  it("groups every changed decision old → new per rule, with sample lines", async () => {
    const { dir } = exampleRepository();
    editShop(dir);
    const run = await cli(["simulate", "--dir", dir, ...NOW, "--zone", "shop", "--base", "HEAD", "--traffic", join(REPO_ROOT, SHOP), "--format", "json"]);
    expect(run.stderr).not.toContain("error BP");
    const zone = (JSON.parse(run.stdout) as SimulationReport).zones[0]!;
    expect(zone.base).toBe("HEAD");
    expect(zone.changes).toEqual([
      {
        // Line 5: no longer a known scraper; its low score leaves it to a rule that needs verified_bot.
        from: "block",
        to: "unknown",
        rule: "storefront/challenge-likely-automated",
        from_rule: "storefront/block-scrapers",
        to_rule: "storefront/challenge-likely-automated",
        count: 1,
        samples: [{ file: join(REPO_ROOT, SHOP), line: 5, ray_id: "8ec7b94c9b18a955", path: "/product/1234" }],
      },
      {
        from: "managed_challenge",
        to: "block",
        rule: "storefront/challenge-odd-stacks",
        from_rule: "storefront/challenge-odd-stacks",
        to_rule: "storefront/challenge-odd-stacks",
        count: 1,
        samples: [{ file: join(REPO_ROOT, SHOP), line: 6, ray_id: "8ec7b94c9b18a956", path: "/login" }],
      },
    ]);
    // Nothing else moves: the rest of the report is the head's alone.
    expect(zone.decisions).toMatchObject({ block: 4, managed_challenge: 1, unknown: 4 });
  });

  it("prints the changes in Markdown for a pull request", async () => {
    const { dir } = exampleRepository();
    editShop(dir);
    // Run from the repository root with a relative traffic path, so the golden file holds no machine path.
    const run = await cli(["simulate", "--dir", dir, ...NOW, "--zone", "shop", "--base", "HEAD", "--traffic", SHOP, "--format", "markdown"]);
    expect(run.code).toBe(0);
    expectGolden(join(GOLDEN, "shop-base.md"), run.stdout);
  });

  it("reports no change against the same revision, and a zone new at the head as passing before", async () => {
    const { dir } = exampleRepository();
    const same = await cli(["simulate", "--dir", dir, ...NOW, "--zone", "shop", "--base", "HEAD", "--traffic", SHOP, "--format", "json"]);
    expect((JSON.parse(same.stdout) as SimulationReport).zones[0]!.changes).toEqual([]);

    writeFileSync(join(dir, "policies", "new.yaml"), "version: 1\npolicy: new\nzones: [blog]\nrules:\n  - id: block-all-scrapers\n    when: { bot_score: { lt: 100 } }\n    action: block\n");
    const added = await cli(["simulate", "--dir", dir, ...NOW, "--zone", "blog", "--base", "HEAD", "--traffic", SHOP, "--format", "json"]);
    const changes = (JSON.parse(added.stdout) as SimulationReport).zones[0]!.changes;
    expect(changes.map(({ from, to, rule, count }) => ({ from, to, rule, count }))).toEqual([{ from: "pass", to: "block", rule: "new/block-all-scrapers", count: 12 }]);
    expect(changes[0]!.samples).toHaveLength(3);
  });

  it("reports a base that does not compile with paths at that revision, exit 1", async () => {
    const { repo, dir } = exampleRepository();
    writeFileSync(join(dir, "policies", "storefront.yaml"), "version: 1\npolicy: storefront\nzones: [shop]\nrules:\n  - id: x\n    actoin: block\n");
    git(repo, "commit", "-q", "-am", "broken");
    // The working tree (the head) is fixed again; only the base is broken.
    git(repo, "checkout", "-q", "HEAD~1", "--", ".");
    const run = await cli(["simulate", "--dir", dir, ...NOW, "--zone", "api", "--base", "HEAD", "--traffic", SHOP]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("bot-policy: the project at 'HEAD' (--base) does not compile:");
    expect(run.stderr).toMatch(/HEAD:policies\/storefront\.yaml:6:5 - error BP\d+/);
  });

  it("reads the revision's files only (not the working tree), and says which it skipped", async () => {
    const { repo, dir } = exampleRepository();
    symlinkSync("storefront.yaml", join(dir, "policies", "linked.yaml"));
    // A file only in the working tree is not part of the base.
    writeFileSync(join(dir, "policies", "draft.yaml"), "not: [valid");
    git(repo, "add", "infra/bots/policies/linked.yaml");
    git(repo, "commit", "-q", "-m", "a link");
    const read = readGitFiles(dir, "HEAD");
    expect([...read.files.keys()].sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.yaml", "policies/api.test.yaml", "policies/api.yaml", "policies/storefront.test.yaml", "policies/storefront.yaml"]);
    expect(read.files.get("policies/storefront.yaml")).toBe(readFileSync(join(REPO_ROOT, "policies", "storefront.yaml"), "utf8"));
    expect(read.diagnostics.map((d) => `${d.file} ${d.code} ${d.message}`)).toEqual(["policies/linked.yaml BP112 This is a symbolic link at 'HEAD', not a regular file; it is skipped and never opened."]);
  });

  it("refuses a revision that does not exist, or that looks like an option, in one line", async () => {
    const { dir } = exampleRepository();
    const missing = await cli(["simulate", "--dir", dir, "--zone", "shop", "--base", "no-such-branch", "--traffic", SHOP]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`bot-policy: 'no-such-branch' is not a commit of the git repository at '${dir}'.\n`);
    const option = await cli(["simulate", "--dir", dir, "--zone", "shop", "--base=--output=/tmp/x", "--traffic", SHOP]);
    expect(option.stderr).toBe("bot-policy: '--output=/tmp/x' is not a git revision.\n");
  });
});

describe("traffic input", () => {
  it("reads stdin ('-'), gzip-compressed too, when run as a process", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "src", "cli", "main.ts"), "simulate", "--dir", REPO_ROOT, ...NOW, "--zone", "shop", "--traffic", "-", "--format", "json"],
      { input: readFileSync(join(REPO_ROOT, `${SHOP}.gz`)), cwd: REPO_ROOT, encoding: "utf8" },
    );
    expect(run.status).toBe(0);
    const zone = (JSON.parse(run.stdout) as SimulationReport).zones[0]!;
    expect({ lines: zone.lines, eyeball: zone.eyeball, malformed: zone.malformed }).toEqual({ lines: 16, eyeball: 12, malformed: 2 });
    expect(zone.malformed_lines[0]).toEqual({ file: "<stdin>", line: 11, reason: "not valid JSON" });
    // Not a terminal: no progress line, only the warnings.
    expect(run.stderr).not.toContain("lines/s");
  });

  it("refuses a missing file, a folder and a broken gzip file with one line, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-policy-traffic-"));
    const broken = join(dir, "broken.ndjson.gz");
    writeFileSync(broken, readFileSync(join(REPO_ROOT, `${SHOP}.gz`)).subarray(0, 200));
    for (const [file, message] of [
      [join(dir, "nope.ndjson"), "it does not exist"],
      [dir, "it is a folder"],
      [broken, "unexpected end of file"],
    ] as const) {
      const run = await simulate(["--zone", "shop", "--traffic", file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`bot-policy: Cannot read the traffic file '${file}': ${message}.\n`);
    }
  });

  it("counts a line too long to keep as one malformed line, and goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-policy-traffic-"));
    const file = join(dir, "long.ndjson");
    writeFileSync(file, `${JSON.stringify({ bot_score: 50, path: "/" })}\n{"path":"${"a".repeat(3 << 20)}"}\n${JSON.stringify({ bot_score: 50 })}\n`);
    const zone = await zoneReport(["--zone", "shop", "--traffic", file]);
    expect({ lines: zone.lines, eyeball: zone.eyeball, malformed: zone.malformed }).toEqual({ lines: 3, eyeball: 2, malformed: 1 });
    expect(zone.malformed_lines).toEqual([{ file, line: 2, reason: "longer than 1,048,576 characters" }]);
  });
});

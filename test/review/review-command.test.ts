import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReviewReport } from "../../src/review/review-report.js";
import { cli, expectGolden, REPO_ROOT } from "../helpers/run-cli.js";
import { BASE_FILES, commitFiles, git, HEAD_FILES, makeReviewRepo } from "./review-fixture.js";

const GOLDEN = join(REPO_ROOT, "test", "golden", "review");
const NOW = ["--now", "2026-12-01"];

async function review(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(["review", "--dir", dir, ...NOW, ...args]);
}

describe("review of a fixture repository with a base and a head commit", () => {
  const { dir, traffic } = makeReviewRepo();

  it("reports rules added, removed and changed, set items, observe → enforce, tests and replayed traffic", async () => {
    const run = await review(dir, ["--base", "base", "--head", "head", "--traffic", traffic, "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReviewReport;
    expect(report.stacks.map((s) => s.stack)).toEqual([null]);
    const zone = report.stacks[0]!.zones[0]!;
    expect(zone.zone).toBe("shop");
    expect(zone.rules.added).toEqual(["shop/block-xmlrpc"]);
    expect(zone.rules.removed).toEqual(["shop/block-old-admin"]);
    expect(Object.fromEntries(zone.rules.changed.map((c) => [c.rule, c.what]))).toEqual({
      "shop/block-scrapers": ["set items"],
      "shop/challenge-search": ["action"],
      "shop/block-legacy-export": ["condition"],
      "watch/block-cart-probes": ["mode"],
    });
    expect(zone.enforce).toEqual(["watch/block-cart-probes"]);
    expect(zone.sets).toEqual([
      { set: "shop/scraper-ja4", added: ["t13d1516h2_8daaf6152771_02713d6af862"], removed: [], expiring: [{ value: "t13d190900_9dc949149365_97f8aa674fd9", expires: "2026-12-10" }] },
    ]);
    expect(zone.tests.map((t) => [t.case, t.from, t.to])).toEqual([
      ["search is challenged", "managed_challenge", "block"],
      ["the new scraper is blocked", "pass", "block"],
      ["cart probes", "pass", "block"],
    ]);
    expect(zone.traffic!.changes.map((c) => [c.from, c.to, c.rule, c.count])).toEqual([
      ["managed_challenge", "block", "shop/challenge-search", 2],
      ["block", "pass", "shop/block-old-admin", 1],
      ["pass", "block", "shop/block-scrapers", 1],
      ["pass", "block", "shop/block-xmlrpc", 1],
      ["pass", "block", "watch/block-cart-probes", 1],
    ]);
    expect([zone.traffic!.eyeball, zone.traffic!.malformed]).toEqual([9, 1]);
    expect(zone.mass_delete).toBe(false);
    expect(report.mass_delete).toBe(false);
    expect(report.guards.map((g) => g.code)).toEqual(["BP603", "BP605"]);
  });

  it("prints the Markdown and JSON reviews as the golden files hold them", async () => {
    const args = ["--base", "base", "--head", "head", "--traffic", traffic];
    const markdown = await review(dir, args);
    expect(markdown.code).toBe(0);
    expectGolden(join(GOLDEN, "shop.md"), markdown.stdout);
    expectGolden(join(GOLDEN, "shop.json"), (await review(dir, [...args, "--format", "json"])).stdout);
    // Destructive changes come first.
    expect(markdown.stdout.indexOf("Stops enforcing")).toBeLessThan(markdown.stdout.indexOf("Starts enforcing"));
    expect(markdown.stdout).toContain("```mermaid\nxychart-beta");
  });

  it("reviews the working tree against a revision when --head is not given", async () => {
    const { dir: tree } = makeReviewRepo(BASE_FILES);
    writeFileSync(join(tree, "policies", "watch.yaml"), HEAD_FILES["policies/watch.yaml"]!);
    const report = JSON.parse((await review(tree, ["--base", "head", "--format", "json"])).stdout) as ReviewReport;
    expect(report.head).toBe("working tree");
    expect(report.stacks[0]!.zones[0]!.enforce).toEqual(["watch/block-cart-probes"]);
    expect(report.stacks[0]!.zones[0]!.rules.changed.map((c) => c.rule)).toEqual(["watch/block-cart-probes"]);
  });

  it("says there is no change in enforcement when the revisions compile the same", async () => {
    const run = await review(dir, ["--base", "head", "--head", "head", "--now", "2027-01-01"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("No change in enforcement.");
  });
});

describe("review exit codes", () => {
  it("fails a mass deletion (more than 30 % of a zone's rules) unless --allow-mass-delete", async () => {
    // 3 of the zone's 6 rules go.
    const shop = BASE_FILES["policies/shop.yaml"]!;
    const cut = shop.slice(0, shop.indexOf("  - id: challenge-search"));
    const { dir } = makeReviewRepo({ ...BASE_FILES, "policies/shop.yaml": cut, "policies/shop.test.yaml": "version: 1\ncases: []\n" });
    const run = await review(dir, ["--base", "base", "--head", "head", "--format", "json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--allow-mass-delete");
    const report = JSON.parse(run.stdout) as ReviewReport;
    expect(report.mass_delete).toBe(true);
    expect(report.stacks[0]!.zones[0]!.rules.removed).toEqual(["shop/challenge-search", "shop/block-old-admin", "shop/block-legacy-export"]);
    const allowed = await review(dir, ["--base", "base", "--head", "head", "--allow-mass-delete"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("**Mass deletion**");
  });

  it("counts a zone the head no longer compiles as all its rules removed", async () => {
    const move = (text: string): string => text.replace("zones: [shop]", "zones: [outlet]");
    const { dir } = makeReviewRepo({ "policies/shop.yaml": move(BASE_FILES["policies/shop.yaml"]!), "policies/watch.yaml": move(BASE_FILES["policies/watch.yaml"]!) });
    const run = await review(dir, ["--base", "base", "--head", "head", "--format", "json"]);
    expect(run.code).toBe(1);
    const zones = (JSON.parse(run.stdout) as ReviewReport).stacks[0]!.zones;
    expect(zones.map((z) => [z.zone, z.status, z.rules.added.length, z.rules.removed.length, z.mass_delete])).toEqual([
      ["outlet", "added", 6, 0, false],
      ["shop", "removed", 0, 6, true],
    ]);
  });

  it("does not call removing 1 of 6 rules a mass deletion", async () => {
    const { dir } = makeReviewRepo();
    expect((await review(dir, ["--base", "base", "--head", "head"])).code).toBe(0);
  });

  it("is a usage error (one line, exit 2) for an unknown revision", async () => {
    const { dir } = makeReviewRepo();
    const run = await review(dir, ["--base", "no-such-ref", "--head", "head"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("no-such-ref");
  });

  it("exits 1 and names the revision when the head does not compile", async () => {
    const { dir } = makeReviewRepo({ ...HEAD_FILES, "policies/watch.yaml": HEAD_FILES["policies/watch.yaml"]!.replace("action: block", "action: smite") });
    const run = await review(dir, ["--base", "base", "--head", "head"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the project at 'head' (--head) does not compile");
    expect(run.stderr).toContain("head:policies/watch.yaml");
    expect(run.stdout).toBe("");
  });
});

/** A stack file with the shop zone, in `mode` when given. */
function stackFile(mode?: "observe" | "enforce"): string {
  return `config:
  bot-policy:accountId: "0123456789abcdef0123456789abcdef"
${mode ? `  bot-policy:mode: ${mode}\n` : ""}  bot-policy:zones:
    shop:
      zoneId: "00000000000000000000000000000d01"
      plan: enterprise
      routes:
        - shop.example.com/*
`;
}

describe("review of a project with stacks", () => {
  it("reviews every stack either revision has: a stack's mode switch, and a new stack all added", async () => {
    const base = { ...BASE_FILES, "Pulumi.dev.yaml": stackFile("observe"), "Pulumi.prod.yaml": stackFile() };
    // The fixture's commits have no stacks; two more commits add them, then switch dev to enforce.
    const { dir } = makeReviewRepo();
    commitFiles(dir, base, "stacks");
    git(dir, "tag", "with-stacks");
    commitFiles(dir, { ...base, "Pulumi.dev.yaml": stackFile("enforce"), "Pulumi.staging.yaml": stackFile("observe") }, "dev enforces");
    const run = await review(dir, ["--base", "with-stacks", "--head", "HEAD", "--format", "json", "--now", "2027-01-01"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReviewReport;
    expect(report.stacks.map((s) => s.stack)).toEqual(["dev", "prod", "staging"]);
    const [dev, prod, staging] = report.stacks.map((s) => s.zones[0]!);
    // A stack in observe mode forces its policies into observe; in enforce mode each policy keeps its own (watch observes).
    expect(dev!.enforce).toEqual(["shop/allow-office", "shop/block-scrapers", "shop/challenge-search", "shop/block-old-admin", "shop/block-legacy-export"]);
    expect(prod!.rules).toEqual({ added: [], removed: [], changed: [] });
    expect(staging!.status).toBe("added");
    expect(staging!.rules.added).toHaveLength(6);
    expect(staging!.mass_delete).toBe(false);
  });

  it("exits 1 on a mandatory guard finding of the head", async () => {
    const { dir } = makeReviewRepo({ ...HEAD_FILES, "Pulumi.yaml": "name: shop\nruntime: nodejs\nconfig:\n  bot-policy:guards:\n    value: { BP603: mandatory }\n" });
    const run = await review(dir, ["--base", "base", "--head", "head"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP603");
  });
});

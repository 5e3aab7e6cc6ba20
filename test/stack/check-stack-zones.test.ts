import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkStackOwnsZones, checkStackZones } from "../../src/stack/check-stack-zones.js";
import { cli, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

function stackFile(zones: Record<string, string>): string {
  const lines = ["config:", '  bot-policy:accountId: "0123456789abcdef0123456789abcdef"', "  bot-policy:zones:"];
  for (const [key, zoneId] of Object.entries(zones)) lines.push(`    ${key}:`, `      zoneId: "${zoneId}"`, "      plan: enterprise");
  return `${lines.join("\n")}\n`;
}

const shop = "00000000000000000000000000000d01";
const api = "00000000000000000000000000000d02";

describe("checkStackZones", () => {
  it("accepts stacks on distinct zones, and ignores Pulumi.yaml and policy files", () => {
    const files = new Map([
      ["Pulumi.yaml", "name: bot-policy\nruntime: nodejs\n"],
      ["Pulumi.dev.yaml", stackFile({ shop })],
      ["Pulumi.prod.yaml", stackFile({ api })],
      ["policies/shop.yaml", "version: 1\n"],
    ]);
    expect(checkStackZones(files)).toEqual([]);
  });

  it("reports one zone id in two stacks at the zoneId of each file, naming both files", () => {
    const files = new Map([
      ["Pulumi.prod.yaml", stackFile({ api, shop })],
      ["Pulumi.dev.yaml", stackFile({ store: shop })],
    ]);
    const found = checkStackZones(files);
    expect(found.map((d) => [d.code, d.severity, d.file, d.line, d.column])).toEqual([
      ["BP170", "error", "Pulumi.dev.yaml", 5, 7],
      ["BP170", "error", "Pulumi.prod.yaml", 8, 7],
    ]);
    expect(found[0]!.message).toBe(
      `Zone id '${shop}' of 'Pulumi.dev.yaml' (zone 'store') is also deployed by 'Pulumi.prod.yaml' (zone 'shop'): Cloudflare allows one entry-point ruleset per zone and phase, so two stacks cannot own one zone.`,
    );
    expect(found[1]!.message).toContain("'Pulumi.prod.yaml' (zone 'shop') is also deployed by 'Pulumi.dev.yaml' (zone 'store')");
  });

  it("names every other owner when three stacks share a zone", () => {
    const files = new Map([
      ["Pulumi.a.yaml", stackFile({ shop })],
      ["Pulumi.b.yaml", stackFile({ shop })],
      ["Pulumi.c.yaml", stackFile({ shop })],
    ]);
    const found = checkStackZones(files);
    expect(found).toHaveLength(3);
    expect(found[0]!.message).toContain("is also deployed by 'Pulumi.b.yaml' (zone 'shop') and 'Pulumi.c.yaml' (zone 'shop')");
  });

  it("skips a stack file that does not parse (its own errors are reported when it is used)", () => {
    const files = new Map([
      ["Pulumi.dev.yaml", stackFile({ shop })],
      ["Pulumi.broken.yaml", "config: [\n"],
    ]);
    expect(checkStackZones(files)).toEqual([]);
  });
});

describe("checkStackOwnsZones", () => {
  const files = new Map([
    ["Pulumi.dev.yaml", stackFile({ shop: api })],
    ["Pulumi.prod.yaml", stackFile({ shop })],
    ["Pulumi.staging.yaml", stackFile({ store: shop })],
  ]);

  it("reports a clash of the stack in its own file, naming the other", () => {
    const found = checkStackOwnsZones(files, "prod");
    expect(found.map((d) => [d.code, d.file])).toEqual([["BP170", "Pulumi.prod.yaml"]]);
    expect(found[0]!.message).toContain("'Pulumi.prod.yaml' (zone 'shop') is also deployed by 'Pulumi.staging.yaml' (zone 'store')");
    expect(checkStackOwnsZones(files, "org/bot-policy/staging").map((d) => d.file)).toEqual(["Pulumi.staging.yaml"]);
  });

  it("leaves out a clash between two other stacks, and a stack without a file", () => {
    expect(checkStackOwnsZones(files, "dev")).toEqual([]);
    expect(checkStackOwnsZones(files, "qa")).toEqual([]);
  });
});

describe("validate", () => {
  it("fails when two stack files of the project own one zone, with or without --stack", async () => {
    const policy = readFileSync(join(REPO_ROOT, "policies", "storefront.yaml"), "utf8");
    const dev = readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
    const dir = makeProject({ "policies/storefront.yaml": policy, "Pulumi.dev.yaml": dev, "Pulumi.staging.yaml": dev.replaceAll("0d02", "0e02") });
    try {
      for (const args of [["validate", "--dir", dir], ["validate", "--dir", dir, "--stack", "dev"]]) {
        const run = await cli(args);
        expect(run.code).toBe(1);
        expect(run.stdout + run.stderr).toContain("Pulumi.dev.yaml:11:7 - error BP170: Zone id '00000000000000000000000000000d01' of 'Pulumi.dev.yaml' (zone 'shop') is also deployed by 'Pulumi.staging.yaml' (zone 'shop')");
        expect(run.stdout + run.stderr).toContain("Pulumi.staging.yaml:11:7 - error BP170");
        expect(run.stdout + run.stderr).not.toContain("0e02'");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

// `compile --stack` writes what a stack deploys: like validate and the Pulumi program, it refuses a
// zone that another stack file of the project also deploys (BP170).

describe("compile --stack", () => {
  const policy = readFileSync(join(REPO_ROOT, "policies", "storefront.yaml"), "utf8");
  const dev = readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");

  it("refuses a stack whose zone another stack file also deploys, naming both files, and writes nothing", async () => {
    // staging takes dev's 'shop' zone id; its 'api' zone gets an id of its own.
    const dir = makeProject({ "policies/storefront.yaml": policy, "Pulumi.dev.yaml": dev, "Pulumi.staging.yaml": dev.replaceAll("0d02", "0e02") });
    const out = join(mkdtempSync(join(tmpdir(), "bot-policy-out-")), "build");
    try {
      const run = await cli(["compile", "--dir", dir, "--stack", "dev", "--out", out]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        "Pulumi.dev.yaml:11:7 - error BP170: Zone id '00000000000000000000000000000d01' of 'Pulumi.dev.yaml' (zone 'shop') is also deployed by 'Pulumi.staging.yaml' (zone 'shop')",
      );
      // Only the clash in the compiled stack's own file: the other file's copy is that stack's to report.
      expect(run.stderr).not.toContain("Pulumi.staging.yaml:11:7");
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("compiles a stack that shares no zone, even when two other stacks clash, and compiles without --stack", async () => {
    const clashing = dev.replaceAll("0d01", "0f01").replaceAll("0d02", "0f02");
    const dir = makeProject({ "policies/storefront.yaml": policy, "Pulumi.dev.yaml": dev, "Pulumi.qa.yaml": clashing, "Pulumi.staging.yaml": clashing });
    try {
      for (const args of [["--stack", "dev"], []]) {
        const out = join(mkdtempSync(join(tmpdir(), "bot-policy-out-")), "build");
        const run = await cli(["compile", "--dir", dir, ...args, "--out", out]);
        expect(run.stderr).not.toContain("BP170");
        expect(run.code).toBe(0);
        expect(existsSync(join(out, "shop", "http_request_firewall_custom.json"))).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

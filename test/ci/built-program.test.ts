import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Pulumi.yaml runs the built program: `pulumi up` after `npm ci` (whose `prepare` builds dist/)
// must need no TypeScript loader. This test builds the program the way `npm run build` does, into
// a scratch folder inside the repository (so packages resolve as from dist/), and runs its entry
// point in a bare `node` process under Pulumi's mocks, with the committed stack config.

const repoRoot = join(import.meta.dirname, "..", "..");
const outDir = join(repoRoot, "build", "ci-built-program");
const pulumiYaml = parse(readFileSync(join(repoRoot, "Pulumi.yaml"), "utf8")) as {
  main: string;
  runtime: string | { name: string; options?: Record<string, unknown> };
};

function configOf(stack: string): Record<string, string> {
  const file = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const config = Object.entries(file.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
  return { ...Object.fromEntries(config), "bot-policy:riskIntelligenceApiKey": "frc-test-key" };
}

describe("Pulumi.yaml's built program", () => {
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    const tsc = spawnSync(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", outDir], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("names the JavaScript that `npm run build` writes, for the Node.js runtime without ts-node", () => {
    expect(pulumiYaml.main).toBe("dist/src/infra/index.js");
    const runtime = typeof pulumiYaml.runtime === "string" ? { name: pulumiYaml.runtime } : pulumiYaml.runtime;
    expect(runtime.name).toBe("nodejs");
    // Pulumi's Node.js runtime registers ts-node unless `typescript` is false.
    expect(runtime.options?.typescript).toBe(false);
    const build = JSON.parse(readFileSync(join(repoRoot, "tsconfig.build.json"), "utf8")) as { include: string[] };
    expect(build.include).toContain("src");
    const scripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe("npm run build");
  });

  it.each(["dev", "prod"])("registers the %s stack's resources in a bare node process", (stack) => {
    const program = join(outDir, pulumiYaml.main.replace(/^dist\//, ""));
    const run = spawnSync(process.execPath, [join(import.meta.dirname, "run-built-program.mjs"), program, stack, JSON.stringify(configOf(stack))], {
      cwd: repoRoot,
      encoding: "utf8",
      // No loader may sneak in from the test runner's environment.
      env: { ...process.env, NODE_OPTIONS: "" },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { registered: { type: string; name: string }[]; rulesets: Record<string, Record<string, string>> };
    const rulesets = result.registered.filter((r) => r.type === "cloudflare:index/ruleset:Ruleset").map((r) => r.name);
    expect(rulesets.sort()).toEqual([
      "api-http_request_firewall_custom",
      "api-http_request_late_transform",
      "shop-http_request_firewall_custom",
      "shop-http_request_late_transform",
    ]);
    expect(result.rulesets.shop).toMatchObject({ http_request_firewall_custom: "shop-http_request_firewall_custom-id" });
    expect(result.registered.some((r) => r.type === "cloudflare:index/workersScript:WorkersScript")).toBe(true);
  }, 60_000);
});

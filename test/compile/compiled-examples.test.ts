import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWorkerBundle } from "../../src/bundle/build-worker-bundle.js";
import { compileProject } from "../../src/compile/compile-project.js";
import { projectFiles } from "../helpers/project-files.js";
import { MAX_EXPRESSION_LENGTH } from "../../src/compile/compile-zone.js";
import { checkExpression } from "../../src/rules/check-expression.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { cli, expectGolden, REPO_ROOT } from "../helpers/run-cli.js";

const NOW = "2026-11-21";
const now = new Date(`${NOW}T00:00:00Z`);

function compileStack(stack: string) {
  const { config } = loadStackFile(REPO_ROOT, stack);
  return { config: config!, result: compileProject({ files: projectFiles(REPO_ROOT), stack: config!, now }) };
}

describe.each(["dev", "prod"])("the example policies compiled for stack %s", (stack) => {
  const { config, result } = compileStack(stack);

  it("compile without errors, one plan per zone of the stack", () => {
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.plans.map((p) => p.zone)).toEqual(config.zones.map((z) => z.key));
  });

  it("match the golden artifacts written by 'compile --out'", async () => {
    const out = mkdtempSync(join(tmpdir(), "bot-policy-out-"));
    const run = await cli(["compile", "--dir", REPO_ROOT, "--stack", stack, "--out", out, "--now", NOW]);
    expect(run.code).toBe(0);
    const written = readdirSync(out).sort();
    expect(written).toEqual([...config.zones.map((z) => z.key)].sort());
    for (const zone of written) {
      for (const file of readdirSync(join(out, zone)).sort()) {
        const content = readFileSync(join(out, zone, file), "utf8");
        // The bundle is the runtime plus the policy: it is held to a fresh build, not to a golden copy.
        if (file === "worker.js") expect(content).toBe(buildWorkerBundle(result.plans.find((p) => p.zone === zone)!.worker!));
        else expectGolden(join(REPO_ROOT, "test", "golden", "compiled", stack, zone, file), content);
      }
    }
    // Only zones with worker rules get a Worker.
    expect(written.filter((zone) => readdirSync(join(out, zone)).includes("worker.js"))).toEqual(result.plans.filter((p) => p.worker).map((p) => p.zone).sort());
  });

  it("plan as the golden plan shows", async () => {
    const run = await cli(["plan", "--dir", REPO_ROOT, "--stack", stack, "--now", NOW]);
    expect(run.code).toBe(0);
    // The bundle's size follows the Worker runtime, not the policies: the golden holds a placeholder.
    const size = /worker yes, ([\d.]+ KB) bundle/.exec(run.stdout)?.[1];
    const api = result.plans.find((p) => p.zone === "api")!;
    expect(size).toBe(`${(Buffer.byteLength(buildWorkerBundle(api.worker!)) / 1024).toFixed(1)} KB`);
    expectGolden(join(REPO_ROOT, "test", "golden", "plan", `${stack}.txt`), run.stdout.replace(/worker yes, [\d.]+ KB bundle/g, "worker yes, <size> bundle"));
  });

  it("emit only valid, canonical Rules-language expressions within the length limit", () => {
    for (const plan of result.plans) {
      for (const rule of [...plan.firewallCustom.rules, ...(plan.lateTransform?.rules ?? [])]) {
        expect(rule.expression.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
        const parsed = parseExpression(rule.expression);
        expect(parsed.ok, rule.expression).toBe(true);
        if (!parsed.ok) continue;
        expect(printExpression(parsed.expr)).toBe(rule.expression);
        expect(checkExpression(parsed.expr, { tier: plan.tier, context: "filter", allowWorkerFields: false })).toEqual([]);
      }
      for (const header of Object.values(plan.lateTransform?.rules[0]?.action_parameters?.headers ?? {})) {
        const parsed = parseExpression(header.expression!);
        expect(parsed.ok, header.expression).toBe(true);
      }
    }
  });

  it("give every emitted rule a stable ref and a description naming its policy rule", () => {
    for (const plan of result.plans) {
      for (const rule of plan.firewallCustom.rules) {
        expect(rule.ref).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+(#\d+)?$/);
        expect(rule.description).toContain(rule.ref.replace(/#.*/, ""));
      }
    }
  });

  it("trace every emitted rule to its policy rule's line in the YAML", () => {
    const files = projectFiles(REPO_ROOT);
    for (const plan of result.plans) {
      const emitted = [...plan.firewallCustom.rules, ...(plan.lateTransform?.rules ?? []), ...(plan.worker?.rules ?? [])];
      expect(Object.keys(plan.origins).sort()).toEqual([...new Set(emitted.map((r) => r.ref))].sort());
      for (const { ref } of emitted) {
        const { rule, source } = plan.origins[ref]!;
        const line = files.get(source.file)!.split("\n")[source.line - 1]!;
        // Rules point at their `id:`, the origin-headers rule at its first header's key.
        const headers = Object.keys(plan.lateTransform?.rules[0]?.action_parameters?.headers ?? {});
        const at = line.slice(source.column - 1);
        const written = rule.endsWith("/origin_headers") ? headers.some((name) => at.startsWith(`${name}:`)) : at.startsWith(rule.split("/")[1]!);
        expect(written, `${ref} → ${source.file}:${source.line}:${source.column}`).toBe(true);
      }
    }
  });

  it("is plain JSON: a CompiledProject survives a JSON round trip unchanged", () => {
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

it("observe mode (dev) turns terminating actions into log and keeps skips", () => {
  const actions = (stack: string) => compileStack(stack).result.plans.flatMap((p) => p.firewallCustom.rules.map((r): [string, string] => [r.ref, r.action]));
  const enforced = new Map(actions("prod"));
  const observed = actions("dev");
  expect(observed.map(([ref]) => ref)).toEqual([...enforced.keys()]);
  for (const [ref, action] of observed) {
    const original = enforced.get(ref)!;
    expect(action).toBe(original === "skip" || original === "log" ? original : "log");
  }
  expect([...enforced.values()]).toContain("block");
});

it("compiles byte-for-byte identically twice", () => {
  expect(JSON.stringify(compileStack("prod").result.plans)).toBe(JSON.stringify(compileStack("prod").result.plans));
});

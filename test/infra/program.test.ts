import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildWorkerBundle } from "../../src/bundle/build-worker-bundle.js";
import { compileProject } from "../../src/compile/compile-project.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { projectFiles } from "../helpers/project-files.js";
import { installMocks, valueOf } from "./pulumi-mocks.js";
import type { RegisteredResource } from "./pulumi-mocks.js";

// The real program (src/infra/index.ts) under Pulumi's mock engine, configured from the committed
// Pulumi.<stack>.yaml files, so the program, the stack files and the example policies are tested
// together and cannot drift apart.

const repoRoot = join(import.meta.dirname, "..", "..");
const rulesetType = "cloudflare:index/ruleset:Ruleset";
const workersScriptType = "cloudflare:index/workersScript:WorkersScript";
const workersRouteType = "cloudflare:index/workersRoute:WorkersRoute";

function parseStackFile(stack: string) {
  return loadStackFile(repoRoot, stack).config!;
}
const terminating = ["block", "managed_challenge", "js_challenge", "challenge"];

interface RegisteredRule {
  ref: string;
  action: string;
  expression: string;
}

interface ZoneOutputs {
  zoneId: string;
  http_request_firewall_custom: pulumi.Output<string>;
  http_request_late_transform?: pulumi.Output<string>;
}

/** The stack file's config as Pulumi hands it to a program: strings, objects as JSON. */
function configOf(stack: string): Record<string, string> {
  const file = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

function zoneIdsOf(stack: string): Record<string, string> {
  const zones = JSON.parse(configOf(stack)["bot-policy:zones"] ?? "{}") as Record<string, { zoneId: string }>;
  return Object.fromEntries(Object.entries(zones).map(([key, zone]) => [key, zone.zoneId]));
}

/** Runs the program for `stack` from a fresh module registry and waits until its resources exist. */
async function runProgram(stack: string, config: Record<string, string> = { ...configOf(stack), "bot-policy:riskIntelligenceApiKey": "frc-test-key" }) {
  vi.resetModules();
  const registered = await installMocks(stack, config, ["bot-policy:riskIntelligenceApiKey"]);
  const program = (await import("../../src/infra/index.js")) as { rulesets: Record<string, ZoneOutputs> };
  const ids: Record<string, string> = {};
  for (const [zone, outputs] of Object.entries(program.rulesets)) {
    ids[`${zone}-http_request_firewall_custom`] = await valueOf(outputs.http_request_firewall_custom);
    if (outputs.http_request_late_transform !== undefined) {
      ids[`${zone}-http_request_late_transform`] = await valueOf(outputs.http_request_late_transform);
    }
  }
  const rulesets = registered.filter((resource) => resource.type === rulesetType);
  return { registered, rulesets, ids, outputs: program.rulesets };
}

function rulesOf(resource: RegisteredResource): RegisteredRule[] {
  return (resource.inputs.rules ?? []) as RegisteredRule[];
}

describe("the Pulumi program", () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(repoRoot));
  afterAll(() => process.chdir(cwd));

  let dev: Awaited<ReturnType<typeof runProgram>>;
  let prod: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    dev = await runProgram("dev");
    prod = await runProgram("prod");
  });

  it.each(["dev", "prod"])("registers the %s rulesets on that stack's zones, with resolved ids", (stack) => {
    const run = stack === "dev" ? dev : prod;
    const zoneIds = zoneIdsOf(stack);
    // The example policies give both zones WAF custom rules and origin-header transforms.
    expect(run.rulesets.map((ruleset) => ruleset.name).sort()).toEqual([
      "api-http_request_firewall_custom",
      "api-http_request_late_transform",
      "shop-http_request_firewall_custom",
      "shop-http_request_late_transform",
    ]);
    for (const ruleset of run.rulesets) {
      const [zone, phase] = ruleset.name.split(/-(?=http_request_)/) as [string, string];
      expect(ruleset.inputs).toMatchObject({ kind: "zone", phase, zoneId: zoneIds[zone] });
      expect(["http_request_firewall_custom", "http_request_late_transform"]).toContain(phase);
      // Ids resolve only through the mock engine: this proves the resources were really registered.
      expect(run.ids[ruleset.name]).toBe(`${ruleset.name}-id`);
      expect(run.outputs[zone]?.zoneId).toBe(zoneIds[zone]);
    }
    // One entry point per zone and phase.
    expect(new Set(run.rulesets.map((ruleset) => ruleset.name)).size).toBe(run.rulesets.length);
  });

  it("deploys the same rules to both stacks, under the same stable refs", () => {
    const refs = (run: typeof dev) =>
      Object.fromEntries(run.rulesets.map((ruleset) => [ruleset.name, rulesOf(ruleset).map((rule) => rule.ref)]));
    expect(refs(dev)).toEqual(refs(prod));
    for (const ruleset of dev.rulesets) {
      const ruleRefs = rulesOf(ruleset).map((rule) => rule.ref);
      expect(ruleRefs.every((ref) => ref.length > 0)).toBe(true);
      expect(new Set(ruleRefs).size).toBe(ruleRefs.length);
    }
  });

  it("keeps refs stable from one run to the next", async () => {
    const again = await runProgram("dev");
    const refs = (run: typeof dev) => run.rulesets.flatMap((ruleset) => rulesOf(ruleset).map((rule) => rule.ref));
    expect(refs(again)).toEqual(refs(dev));
    expect(again.rulesets.map((ruleset) => ruleset.inputs)).toEqual(dev.rulesets.map((ruleset) => ruleset.inputs));
  });

  it("turns dev's terminating actions into log (observe) while prod's stay terminating (enforce)", () => {
    const firewall = (run: typeof dev) =>
      run.rulesets.filter((ruleset) => ruleset.name.endsWith("-http_request_firewall_custom")).flatMap(rulesOf);
    const devRules = firewall(dev);
    const prodRules = firewall(prod);
    expect(devRules.filter((rule) => terminating.includes(rule.action))).toEqual([]);

    const prodTerminating = prodRules.filter((rule) => terminating.includes(rule.action));
    expect(prodTerminating.map((rule) => rule.action)).toEqual(expect.arrayContaining(["block", "managed_challenge"]));
    for (const rule of prodTerminating) {
      const devRule = devRules.find((candidate) => candidate.ref === rule.ref);
      expect(devRule, rule.ref).toMatchObject({ action: "log", expression: rule.expression });
    }
  });

  it("fails the preview with located BP15x diagnostics when the stack config is invalid", async () => {
    const config = configOf("dev");
    const zones = JSON.parse(config["bot-policy:zones"] ?? "{}") as Record<string, { zoneId: string }>;
    zones.shop = { ...zones.shop, zoneId: "123" } as { zoneId: string };
    await expect(runProgram("broken", { ...config, "bot-policy:riskIntelligenceApiKey": "k", "bot-policy:zones": JSON.stringify(zones) })).rejects.toThrow(
      "Pulumi.broken.yaml:1:1 - error BP157: Stack 'broken' zone 'shop' has an invalid zoneId '123': expected 32 lowercase hex characters.",
    );
  });

  it.each(["dev", "prod"])("puts every %s resource under one BotPolicy component", (stack) => {
    const run = stack === "dev" ? dev : prod;
    const components = run.registered.filter((resource) => resource.type === "bot-policy:index:BotPolicy");
    expect(components.map((component) => component.name)).toEqual(["bot-policy"]);
    expect(run.registered.filter((resource) => resource.type.startsWith("cloudflare:")).length).toBeGreaterThan(0);
  });

  it.each(["dev", "prod"])("deploys the %s api zone's Worker: its bundle, the secret key and one route per pattern", async (stack) => {
    const run = stack === "dev" ? dev : prod;
    const scripts = run.registered.filter((resource) => resource.type === workersScriptType);
    // Only the api zone has worker rules.
    expect(scripts.map((script) => script.name)).toEqual(["api-worker"]);
    const script = scripts[0]!;
    const { plans } = compileProject({ files: projectFiles(repoRoot), stack: parseStackFile(stack), now: new Date() });
    const api = plans.find((plan) => plan.zone === "api")!;
    expect(script.inputs).toMatchObject({ scriptName: `bot-policy-${stack}-api`, mainModule: "worker.js", content: buildWorkerBundle(api.worker!) });
    // The key makes the whole binding list secret, so the engine gets it wrapped as one.
    expect(script.inputs.bindings).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: [
        { type: "plain_text", name: "STACK", text: stack },
        { type: "secret_text", name: "RISK_API_KEY", text: "frc-test-key" },
      ],
    });
    const routes = run.registered.filter((resource) => resource.type === workersRouteType).map((route) => route.inputs);
    expect(routes).toEqual(api.routes.map((pattern) => ({ zoneId: api.zoneId, pattern, script: `bot-policy-${stack}-api` })));
    expect(routes.length).toBeGreaterThan(0);
  });

  it("refuses a stack whose Worker reads Risk Intelligence without the API key, before any resource", async () => {
    vi.resetModules();
    const registered = await installMocks("dev", configOf("dev"));
    await expect(import("../../src/infra/index.js")).rejects.toThrow(
      "Pulumi.dev.yaml:1:1 - error BP430: Zone 'api' reads Risk Intelligence, but stack 'dev' has no 'bot-policy:riskIntelligenceApiKey'.",
    );
    expect(registered.filter((resource) => resource.type.startsWith("cloudflare:"))).toEqual([]);
  });

  it("adopts an existing entry point with Pulumi's import option when the stack sets bot-policy:adopt", async () => {
    const rulesetId = "2c0fc9fa937b11eaa1b71c4d701ab86e";
    const config = { ...configOf("dev"), "bot-policy:riskIntelligenceApiKey": "frc-test-key", "bot-policy:adopt": JSON.stringify({ shop: rulesetId }) };
    const run = await runProgram("dev", config);
    const imports = Object.fromEntries(run.rulesets.map((ruleset) => [ruleset.name, ruleset.importId]));
    // Only the adopted zone's firewall-custom entry point is imported, with the provider's documented id.
    expect(imports).toEqual({
      "api-http_request_firewall_custom": undefined,
      "api-http_request_late_transform": undefined,
      "shop-http_request_firewall_custom": `zones/${zoneIdsOf("dev").shop}/${rulesetId}`,
      "shop-http_request_late_transform": undefined,
    });
    // Without the setting, nothing is imported.
    expect(dev.rulesets.every((ruleset) => ruleset.importId === undefined)).toBe(true);
  });
});

describe("the Pulumi program with two stacks on one zone", () => {
  it("refuses to deploy, naming both stack files, before any resource", async () => {
    // The example project plus a second stack file that deploys dev's 'shop' zone under another key.
    const dir = mkdtempSync(join(tmpdir(), "bot-policy-program-"));
    cpSync(join(repoRoot, "policies"), join(dir, "policies"), { recursive: true });
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml"]) cpSync(join(repoRoot, file), join(dir, file));
    const shopId = zoneIdsOf("dev").shop!;
    writeFileSync(join(dir, "Pulumi.staging.yaml"), `config:\n  bot-policy:accountId: "0123456789abcdef0123456789abcdef"\n  bot-policy:zones:\n    store:\n      zoneId: "${shopId}"\n      plan: enterprise\n`);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      vi.resetModules();
      const registered = await installMocks("dev", { ...configOf("dev"), "bot-policy:riskIntelligenceApiKey": "k" }, ["bot-policy:riskIntelligenceApiKey"]);
      await expect(import("../../src/infra/index.js")).rejects.toThrow(
        `error BP170: Zone id '${shopId}' of 'Pulumi.dev.yaml' (zone 'shop') is also deployed by 'Pulumi.staging.yaml' (zone 'store')`,
      );
      expect(registered.filter((resource) => resource.type.startsWith("cloudflare:"))).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });
});

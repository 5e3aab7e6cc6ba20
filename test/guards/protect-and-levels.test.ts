import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPolicies, compileProject } from "../../src/compile/compile-project.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { BotPolicy } from "../../src/infra/bot-policy.js";
import type { StackConfig } from "../../src/model/stack.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { installMocks } from "../infra/pulumi-mocks.js";
import { REPO_ROOT } from "../helpers/run-cli.js";

const NOW = new Date("2026-11-21T00:00:00Z");

const POLICY = `version: 1
policy: shop
zones: [shop]
rules:
  - id: allow-office
    when: { ip: 192.0.2.0/24 }
    action: skip
  - id: partner
    when: { ja4: t13d1516h2_8daaf6152771_02713d6af862 }
    action: skip
  - id: challenge-likely-bots
    when: { bot_score: { lt: 30 }, verified_bot: false }
    action: managed_challenge
protect:
  - name: office network
    request: { ip: 192.0.2.10, bot_score: 1 }
  - name: uptime monitor
    request: { ip: 203.0.113.7, bot_score: 2 }
`;

function stack(mode: "observe" | "enforce", zones = ["shop"]): StackConfig {
  return { name: mode === "observe" ? "dev" : "prod", accountId: "0123456789abcdef0123456789abcdef", mode, zones: zones.map((key) => ({ key, zoneId: "00000000000000000000000000000d01", plan: "enterprise", routes: [] })) };
}

function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity} ${d.code} ${d.line}:${d.column}`);
}

function check(files: Record<string, string>, stackConfig?: StackConfig) {
  return checkPolicies({ files: new Map(Object.entries(files)), now: NOW, ...(stackConfig ? { stack: stackConfig } : {}) });
}

describe("protect", () => {
  it("names the protected request and the rule that would hit it, at the protect entry", () => {
    const { diagnostics, policies } = check({ "policies/shop.yaml": POLICY });
    const violation = diagnostics.find((d) => d.code === "BP606")!;
    expect(violation).toMatchObject({ severity: "error", file: "policies/shop.yaml", line: 17, column: 11 });
    expect(violation.message).toBe("Protected request 'uptime monitor' would get 'managed_challenge' from rule 'shop/challenge-likely-bots' in zone 'shop'.");
    expect(violation.hint).toContain("policies/shop.yaml:11:9");
    // Refused, so compile has nothing to deploy either.
    expect(policies).toEqual([]);
    expect(compileProject({ files: new Map([["policies/shop.yaml", POLICY]]), now: NOW }).plans).toEqual([]);
  });

  it("is checked for the chosen stack: observe mode only logs, so nothing is blocked", () => {
    expect(codes(check({ "policies/shop.yaml": POLICY }, stack("observe")).diagnostics).filter((c) => c.includes("BP606"))).toEqual([]);
    expect(codes(check({ "policies/shop.yaml": POLICY }, stack("enforce")).diagnostics)).toContain("error BP606 17:11");
  });

  it("checks every zone the policy covers, with the rules of the other policies there", () => {
    const other = `version: 1\npolicy: api\nzones: [api]\npriority: 10\nrules:\n  - id: block-all-bots\n    when: { bot_score: { lt: 30 }, verified_bot: false }\n    action: block\n`;
    const office = `version: 1\npolicy: office\nzones: [shop, api]\nrules:\n  - id: log-office\n    when: { ip: 192.0.2.0/24 }\n    action: log\nprotect:\n  - name: office network\n    request: { ip: 192.0.2.10, bot_score: 1 }\n`;
    const found = check({ "policies/api.yaml": other, "policies/office.yaml": office }).diagnostics.filter((d) => d.code === "BP606");
    expect(found.map((d) => d.message)).toEqual(["Protected request 'office network' would get 'block' from rule 'api/block-all-bots' in zone 'api'."]);
  });

  it("refuses a protected request that is not in the test-request shape", () => {
    const bad = POLICY.replace("{ ip: 203.0.113.7, bot_score: 2 }", "{ ip: 203.0.113.7, bot_score: high }");
    expect(check({ "policies/shop.yaml": bad }).diagnostics.map((d) => `${d.code} ${d.message}`)).toContain("BP607 Protected request 'uptime monitor' is invalid: 'bot_score' must be an integer.");
  });

  it("makes the Pulumi program refuse to deploy", async () => {
    await installMocks("prod", {});
    const files = new Map([["policies/shop.yaml", POLICY]]);
    expect(() => new BotPolicy("bot-policy", { files, stack: stack("enforce"), now: NOW, buildWorker: () => "" })).toThrow(/BP606: Protected request 'uptime monitor'/);
  });

  it("the shipped examples protect an office network and an uptime monitor, and a new rule that blocks the office fails", () => {
    const read = (name: string) => readFileSync(join(REPO_ROOT, "policies", name), "utf8");
    const files = { "policies/storefront.yaml": read("storefront.yaml"), "policies/api.yaml": read("api.yaml") };
    const prod = loadStackFile(REPO_ROOT, "prod").config!;
    expect(check(files, prod).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(files["policies/storefront.yaml"]).toContain("name: office network");
    expect(files["policies/api.yaml"]).toContain("name: uptime monitor");
    // A rule placed before the office's skip: the office is challenged now.
    const broken = files["policies/storefront.yaml"].replace("rules:\n", "rules:\n  - id: challenge-checkout\n    when: { path: { starts_with: /checkout }, bot_score: { lt: 50 } }\n    action: managed_challenge\n");
    const errors = check({ ...files, "policies/storefront.yaml": broken }, prod).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.message)).toEqual(["Protected request 'office network' would get 'managed_challenge' from rule 'storefront/challenge-checkout' in zone 'shop'."]);
  });
});

const SKIP_BY_JA4 = `version: 1
policy: shop
zones: [shop]
rules:
  - id: partner
    when: { ja4: t13d1516h2_8daaf6152771_02713d6af862 }
    action: skip
`;

function project(levels: string): string {
  return `name: bot-policy\nruntime: nodejs\nconfig:\n  bot-policy:guards:\n${levels}`;
}

describe("guard levels in Pulumi.yaml", () => {
  it("defaults: advisory findings are warnings", () => {
    expect(codes(check({ "policies/shop.yaml": SKIP_BY_JA4 }).diagnostics)).toEqual(["warning BP604 5:9"]);
  });

  it("mandatory makes a finding an error, disabled drops it", () => {
    expect(codes(check({ "policies/shop.yaml": SKIP_BY_JA4, "Pulumi.yaml": project("    value: { BP604: mandatory }\n") }).diagnostics)).toEqual(["error BP604 5:9"]);
    expect(codes(check({ "policies/shop.yaml": SKIP_BY_JA4, "Pulumi.yaml": project("    value:\n      BP604: disabled\n") }).diagnostics)).toEqual([]);
  });

  it("reports unknown codes and levels, and a map Pulumi would read as a type declaration, in Pulumi.yaml", () => {
    const unknown = check({ "policies/shop.yaml": SKIP_BY_JA4, "Pulumi.yaml": project("    value:\n      BP6O4: mandatory\n      BP604: strict\n") }).diagnostics;
    expect(unknown.map((d) => `${d.file} ${d.severity} ${d.code} ${d.line}:${d.column}`)).toEqual(["Pulumi.yaml error BP612 6:7", "Pulumi.yaml error BP613 7:14", "policies/shop.yaml warning BP604 5:9"]);
    expect(unknown[0]!.hint).toBe("did you mean 'BP604'?");
    const bare = check({ "policies/shop.yaml": SKIP_BY_JA4, "Pulumi.yaml": project("    BP604: mandatory\n") }).diagnostics;
    expect(bare.map((d) => `${d.file} ${d.code} ${d.line}:${d.column}`)).toContain("Pulumi.yaml BP611 4:3");
  });

  it("keeps a suppression of a mode-dependent guard quiet in observe mode, where the guard finds nothing", () => {
    const policy = `version: 1\npolicy: shop\nzones: [shop]\nrules:\n  - id: challenge-bots\n    when: { bot_score: { lt: 30 } }\n    action: managed_challenge\n    suppress:\n      - { code: BP603, reason: Verified bots are challenged on purpose here. }\n`;
    expect(codes(check({ "policies/shop.yaml": policy }, stack("observe")).diagnostics)).toEqual([]);
    expect(codes(check({ "policies/shop.yaml": policy }, stack("enforce")).diagnostics)).toEqual([]);
    const unsuppressed = policy.replace(/ {4}suppress:[\s\S]*/, "");
    expect(codes(check({ "policies/shop.yaml": unsuppressed }, stack("enforce")).diagnostics)).toEqual(["warning BP603 5:9"]);
  });

  it("the shipped project sets no levels and validates cleanly", () => {
    const prod = loadStackFile(REPO_ROOT, "prod").config!;
    const files = Object.fromEntries(["storefront.yaml", "api.yaml"].map((f) => [`policies/${f}`, readFileSync(join(REPO_ROOT, "policies", f), "utf8")]));
    files["Pulumi.yaml"] = readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    expect(check(files, prod).diagnostics).toEqual([]);
    expect(check(files).diagnostics).toEqual([]);
  });
});

import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { parseStackFile } from "../../src/stack/parse-stack-file.js";
import { cli, makeProject, REPO_ROOT } from "../helpers/run-cli.js";
import { projectFiles } from "../helpers/project-files.js";
import { DRY_RUN_OK, rejection, startFakeRulesetsApi, type FakeAnswer, type ReceivedRequest } from "../verify/fake-rulesets-api.js";

// `bot-policy verify` against a local stand-in for Cloudflare's rulesets API that answers with the
// documented shapes (PLATFORM.md §9): what is sent, and how each verdict is reported.

const NOW = "2026-12-01";
const TOKEN = "test-token-0123456789";
const PHASES = ["http_request_firewall_custom", "http_request_late_transform"];

/** The example project's dev stack: zone key → zone id. */
const devZones = Object.fromEntries(parseStackFile("dev", readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")).config!.zones.map((zone) => [zone.key, zone.zoneId]));

/** The example project compiled for dev, as verify compiles it. */
function devPlans() {
  const files = projectFiles(REPO_ROOT);
  return compileProject({ files, stack: parseStackFile("dev", files.get("Pulumi.dev.yaml")!).config!, now: new Date(`${NOW}T00:00:00Z`) }).plans;
}

/** "<zone> <phase>" of every ruleset, in the order compile writes them: zones in order, WAF rules then transforms. */
const devTargets = devPlans().flatMap((plan) => [plan.firewallCustom, ...(plan.lateTransform ? [plan.lateTransform] : [])].map((body) => `${plan.zone} ${body.phase}`));

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Runs verify on the example project with the token set and the API at the fake's address. */
async function verify(answer: (request: ReceivedRequest) => FakeAnswer, args: string[] = [], dir = REPO_ROOT) {
  const api = await startFakeRulesetsApi(answer);
  try {
    vi.stubEnv("CLOUDFLARE_API_TOKEN", TOKEN);
    vi.stubEnv("CLOUDFLARE_API_BASE_URL", api.baseURL);
    const run = await cli(["verify", "--dir", dir, "--stack", "dev", "--now", NOW, ...args]);
    return { ...run, requests: api.requests };
  } finally {
    await api.close();
  }
}

/** The zone key and phase a request was for, read back from its path. */
function target(request: ReceivedRequest): string {
  const match = /^\/client\/v4\/zones\/([0-9a-f]{32})\/rulesets\/phases\/([a-z_]+)\/entrypoint$/.exec(request.path);
  if (!match) return `unexpected path ${request.path}`;
  const zone = Object.entries(devZones).find(([, id]) => id === match[1])?.[0] ?? "unknown zone";
  return `${zone} ${match[2]}`;
}

describe("bot-policy verify", () => {
  let artifacts: string;
  beforeAll(async () => {
    artifacts = mkdtempSync(join(tmpdir(), "bot-policy-verify-out-"));
    const compiled = await cli(["compile", "--dir", REPO_ROOT, "--stack", "dev", "--now", NOW, "--out", artifacts]);
    expect(compiled.code).toBe(0);
  });

  it("sends each compiled ruleset to its zone's phase entry point as a dry run, with the token, and reports each acceptance", async () => {
    const run = await verify(() => DRY_RUN_OK);
    // Both example zones have WAF rules and origin-header transforms: four rulesets.
    expect(devTargets).toHaveLength(4);
    expect(run.requests.map(target)).toEqual(devTargets);
    for (const request of run.requests) {
      expect(request.method).toBe("PUT");
      // Exactly `dry_run=true`: Cloudflare refuses any other value with a 400, and without it the rules would be deployed.
      expect([...request.query.entries()]).toEqual([["dry_run", "true"]]);
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers["x-auth-key"]).toBeUndefined();
      expect(request.headers["x-auth-email"]).toBeUndefined();
      const [zone, phase] = target(request).split(" ") as [string, string];
      // The body is the file `compile` writes, less what the address already says (kind, phase).
      const { kind: _kind, phase: _phase, ...written } = JSON.parse(readFileSync(join(artifacts, zone, `${phase}.json`), "utf8")) as Record<string, unknown>;
      expect(request.body).toEqual(written);
    }
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    for (const zone of Object.keys(devZones)) for (const phase of PHASES) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${zone} ${phase} \\(\\d+ rules?\\): accepted by Cloudflare$`)));
    expect(lines[4]).toBe("Cloudflare accepts 4 of 4 rulesets of stack 'dev' (dry run: nothing was saved).");
  });

  it("reports each API error with its code and message, at the policy rule when the error points at one", async () => {
    const api = devPlans().find((plan) => plan.zone === "api")!;
    const pointed = api.origins[api.firewallCustom.rules[1]!.ref]!;
    const syntax = "Filter parsing error (1:12): cf.bot_management.ja4 in {\"x\"} ^^^ unknown identifier";
    const similar = "A similar configuration with rules already exists and overwriting will have unintended consequences";
    const run = await verify(
      (request) => {
        if (target(request) === "shop http_request_firewall_custom") return rejection(400, [{ code: 20217, message: similar }]);
        if (target(request) === "api http_request_firewall_custom") return rejection(400, [{ code: 20021, message: syntax, source: { pointer: "/rules/1/expression" } }]);
        return DRY_RUN_OK;
      },
      ["--format", "json"],
    );
    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout) as { stack: string; rulesets: Array<Record<string, unknown>>; diagnostics: Array<Record<string, unknown>> };
    expect(output.stack).toBe("dev");
    // Sorted by file: the zone in the stack file, then the policy rule the pointer names.
    expect(output.diagnostics).toEqual([
      {
        code: "BP560",
        severity: "error",
        message: `Cloudflare rejects the 'http_request_firewall_custom' ruleset of zone 'shop' (error 20217): ${similar}.`,
        file: "Pulumi.dev.yaml",
        line: zoneIdLine("shop"),
        column: 7,
        length: 6,
      },
      {
        code: "BP560",
        severity: "error",
        message: `Cloudflare rejects the 'http_request_firewall_custom' ruleset of zone 'api' at rule '${pointed.rule}' (error 20021): ${syntax}.`,
        ...pointed.source,
      },
    ]);
    expect(output.rulesets.map((ruleset) => `${String(ruleset.zone)} ${String(ruleset.phase)} ${String(ruleset.verdict)}`)).toEqual(
      devTargets.map((name) => `${name} ${name.endsWith("firewall_custom") ? "rejected" : "accepted"}`),
    );
    expect(output.rulesets.find((ruleset) => ruleset.zone === "shop" && ruleset.verdict === "rejected")).toMatchObject({ status: 400, errors: [{ code: "20217", message: similar }] });
  });

  it("prints the verdicts as annotations and lines with --format github, and exits 1 on a rejection", async () => {
    const run = await verify((request) => (target(request) === "api http_request_late_transform" ? rejection(400, [{ code: 20120, message: "header name is reserved" }]) : DRY_RUN_OK), ["--format", "github"]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`::error file=Pulumi.dev.yaml,line=${zoneIdLine("api")},col=7,title=BP560::Cloudflare rejects the 'http_request_late_transform' ruleset of zone 'api' (error 20120): header name is reserved.`);
    expect(lines).toContainEqual(expect.stringMatching(/^api http_request_late_transform \(1 rule\): rejected by Cloudflare, 1 error \(HTTP 400\)$/));
    expect(lines.at(-1)).toBe("Cloudflare accepts 3 of 4 rulesets of stack 'dev' (dry run: nothing was saved).");
  });

  it("keeps stdout a pure SARIF log with --format sarif, the verdict lines on stderr", async () => {
    const run = await verify((request) => (target(request) === "shop http_request_firewall_custom" ? rejection(400, [{ code: 20217, message: "similar" }]) : DRY_RUN_OK), ["--format", "sarif"]);
    expect(run.code).toBe(1);
    const log = JSON.parse(run.stdout) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    expect(log.runs[0]!.results.map((result) => result.ruleId)).toEqual(["BP560"]);
    expect(run.stderr).toContain("Cloudflare accepts 3 of 4 rulesets of stack 'dev'");
  });

  it("hints at the token's permissions when Cloudflare refuses it", async () => {
    const run = await verify(() => rejection(403, [{ code: 10000, message: "Authentication error" }]));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP560: Cloudflare rejects the 'http_request_firewall_custom' ruleset of zone 'shop' (error 10000): Authentication error.");
    expect(run.stderr).toContain("hint: a dry run checks the permissions of a deploy: give the token 'Zone WAF: Edit' on this zone");
    expect(run.stderr).toContain("hint: a dry run checks the permissions of a deploy: give the token 'Transform Rules: Edit' on this zone");
  });

  it("reports an answer that is not the API's envelope as not verified (BP561), and a message on an accepted ruleset as a warning (BP562)", async () => {
    const run = await verify(
      (request) => {
        if (target(request) === "shop http_request_firewall_custom") return { status: 418, body: "<html><body>I'm a teapot</body></html>" };
        if (target(request) === "api http_request_firewall_custom") return { status: 200, body: { result: null, success: true, errors: [], messages: [{ code: 10400, message: "the ruleset is close to the rule limit" }] } };
        return DRY_RUN_OK;
      },
      ["--format", "json"],
    );
    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; severity: string; message: string }> };
    expect(output.diagnostics.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
      {
        code: "BP561",
        severity: "error",
        message: "The 'http_request_firewall_custom' ruleset of zone 'shop' could not be verified: the API answered HTTP 418 without an error list: <html><body>I'm a teapot</body></html>.",
      },
      {
        code: "BP562",
        severity: "warning",
        message: "Cloudflare accepts the 'http_request_firewall_custom' ruleset of zone 'api' with a message (10400): the ruleset is close to the rule limit.",
      },
    ]);
  });

  it("treats 'success: false' as a rejection even with HTTP 200", async () => {
    const run = await verify((request) => (target(request) === "shop http_request_late_transform" ? rejection(200, [{ code: 20021, message: "bad expression" }]) : DRY_RUN_OK));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP560: Cloudflare rejects the 'http_request_late_transform' ruleset of zone 'shop' (error 20021): bad expression.");
  });

  it("takes the API address from --api-base before CLOUDFLARE_API_BASE_URL", async () => {
    const api = await startFakeRulesetsApi();
    try {
      vi.stubEnv("CLOUDFLARE_API_TOKEN", TOKEN);
      vi.stubEnv("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:9/nowhere");
      const run = await cli(["verify", "--dir", REPO_ROOT, "--stack", "dev", "--now", NOW, "--api-base", api.baseURL]);
      expect(run.code).toBe(0);
      expect(api.requests).toHaveLength(4);
    } finally {
      await api.close();
    }
  });

  it("says in one line what to set when CLOUDFLARE_API_TOKEN is missing, sends nothing and exits 2", async () => {
    for (const token of [undefined, ""]) {
      const api = await startFakeRulesetsApi();
      try {
        vi.stubEnv("CLOUDFLARE_API_TOKEN", token);
        vi.stubEnv("CLOUDFLARE_API_BASE_URL", api.baseURL);
        const run = await cli(["verify", "--dir", REPO_ROOT, "--stack", "dev"]);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr).toBe(
          "bot-policy: CLOUDFLARE_API_TOKEN is not set: set it to a Cloudflare API token that may edit the zones' WAF and transform rules; nothing was sent.\n",
        );
        expect(api.requests).toEqual([]);
      } finally {
        await api.close();
      }
    }
  });

  it("requires --stack and refuses an API address that is not an http(s) URL", async () => {
    vi.stubEnv("CLOUDFLARE_API_TOKEN", TOKEN);
    expect((await cli(["verify", "--dir", REPO_ROOT])).code).toBe(2);
    const run = await cli(["verify", "--dir", REPO_ROOT, "--stack", "dev", "--api-base", "ftp://127.0.0.1/client/v4"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("bot-policy: The rulesets API address 'ftp://127.0.0.1/client/v4' must start with http:// or https://.\n");
  });

  it("sends nothing when the project does not compile for the stack", async () => {
    const dir = makeProject({ "policies/a.yaml": "version: 1\npolicy: a\nzones: [shop]\nrules:\n  - id: x\n    when: { ja3: nope }\n    action: block\n" }, ["dev"]);
    const run = await verify(() => DRY_RUN_OK, [], dir);
    expect(run.code).toBe(1);
    expect(run.requests).toEqual([]);
    expect(run.stderr).toContain("error BP305");
    expect(run.stderr).toContain("bot-policy: the project does not compile for this stack: nothing was sent to Cloudflare.\n");
  });

  it("sends nothing when another stack file deploys one of the stack's zones (BP170)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-policy-verify-"));
    cpSync(join(REPO_ROOT, "policies"), join(dir, "policies"), { recursive: true });
    cpSync(join(REPO_ROOT, "Pulumi.dev.yaml"), join(dir, "Pulumi.dev.yaml"));
    writeFileSync(join(dir, "Pulumi.staging.yaml"), `config:\n  bot-policy:accountId: "0123456789abcdef0123456789abcdef"\n  bot-policy:zones:\n    store:\n      zoneId: "${devZones.shop}"\n      plan: enterprise\n`);
    const run = await verify(() => DRY_RUN_OK, [], dir);
    expect(run.code).toBe(1);
    expect(run.requests).toEqual([]);
    expect(run.stderr).toContain(`Pulumi.dev.yaml:${zoneIdLine("shop")}:7 - error BP170: Zone id '${devZones.shop}' of 'Pulumi.dev.yaml' (zone 'shop') is also deployed by 'Pulumi.staging.yaml' (zone 'store')`);
  });
});

/** The line of `zoneId:` under a zone of the example dev stack file. */
function zoneIdLine(zone: string): number {
  const lines = readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8").split("\n");
  const start = lines.findIndex((line) => line.trim() === `${zone}:`);
  return start + 1 + lines.slice(start).findIndex((line) => line.trim().startsWith("zoneId:"));
}

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, makeProject } from "../helpers/run-cli.js";

const STACK = (lists: string) => `config:
  bot-policy:accountId: "0123456789abcdef0123456789abcdef"
  bot-policy:zones:
    shop: { zoneId: "00000000000000000000000000000d01", plan: enterprise }
  bot-policy:lists: ${lists}
`;

const POLICY = `version: 1
policy: p
zones: [shop]
rules:
  - id: partners
    expression: 'ip.src in $office_ips or ip.src.asnum in $partner_asns'
    action: skip
  - id: proxies
    expression: 'ip.src in $cf.open_proxies and not cf.bot_management.verified_bot'
    action: block
  - id: bots
    expression: 'cf.bot_management.score lt 10 and not cf.bot_management.verified_bot'
    action: block
`;

function project(policy = POLICY, lists = "{ office_ips: ip, partner_asns: asn }", extra: Record<string, string> = {}): string {
  const dir = makeProject({ "policies/p.yaml": policy, ...extra });
  writeFileSync(join(dir, "Pulumi.dev.yaml"), STACK(lists));
  return dir;
}

describe("validate and raw expressions' lists", () => {
  it("refuses an undeclared list at its place in the YAML string, with did-you-mean", async () => {
    const dir = project(POLICY.replace("$partner_asns", "$partner_asn"));
    const result = await cli(["validate", "--dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      [
        "policies/p.yaml:6:59 - error BP337: List '$partner_asn' is declared by no stack of this project ('dev'), so Cloudflare would refuse this rule.",
        "",
        "6     expression: 'ip.src in $office_ips or ip.src.asnum in $partner_asns'".replace("$partner_asns", "$partner_asn"),
        "                                                            ~~~~~~~~~~~~",
        "hint: did you mean '$partner_asns'? Otherwise declare it under bot-policy:lists in Pulumi.<stack>.yaml (e.g. bot-policy:lists: { partner_asn: asn })",
      ].join("\n"),
    );
  });

  it("with --stack, checks that stack's lists: another stack's list is not enough", async () => {
    const dir = project();
    writeFileSync(join(dir, "Pulumi.prod.yaml"), STACK("{ office_ips: ip }").replace("0d01", "0f01"));
    expect((await cli(["validate", "--dir", dir])).code).toBe(0);
    expect((await cli(["validate", "--dir", dir, "--stack", "dev"])).code).toBe(0);
    const prod = await cli(["validate", "--dir", dir, "--stack", "prod"]);
    expect(prod.code).toBe(1);
    expect(prod.stderr).toMatch(/p\.yaml:6:59 - error BP337: List '\$partner_asns' is not declared in stack 'prod'/);
    expect(prod.stderr).toContain("declare it under bot-policy:lists in Pulumi.prod.yaml");
  });

  it("compiles a list as written: Cloudflare resolves it", async () => {
    const dir = project();
    const result = await cli(["compile", "--dir", dir, "--stack", "dev", "--out", join(dir, "out")]);
    expect(result.code).toBe(0);
    const { readFileSync } = await import("node:fs");
    const ruleset = JSON.parse(readFileSync(join(dir, "out", "shop", "http_request_firewall_custom.json"), "utf8")) as { rules: Array<{ expression: string }> };
    expect(ruleset.rules.map((r) => r.expression)).toContain("(ip.src in $office_ips) or (ip.src.asnum in $partner_asns)");
  });

  it("refuses a list in a worker rule (BP341), and an edge skip on a list in a zone with worker rules (BP342)", async () => {
    const worker = `version: 1
policy: p
zones: [shop]
rules:
  - id: partners
    expression: 'ip.src in $office_ips'
    action: skip
  - id: signals
    expression: 'cf.bot_management.ja4_signals.browser_ratio_1h lt 0.05 and not ip.src in $office_ips'
    action: block
`;
    const result = await cli(["validate", "--dir", project(worker)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/p\.yaml:9:91 - error BP341: List '\$office_ips' cannot be read in the Worker/);
    const skipOnly = await cli(["validate", "--dir", project(worker.replace(" and not ip.src in $office_ips", ""))]);
    expect(skipOnly.code).toBe(1);
    expect(skipOnly.stderr).toMatch(/p\.yaml:5:9 - error BP342: Skip rule 'p\/partners' tests list '\$office_ips', but zone 'shop' runs worker rules/);
  });
});

describe("eval and test cannot see a list's contents", () => {
  it("eval reports the lists a decision rests on, and decides on the membership a request states", async () => {
    const dir = project();
    const unseen = await cli(["eval", "--dir", dir, "--request", '{"ip":"192.0.2.1","bot_score":5,"verified_bot":false}']);
    expect(unseen.stdout).toBe('{"action":"block","rule":"p/bots","stage":"edge","logged":[],"unseen_lists":["office_ips","cf.open_proxies"]}\n');
    const stated = await cli(["eval", "--dir", dir, "--request", '{"ip":"192.0.2.1","bot_score":5,"lists":{"office_ips":true}}']);
    expect(stated.stdout).toBe('{"action":"skip","rule":"p/partners","stage":"edge","logged":[]}\n');
    // No IP, no ASN: no list can hold the request, so nothing is unseen.
    const none = await cli(["eval", "--dir", dir, "--request", '{"bot_score":50}']);
    expect(none.stdout).toBe('{"action":"pass","rule":null,"stage":null,"logged":[]}\n');
  });

  it("test warns on a case decided on an unseen list, and not on one whose membership is stated", async () => {
    const tests = `version: 1
cases:
  - name: bot blocked
    request: { ip: 192.0.2.1, bot_score: 5, verified_bot: false }
    expect: block
  - name: office skips
    request: { ip: 192.0.2.1, bot_score: 5, lists: { office_ips: true } }
    expect: skip
  - name: stated outside every list
    request: { ip: 192.0.2.1, asn: 64496, bot_score: 5, verified_bot: false, lists: { office_ips: false, partner_asns: false, cf.open_proxies: false } }
    expect: { action: block, rule: p/bots }
`;
    const dir = project(POLICY, undefined, { "policies/p.test.yaml": tests });
    const result = await cli(["test", "--dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("PASS: 3/3 (1 decided on lists tests cannot see)");
    expect(result.stderr.match(/BP504/g)).toHaveLength(1);
    expect(result.stderr).toContain(
      [
        "policies/p.test.yaml:3:5 - warning BP504: Test 'bot blocked' was decided as if the request were in none of '$office_ips', '$cf.open_proxies': tests cannot see a list's contents, and membership would change this decision.",
        "",
        "3   - name: bot blocked",
        "      ~",
        "hint: state the request's membership, e.g. request: { …, lists: { office_ips: true, cf.open_proxies: true } }",
      ].join("\n"),
    );
  });

  it("refuses a request that names a list Cloudflare cannot have", async () => {
    const result = await cli(["eval", "--dir", project(), "--request", '{"lists":{"$office_ips":true}}']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'lists.$office_ips' names no list Cloudflare can have (write the name without '$')");
  });
});

describe("import of a ruleset that tests lists", () => {
  const ruleset = JSON.stringify({
    result: {
      id: "9f3c2a1b4d5e6f708192a3b4c5d6e7f8",
      kind: "zone",
      phase: "http_request_firewall_custom",
      rules: [
        { id: "1a2b3c4d5e6f708192a3b4c5d6e7f801", ref: "office", action: "skip", expression: "ip.src in $office_ips", enabled: true, action_parameters: { ruleset: "current" } },
        { id: "1a2b3c4d5e6f708192a3b4c5d6e7f802", ref: "proxies", action: "block", expression: "ip.src in $cf.open_proxies", enabled: true },
      ],
    },
  });

  it("checks the lists against the project's stack files: declared, it writes the policy", async () => {
    const dir = project(POLICY, "{ office_ips: ip }", { "ruleset.json": ruleset });
    const run = await cli(["import", "--from", join(dir, "ruleset.json"), "--zone", "shop", "--policy", "legacy", "--dir", dir]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, "policies", "legacy.yaml"))).toBe(true);
  });

  it("undeclared, it writes nothing and says where to declare the list", async () => {
    const dir = project(POLICY, "{ partner_asns: asn }", { "ruleset.json": ruleset });
    const run = await cli(["import", "--from", join(dir, "ruleset.json"), "--zone", "shop", "--policy", "legacy", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error BP337: List '$office_ips' is declared by no stack of this project ('dev')");
    expect(run.stderr).toContain("bot-policy:lists: { office_ips: ip }");
    expect(existsSync(join(dir, "policies", "legacy.yaml"))).toBe(false);
  });
});

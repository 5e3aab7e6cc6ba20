import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toRulesetRuleInput } from "../../src/infra/create-zone-resources.js";
import type { RulesetBody } from "../../src/model/zone-plan.js";
import { cli, makeProject } from "../helpers/run-cli.js";

// Names a user chooses that are also keys of Object.prototype: each must stay a plain name.
const POLICY = `version: 1
policy: constructor
zones: [constructor]
sets:
  constructor: { type: string, items: [/a] }
rules:
  - id: constructor
    when: { path: $constructor }
    action: block
origin_headers:
  __proto__: bot_score
  constructor: ja4
  x-ok: ja3
`;

describe("prototype keys as names", () => {
  it("compiles a zone, set, rule and headers named like prototype keys, dropping none", async () => {
    const dir = makeProject({ "policies/p.yaml": POLICY });
    const out = join(dir, "out");
    const result = await cli(["compile", "--dir", dir, "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    const custom = JSON.parse(readFileSync(join(out, "constructor", "http_request_firewall_custom.json"), "utf8")) as RulesetBody;
    expect(custom.rules.map((r) => [r.ref, r.expression])).toEqual([["constructor/constructor", 'http.request.uri.path eq "/a"']]);

    const text = readFileSync(join(out, "constructor", "http_request_late_transform.json"), "utf8");
    const headers = (JSON.parse(text) as RulesetBody).rules[0]!.action_parameters!.headers!;
    expect(Object.keys(headers)).toEqual(["__proto__", "constructor", "x-ok"]);
    expect(Object.hasOwn(headers, "__proto__")).toBe(true);
    expect(headers["__proto__"]).toEqual({ operation: "set", expression: "to_string(cf.bot_management.score)" });

    // The Pulumi inputs keep it too.
    const input = toRulesetRuleInput((JSON.parse(text) as RulesetBody).rules[0]!);
    const inputHeaders = input.actionParameters as { headers: Record<string, unknown> };
    expect(Object.keys(inputHeaders.headers)).toEqual(["__proto__", "constructor", "x-ok"]);
  });

  it("evaluates a request against them", async () => {
    const dir = makeProject({ "policies/p.yaml": POLICY });
    const result = await cli(["eval", "--dir", dir, "--request", JSON.stringify({ path: "/a" })]);
    expect(JSON.parse(result.stdout)).toMatchObject({ action: "block", rule: "constructor/constructor" });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, makeProject } from "../helpers/run-cli.js";

// Every item of both sets expires at the end of 2026-06-30; 2026-07-01 is the day after.
const POLICY = `version: 1
policy: shop
zones: [shop]
sets:
  temp-block:
    type: ip
    items:
      - { value: 192.0.2.0/24, expires: 2026-06-30 }
  office:
    type: ip
    items:
      - { value: 198.51.100.7, expires: 2026-06-30 }
rules:
  - id: block-temp
    when: { ip: $temp-block, path: { starts_with: /x } }
    action: block
  - id: either
    when: { any: [{ ip: $temp-block }, { path: /y }] }
    action: block
  - id: mixed-list
    when: { ip: [$temp-block, 203.0.113.9] }
    action: block
  - id: outside-office
    when: { not: { ip: $office } }
    action: managed_challenge
  - id: not-in-office
    when: { ip: { not_in: $office }, path: /admin }
    action: block
`;

// This file is about lowering; the guards (which rightly call 'outside-office' a lock-out once its
// set is empty) are tested in test/guards, so they are off here.
const PROJECT = "name: bot-policy\nruntime: nodejs\nconfig:\n  bot-policy:guards:\n    value: { BP601: disabled, BP602: disabled, BP603: disabled, BP605: disabled }\n";

type Diagnostics = { diagnostics: Array<{ code: string; line: number; column: number; severity: string; message: string }> };

async function validate(now: string) {
  const dir = makeProject({ "policies/shop.yaml": POLICY, "Pulumi.yaml": PROJECT });
  const result = await cli(["validate", "--dir", dir, "--format", "json", "--now", now]);
  return { dir, code: result.code, diagnostics: (JSON.parse(result.stdout) as Diagnostics).diagnostics };
}

async function compiledRules(dir: string, now: string): Promise<Array<{ ref: string; expression: string; action: string }>> {
  const out = join(dir, "out");
  const result = await cli(["compile", "--dir", dir, "--out", out, "--now", now]);
  expect(result.code).toBe(0);
  return (JSON.parse(readFileSync(join(out, "shop", "http_request_firewall_custom.json"), "utf8")) as { rules: Array<{ ref: string; expression: string; action: string }> }).rules;
}

describe("a set whose items have all expired", () => {
  it("is used as written the day its items expire", async () => {
    const { dir, code, diagnostics } = await validate("2026-06-30");
    expect(code).toBe(0);
    expect(diagnostics).toEqual([]);
    const rules = await compiledRules(dir, "2026-06-30");
    expect(rules.map((r) => r.ref)).toEqual(["shop/block-temp", "shop/either", "shop/mixed-list", "shop/outside-office", "shop/not-in-office"]);
  });

  it("the day after, is empty: membership is false, and each rule says what that makes of it", async () => {
    const { dir, code, diagnostics } = await validate("2026-07-01");
    expect(code).toBe(0);
    const findings = diagnostics.filter((d) => d.code !== "BP317").map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`);
    expect(findings).toEqual([
      "BP329 15:17 Every item of set '$temp-block' has expired, so rule 'block-temp' can never match and is left out of the compiled rules.",
      "BP329 18:25 Every item of set '$temp-block' has expired, so rule 'either' no longer tests it (membership in an empty set is false).",
      "BP329 21:18 Every item of set '$temp-block' has expired, so rule 'mixed-list' no longer tests it (membership in an empty set is false).",
      "BP330 24:24 Every item of set '$office' has expired, so rule 'outside-office' now matches every request (membership in an empty set is false, and this rule negates it).",
      "BP329 27:27 Every item of set '$office' has expired, so rule 'not-in-office' no longer tests it (membership in an empty set is false).",
    ]);
    expect(diagnostics.filter((d) => d.code === "BP317")).toHaveLength(2);
    expect(diagnostics.every((d) => d.severity === "warning")).toBe(true);

    // `and` with false is false (dropped); `or` keeps the other branch; `not` of false is true.
    const rules = await compiledRules(dir, "2026-07-01");
    expect(rules.map((r) => [r.ref, r.expression])).toEqual([
      ["shop/either", 'http.request.uri.path eq "/y"'],
      ["shop/mixed-list", "ip.src eq 203.0.113.9"],
      ["shop/outside-office", "true"],
      ["shop/not-in-office", 'http.request.uri.path eq "/admin"'],
    ]);
  });

  it("decides requests the way the compiled rules read", async () => {
    const { dir } = await validate("2026-07-01");
    const decide = async (request: object) =>
      JSON.parse((await cli(["eval", "--dir", dir, "--now", "2026-07-01", "--request", JSON.stringify(request)])).stdout) as { action: string; rule?: string };
    expect(await decide({ ip: "192.0.2.1", path: "/x" })).toMatchObject({ action: "managed_challenge", rule: "shop/outside-office" });
    // The office is no longer exempt: with its set empty, 'outside-office' takes every request.
    expect(await decide({ ip: "198.51.100.7", path: "/" })).toMatchObject({ action: "managed_challenge", rule: "shop/outside-office" });
  });
});

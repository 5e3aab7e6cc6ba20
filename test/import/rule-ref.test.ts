import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";

const now = new Date("2026-12-01T00:00:00Z");
const adopted = "2c0fc9fa937b11eaa1b71c4d701ab86e";

function compile(files: Record<string, string>) {
  return compileProject({ files: new Map(Object.entries(files)), now });
}

function policy(id: string, rules: string[]): string {
  return ["version: 1", `policy: ${id}`, "zones: [shop]", "rules:", ...rules, ""].join("\n");
}

describe("ref: on a rule", () => {
  it("is the emitted ref, while decisions, tests and coverage keep naming <policy>/<rule>", () => {
    const text = policy("legacy", [
      "  - id: block-xmlrpc",
      `    ref: ${adopted}`,
      "    expression: 'http.request.uri.path eq \"/xmlrpc.php\"'",
      "    action: block",
      "  - id: challenge-bots",
      "    when: { bot_score: 1 }",
      "    action: managed_challenge",
    ]);
    const { plans, diagnostics } = compile({ "policies/legacy.yaml": text });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const plan = plans[0]!;
    expect(plan.firewallCustom.rules.map((r) => [r.ref, r.description])).toEqual([
      [adopted, "bot-policy legacy/block-xmlrpc"],
      ["legacy/challenge-bots", "bot-policy legacy/challenge-bots"],
    ]);
    expect(plan.origins[adopted]?.rule).toBe("legacy/block-xmlrpc");
    const fields = requestFields({ path: "/xmlrpc.php" });
    if ("error" in fields) throw new Error(fields.error);
    expect(decideRequest(compileZoneProgram(plan), fields.fields)).toEqual({ action: "block", rule: "legacy/block-xmlrpc", stage: "edge", logged: [] });
  });

  it("gives the parts of a split rule the kept ref with their suffix, and each part maps back to its rule", () => {
    const items = Array.from({ length: 600 }, (_, i) => `      - 198.51.${Math.floor(i / 200)}.${i % 200}`);
    const text = [
      "version: 1",
      "policy: big",
      "zones: [shop]",
      "sets:",
      "  many:",
      "    type: ip",
      "    items:",
      ...items,
      "rules:",
      "  - id: block-many",
      `    ref: ${adopted}`,
      "    when: { ip: $many }",
      "    action: block",
      "",
    ].join("\n");
    const { plans, diagnostics } = compile({ "policies/big.yaml": text });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const refs = plans[0]!.firewallCustom.rules.map((r) => r.ref);
    expect(refs.length).toBeGreaterThan(1);
    for (const ref of refs) {
      expect(ref).toMatch(new RegExp(`^${adopted}#[^#]+$`));
      expect(plans[0]!.origins[ref]?.rule).toBe("big/block-many");
    }
    const fields = requestFields({ ip: "198.51.2.150" });
    if ("error" in fields) throw new Error(fields.error);
    expect(decideRequest(compileZoneProgram(plans[0]!), fields.fields).rule).toBe("big/block-many");
  });

  it("is unique per zone: a second rule with the same ref, in any policy of the zone, is an error at its ref", () => {
    const first = policy("a", ["  - id: one", `    ref: ${adopted}`, "    when: { bot_score: 1 }", "    action: block"]);
    const second = policy("b", ["  - id: two", "    when: { bot_score: 2 }", "    action: block", "  - id: three", `    ref: ${adopted}`, "    when: { bot_score: 3 }", "    action: block"]);
    const { plans, diagnostics } = compile({ "policies/a.yaml": first, "policies/b.yaml": second });
    expect(plans).toEqual([]);
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.file, d.line, d.column, d.message])).toEqual([
      ["BP550", "policies/b.yaml", 9, 10, `Ref '${adopted}' is already used in zone 'shop' by rule 'a/one': a ref names one rule of a zone.`],
    ]);
  });

  it("may not take the generated ref of another rule", () => {
    const text = policy("a", ["  - id: one", "    when: { bot_score: 1 }", "    action: block", "  - id: two", "    ref: a/one", "    when: { bot_score: 2 }", "    action: block"]);
    const { diagnostics } = compile({ "policies/a.yaml": text });
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.line])).toEqual([["BP550", 9]]);
  });

  it("is refused on a worker rule, which has no Cloudflare rule", () => {
    const text = policy("w", ["  - id: odd", `    ref: ${adopted}`, "    when: { ja4_signals: { browser_ratio_1h: { lt: 0.05 } } }", "    action: block"]);
    const { diagnostics } = compile({ "policies/w.yaml": text });
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.line, d.column])).toEqual([["BP551", 6, 10]]);
  });

  it("must be a ref Cloudflare can hold and the split suffix cannot confuse: no spaces, no '#'", () => {
    for (const bad of ["'has space'", "'a#1'", "''"]) {
      const text = policy("a", ["  - id: one", `    ref: ${bad}`, "    when: { bot_score: 1 }", "    action: block"]);
      const { diagnostics } = compile({ "policies/a.yaml": text });
      expect(diagnostics.some((d) => d.severity === "error" && d.code.startsWith("BP2") && d.line === 6)).toBe(true);
    }
  });

  it("logging: is emitted as Cloudflare's logging on a skip rule, and refused on other actions", () => {
    const skip = policy("a", ["  - id: office", "    when: { ip: 192.0.2.0/24 }", "    action: skip", "    logging: true"]);
    const { plans } = compile({ "policies/a.yaml": skip });
    expect(plans[0]!.firewallCustom.rules[0]).toMatchObject({ action: "skip", logging: { enabled: true } });
    const block = policy("a", ["  - id: office", "    when: { ip: 192.0.2.0/24 }", "    action: block", "    logging: true"]);
    const { diagnostics } = compile({ "policies/a.yaml": block });
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.line])).toEqual([["BP553", 8]]);
  });
});

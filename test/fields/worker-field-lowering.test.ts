import { describe, expect, it } from "vitest";
import { parseYaml, type YamlSource } from "../../src/load/parse-yaml.js";
import { lowerPolicy } from "../../src/lower/lower-policy.js";
import type { RawPolicy } from "../../src/model/raw-policy.js";

const NOW = new Date("2026-06-01T00:00:00Z");

/** A policy with one rule whose `when` is given as YAML lines (indented under `when:`). */
function policyText(when: string): string {
  return `version: 1
policy: p
zones: [z]
sets:
  hosting: { type: asn, items: [64496, 64511] }
  names: { type: string, items: [a] }
risk_intelligence: { token: { header: x-t } }
rules:
  - id: r
    action: block
    when:
${when}
`;
}

function sourceOf(text: string): YamlSource {
  const { source, diagnostics } = parseYaml("policies/p.yaml", text);
  if (!source) throw new Error(JSON.stringify(diagnostics));
  return source;
}

/** Lowers without the schema (as a caller that skips it would), optionally with a replaced `when`. */
function lower(when: string, replaceWhen?: unknown) {
  const source = sourceOf(policyText(when));
  const raw = source.value as RawPolicy;
  if (replaceWhen !== undefined) raw.rules[0]!.when = replaceWhen as Record<string, unknown>;
  const { policy, diagnostics } = lowerPolicy({ source, raw }, { now: NOW });
  return { policy, found: diagnostics.filter((d) => d.severity === "error").map((d) => ({ code: d.code, at: `${d.line}:${d.column}`, message: d.message, hint: d.hint })) };
}

describe("lowering worker fields (the table's tree, not the input, sets the depth)", () => {
  it("lowers risk.network.abuse_contact (it used to overflow the stack)", () => {
    const { policy, found } = lower("      risk: { network: { abuse_contact: { email: { ends_with: '@abuse.example' } } } }");
    expect(found).toEqual([]);
    expect(policy?.rules[0]?.stage).toBe("worker");
  });

  it("reports an unknown Risk Intelligence key at its position, with a suggestion", () => {
    const { found } = lower("      risk: { network: { abuse_contactt: { email: x } } }");
    expect(found).toEqual([
      expect.objectContaining({ code: "BP201", at: "12:26", message: "Unknown field 'abuse_contactt' in 'rules.0.when.risk.network'.", hint: "did you mean 'abuse_contact'?" }),
    ]);
  });

  it("reports a value where an object of conditions belongs", () => {
    expect(lower("      risk: { network: x }").found).toEqual([expect.objectContaining({ code: "BP202", at: "12:24" })]);
    expect(lower("      risk: 5").found).toEqual([expect.objectContaining({ code: "BP202", at: "12:13" })]);
    expect(lower("      ja4_signals: [1]").found).toEqual([expect.objectContaining({ code: "BP202", at: "12:20" })]);
  });

  it("reports an empty object of conditions", () => {
    expect(lower("      risk: { client: {} }").found).toEqual([expect.objectContaining({ code: "BP325" })]);
  });

  it("takes the table's set types: an asn set for the AS number, not for a risk score", () => {
    const { policy, found } = lower("      risk: { network: { as: { number: $hosting } }, client: { device: { brand: $names } } }");
    expect(found).toEqual([]);
    expect(JSON.stringify(policy?.rules[0]?.condition)).toContain("risk.network.as.number");
    expect(lower("      risk: { risk_scores: { overall: $hosting } }").found.map((d) => d.code)).toEqual(["BP304"]);
  });

  it("reports every unknown JA4 Signal, not only the first", () => {
    const { found } = lower("      ja4_signals: { browser_ratio: 0.1, ips_rank: { lt: 5 } }");
    expect(found.map((d) => d.code)).toEqual(["BP201", "BP201"]);
  });

  it("survives deep nesting and non-object values under any key", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    for (const when of [
      { risk: { network: { nope: deep } } },
      { risk: { network: { as: deep } } },
      { risk: deep },
      { ja4_signals: deep },
      { risk: { network: { abuse_contact: { email: deep } } } },
    ]) {
      const { found } = lower("      risk: { network: { ip: x } }", when);
      expect(found.length).toBeGreaterThan(0);
    }
  });

  it("reports __proto__ and constructor as unknown fields, in `when` and inside `risk`", () => {
    const proto = JSON.parse('{"__proto__": {"eq": 1}}') as unknown;
    expect(lower("      path: /a", proto).found).toEqual([expect.objectContaining({ code: "BP201", message: "Unknown field '__proto__' in 'when'." })]);
    expect(lower("      path: /a", { constructor: 1 }).found).toEqual([expect.objectContaining({ code: "BP201" })]);
    const riskProto = JSON.parse('{"risk": {"network": {"__proto__": {"ip": "x"}}}}') as unknown;
    expect(lower("      path: /a", riskProto).found).toEqual([expect.objectContaining({ code: "BP201" })]);
  });
});

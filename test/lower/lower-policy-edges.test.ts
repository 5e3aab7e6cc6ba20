import { describe, expect, it } from "vitest";
import { parseYaml } from "../../src/load/parse-yaml.js";
import { foldConstants, lowerPolicy } from "../../src/lower/lower-policy.js";
import type { RawPolicy } from "../../src/model/raw-policy.js";
import type { Expr } from "../../src/rules/ast.js";

const NOW = { now: new Date("2026-11-21T00:00:00Z") };

/** Lowers a policy straight from YAML, without the schema: lowering must stand on its own. */
function lower(text: string) {
  const { source, diagnostics } = parseYaml("policies/p.yaml", text);
  expect(diagnostics).toEqual([]);
  const result = lowerPolicy({ source: source!, raw: source!.value as RawPolicy }, NOW);
  return { ...result, found: result.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`) };
}

const HEAD = "version: 1\npolicy: p\nzones: [shop]\n";

describe("a policy without rules", () => {
  it("without 'rules:' is a warning at the policy id, and lowers to a policy with no rules", () => {
    const { policy, found } = lower(`${HEAD}origin_headers: { x-bot-score: bot_score }\n`);
    expect(found).toEqual(["BP336 2:1"]);
    expect(policy?.rules).toEqual([]);
    expect(policy?.originHeaders.map((h) => h.name)).toEqual(["x-bot-score"]);
  });

  it("with 'rules: []' is a warning at 'rules'", () => {
    const { policy, found } = lower(`${HEAD}rules: []\n`);
    expect(found).toEqual(["BP336 4:1"]);
    expect(policy?.rules).toEqual([]);
  });
});

describe("names that are also JavaScript prototype keys", () => {
  it("refuses 'constructor' and '__proto__' as 'when' keys, located, without crashing", () => {
    const { policy, found } = lower(`${HEAD}rules:\n  - id: a\n    when: { constructor: 1, __proto__: { x: 1 } }\n    action: block\n`);
    expect(policy).toBeUndefined();
    expect(found).toEqual(["BP201 6:13", "BP201 6:29"]);
  });

  it("refuses a bot score band named 'constructor' or 'toString'", () => {
    const { found } = lower(`${HEAD}rules:\n  - id: a\n    when: { bot_score: [constructor, toString] }\n    action: block\n`);
    expect(found).toEqual(["BP203 6:25", "BP203 6:38"]);
  });

  it("keeps a header named '__proto__' or 'constructor', and a set and a rule named 'constructor'", () => {
    const { policy, found } = lower(
      `${HEAD}sets:\n  constructor: { type: string, items: [/a] }\nrules:\n  - id: constructor\n    when: { path: $constructor }\n    action: block\norigin_headers:\n  __proto__: bot_score\n  constructor: ja4\n`,
    );
    expect(found).toEqual([]);
    expect(policy?.rules.map((r) => r.ref)).toEqual(["p/constructor"]);
    expect(policy?.originHeaders.map((h) => h.name)).toEqual(["__proto__", "constructor"]);
  });
});

describe("nesting", () => {
  it("stops at the limit on a `when` nested 120 `not`s deep (240 printed levels), without exhausting the stack", () => {
    let when = "{ path: /x }";
    for (let i = 0; i < 120; i++) when = `{ not: ${when} }`;
    const { policy, diagnostics } = lower(`${HEAD}rules:\n  - id: a\n    when: ${when}\n    action: block\n`);
    expect(policy).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(["BP333"]);
  });

  it("accepts 64 nested `not`s (128 levels once printed) and refuses 65", () => {
    const nested = (depth: number) => {
      let when = "{ path: /x }";
      for (let i = 0; i < depth; i++) when = `{ not: ${when} }`;
      return lower(`${HEAD}rules:\n  - id: a\n    when: ${when}\n    action: block\n`);
    };
    expect(nested(64).found).toEqual([]);
    expect(nested(65).found).toEqual(["BP333 6:13"]);
  });

  it("checks the whole condition too: the top-level `and` adds the level that tips 64 `not`s over", () => {
    let when = "{ path: /x }";
    for (let i = 0; i < 64; i++) when = `{ not: ${when} }`;
    const { diagnostics, found } = lower(`${HEAD}rules:\n  - id: a\n    when: { host: example.com, not: ${when.slice(7, -2)} }\n    action: block\n`);
    expect(found).toEqual(["BP319 6:5"]);
    expect(diagnostics[0]?.message).toContain("nests 129 levels deep");
  });

  it("refuses it in a worker rule too, whose condition goes through the same check", () => {
    let when = "{ ja4_signals: { browser_ratio_1h: { lt: 0.5 } } }";
    for (let i = 0; i < 65; i++) when = `{ not: ${when} }`;
    const { found } = lower(`${HEAD}rules:\n  - id: a\n    when: ${when}\n    action: block\n`);
    expect(found).toEqual(["BP333 6:13"]);
  });
});

describe("worker rules", () => {
  it("check the values of string sets against the field, as edge rules do", () => {
    const { found, diagnostics } = lower(
      `${HEAD}sets:\n  places: { type: string, items: [de] }\nrules:\n  - id: a\n    when: { country: $places, ja4_signals: { browser_ratio_1h: { lt: 0.5 } } }\n    action: block\n`,
    );
    expect(found).toEqual(["BP331 5:35"]);
    expect(diagnostics[0]?.hint).toBe("write 'DE'.");
  });
});

describe("foldConstants", () => {
  const f: Expr = { kind: "constant", value: false };
  const t: Expr = { kind: "constant", value: true };
  const x: Expr = { kind: "field", name: "cf.bot_management.verified_bot" };
  it.each<[string, Expr, Expr]>([
    ["and with false is false", { kind: "logical", op: "and", operands: [x, f] }, f],
    ["or with false is the rest", { kind: "logical", op: "or", operands: [x, f] }, x],
    ["or with true is true", { kind: "logical", op: "or", operands: [x, t] }, t],
    ["not false is true", { kind: "not", operand: f }, t],
    ["not (x or false) is not x", { kind: "not", operand: { kind: "logical", op: "or", operands: [x, f] } }, { kind: "not", operand: x }],
    ["and of trues is true", { kind: "logical", op: "and", operands: [t, { kind: "not", operand: f }] }, t],
  ])("%s", (_name, input, expected) => {
    expect(foldConstants(input)).toEqual(expected);
  });
});

describe("float thresholds", () => {
  it("refuses one YAML reads as Infinity, which the Worker's JSON policy would turn into null", () => {
    const { found } = lower(`${HEAD}rules:\n  - id: a\n    when: { ja4_signals: { browser_ratio_1h: { lt: 1e400 } } }\n    action: block\n`);
    expect(found).toEqual(["BP202 6:52"]);
  });

  it("refuses a list of floats (no float sets) instead of dropping the rule without a word", () => {
    const { policy, found } = lower(`${HEAD}rules:\n  - id: a\n    when: { ja4_signals: { browser_ratio_1h: [0.1, 0.2] } }\n    action: block\n`);
    expect(policy).toBeUndefined();
    expect(found).toEqual(["BP328 6:47", "BP328 6:52"]);
  });
});

describe("a condition that lowers to nothing", () => {
  it("is an error at the condition, never a rule dropped without a word", () => {
    const { policy, found } = lower(`${HEAD}rules:\n  - id: a\n    when: { ja4_signals: {} }\n    action: block\n`);
    expect(policy).toBeUndefined();
    expect(found).toEqual(["BP325 6:26"]);
  });
});

describe("set items after dropped ones", () => {
  it("locate a misfit at its own line when expired, repeated and invalid items came before it", () => {
    const { found } = lower(
      `${HEAD}sets:\n  verbs:\n    type: string\n    items:\n      - { value: PUT, expires: "2020-01-01" }\n      - GET\n      - GET\n      - post\n      - { value: del, note: x }\nrules:\n  - id: a\n    when: { method: $verbs }\n    action: block\n`,
    );
    // BP317 (expired) at line 8, BP322 (repeated) at 10, then the misfits 'post' and 'del' at their own items.
    expect(found).toEqual(["BP317 8:32", "BP322 10:9", "BP331 11:9", "BP331 12:18"]);
  });

  it("keep one set's items in order, and deduplicate a list that mixes a set with values", () => {
    const { policy } = lower(`${HEAD}sets:\n  ips: { type: ip, items: [192.0.2.0/24, 198.51.100.7, "2001:db8::/32"] }\nrules:\n  - id: a\n    when: { ip: $ips }\n    action: block\n  - id: b\n    when: { ip: [198.51.100.7, $ips, 198.51.100.7] }\n    action: block\n`);
    const items = (rule: number) => (policy!.rules[rule]!.condition as Extract<Expr, { kind: "in" }>).items.map((item) => (item.type === "int_range" ? "" : `${item.type} ${item.value}`));
    expect(items(0)).toEqual(["cidr 192.0.2.0/24", "ip 198.51.100.7", "cidr 2001:db8::/32"]);
    expect(items(1)).toEqual(["ip 198.51.100.7", "cidr 192.0.2.0/24", "cidr 2001:db8::/32"]);
  });

  it("deduplicate a long list as a short one, keeping first occurrences in order", () => {
    const values = Array.from({ length: 30 }, (_, i) => `/p${i % 12}`);
    const { policy } = lower(`${HEAD}rules:\n  - id: a\n    when: { path: [${values.join(", ")}] }\n    action: block\n`);
    const condition = policy!.rules[0]!.condition as Extract<Expr, { kind: "in" }>;
    expect(condition.items.map((item) => (item.type === "string" ? item.value : ""))).toEqual(values.slice(0, 12));
  });
});

describe("a very large set", () => {
  it("lowers without spreading its items into one call (which overflowed the stack past ~120,000)", () => {
    const { source } = parseYaml("policies/p.yaml", `${HEAD}sets:\n  big: { type: ip, items: [192.0.2.1] }\nrules:\n  - id: a\n    when: { ip: $big }\n    action: block\n  - id: b\n    when: { ip: [$big, 198.51.100.1] }\n    action: block\n`);
    const raw = structuredClone(source!.value) as RawPolicy;
    // The file's positions are not needed: no item is reported. The items are what YAML would give.
    const items = Array.from({ length: 200_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    raw.sets!.big!.items = items;
    const { policy, diagnostics } = lowerPolicy({ source: source!, raw }, NOW);
    expect(diagnostics).toEqual([]);
    const sizes = policy!.rules.map((rule) => (rule.condition as Extract<Expr, { kind: "in" }>).items.length);
    expect(sizes).toEqual([200_000, 200_001]);
  });
});

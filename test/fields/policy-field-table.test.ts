import { CLOUDFLARE_FIELDS } from "../../src/rules/cloudflare-fields.js";
import { describe, expect, it } from "vitest";
import { requestFields } from "../../src/evaluate/request-fields.js";
import {
  JA4_SIGNAL_KEYS,
  POLICY_FIELD_NAMES,
  POLICY_FIELD_TABLE,
  findPolicyField,
  findPolicyFieldByRulesField,
  workerFieldLeaves,
  type FieldStage,
  type ValueKind,
} from "../../src/fields/policy-field-table.js";
import { parseYaml } from "../../src/load/parse-yaml.js";
import { lowerPolicy } from "../../src/lower/lower-policy.js";
import { checkExpression } from "../../src/rules/check-expression.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { FIELD_NAMES, lookupField } from "../../src/rules/field-catalog.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";
import { compilePolicyValidator, compileTestValidator } from "../../src/schema/policy-validators.js";

const NOW = new Date("2026-06-01T00:00:00Z");
const JA4 = "t13d1516h2_8daaf6152771_02713d6af862";

/** One thing a `when` condition can name: an edge field, or one leaf of a worker field. */
interface FieldCase {
  label: string;
  /** Its path in a `when` map and in a request. */
  path: readonly string[];
  rulesField: string;
  kind: ValueKind;
  section?: readonly [number, number];
  stage: FieldStage;
}

const CASES: FieldCase[] = POLICY_FIELD_TABLE.flatMap((row): FieldCase[] => {
  if (row.stage === "edge") {
    return [{ label: row.name, path: [row.name], rulesField: row.rulesField, kind: row.valueKind, ...(row.section ? { section: row.section } : {}), stage: "edge" }];
  }
  return workerFieldLeaves(row).map(({ path, rulesField, leaf }) => ({ label: rulesField, path: [row.name, ...path], rulesField, kind: leaf.valueKind, stage: "worker" }));
});

/** A valid value of each kind (for sections: cut from the sample JA4). */
function sampleValue(c: FieldCase): unknown {
  switch (c.kind) {
    case "bot_score":
      return 5;
    case "bool":
      return true;
    case "detection_ids":
      return [33554817];
    case "ja3":
      return "25b4882c2bcb50cd6b469ff28c596742";
    case "ja4":
      return JA4;
    case "ja4_section":
      return JA4.slice(c.section![0], c.section![1]);
    case "ip":
      return "192.0.2.1";
    case "asn":
      return 13335;
    case "country":
      return "DE";
    case "int":
      return 3;
    case "float":
      return 0.5;
    case "string":
      // Cloudflare gives the method in upper case, and validate holds values to that.
      return c.rulesField === "http.request.method" ? "GET" : "x";
  }
}

/** The request that holds the sample: JA4 sections come from the whole JA4. */
function sampleRequest(c: FieldCase): Record<string, unknown> {
  return c.kind === "ja4_section" ? { ja4: JA4 } : nest(c.path, sampleValue(c));
}

function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** Validates (schema) and lowers a policy with one blocking rule on the given `when`. */
function lowerOneRule(when: unknown) {
  const doc = { version: 1, policy: "p", zones: ["z"], risk_intelligence: { token: { header: "x-t" } }, rules: [{ id: "r", action: "block", when }] };
  const { source } = parseYaml("policies/p.yaml", JSON.stringify(doc, null, 1));
  if (!source) throw new Error("the test policy does not parse");
  const validate = compilePolicyValidator();
  const valid = validate(source.value);
  const lowered = lowerPolicy({ source, raw: source.value as never }, { now: NOW });
  return { valid, errors: validate.errors, ...lowered, errorsOf: lowered.diagnostics.filter((d) => d.severity === "error") };
}

describe("the policy field table", () => {
  it("names each field once, in DESIGN.md order, with the two worker fields last", () => {
    expect(new Set(POLICY_FIELD_NAMES).size).toBe(POLICY_FIELD_NAMES.length);
    expect(POLICY_FIELD_NAMES.slice(0, 3)).toEqual(["bot_score", "verified_bot", "verified_bot_category"]);
    expect(POLICY_FIELD_TABLE.filter((row) => row.stage === "worker").map((row) => row.name)).toEqual(["ja4_signals", "risk"]);
    expect(JA4_SIGNAL_KEYS).toHaveLength(10);
  });

  it("finds rows by name only (object members such as __proto__ are not fields)", () => {
    expect(findPolicyField("bot_score")?.name).toBe("bot_score");
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", ""]) expect(findPolicyField(name)).toBeUndefined();
  });

  it("holds the Risk Intelligence abuse contact (seed 003), once in the catalog as String leaves", () => {
    for (const key of ["address", "name", "email", "phone"]) {
      expect(lookupField(`risk.network.abuse_contact.${key}`)).toEqual({ type: "String", requires: "all", stage: "worker", inWorker: true });
    }
  });

  it("gives every edge field a Worker source, and a Logpush field unless PLATFORM.md §8 says there is none", () => {
    const noLog = POLICY_FIELD_TABLE.filter((row) => row.logpush === undefined).map((row) => row.name);
    expect(noLog).toEqual(["verified_bot", "static_resource", "corporate_proxy", "ja4_a", "ja4_b", "ja4_c", "risk"]);
    expect(findPolicyField("country")?.logpush).toEqual({ field: "ClientCountry", read: "uppercase" });
    expect(findPolicyField("js_detection_passed")?.worker).toEqual({ from: "cf", path: "botManagement.jsDetection.passed" });
    for (const row of POLICY_FIELD_TABLE) {
      if (row.worker.from === "section") expect(findPolicyField(row.worker.field)?.stage).toBe("edge");
    }
  });

  it("is the only source of the catalog's policy-backed and worker fields", () => {
    const fromTable = new Set(CASES.map((c) => c.rulesField));
    // The rest are Rules-language fields of Cloudflare's catalogue that no policy field stands for; none is worker-only.
    const others = FIELD_NAMES.filter((name) => !fromTable.has(name));
    const cloudflare = new Set(CLOUDFLARE_FIELDS.map(([name]) => name));
    expect(others.filter((name) => !cloudflare.has(name))).toEqual([]);
    expect(others).toContain("http.request.uri.query");
    for (const name of others) expect(lookupField(name)?.stage).toBe("edge");
    for (const c of CASES) expect(lookupField(c.rulesField)?.stage, c.label).toBe(c.stage);
  });
});

describe.each(CASES)("field $label", (c) => {
  it("is accepted by the schema, lowers, type-checks and decides on a request", () => {
    const predicate = sampleValue(c);
    const { valid, errors, policy, errorsOf } = lowerOneRule(nest(c.path, predicate));
    expect(valid, JSON.stringify(errors)).toBe(true);
    expect(errorsOf).toEqual([]);
    const rule = policy!.rules[0]!;
    expect(rule.stage).toBe(c.stage);
    const condition = rule.condition;
    expect(checkExpression(condition, { tier: "enterprise", context: "filter", allowWorkerFields: c.stage === "worker" })).toEqual([]);
    if (c.stage === "edge") {
      const printed = printExpression(condition);
      expect(parseExpression(printed).ok, printed).toBe(true);
      // An edge rule can never use a worker field; the reverse is the checker's job.
      expect(checkExpression(condition, { tier: "enterprise", context: "filter", allowWorkerFields: false })).toEqual([]);
    } else {
      expect(checkExpression(condition, { tier: "enterprise", context: "filter", allowWorkerFields: false })).not.toEqual([]);
    }

    const converted = requestFields(sampleRequest(c));
    if ("error" in converted) throw new Error(converted.error);
    const matches = compileEvaluator(condition);
    expect(matches(converted.fields)).toBe(true);
    // Absent, the field makes the equality false.
    expect(matches({})).toBe(false);
  });

  it("round-trips through a request: the test schema accepts it and requestFields sets its Rules-language field", () => {
    const request = sampleRequest(c);
    const validate = compileTestValidator();
    const doc = { version: 1, cases: [{ name: "c", request, expect: "pass" }] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const converted = requestFields(request);
    if ("error" in converted) throw new Error(converted.error);
    const expected = c.kind === "ja4_section" ? JA4 : sampleValue(c);
    expect(converted.fields[c.rulesField]).toEqual(expected);
  });
});

describe("requestFields", () => {
  it("refuses a value of the wrong type, naming the field", () => {
    expect(requestFields({ bot_score: "5" })).toEqual({ error: "'bot_score' must be an integer" });
    expect(requestFields({ detection_ids: [1, "2"] })).toEqual({ error: "'detection_ids' must be a list of integers" });
    expect(requestFields({ risk: { risk_scores: { overall: "high" } } })).toEqual({ error: "'risk.risk_scores.overall' must be an integer" });
    expect(requestFields({ risk: { network: "x" } })).toEqual({ error: "'risk.network' must be an object" });
    expect(requestFields({ ja4_signals: [] })).toEqual({ error: "'ja4_signals' must be an object" });
  });

  it("refuses JA4 sections (they are cut from the JA4) and unknown JA4 Signals", () => {
    expect(requestFields({ ja4_a: "t13d1516h2" })).toEqual({ error: "'ja4_a' is derived from the JA4; give the whole 'ja4' instead" });
    expect(requestFields({ ja4_signals: { browser_ratio: 1 } })).toEqual({ error: "unknown request field 'ja4_signals.browser_ratio'" });
  });

  it("treats __proto__ and constructor as plain, unknown names and never touches a prototype", () => {
    for (const text of ['{"__proto__": {"polluted": 1}}', '{"constructor": 1}', '{"toString": "x"}']) {
      const request = JSON.parse(text) as Record<string, unknown>;
      expect(requestFields(request)).toEqual({ error: `unknown request field '${Object.keys(request)[0]}'` });
    }
    expect(requestFields(JSON.parse('{"ja4_signals": {"__proto__": 1}}') as Record<string, unknown>)).toEqual({
      error: "unknown request field 'ja4_signals.__proto__'",
    });
    const risk = JSON.parse('{"risk": {"__proto__": {"polluted": 1}, "constructor": 2, "risk_scores": {"overall": 4}}}') as Record<string, unknown>;
    const converted = requestFields(risk);
    expect(converted).toEqual({ fields: { "risk.risk_scores.overall": 4 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("ignores unknown and null Risk Intelligence keys at any depth without recursing into them", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const converted = requestFields({ risk: { future_field: deep, network: { as: null, ip: "192.0.2.1" } } });
    expect(converted).toEqual({ fields: { "risk.network.ip": "192.0.2.1" } });
  });

  it("gives the AS number under both of its names, whichever the vendor sent", () => {
    for (const key of ["asn", "number"]) {
      const converted = requestFields({ risk: { network: { as: { [key]: 3209 } } } });
      expect(converted).toEqual({ fields: { "risk.network.as.asn": 3209, "risk.network.as.number": 3209 } });
    }
  });

  it("drops JA4 Signals that are not finite (Cloudflare does), keeping the rest", () => {
    const converted = requestFields({ ja4_signals: { h2h3_ratio_1h: Number.NaN, ips_rank_1h: Infinity, cache_ratio_1h: 0.25 } });
    expect(converted).toEqual({ fields: { "cf.bot_management.ja4_signals.cache_ratio_1h": 0.25 } });
  });
});

describe("findPolicyFieldByRulesField", () => {
  it("names the policy field behind a Rules-language field", () => {
    expect(findPolicyFieldByRulesField("cf.bot_management.ja4")?.name).toBe("ja4");
    expect(findPolicyFieldByRulesField("ip.src")?.name).toBe("ip");
    expect(findPolicyFieldByRulesField("risk.network.abuse_contact.email")?.name).toBe("risk");
    expect(findPolicyFieldByRulesField("cf.bot_management.ja4_signals.ips_rank_1h")?.name).toBe("ja4_signals");
    expect(findPolicyFieldByRulesField("http.referer")).toBeUndefined();
    expect(findPolicyFieldByRulesField("riskier")).toBeUndefined();
  });
});

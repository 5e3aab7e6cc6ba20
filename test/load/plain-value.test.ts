import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { MAX_NESTING_DEPTH, parseYaml } from "../../src/load/parse-yaml.js";
import { NOT_PLAIN, plainValue } from "../../src/load/plain-value.js";
import { propertyRuns } from "../setup/fast-check-seed.js";
import { arbitraryYaml } from "./arbitrary-yaml.js";

/**
 * Asserts that two values are the same to the last detail toEqual overlooks: prototypes, own keys
 * in their order (an own '__proto__' included), property attributes, -0 and NaN.
 */
function expectSame(actual: unknown, expected: unknown, path = "$"): void {
  if (expected === null || typeof expected !== "object") {
    expect(Object.is(actual, expected), `${path}: ${String(actual)} is not ${String(expected)}`).toBe(true);
    return;
  }
  expect(typeof actual, path).toBe("object");
  expect(Object.getPrototypeOf(actual), path).toBe(Object.getPrototypeOf(expected));
  const actualKeys = Reflect.ownKeys(actual as object);
  expect(actualKeys, path).toEqual(Reflect.ownKeys(expected));
  for (const key of actualKeys) {
    const { value: actualValue, ...actualAttributes } = Object.getOwnPropertyDescriptor(actual, key)!;
    const { value: expectedValue, ...expectedAttributes } = Object.getOwnPropertyDescriptor(expected, key)!;
    expect(actualAttributes, `${path}.${String(key)}`).toEqual(expectedAttributes);
    expectSame(actualValue, expectedValue, `${path}.${String(key)}`);
  }
}

/** A document yaml reads without an error or a warning. */
function cleanDocument(text: string) {
  const doc = parseDocument(text);
  expect([...doc.errors, ...doc.warnings], text).toEqual([]);
  return doc;
}

describe("plainValue", () => {
  it("is toJS on every plain tree, and declines every other document (fixed seed)", () => {
    let plain = 0;
    let declined = 0;
    fc.assert(
      fc.property(arbitraryYaml, (text) => {
        const doc = parseDocument(text);
        if (doc.errors.length > 0 || doc.warnings.length > 0) return;
        const value = plainValue(doc, MAX_NESTING_DEPTH);
        if (value === NOT_PLAIN) {
          declined++;
          return;
        }
        plain++;
        expectSame(value, doc.toJS());
      }),
      { numRuns: propertyRuns(600) },
    );
    // Both ways are taken often, so neither half of the property holds vacuously.
    expect(plain).toBeGreaterThan(propertyRuns(600) / 4);
    expect(declined).toBeGreaterThan(propertyRuns(600) / 30);
  });

  it.each([
    ["numbers in every notation", "a: 0x1F\nb: 0o17\nc: 1e3\nd: .inf\ne: -.Inf\nf: .nan\ng: -0\nh: +12\ni: 017\n"],
    ["booleans, nulls and empty values", "a: [true, False, TRUE, yes, ~, null, Null, '']\nb:\n? c\n"],
    ["keys that are numbers, booleans or quoted", "1: a\n'1': b\ntrue: c\n1.5: d\n.inf: e\n0x1F: f\n\"key: colon\": g\n"],
    ["keys every object inherits", "__proto__: 1\ntoString: 2\nconstructor: { __proto__: [x] }\n"],
    ["multi-line and block scalars", "a: one\n  two\nb: |\n  x\n   y\nc: >-\n  p\n  q\nd: |+\n  k\n\ne: 'multi\n  line'\n"],
    ["a flow list holding pairs", "[a: 1, b, {c: 2}]\n"],
    ["anchors that no alias uses", "a: &x [1]\nb: &y {c: &z 2}\n"],
    ["a scalar alone", "just text\n"],
    ["tagged scalars", "a: !!str 12\nb: !!binary aGVsbG8=\nc: !!timestamp 2001-12-14\n!!str 7: x\n"],
  ])("converts %s as toJS does", (_title, text) => {
    const doc = cleanDocument(text);
    const value = plainValue(doc, MAX_NESTING_DEPTH);
    expect(value).not.toBe(NOT_PLAIN);
    expectSame(value, doc.toJS());
  });

  it.each([
    ["an alias", "a: &x 1\nb: *x\n"],
    ["an alias as a key", "a: &x k\n*x : 1\n"],
    ["a list as a key", "? [x, y]\n: 1\n"],
    ["a null key", "~: 1\n"],
    ["a set", "a: !!set { x, y }\n"],
    ["an ordered map", "a: !!omap [x: 1]\n"],
    ["pairs", "a: !!pairs [x: 1]\n"],
    ["a merge key in YAML 1.1", "%YAML 1.1\n---\na: 1\n"],
    ["a tagged merge key", "!!merge <<: {a: 1}\nb: 2\n"],
  ])("declines a document with %s", (_title, text) => {
    expect(plainValue(cleanDocument(text), MAX_NESTING_DEPTH)).toBe(NOT_PLAIN);
  });

  it("declines collections nested deeper than asked, counting the maps a flow list makes of pairs", () => {
    expect(plainValue(cleanDocument("[[[1]]]\n"), 3)).toEqual([[[1]]]);
    expect(plainValue(cleanDocument("[[[[1]]]]\n"), 3)).toBe(NOT_PLAIN);
    expect(plainValue(cleanDocument("a: [b: 1]\n"), 3)).toEqual({ a: [{ b: 1 }] });
    expect(plainValue(cleanDocument("a: [b: [1]]\n"), 3)).toBe(NOT_PLAIN);
  });
});

describe("parseYaml's value", () => {
  it("is toJS's for every document it accepts, plain or not (fixed seed)", () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbitraryYaml, (text) => {
        const { source } = parseYaml("a.yaml", text);
        if (!source) return;
        accepted++;
        expectSame(source.value, parseDocument(text).toJS());
      }),
      { numRuns: propertyRuns(600) },
    );
    expect(accepted).toBeGreaterThan(propertyRuns(600) / 2);
  });

  it("nests no deeper through the maps a flow list makes of pairs than the limit, as before", () => {
    const nested = (depth: number) => `a: ${"[a: ".repeat(depth)}1${"]".repeat(depth)}\n`;
    // 2 × 127 + 1 levels of value (within the limit), from 128 levels of text.
    expect(parseYaml("a.yaml", nested(127)).diagnostics).toEqual([]);
    const [tooDeep] = parseYaml("a.yaml", nested(128)).diagnostics;
    expect(`${tooDeep?.code} ${tooDeep?.line}:${tooDeep?.column}`).toBe("BP111 1:1");
    // No alias to blame: the hint names the pairs.
    expect(tooDeep?.hint).toContain("a pair inside a flow list");
  });
});

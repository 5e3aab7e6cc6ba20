import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { compileRegex } from "../../src/rules/compile-regex.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression, printRegex, printString } from "../../src/rules/print-expression.js";

/*
 * A `matches` pattern has three textual forms: the raw string bot-policy prints, a quoted regex
 * literal (regex escaping rules: backslashes kept, `\"` is a quote outside a class), and — for
 * contrast — a plain quoted string elsewhere (string escaping rules). Each property below covers one.
 */

const SEED = 42;

function parse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`does not parse: ${result.error.message} at ${result.error.start} in ${text}`);
  return result.expr;
}

function rightValue(expr: Expr): unknown {
  return expr.kind === "compare" && expr.right.kind === "literal" ? expr.right.literal.value : undefined;
}

const matchesNode = (pattern: string): Expr => ({
  kind: "compare",
  op: "matches",
  left: { kind: "field", name: "http.user_agent" },
  right: { kind: "literal", literal: { type: "string", value: pattern } },
});

/** Units that matter to the three lexers and to the regex translator. */
const UNITS = [
  "\\", '"', "#", '"#', '"##', "[", "]", "[:alpha:]", "(", ")", "?", "*", "{2}", "|", "^", "$", ".", "-",
  "a", "B", "1", " ", "r", "x", "\\d", "\\.", "\\x{E9}", "\\xC3", "é", "😀", "\t", "\n", "\u0000", "\u200b",
];
const anyPattern = fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 14 });
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const INPUTS = fc.string({ unit: fc.constantFrom("a", "B", "1", " ", ".", "-", '"', "#", "\\", "é", "😀", "\n", "Ã"), maxLength: 10 });

describe("property: a printed matches pattern is read back as exactly that pattern (raw string)", () => {
  it("parse(print(matches p)) has pattern p, is stable, and cannot be broken out of", () => {
    let printed = 0;
    fc.assert(
      fc.property(anyPattern, (pattern) => {
        if (INVISIBLE.test(pattern)) {
          // compileRegex refuses what a raw string cannot show, and the printer refuses to print it.
          expect(compileRegex(pattern)).toMatchObject({ ok: false });
          expect(() => printExpression(matchesNode(pattern))).toThrow();
          return;
        }
        const text = printExpression(matchesNode(pattern));
        expect(text.startsWith("http.user_agent matches r")).toBe(true);
        const reparsed = parse(text);
        expect(rightValue(reparsed)).toBe(pattern);
        expect(printExpression(reparsed)).toBe(text);
        // Whatever the pattern holds, what follows the literal is still a separate clause.
        const combined = parse(`${text} and http.host eq "x"`);
        expect(combined).toMatchObject({ kind: "logical", op: "and", operands: [{ kind: "compare", op: "matches" }, { kind: "compare", op: "eq" }] });
        printed++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    expect(printed).toBeGreaterThan(300);
  });

  it("the printed rule decides every request as the pattern does", () => {
    let valid = 0;
    fc.assert(
      fc.property(anyPattern, fc.array(INPUTS, { minLength: 1, maxLength: 6 }), (pattern, inputs) => {
        const compiled = compileRegex(pattern);
        if (!compiled.ok) return;
        valid++;
        const evaluate = compileEvaluator(parse(printExpression(matchesNode(pattern))));
        for (const input of inputs) expect(evaluate({ "http.user_agent": input })).toBe(compiled.matcher(input));
      }),
      { seed: SEED, numRuns: 3000 },
    );
    expect(valid).toBeGreaterThan(100);
  });
});

/**
 * Writes `pattern` as a quoted regex literal, from the engine's reading rules: a `"` outside a
 * class must be written `\"`; inside a class it stands as is. Returns undefined for the patterns
 * this form cannot carry (a regex escape `\"` outside a class would be read as a bare quote).
 */
function quoteRegexLiteral(pattern: string): string | undefined {
  let out = '"';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === undefined || (next === '"' && !inClass)) return undefined;
      out += c + next;
      i++;
    } else if (c === '"') {
      out += inClass ? '"' : '\\"';
    } else {
      if (c === "[" && !inClass) inClass = true;
      else if (c === "]" && inClass) inClass = false;
      out += c;
    }
  }
  // A class still open at the end would swallow the closing quote.
  return inClass ? undefined : `${out}"`;
}

describe("property: a quoted regex literal is read with regex escaping rules", () => {
  it("matches \"…\" and ~ \"…\" give the pattern back, backslashes and all", () => {
    let quoted = 0;
    fc.assert(
      fc.property(anyPattern, fc.constantFrom("matches", "~"), (pattern, operator) => {
        const literal = quoteRegexLiteral(pattern);
        if (literal === undefined || INVISIBLE.test(pattern)) return;
        const expr = parse(`http.user_agent ${operator} ${literal} and http.host eq "x"`);
        expect(expr).toMatchObject({ kind: "logical", operands: [{ kind: "compare", op: "matches" }, { kind: "compare", op: "eq" }] });
        if (expr.kind !== "logical") return;
        expect(rightValue(expr.operands[0] as Expr)).toBe(pattern);
        // The canonical print is raw and reads back to the same pattern.
        expect(rightValue(parse(printExpression(expr.operands[0] as Expr)))).toBe(pattern);
        quoted++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    expect(quoted).toBeGreaterThan(300);
  });
});

describe("property: the same text is a different value in a plain string", () => {
  it("eq \"…\" reads string escapes, so a printed plain string round-trips and never leaks", () => {
    fc.assert(
      fc.property(anyPattern, (value) => {
        const text = `http.user_agent eq ${printString(value)}`;
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(rightValue(parse(text))).toBe(value);
        // Read as a regex literal instead, the printed string keeps its escapes: `\\` stays two
        // backslashes, so the same characters mean a different pattern there.
        if (value.includes("\\")) {
          const asRegex = parseExpression(`http.user_agent matches ${printString(value)}`);
          expect(asRegex.ok && rightValue(asRegex.expr) === value).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The translation to RE2 against an independent oracle: on ASCII patterns and ASCII values (where
// bytes and characters coincide), Rust's meaning equals JavaScript's for this grammar.

type Piece = [rust: string, js: string];
const atom: fc.Arbitrary<Piece> = fc.constantFrom<Piece>(
  ["a", "a"], ["B", "B"], ["1", "1"], [".", "."], ["\\.", "\\."], ["\\-", "\\-"], ['\\"', '"'], ["\\#", "#"], ["\\ ", " "],
  ["\\d", "\\d"], ["\\w", "\\w"], ["\\s", "[\\t\\n\\v\\f\\r ]"], ["\\D", "\\D"], ["\\W", "\\W"], ["\\S", "[^\\t\\n\\v\\f\\r ]"],
  ["[ab]", "[ab]"], ["[^a]", "[^a]"], ["[a-c1]", "[a-c1]"], ["[[:digit:]B]", "[0-9B]"], ["[[:^alpha:]]", "[^A-Za-z]"],
  ["[]a]", "[\\]a]"], ["[a-]", "[a\\-]"], ["\\x41", "A"], ["\\x{62}", "b"], ["\\t", "\\t"], ["\\n", "\\n"],
);
const { node: rustPiece } = fc.letrec<{ node: Piece }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.tuple(tie("node"), fc.constantFrom("*", "+", "?", "{1,2}", "{2}", "*?")).map(([[r, j], q]): Piece => [`(?:${r})${q}`, `(?:${j})${q}`]),
    fc.array(tie("node"), { minLength: 2, maxLength: 3 }).map((parts): Piece => [parts.map((p) => p[0]).join(""), parts.map((p) => p[1]).join("")]),
    fc.tuple(tie("node"), tie("node")).map(([[r1, j1], [r2, j2]]): Piece => [`(${r1}|${r2})`, `(${j1}|${j2})`]),
    fc.constantFrom<Piece>(["^", "^"], ["$", "$"], ["\\b", "\\b"], ["\\B", "\\B"]),
  ),
}));
const asciiValue = fc.string({ unit: fc.constantFrom("a", "b", "B", "A", "1", "9", " ", ".", "-", '"', "#", "\t", "\n", "_"), maxLength: 8 });

describe("property: on ASCII, the translated regex means what Rust's regex means", () => {
  it("agrees with JavaScript's RegExp for flags i, s, m and no flags", () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(rustPiece, fc.subarray(["i", "s", "m"]), fc.array(asciiValue, { minLength: 1, maxLength: 8 }), ([rust, js], flags, values) => {
        const pattern = flags.length === 0 ? rust : `(?${flags.join("")})${rust}`;
        const compiled = compileRegex(pattern);
        if (!compiled.ok) throw new Error(`'${pattern}' was refused: ${compiled.reason}`);
        const oracle = new RegExp(js, flags.join(""));
        for (const value of values) {
          const expected = oracle.test(value);
          expect(compiled.matcher(value)).toBe(expected);
          total++;
          if (expected) matched++;
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
    // Guard against a vacuous property: both outcomes must occur often.
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });
});

describe("printRegex never needs more '#' than the pattern forces", () => {
  it("uses no '#' without a quote, and one more than the longest '\"#…' run otherwise", () => {
    fc.assert(
      fc.property(anyPattern.filter((p) => !INVISIBLE.test(p)), (pattern) => {
        const fence = /^r(#*)"/.exec(printRegex(pattern))?.[1] ?? "";
        const runs = [...pattern.matchAll(/"(#*)/g)].map((m) => (m[1] as string).length + 1);
        expect(fence.length).toBe(Math.max(0, ...runs));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Classes outside Unicode mode are byte sets computed as Rust computes them (nesting, `&&`, `--`,
// `~~`, negation): against JavaScript's `v`-flag classes, which have the same set operations but
// want every operand bracketed and one operator per level, so the oracle spells the same set
// with explicit nesting (`~~`, which JavaScript lacks, as the union of both differences).

type ClassPiece = [rust: string, js: string];
const member = fc.constantFrom<ClassPiece>(
  ["a", "a"], ["x", "x"], ["A", "A"], ["b-d", "b-d"], ["0-4", "0-4"], ["_", "_"], ["\\d", "\\d"], ["\\w", "\\w"], ["\\s", "\\s"],
  ["\\W", "\\W"], ["[:upper:]", "A-Z"], ["[:punct:]", "!-\\/:-@\\[-`\\{-~"], ["\\-", "\\-"], ["\\x61", "a"],
);
const { cls: byteClass } = fc.letrec<{ cls: ClassPiece; union: ClassPiece }>((tie) => ({
  union: fc
    .array(fc.oneof({ depthSize: "small" }, member, member, tie("cls")), { minLength: 1, maxLength: 3 })
    .map((items): ClassPiece => [items.map((i) => i[0]).join(""), `[${items.map((i) => i[1]).join("")}]`]),
  cls: fc
    .tuple(fc.boolean(), tie("union"), fc.array(fc.tuple(fc.constantFrom("&&", "--", "~~"), tie("union")), { maxLength: 2 }))
    .map(([negated, first, rest]): ClassPiece => {
      let js = first[1];
      for (const [op, [, right]] of rest) js = op === "~~" ? `[[${js}--${right}][${right}--${js}]]` : `[${js}${op}${right}]`;
      const rust = `[${negated ? "^" : ""}${first[0]}${rest.map(([op, [r]]) => `${op}${r}`).join("")}]`;
      return [rust, negated ? `[^${js}]` : js];
    }),
}));
const CLASS_INPUTS = ["a", "b", "c", "e", "x", "A", "Z", "0", "5", "_", "-", " ", "\t", "!", "[", "~"];

describe("property: a class outside Unicode mode is the byte set Rust computes", () => {
  it("agrees with JavaScript's v-flag classes, set operations and nesting included", () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(byteClass, ([rust, js]) => {
        const compiled = compileRegex(`^${rust}$`);
        if (!compiled.ok) throw new Error(`'${rust}' was refused: ${compiled.reason}`);
        const oracle = new RegExp(`^${js}$`, "v");
        for (const value of CLASS_INPUTS) {
          const expected = oracle.test(value);
          expect(compiled.matcher(value), `${rust} on ${JSON.stringify(value)}`).toBe(expected);
          total++;
          if (expected) matched++;
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
    // Guard against a vacuous property: both outcomes must occur often.
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });
});

// ---------------------------------------------------------------------------------------------
// Unicode mode `(?u)` reads code points: against JavaScript's `u` flag, where `\d` is spelled
// `\p{Nd}` and `\s` Rust's White_Space (JavaScript's own `\d`/`\s` differ), on inputs whose
// properties are stable across Unicode versions.

const unicodeAtom = fc.constantFrom<Piece>(
  [".", "."], ["\\p{Greek}", "\\p{Script=Greek}"], ["\\p{Hangul}", "\\p{Script=Hangul}"], ["\\pL", "\\p{L}"], ["\\PL", "\\P{L}"],
  ["\\p{Lu}", "\\p{Lu}"], ["\\p{gc=Nd}", "\\p{Nd}"], ["\\d", "\\p{Nd}"], ["\\D", "\\P{Nd}"],
  ["\\s", "[\\t\\n\\v\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"],
  ["[é-ü]", "[é-ü]"], ["[^a]", "[^a]"], ["é", "é"], ["\\x{E9}", "é"], ["\\xE9", "é"], ["k", "k"], ["s", "s"], ["😀", "😀"],
);
const unicodePattern = fc.array(unicodeAtom, { minLength: 1, maxLength: 3 }).map((parts): Piece => [parts.map((p) => p[0]).join(""), parts.map((p) => p[1]).join("")]);
const UNICODE_INPUTS = fc.array(fc.constantFrom("a", "é", "É", "α", "Ω", "한", "٣", "7", " ", "\u3000", "😀", "K", "\u212a", "ſ", "s", "S", "Ü"), { maxLength: 4 }).map((chars) => chars.join(""));

describe("property: Unicode mode (?u) means what Rust's Unicode mode means", () => {
  it("agrees with JavaScript's u-flag RegExp, with and without (?i)", () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(unicodePattern, fc.boolean(), fc.array(UNICODE_INPUTS, { minLength: 1, maxLength: 6 }), ([rust, js], fold, values) => {
        const pattern = `(?${fold ? "i" : ""}u)${rust}`;
        const compiled = compileRegex(pattern);
        if (!compiled.ok) throw new Error(`'${pattern}' was refused: ${compiled.reason}`);
        const oracle = new RegExp(js, fold ? "iu" : "u");
        for (const value of values) {
          const expected = oracle.test(value);
          expect(compiled.matcher(value), `${pattern} on ${JSON.stringify(value)}`).toBe(expected);
          total++;
          if (expected) matched++;
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });
});

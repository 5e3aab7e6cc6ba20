import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../src/rules/ast.js";
import { checkExpression } from "../../src/rules/check-expression.js";
import { fieldWarnings } from "../../src/rules/field-warnings.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";

/** Expressions from Cloudflare's documentation, each with its source; `expect` when it is not plainly valid. */
interface DocsCase {
  source: string;
  expression: string;
  expect?: { error: string; at: string } | { warning: string; at: string };
}

const CASES = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "cloudflare-docs-expressions.json"), "utf8")) as DocsCase[];

function withoutSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === "span" ? undefined : inner))) as T;
}

describe("expressions from Cloudflare's documentation", () => {
  it("are at least 30, most of them valid", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(CASES.filter((c) => c.expect === undefined || "warning" in c.expect).length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.expression, c] as const))("%s", (text, c) => {
    const parsed = parseExpression(text);
    const expected = c.expect;
    if (!parsed.ok) {
      // Refused by the parser: only where the fixture expects it, with the message and place it names.
      if (expected === undefined || !("error" in expected)) throw new Error(`does not parse: ${parsed.error.message}`);
      expect(parsed.error.message).toContain(expected.error);
      expect(text.slice(parsed.error.start, parsed.error.end)).toBe(expected.at);
      return;
    }
    // An Enterprise zone with every add-on, in a custom rule: the plan is not what is tested here.
    const errors = checkExpression(parsed.expr, { tier: "enterprise", context: "filter", allowWorkerFields: false }).map((e) => ({ message: e.message, at: text.slice(e.start, e.end) }));
    const warnings = fieldWarnings(parsed.expr).map((w) => ({ message: w.message, at: text.slice(w.start, w.end) }));
    if (expected !== undefined && "error" in expected) {
      expect(errors[0]?.message).toContain(expected.error);
      expect(errors[0]?.at).toBe(expected.at);
    } else {
      expect(errors).toEqual([]);
      if (expected === undefined) expect(warnings).toEqual([]);
      else {
        expect(warnings[0]?.message).toContain(expected.warning);
        expect(warnings[0]?.at).toBe(expected.at);
      }
    }
    // Printed canonically, it reads back as the same expression, and prints the same again.
    const printed = printExpression(parsed.expr);
    const reparsed = parseExpression(printed);
    if (!reparsed.ok) throw new Error(`the printed form does not parse: ${printed}`);
    expect(withoutSpans<Expr>(reparsed.expr)).toEqual(withoutSpans(parsed.expr));
    expect(printExpression(reparsed.expr)).toBe(printed);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Expr } from "../../src/rules/ast.js";
import { caseWarnings, checkExpression } from "../../src/rules/check-expression.js";
import { fieldWarnings } from "../../src/rules/field-warnings.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression } from "../../src/rules/print-expression.js";

/** One expression someone else wrote, where it was found, and what bot-policy must say about it. */
interface RealWorldCase {
  repository?: string;
  path?: string;
  page?: string;
  expression: string;
  expect: "accept" | { reject: "BP318" | "BP319"; at: string; message: string; problem: string };
  warnings?: Array<{ BP380: string } | { BP382: string }>;
}

const CASES = parse(readFileSync(join(import.meta.dirname, "fixtures", "real-world-expressions.yaml"), "utf8")) as RealWorldCase[];

interface Finding {
  code: "BP318" | "BP319" | "BP380" | "BP382";
  message: string;
  at: string;
}

/** What a rule's `expression:` reports (the same steps and codes as lowerRawExpression in src/lower/lower-policy.ts). */
function diagnose(text: string): { findings: Finding[]; expr?: Expr } {
  const parsed = parseExpression(text);
  if (!parsed.ok) return { findings: [{ code: "BP318", message: parsed.error.message, at: text.slice(parsed.error.start, parsed.error.end) }] };
  const errors = checkExpression(parsed.expr, { tier: "enterprise", context: "filter", allowWorkerFields: true });
  if (errors.length > 0) return { findings: errors.map((e) => ({ code: "BP319", message: e.message, at: text.slice(e.start, e.end) })) };
  const warnings = [
    ...fieldWarnings(parsed.expr).map((w): Finding => ({ code: "BP380", message: w.message, at: text.slice(w.start, w.end) })),
    ...caseWarnings(parsed.expr).map((w): Finding => ({ code: "BP382", message: w.message, at: text.slice(w.start, w.end) })),
  ];
  return { findings: warnings, expr: parsed.expr };
}

function withoutSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === "span" ? undefined : inner))) as T;
}

function sourceOf(c: RealWorldCase): string {
  return c.page ?? `${c.repository} ${c.path}`;
}

describe("expressions other people wrote (public repositories and pages)", () => {
  it("are at least 100, each citing where it was found, each refusal naming the real problem", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    for (const c of CASES) {
      expect(c.page ?? (c.repository !== undefined && c.path !== undefined), sourceOf(c)).toBeTruthy();
      if (c.expect !== "accept") {
        expect(c.expect.problem.length, c.expression).toBeGreaterThan(10);
        expect(c.expect.at.length, c.expression).toBeGreaterThan(0);
      }
    }
  });

  it("validate when syntactically valid, unless a part can never match (each such problem named in the fixture)", () => {
    const syntacticallyValid = CASES.filter((c) => c.expect === "accept" || c.expect.reject !== "BP318");
    const accepted = CASES.filter((c) => c.expect === "accept");
    // 100 of 106; the 6 others hold a value no request has, a placeholder or an unknown field.
    expect(accepted.length / syntacticallyValid.length).toBeGreaterThanOrEqual(0.9);
  });

  it.each(CASES.map((c) => [`${sourceOf(c)}: ${c.expression.replace(/\s+/g, " ").slice(0, 90)}`, c] as const))("%s", (_name, c) => {
    const { findings, expr } = diagnose(c.expression);
    if (c.expect !== "accept") {
      // Refused with the exact code, at the text that holds the problem.
      expect(findings[0]).toEqual({ code: c.expect.reject, message: c.expect.message, at: c.expect.at });
      return;
    }
    expect(findings.filter((f) => f.code !== "BP380" && f.code !== "BP382")).toEqual([]);
    const warned = [...new Set(findings.map((f) => `${f.code} ${f.at}`))];
    expect(warned).toEqual((c.warnings ?? []).map((w) => Object.entries(w)[0]!.join(" ")));
    // Printed canonically, it reads back as the same expression, and prints the same again.
    if (expr === undefined) throw new Error("accepted without an expression");
    const printed = printExpression(expr);
    const reparsed = parseExpression(printed);
    if (!reparsed.ok) throw new Error(`the printed form does not parse: ${printed}`);
    expect(withoutSpans(reparsed.expr)).toEqual(withoutSpans(expr));
    expect(printExpression(reparsed.expr)).toBe(printed);
  });
});

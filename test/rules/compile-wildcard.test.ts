import { describe, expect, it } from "vitest";
import { compileWildcard } from "../../src/rules/compile-wildcard.js";

function wildcard(pattern: string, value: string, strict: boolean): boolean {
  const compiled = compileWildcard(pattern, strict);
  if (!compiled.ok) throw new Error(`'${pattern}' was refused: ${compiled.reason}`);
  return compiled.matcher(value);
}

describe("compileWildcard", () => {
  // [pattern, value, wildcard, strict wildcard]
  const CASES: Array<[string, string, boolean, boolean]> = [
    ["", "", true, true],
    ["", "a", false, false],
    ["*", "", true, true],
    ["*", "line\nbreak", true, true],
    ["/admin/*", "/ADMIN/users", true, false],
    ["/admin/*", "/admin/", true, true],
    ["/admin/*", "/admin", false, false],
    ["*.php", "/x/y.PHP", true, false],
    ["/a*b*c", "/aXXbYYc", true, true],
    ["/a*b*c", "/aXXbYYcd", false, false],
    ["*a*b", "ab", true, true],
    ["*ab", "aab", true, true],
    ["a*a*a", "aa", false, false],
    ["a.c", "abc", false, false],
    // Only ASCII letters fold; other characters compare exactly.
    ["é", "É", false, false],
    ["*😀*", "x😀y", true, true],
    ["\\*", "*", true, true],
    ["\\*", "x", false, false],
    ["a\\\\b", "a\\b", true, true],
    ["\\**", "*tail", true, true],
  ];
  it("refuses a double star, as the engine does", () => {
    for (const pattern of ["a**b", "**", "/x/***"]) {
      const compiled = compileWildcard(pattern, false);
      expect(compiled.ok, pattern).toBe(false);
      if (!compiled.ok) expect(compiled.reason).toContain("double star");
    }
    // An escaped star next to a star is one literal '*' and one wildcard: allowed.
    expect(compileWildcard("\\**", false).ok).toBe(true);
  });

  it.each(CASES)("%j on %j", (pattern, value, loose, strict) => {
    expect(wildcard(pattern, value, false)).toBe(loose);
    expect(wildcard(pattern, value, true)).toBe(strict);
  });

  it.each(["a\\b", "\\", "a\\"])("refuses the lone backslash in %j", (pattern) => {
    expect(compileWildcard(pattern, false)).toEqual({ ok: false, reason: "a backslash may only escape '*' or '\\'" });
  });

  // A backtracking RegExp (^.*a.*a.*a…b$) takes exponential time here; the glob walk is O(n·m).
  it("decides many stars against a 10,000-character value", () => {
    expect(wildcard(`${"*a".repeat(20)}*b`, "a".repeat(10_000), false)).toBe(false);
    expect(wildcard(`${"*a".repeat(20)}*b`, `${"a".repeat(10_000)}b`, true)).toBe(true);
  });
});

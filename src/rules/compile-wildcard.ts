/**
 * `wildcard` and `strict wildcard` match the whole value against a pattern in which `*` stands for
 * any run of characters; `\*` and `\\` are a literal `*` and `\`. `wildcard` ignores the case of
 * ASCII letters only, as the engine does (it compares bytes).
 */

/** Compiles a wildcard pattern to an anchored RegExp, or says why the pattern is invalid. */
export function compileWildcard(
  pattern: string,
  caseSensitive: boolean,
): { ok: true; regex: RegExp } | { ok: false; reason: string } {
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      source += "[\\s\\S]*";
    } else if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") {
        return { ok: false, reason: "a backslash may only escape '*' or '\\'" };
      }
      source += `\\${next}`;
      i++;
    } else if (!caseSensitive && /[a-zA-Z]/.test(c)) {
      source += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else {
      source += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    }
  }
  // `u` keeps an astral character one unit, so `[…]` never splits a surrogate pair.
  return { ok: true, regex: new RegExp(`${source}$`, "u") };
}

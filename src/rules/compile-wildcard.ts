/**
 * `wildcard` and `strict wildcard` match the whole value against a pattern in which `*` stands for
 * any run of characters; `\*` and `\\` are a literal `*` and `\`. `wildcard` ignores the case of
 * ASCII letters only, as the engine does (it compares bytes). Like the engine, a pattern with two
 * stars in a row (`**`) is refused. Not checked here: the engine also caps the number of stars,
 * a setting whose value on Cloudflare is unpublished.
 *
 * Matching is the classic greedy glob walk: on a mismatch it only moves the last `*` one step, so
 * it runs in O(value × pattern) time with no backtracking RegExp. It compares UTF-16 units, which
 * gives the engine's byte answer: a well-formed literal piece can never match half of a character.
 */

/** A compiled wildcard pattern: says whether it matches the whole value. */
export type WildcardMatcher = (value: string) => boolean;

const STAR = -1;

/** Compiles a wildcard pattern, or says why the pattern is invalid. */
export function compileWildcard(
  pattern: string,
  caseSensitive: boolean,
): { ok: true; matcher: WildcardMatcher } | { ok: false; reason: string } {
  // Each element is a UTF-16 unit to compare (ASCII-folded unless strict), or STAR.
  const tokens: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a) {
      // The engine refuses `**` (one star already matches any run), so bot-policy does too.
      if (tokens[tokens.length - 1] === STAR) return { ok: false, reason: "it contains a double star '**'; one '*' already matches any run of characters" };
      tokens.push(STAR);
    } else if (c === 0x5c) {
      const next = pattern.charCodeAt(i + 1);
      if (next !== 0x2a && next !== 0x5c) {
        return { ok: false, reason: "a backslash may only escape '*' or '\\'" };
      }
      tokens.push(next);
      i++;
    } else {
      tokens.push(caseSensitive ? c : foldAscii(c));
    }
  }
  return { ok: true, matcher: (value) => matchTokens(tokens, value, caseSensitive) };
}

function foldAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function matchTokens(tokens: readonly number[], value: string, caseSensitive: boolean): boolean {
  let p = 0;
  let v = 0;
  // Where the last `*` was, and the value position it currently stops at.
  let starToken = -1;
  let starValue = 0;
  while (v < value.length) {
    const token = tokens[p];
    if (token === STAR) {
      starToken = p++;
      starValue = v;
    } else if (token !== undefined && token === (caseSensitive ? value.charCodeAt(v) : foldAscii(value.charCodeAt(v)))) {
      p++;
      v++;
    } else if (starToken !== -1) {
      // Let the last `*` swallow one more unit and retry the rest from there.
      p = starToken + 1;
      v = ++starValue;
    } else {
      return false;
    }
  }
  while (tokens[p] === STAR) p++;
  return p === tokens.length;
}

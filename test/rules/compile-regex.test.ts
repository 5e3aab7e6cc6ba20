import { describe, expect, it } from "vitest";
import { compileRegex } from "../../src/rules/compile-regex.js";
import { compileEvaluator } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

function matches(pattern: string, value: string): boolean {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) throw new Error(`'${pattern}' was refused: ${compiled.reason}`);
  return compiled.matcher(value);
}

describe("compileRegex: Cloudflare's meaning (Rust regex, Unicode mode off, matching bytes)", () => {
  // [pattern, value, matches?]
  const CASES: Array<[string, string, boolean]> = [
    ["bot", "a Bot and a bot", true],
    ["^curl/\\d", "curl/8.1", true],
    ["^curl/\\d", "xcurl/8.1", false],
    ["\\.php$", "/index.php", true],
    ["\\.php$", "/indexXphp", false],
    // `$` is the end of the text, never before a final newline; `.` stops at a newline.
    ["bot$", "a bot\n", false],
    ["(?m)bot$", "a bot\nnext", true],
    ["a.b", "a\nb", false],
    ["(?s)a.b", "a\nb", true],
    // `.` and negated classes match one byte: 'é' is two.
    ["^.$", "é", false],
    ["^..$", "é", true],
    ["^[^a]{2}$", "é", true],
    ["^\\W\\W$", "é", true],
    // A literal non-ASCII character is its UTF-8 bytes, repeated as a whole.
    ["^é+$", "ééé", true],
    ["^\\x{E9}$", "é", true],
    ["^\\u00E9$", "é", true],
    ["^\\U{1F600}$", "😀", true],
    // `\xHH` is one byte: \xE9 is the first byte of U+9648 '陈', not 'é'.
    ["\\xE9", "陈", true],
    ["\\xE9", "é", false],
    ["^\\xC3\\xA9$", "é", true],
    // (?i) folds ASCII only: RE2 alone would match the Kelvin sign for 'k'.
    ["(?i)^k$", "K", true],
    ["(?i)^k$", "\u212a", false],
    ["(?i)^s$", "\u017f", false],
    ["(?i)curl", "CURL/8", true],
    ["(?i)[^a]", "A", false],
    ["(?i)^[[:upper:]]+$", "abc", true],
    // A byte is never folded, though Latin-1 pairs 0xE9 with 0xC9 ('ɐ' is C9 90).
    ["(?i)\\xE9", "\u0250", false],
    // ASCII classes; Rust's \s includes \x0B (RE2's does not).
    ["^\\s$", "\v", true],
    ["^[\\s]$", "\v", true],
    ["\\S", " \t\n\v\f\r", false],
    ["^\\d+$", "١٢", false],
    ["^\\w+$", "é", false],
    ["\\bbot\\b", "a bot!", true],
    ["[[:alpha:]]+\\.php", "/Index.php", true],
    ["^[[:^alpha:]]$", "1", true],
    // Escaping any ASCII punctuation is fine.
    ["^\\-\\#\\~\\ \\/\\\"$", "-#~ /\"", true],
    // Classes: ']' first is literal, '-' at an end is literal.
    ["^[]a]$", "]", true],
    ["^[^]a]$", "b", true],
    ["^[a-]$", "-", true],
    ["^[-a]$", "-", true],
    ["^[\\[\\]]+$", "[]", true],
    // Verbose mode drops whitespace and a trailing comment.
    ["(?x) ^ a  b  c $ # three letters", "abc", true],
    ["(?x)^a\\ b$", "a b", true],
    ["(?x)^a{ 2 }$", "aa", true],
    // ...inside classes too, around '-' as well (a class is never ambiguous in Rust's verbose mode).
    ["(?x)^[ a - c ]+$", "abc", true],
    ["(?x)^[ a ]$", " ", false],
    ["(?x)^[\\ ]$", " ", true],
    // Flags are scoped to their group.
    ["(?i:A)b", "aB", false],
    ["(?i:A)b", "ab", true],
    ["a(?i)b|c", "aB", true],
    ["(?P<major>\\d+)\\.(?<minor>\\d+)", "1.2", true],
    ["^a{2,3}$", "aaaa", false],
    ["^a{2,}$", "aaaa", true],
    ["(?U)^a+$", "aaa", true],
    ["^(?:ab)+$", "abab", true],
    ["^(?:ab)+$", "aba", false],
    ["\\Ab\\z", "b", true],
    // Classes are byte sets, computed as Rust computes them: nesting, `&&`, `--`, `~~`, negation.
    ["^[a-z&&[^aeiou]]+$", "bcd", true],
    ["^[a-z&&[^aeiou]]+$", "bad", false],
    ["^[0-9--4]$", "4", false],
    ["^[0-9--4]$", "5", true],
    ["^[a-g~~b-h]$", "a", true],
    ["^[a-g~~b-h]$", "h", true],
    ["^[a-g~~b-h]$", "c", false],
    ["^[[a]b]+$", "abba", true],
    ["^[[:alpah:]]+$", ":alph", true],
    ["[a&&b]", "ab", false],
    ["^[^\\d\\s]$", "a", true],
    ["^[^\\d\\s]$", "1", false],
    ["^[\\W&&[:ascii:]]$", "-", true],
    ["^[\\W&&[:ascii:]]+$", "é", false],
    // Each bracket folds (ASCII only) before its own negation; bytes are never folded.
    ["(?i)[[^a]]", "A", false],
    ["(?i)^[^[:lower:]]$", "a", false],
    ["(?i)^[\\xC3][\\xA9]$", "é", true],
    ["(?i)^[\\xC3][\\x89]$", "é", false],
    // Outside Unicode mode in a (?u) pattern, an ASCII class still folds ASCII only.
    ["(?i)[k](?u)é", "Ké", true],
    ["(?i)[k](?u)é", "\u212aé", false],
  ];
  it.each(CASES)("%j on %j is %s", (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });
});

describe("compileRegex refuses what Cloudflare rejects or would read differently", () => {
  // [pattern, reason fragment]
  const REFUSED: Array<[string, string]> = [
    ["(", "unclosed '('"],
    ["a)", "unopened ')'"],
    ["[a", "unclosed '['"],
    ["\\", "lone backslash"],
    ["*a", "missing argument"],
    ["(?=a)b", "look-around"],
    ["(?!a)b", "look-around"],
    ["(?<=a)b", "look-around"],
    ["(?<!a)b", "look-around"],
    ["(a)\\1", "back-references"],
    ["(?P<n>a)(?P=n)", "back-references"],
    ["\\p{Greek}", "Unicode classes"],
    ["\\pL", "Unicode classes"],
    ["(?mR)a$", "multi-line CRLF mode"],
    ["(?i)é", "case-insensitively"],
    ["(?i)\\x{E9}", "case-insensitively"],
    ["[é]", "non-ASCII character U+00E9"],
    ["[\\x{E9}]", "non-ASCII character U+00E9"],
    ["\\Q.\\E", "'\\Q' is not a known escape"],
    ["\\Z", "'\\Z' is not a known escape"],
    ["\\é", "only ASCII punctuation"],
    ["\\<word", "word boundary"],
    ["\\b{start}", "'\\b{…}'"],
    ["a{1001}", "limited to 1000"],
    ["a{3,2}", "reversed"],
    ["a{,5}", "counted repetition"],
    ["{", "counted repetition"],
    ["[z-a]", "reversed"],
    ["(?P<n>a)(?P<n>b)", "used twice"],
    ["(?<1a>x)", "not a valid capture group name"],
    ["(?)", "empty flag group"],
    ["(?ii)", "repeated"],
    ["(?i-)", "ends with '-'"],
    ["(?y)", "unknown flag 'y'"],
    ["\\x{D800}", "not a valid Unicode scalar value"],
    ["\\x{110000}", "not a valid Unicode scalar value"],
    ["\\xZZ", "not a valid Unicode scalar value"],
    ["(?xu)[ a]", "verbose mode"],
    // What a printed rule could not show.
    ["a\tb", "invisible character U+0009"],
    ["a\nb", "invisible character U+000A"],
    ["a\u202eb", "invisible character U+202E"],
    ["\ud800", "not well-formed Unicode"],
    [`"${"#".repeat(255)}`, "no raw string can hold"],
  ];
  it.each(REFUSED)("%j", (pattern, reason) => {
    const compiled = compileRegex(pattern);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.reason).toContain(reason);
  });
});

describe("compileRegex: Unicode mode '(?u)', as Rust's regex reads it", () => {
  // [pattern, value, matches?]
  const CASES: Array<[string, string, boolean]> = [
    // Cloudflare's own example (the url_decode function's documentation).
    ["(?u)\\p{Hangul}+", "/\uD55C\uAD6D", true],
    ["(?u)\\p{Hangul}+", "/korea", false],
    // `.` and classes read whole characters; without (?u) they read bytes.
    ["(?u)^.$", "é", true],
    ["(?u)^.$", "😀", true],
    ["(?u)^[^a]$", "é", true],
    ["(?u)^[é-ü]+$", "éü", true],
    ["(?u)^\\xE9$", "é", true],
    ["(?u:é)+$", "éé", true],
    // \d is \p{Nd}, \s is White_Space.
    ["(?u)^\\d+$", "١٢", true],
    ["(?u)^\\D$", "١", false],
    ["(?u)^\\s$", "\u3000", true],
    ["(?u)^\\S$", "\u3000", false],
    ["(?u)^[\\s]$", "\u00a0", true],
    // (?i) folds as Unicode says, only inside Unicode mode.
    ["(?iu)^é$", "É", true],
    ["(?iu)^k$", "\u212a", true],
    ["(?i)k(?u)\\p{L}", "\u212aa", false],
    ["(?i)k(?u)\\p{L}", "Ka", true],
    // Names resolve loosely, as Rust's regex-syntax resolves them.
    ["(?u)\\p{sc=greek}", "α", true],
    ["(?u)\\p{Script = Greek}", "α", true],
    ["(?u)\\p{Letter}", "α", true],
    ["(?u)\\p{gc=Decimal_Number}", "7", true],
    ["(?u)\\PL", "α", false],
    ["(?u)\\P{L}", "7", true],
    ["(?u)\\p{gc!=L}", "1", true],
    ["(?u)\\p{Alphabetic}", "α", true],
    ["(?u)[\\p{Greek}\\d]+$", "α٣", true],
    ["(?u)\\P{ASCII}", "é", true],
    ["(?u)\\P{ASCII}", "e", false],
    // Unicode mode switched off again keeps ASCII meaning.
    ["a(?-u:b)(?u)c", "abc", true],
    ["(?u)(?-u:\\w)", "é", false],
    // CRLF mode: `.` stops at \r (unless (?s)).
    ["(?R)^a.b$", "a\rb", false],
    ["(?Rs)^a.b$", "a\rb", true],
    ["(?R)^a.b$", "a-b", true],
  ];
  it.each(CASES)("%j on %j is %s", (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });

  const REFUSED: Array<[string, string]> = [
    ["(?u)\\w", "Unicode word characters"],
    ["(?u)\\b", "Unicode word boundary"],
    ["(?u).(?-u).", "'.' outside Unicode mode"],
    ["(?u)a(?-u)\\xE9", "The byte '\\xE9'"],
    ["(?-u:[^a])(?u)b", "A class that can match a byte above"],
    ["(?u)[a&&b]", "set operations ('&&') in Unicode mode"],
    ["(?u)[[a]b]", "nested character classes in Unicode mode"],
    ["(?u)\\p{scx=Greek}", "the Unicode property 'scx'"],
    ["(?u)\\p{Hang}", "not a general category or script"],
    ["(?u)\\p{sc=Lu}", "not a general category or script"],
    ["(?u)[\\S]", "'\\S' inside a class"],
    ["(?u)\\p{Greek", "no closing '}'"],
  ];
  it.each(REFUSED)("%j", (pattern, reason) => {
    const compiled = compileRegex(pattern);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.reason).toContain(reason);
  });
});

describe("matches runs in linear time", () => {
  // A backtracking engine needs about 2^10000 steps for this; the test would hit its timeout.
  it("decides ^(a+)+$ against a 10,000-character user agent", () => {
    const parsed = parseExpression('http.user_agent matches r"^(a+)+$"');
    if (!parsed.ok) throw new Error(parsed.error.message);
    const evaluate = compileEvaluator(parsed.expr);
    expect(evaluate({ "http.user_agent": `${"a".repeat(10_000)}!` })).toBe(false);
    expect(evaluate({ "http.user_agent": "a".repeat(10_000) })).toBe(true);
  });

  it("decides nested alternations against a long non-ASCII value", () => {
    expect(matches("^(é|é|\\xC3\\xA9)*x$", "é".repeat(5_000))).toBe(false);
  });
});

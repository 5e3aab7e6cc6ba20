import { RE2JS } from "re2js";
import { findInvisibleCharacter, findLoneSurrogate } from "./well-formed-unicode.js";

/*
 * Cloudflare's `matches` runs Rust's `regex` (through regex-automata) with Unicode mode OFF and
 * UTF-8 mode OFF, on the bytes of the value (the open-source engine, wirefilter, configures it so).
 * bot-policy evaluates with re2js, a linear-time port of RE2 that needs neither native code nor
 * `new Function`, so the same matcher runs in Node and in workerd. To give RE2 Rust's byte
 * semantics, the value is matched as a "byte string" (one UTF-16 unit 0x00-0xFF per UTF-8 byte)
 * and the pattern is translated here, piece by piece, into RE2 syntax over that alphabet:
 *
 * - `.`, `[^…]`, `\D`, `\W`, `\S` match one byte, as on Cloudflare (`^.$` does not match `é`).
 * - A literal non-ASCII character, `\x{…}`, `\u…`, `\U…` mean its UTF-8 bytes; `\xHH` is one byte.
 * - `(?i)` folds ASCII letters only (RE2 alone would also match `K` U+212A for `k`).
 * - `\d`, `\w`, `\s`, `\b`, `[[:alpha:]]` are ASCII; Rust's `\s` includes `\x0B`, RE2's does not,
 *   so `\s` becomes `[[:space:]]`.
 * - `(?x)` is applied here (RE2 has no verbose mode): whitespace and `#` comments are dropped
 *   (a comment can only end the pattern, since a newline is refused like every control character).
 * - Every literal is re-emitted as `\x{HH}`, so RE2-only syntax (`\Q…\E`, `\C`, `[[]`) can never
 *   slip through with a meaning Cloudflare does not give it.
 *
 * - `(?u)` turns Unicode mode on (Cloudflare documents `matches "(?u)\p{Hangul}+"`): a pattern that
 *   uses it is matched over the value's code points instead, where `.` and classes read whole
 *   characters, `\d` is `\p{Nd}`, `\s` is White_Space, `(?i)` folds as Unicode says, and `\p{…}`
 *   names a general category, a script or a binary property (resolved loosely, as Rust does).
 *   Outside `(?u)` such a pattern keeps byte meaning: ASCII literals and classes translate exactly,
 *   while what would match part of a character (`.`, `[^…]`, `\D`, `\xE9`) is refused.
 * - `(?R)` (CRLF mode): `.` stops at `\r` too.
 *
 * - A bracketed class outside Unicode mode is computed as a set of bytes, as Rust computes it
 *   (nested classes, `&&`, `--`, `~~`, negation, ASCII folding under `(?i)`), and written out
 *   byte range by byte range: RE2 has no set operations, and never sees a class it could fold.
 *
 * Refused, each with a reason: what Rust rejects in this configuration (look-around,
 * back-references, `\p{…}`, non-ASCII in a class or under `(?i)`, all outside Unicode mode), and
 * what RE2 cannot express or would read differently: `\w` and `\b` in Unicode mode (Rust's word
 * table is not RE2's), `^`/`$` under `(?mR)`, Script_Extensions and other by-value properties
 * (and a Unicode-version gap between the two engines' tables remains), class set operations and
 * nested classes in Unicode mode, `\<`, `\>`, `\b{…}`, counted repetition above 1000,
 * whitespace or `#` in a Unicode-mode class under `(?x)`.
 * Refused so that the printed rule shows what it means: control and invisible format characters
 * (write `\t` or `\x{HH}`), lone surrogates, and `"` followed by 255 `#` (no raw string holds it).
 * Remaining differences, all in what is accepted, never in what matches: Cloudflare limits the
 * compiled size of a regex (its limit is not published); RE2 limits counted repetition to 1000
 * and its nesting; a few forms Rust accepts are refused here (nested repetition such as `a**`).
 *
 * Why re2js: pure JavaScript (no native addon, no code generation, so it runs in workerd),
 * linear-time by construction (RE2's automata, no backtracking), MIT, and actively released; its
 * syntax is the closest to Rust's among such engines, so the translation above stays small.
 */

/** A compiled `matches` pattern: says whether it matches anywhere in a value. */
export type RegexMatcher = (value: string) => boolean;

/** `codepoints`: the pattern uses Unicode mode, so it is matched over the value's code points, not its bytes. */
type Translated = { ok: true; source: string; codepoints: boolean } | { ok: false; reason: string };

/** Compiles a `matches` pattern with Cloudflare's syntax and meaning, or says why it cannot. */
export function compileRegex(pattern: string): { ok: true; matcher: RegexMatcher } | { ok: false; reason: string } {
  const translated = translateRegex(pattern);
  if (!translated.ok) return translated;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translated.source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.replace(/^error parsing regexp: /, "") };
  }
  if (translated.codepoints) return { ok: true, matcher: (value) => compiled.test(value) };
  return { ok: true, matcher: (value) => compiled.test(toByteString(value)) };
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const utf8Encoder = new TextEncoder();

/** One UTF-16 unit per UTF-8 byte: the alphabet the translated pattern is written over. */
function toByteString(value: string): string {
  if (ASCII_ONLY.test(value)) return value;
  const bytes = utf8Encoder.encode(value);
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** RE2 counts at most this many repetitions; Rust allows more (up to its compiled-size limit). */
const MAX_REPEAT = 1000;
const POSIX_CLASSES = new Set([
  "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit",
]);
/** Unicode White_Space, which `(?x)` ignores (Rust's `char::is_whitespace`). */
const WHITE_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_.[\]]*$/;

/** A set of bytes built from inclusive ranges. */
function byteSet(...ranges: Array<[number, number]>): Uint8Array {
  const set = new Uint8Array(256);
  for (const [from, to] of ranges) set.fill(1, from, to + 1);
  return set;
}

/** Rust's ASCII classes (`[[:alpha:]]`…), as byte sets. */
const POSIX_SETS: Readonly<Record<string, Uint8Array>> = {
  alnum: byteSet([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]),
  alpha: byteSet([0x41, 0x5a], [0x61, 0x7a]),
  ascii: byteSet([0x00, 0x7f]),
  blank: byteSet([0x09, 0x09], [0x20, 0x20]),
  cntrl: byteSet([0x00, 0x1f], [0x7f, 0x7f]),
  digit: byteSet([0x30, 0x39]),
  graph: byteSet([0x21, 0x7e]),
  lower: byteSet([0x61, 0x7a]),
  print: byteSet([0x20, 0x7e]),
  punct: byteSet([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]),
  space: byteSet([0x09, 0x0d], [0x20, 0x20]),
  upper: byteSet([0x41, 0x5a]),
  word: byteSet([0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]),
  xdigit: byteSet([0x30, 0x39], [0x41, 0x46], [0x61, 0x66]),
};

/** `\d`, `\w`, `\s` without Unicode mode (ASCII; `\s` includes `\x0B`), and their negations over all bytes. */
const PERL_SETS: Readonly<Record<string, Uint8Array>> = Object.fromEntries(
  (["d", "w", "s"] as const).flatMap((letter) => {
    const set = POSIX_SETS[letter === "d" ? "digit" : letter === "w" ? "word" : "space"] as Uint8Array;
    return [
      [letter, set],
      [letter.toUpperCase(), set.map((member) => 1 - member)],
    ];
  }),
);

function addAll(set: Uint8Array, members: Uint8Array): void {
  members.forEach((member, byte) => {
    if (member === 1) set[byte] = 1;
  });
}

/** Simple case folding without Unicode mode: ASCII letters only. */
function foldAscii(set: Uint8Array): void {
  for (let upper = 0x41; upper <= 0x5a; upper++) {
    if (set[upper] === 1 || set[upper + 0x20] === 1) set[upper] = set[upper + 0x20] = 1;
  }
}

/** A byte set as an RE2 class; already folded, so RE2 must not fold it again (`(?-i:…)`). */
function printByteSet(set: Uint8Array, caseInsensitive: boolean): string {
  let body = "";
  for (let byte = 0; byte < 256; byte++) {
    if (set[byte] !== 1) continue;
    let end = byte;
    while (end + 1 < 256 && set[end + 1] === 1) end++;
    body += end === byte ? hex(byte) : `${hex(byte)}-${hex(end)}`;
    byte = end;
  }
  // An empty class (`[a&&b]`) matches nothing, which RE2 writes as the complement of everything.
  const cls = body === "" ? "[^\\x{00}-\\x{10FFFF}]" : `[${body}]`;
  return caseInsensitive ? `(?-i:${cls})` : cls;
}

/** Unicode White_Space, what `\s` means in Unicode mode (Rust's `perl_space` table), as RE2 class items. */
const UNICODE_WHITE_SPACE = "\\x{09}-\\x{0D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

/**
 * General categories by every name Rust's regex-syntax accepts (UAX #44 aliases, normalized), as
 * RE2 names; `Any`, `Assigned` and `ASCII` are the extra values regex-syntax's `canonical_gencat` adds.
 */
const GENERAL_CATEGORIES: ReadonlyMap<string, string> = new Map(
  (
    [
      ["C", "other"], ["Cc", "control", "cntrl"], ["Cf", "format"], ["Cn", "unassigned"], ["Co", "privateuse"], ["Cs", "surrogate"],
      ["L", "letter"], ["LC", "casedletter"], ["Ll", "lowercaseletter"], ["Lm", "modifierletter"], ["Lo", "otherletter"],
      ["Lt", "titlecaseletter"], ["Lu", "uppercaseletter"], ["M", "mark", "combiningmark"], ["Mc", "spacingmark"],
      ["Me", "enclosingmark"], ["Mn", "nonspacingmark"], ["N", "number"], ["Nd", "decimalnumber", "digit"], ["Nl", "letternumber"],
      ["No", "othernumber"], ["P", "punctuation", "punct"], ["Pc", "connectorpunctuation"], ["Pd", "dashpunctuation"],
      ["Pe", "closepunctuation"], ["Pf", "finalpunctuation"], ["Pi", "initialpunctuation"], ["Po", "otherpunctuation"],
      ["Ps", "openpunctuation"], ["S", "symbol"], ["Sc", "currencysymbol"], ["Sk", "modifiersymbol"], ["Sm", "mathsymbol"],
      ["So", "othersymbol"], ["Z", "separator"], ["Zl", "lineseparator"], ["Zp", "paragraphseparator"], ["Zs", "spaceseparator"],
      ["Any", "any"], ["Assigned", "assigned"], ["ASCII", "ascii"],
    ] as const
  ).flatMap(([name, ...aliases]) => [name.toLowerCase(), ...aliases].map((alias) => [alias, name] as const)),
);

/** UAX #44 loose matching, as regex-syntax's `symbolic_name_normalize`: case, spaces, `_`, `-` and a leading `is` ignored. */
function normalizeName(name: string): string {
  const loose = name.toLowerCase().replace(/[\s_-]/g, "");
  return loose.startsWith("is") && loose.length > 2 ? loose.slice(2) : loose;
}

/**
 * The name of a script (or a binary property such as Alphabetic) as RE2 spells it, when RE2 knows
 * it as written or Title_Cased word by word; Rust accepts any spelling that normalizes the same.
 */
function re2Property(name: string): string | undefined {
  const titled = name.trim().split(/[\s_-]+/).map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()).join("_");
  if (GENERAL_CATEGORIES.has(normalizeName(name))) return undefined;
  for (const candidate of [name.trim(), titled]) {
    if (!/^[A-Za-z_]+$/.test(candidate)) continue;
    try {
      RE2JS.compile(`\\p{${candidate}}`);
      return candidate;
    } catch {
      // Not a script RE2 knows under this spelling.
    }
  }
  return undefined;
}

function hex(byte: number): string {
  return `\\x{${byte.toString(16).toUpperCase().padStart(2, "0")}}`;
}

function describe(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Problems with the pattern's text as such, before its syntax: what a printed rule cannot show. */
function textProblem(pattern: string): string | undefined {
  const lone = findLoneSurrogate(pattern);
  if (lone !== -1) {
    return `it is not well-formed Unicode (a lone surrogate ${describe(pattern.charCodeAt(lone))} at offset ${lone})`;
  }
  const codePoint = findInvisibleCharacter(pattern);
  if (codePoint !== undefined) {
    return `it contains the invisible character ${describe(codePoint)}; write it as an escape such as \\t, \\n or \\x{${codePoint.toString(16).toUpperCase().padStart(2, "0")}}`;
  }
  if (pattern.includes(`"${"#".repeat(255)}`)) {
    return "it contains '\"' followed by 255 '#', which no raw string can hold";
  }
  return undefined;
}

interface Flags {
  caseInsensitive: boolean;
  verbose: boolean;
  /** `(?u)`: Unicode mode, where `.`, classes and `\d`/`\s` read code points. */
  unicode: boolean;
  /** `(?m)`, tracked because CRLF mode changes what `^` and `$` mean under it. */
  multiLine: boolean;
  dotAll: boolean;
  /** `(?R)`: `\\r` ends a line too. */
  crlf: boolean;
}

/** Why a pattern is refused, raised inside the translator and caught by `translateRegex`. */
class Refusal {
  constructor(readonly reason: string) {}
}

/** Raised when a pattern turns Unicode mode on: it is translated again, over code points. */
class NeedsCodepoints {}

/**
 * Translates a Rust `regex` pattern (Unicode off, bytes) into RE2 syntax over byte strings; a
 * pattern that turns Unicode mode on anywhere is translated over code points instead.
 */
function translateRegex(pattern: string): Translated {
  const problem = textProblem(pattern);
  if (problem !== undefined) return { ok: false, reason: problem };
  try {
    try {
      return { ok: true, source: new Translator(pattern, false).translate(), codepoints: false };
    } catch (caught) {
      if (!(caught instanceof NeedsCodepoints)) throw caught;
      return { ok: true, source: new Translator(pattern, true).translate(), codepoints: true };
    }
  } catch (caught) {
    if (caught instanceof Refusal) return { ok: false, reason: caught.reason };
    throw caught;
  }
}

class Translator {
  private i = 0;
  private out = "";
  private flags: Flags = { caseInsensitive: false, verbose: false, unicode: false, multiLine: false, dotAll: false, crlf: false };
  /** Flags to restore when each open group closes. */
  private readonly groups: Flags[] = [];
  private readonly names = new Set<string>();

  /**
   * `codepoints`: the value is matched as code points (the pattern uses `(?u)`), so what Unicode
   * mode leaves off must still mean bytes: a part that could match part of a character is refused.
   */
  constructor(
    private readonly pattern: string,
    private readonly codepoints: boolean,
  ) {}

  /** Outside `(?u)` in a pattern matched over code points: only whole ASCII characters can be expressed. */
  private get bytesOverCodepoints(): boolean {
    return this.codepoints && !this.flags.unicode;
  }

  private refuseByteForm(what: string): never {
    throw new Refusal(`${what} outside Unicode mode matches a single byte, which bot-policy's engine cannot express in a pattern that also uses '(?u)'; put it inside Unicode mode`);
  }

  translate(): string {
    const p = this.pattern;
    for (;;) {
      this.skipVerbose();
      if (this.i >= p.length) break;
      const c = p[this.i] as string;
      switch (c) {
        case "\\":
          this.out += this.escape();
          break;
        case "[":
          this.out += this.characterClass();
          break;
        case "(":
          this.openGroup();
          break;
        case ")":
          if (this.groups.length === 0) throw new Refusal("it has an unopened ')'");
          this.flags = this.groups.pop() as Flags;
          this.out += ")";
          this.i++;
          break;
        case "{":
          this.out += this.countedRepetition();
          break;
        case ".":
          if (this.bytesOverCodepoints) this.refuseByteForm("'.'");
          // CRLF mode: `.` stops at `\r` as well as at `\n` (unless `s`).
          this.out += this.flags.crlf && !this.flags.dotAll ? "[^\\x{0A}\\x{0D}]" : ".";
          this.i++;
          break;
        case "^":
        case "$":
          if (this.flags.crlf && this.flags.multiLine) {
            throw new Refusal(`'${c}' in multi-line CRLF mode '(?mR)' is not supported by bot-policy's engine`);
          }
          this.out += c;
          this.i++;
          break;
        case "|":
        case "*":
        case "+":
        case "?":
          this.out += c;
          this.i++;
          break;
        default:
          this.out += this.literal(this.pattern.codePointAt(this.i) as number);
          this.i += (this.pattern.codePointAt(this.i) as number) > 0xffff ? 2 : 1;
      }
    }
    if (this.groups.length > 0) throw new Refusal("it has an unclosed '('");
    return this.out;
  }

  /** In `(?x)` mode, skips whitespace and `#` comments (up to a newline). */
  private skipVerbose(): void {
    this.i = this.verboseEnd(this.i);
  }

  /** Where the insignificant text from `from` ends: whitespace and comments in `(?x)` mode, nothing otherwise. */
  private verboseEnd(from: number): number {
    if (!this.flags.verbose) return from;
    const p = this.pattern;
    let i = from;
    while (i < p.length) {
      const c = p[i] as string;
      if (WHITE_SPACE.test(c)) {
        i++;
      } else if (c === "#") {
        while (i < p.length && p[i] !== "\n") i++;
      } else {
        break;
      }
    }
    return i;
  }

  /** A literal character outside a class: its UTF-8 bytes, never folded beyond ASCII. */
  private literal(codePoint: number): string {
    if (codePoint < 0x80) {
      const c = String.fromCharCode(codePoint);
      // Over code points RE2 folds `k` with U+212A and `s` with U+017F, which only Unicode mode does.
      if (this.bytesOverCodepoints && this.flags.caseInsensitive && /[ksKS]/.test(c)) return `(?-i:[${c.toLowerCase()}${c.toUpperCase()}])`;
      return /[A-Za-z0-9]/.test(c) ? c : hex(codePoint);
    }
    if (this.flags.unicode) return hex(codePoint);
    if (this.codepoints && !this.flags.caseInsensitive) return hex(codePoint);
    if (this.flags.caseInsensitive) {
      throw new Refusal(`the non-ASCII character ${describe(codePoint)} cannot be matched case-insensitively outside Unicode mode, which Cloudflare's engine leaves off unless the pattern says '(?u)' (use (?-i:…) around it)`);
    }
    const bytes = utf8Encoder.encode(String.fromCodePoint(codePoint));
    return `(?:${Array.from(bytes, hex).join("")})`;
  }

  /** A byte written `\xHH` above 0x7F: one byte, which RE2 must not case-fold as Latin-1. */
  private byte(value: number): string {
    // In Unicode mode `\xHH` is the code point U+00HH.
    if (value < 0x80 || this.flags.unicode) return this.literal(value);
    if (this.codepoints) this.refuseByteForm(`The byte '\\x${value.toString(16).toUpperCase()}'`);
    return this.flags.caseInsensitive ? `(?-i:${hex(value)})` : hex(value);
  }

  /** An escape outside a class, starting at the backslash. */
  private escape(): string {
    const escaped = this.readEscape(false);
    switch (escaped.kind) {
      case "char":
        return this.literal(escaped.value);
      case "byte":
        return this.byte(escaped.value);
      case "raw":
        return escaped.text;
    }
  }

  /**
   * Reads one escape (at the backslash). `char` is a code point, `byte` a `\xHH` byte value, `raw`
   * RE2 text for a class or an assertion.
   */
  private readEscape(inClass: boolean): { kind: "char" | "byte"; value: number } | { kind: "raw"; text: string } {
    const p = this.pattern;
    const start = this.i;
    this.i++;
    if (this.i >= p.length) throw new Refusal("it ends with a lone backslash");
    const codePoint = p.codePointAt(this.i) as number;
    const c = String.fromCodePoint(codePoint);
    this.i += c.length;
    const simple: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };
    if (simple[c] !== undefined) return { kind: "char", value: simple[c] };
    switch (c) {
      case "x":
      case "u":
      case "U":
        return this.hexEscape(c, start);
      case "d":
      case "D":
      case "w":
      case "W":
      case "s":
      case "S":
        return { kind: "raw", text: this.perlClass(c, inClass) };
      case "b":
      case "B":
      case "A":
      case "z":
        if (inClass) throw new Refusal(`'\\${c}' is not allowed inside a character class`);
        if (this.flags.unicode && (c === "b" || c === "B")) {
          throw new Refusal(`'\\${c}' in Unicode mode is a Unicode word boundary, which bot-policy's engine cannot express; write (?-u:\\${c}) for an ASCII one`);
        }
        if (c === "b" && p[this.i] === "{") throw new Refusal("word-boundary forms '\\b{…}' are not supported by bot-policy's engine");
        return { kind: "raw", text: `\\${c}` };
      case "p":
      case "P":
        if (this.flags.unicode) return { kind: "raw", text: this.unicodeClass(c === "P", inClass) };
        throw new Refusal(`Unicode classes ('\\${c}…') need Unicode mode, which Cloudflare's engine leaves off: write '(?u)' before them`);
      case "<":
      case ">":
        throw new Refusal(`'\\${c}' (a word boundary) is not supported by bot-policy's engine; use '\\b'`);
    }
    if (/[0-9]/.test(c)) throw new Refusal(`back-references and octal escapes ('\\${c}') are not supported`);
    if (/[A-Za-z]/.test(c)) throw new Refusal(`'\\${c}' is not a known escape`);
    if (codePoint >= 0x80) throw new Refusal(`only ASCII punctuation can be escaped, not ${describe(codePoint)}`);
    // Rust lets a backslash escape any ASCII character that is not a letter or a digit.
    return { kind: "char", value: codePoint };
  }

  /** `\d`, `\w`, `\s` and their negations: ASCII, or Unicode in Unicode mode (as Rust's tables say). */
  private perlClass(letter: string, inClass: boolean): string {
    const negated = letter === letter.toUpperCase();
    if (!this.flags.unicode) {
      if (negated && this.codepoints) this.refuseByteForm(`'\\${letter}'`);
      // Rust's ASCII `\s` includes `\x0B`, RE2's does not: `[[:space:]]` does.
      if (letter === "s" || letter === "S") return `${inClass ? "" : "["}[:${negated ? "^" : ""}space:]${inClass ? "" : "]"}`;
      return `\\${letter}`;
    }
    switch (letter.toLowerCase()) {
      case "d":
        return negated ? "\\P{Nd}" : "\\p{Nd}";
      case "s":
        if (!negated) return inClass ? UNICODE_WHITE_SPACE : `[${UNICODE_WHITE_SPACE}]`;
        if (inClass) throw new Refusal("'\\S' inside a class in Unicode mode is not supported by bot-policy's engine; write the class with '^' and '\\s'");
        return `[^${UNICODE_WHITE_SPACE}]`;
      default:
        throw new Refusal(`'\\${letter}' in Unicode mode means Unicode word characters, which bot-policy's engine cannot express exactly; write (?-u:\\${letter}) for ASCII, or a class such as [\\p{L}\\p{Nd}_]`);
    }
  }

  /**
   * `\pX`, `\p{…}` (after the `p`): a general category or a script, resolved as Rust resolves a
   * name (case, spaces, `_` and `-` ignored; `gc=`/`sc=` forms), as RE2 text.
   */
  private unicodeClass(negatedLetter: boolean, inClass: boolean): string {
    const p = this.pattern;
    let body: string;
    if (p[this.i] === "{") {
      const close = p.indexOf("}", this.i);
      if (close === -1) throw new Refusal("a Unicode class '\\p{' has no closing '}'");
      body = p.slice(this.i + 1, close);
      this.i = close + 1;
    } else {
      if (this.i >= p.length) throw new Refusal("'\\p' needs a class name");
      body = String.fromCodePoint(p.codePointAt(this.i) as number);
      this.i += body.length;
    }
    const byValue = /^([^=:!]*)(!=|=|:)(.*)$/.exec(body);
    const negated = negatedLetter !== (byValue?.[2] === "!=");
    const property = byValue === null ? undefined : normalizeName(byValue[1] as string);
    const value = normalizeName(byValue === null ? body : (byValue[3] as string));
    let name: string | undefined;
    if (property === undefined) {
      name = GENERAL_CATEGORIES.get(value) ?? re2Property(body);
    } else if (property === "gc" || property === "generalcategory") {
      name = GENERAL_CATEGORIES.get(value);
    } else if (property === "sc" || property === "script") {
      name = re2Property((byValue?.[3] as string).trim());
    } else {
      throw new Refusal(`the Unicode property '${byValue?.[1]}' is not supported by bot-policy's engine (only general categories and scripts are)`);
    }
    if (name === undefined) {
      throw new Refusal(`'\\p{${body}}' is not a general category or script bot-policy's engine knows (write a script as Unicode spells it, e.g. Old_Italic)`);
    }
    if (name === "ASCII") {
      if (!negated) return inClass ? "\\x{00}-\\x{7F}" : "[\\x{00}-\\x{7F}]";
      if (inClass) throw new Refusal("'\\P{ASCII}' inside a class is not supported by bot-policy's engine");
      return "[^\\x{00}-\\x{7F}]";
    }
    return `\\${negated ? "P" : "p"}{${name}}`;
  }

  /** `\xHH`, `\x{…}`, `\uHHHH`, `\u{…}`, `\UHHHHHHHH`, `\U{…}`; only `\xHH` denotes a byte. */
  private hexEscape(letter: string, start: number): { kind: "char" | "byte"; value: number } {
    const p = this.pattern;
    let digits: string;
    if (p[this.i] === "{") {
      const close = p.indexOf("}", this.i);
      if (close === -1) throw new Refusal(`the escape '${p.slice(start, this.i + 1)}' has no closing '}'`);
      digits = p.slice(this.i + 1, close);
      this.i = close + 1;
    } else {
      const width = letter === "x" ? 2 : letter === "u" ? 4 : 8;
      digits = p.slice(this.i, this.i + width);
      if (digits.length !== width) digits = "";
      this.i += width;
      if (letter === "x" && /^[0-9A-Fa-f]{2}$/.test(digits)) return { kind: "byte", value: parseInt(digits, 16) };
    }
    const value = /^[0-9A-Fa-f]{1,8}$/.test(digits) ? parseInt(digits, 16) : NaN;
    if (!(value <= 0x10ffff) || (value >= 0xd800 && value <= 0xdfff)) {
      throw new Refusal(`'${p.slice(start, Math.min(this.i, p.length))}' is not a valid Unicode scalar value escape`);
    }
    return { kind: "char", value };
  }

  /** `{n}`, `{n,}`, `{n,m}`, checked as Rust does (a `{` is always a repetition there). */
  private countedRepetition(): string {
    const p = this.pattern;
    const close = p.indexOf("}", this.i);
    const body = close === -1 ? "" : p.slice(this.i + 1, close);
    const text = this.flags.verbose ? body.replace(/\s/g, "") : body;
    const match = /^(\d+)(,(\d*))?$/.exec(text);
    if (match === null) {
      throw new Refusal("a '{' must start a counted repetition such as {2}, {2,} or {2,5}; write '\\{' for a literal brace");
    }
    const min = Number(match[1]);
    const max = match[3] === undefined ? min : match[3] === "" ? undefined : Number(match[3]);
    if (min > MAX_REPEAT || (max !== undefined && max > MAX_REPEAT)) {
      throw new Refusal(`counted repetition is limited to ${MAX_REPEAT} in bot-policy's engine`);
    }
    if (max !== undefined && max < min) throw new Refusal(`the repetition '{${text}}' has its bounds reversed`);
    this.i = close + 1;
    return `{${min}${match[2] === undefined ? "" : `,${max ?? ""}`}}`;
  }

  private openGroup(): void {
    const p = this.pattern;
    const saved = { ...this.flags };
    if (p[this.i + 1] !== "?") {
      this.i++;
      this.groups.push(saved);
      this.out += "(";
      return;
    }
    const rest = p.slice(this.i + 2);
    if (/^(=|!|<=|<!)/.test(rest)) throw new Refusal("look-around assertions are not supported");
    if (/^P[=>]/.test(rest)) throw new Refusal("back-references are not supported");
    const named = /^(P?<)([^>]*)>/.exec(rest);
    if (named !== null || rest.startsWith("P<") || rest.startsWith("<")) {
      if (named === null) throw new Refusal("a capture group name has no closing '>'");
      const name = named[2] as string;
      if (!CAPTURE_NAME.test(name)) throw new Refusal(`'${name}' is not a valid capture group name`);
      if (this.names.has(name)) throw new Refusal(`the capture group name '${name}' is used twice`);
      this.names.add(name);
      this.i += 2 + named[0].length;
      this.groups.push(saved);
      this.out += "(";
      return;
    }
    const flagText = /^[^):]*/.exec(rest)?.[0] ?? "";
    const end = rest[flagText.length];
    if (end === undefined) throw new Refusal("it has an unclosed '(?'");
    const kept = end === ":" && flagText === "" ? "" : this.applyFlags(flagText);
    this.i += 2 + flagText.length + 1;
    if (end === ":") {
      this.groups.push(saved);
      this.out += kept === "" ? "(?:" : `(?${kept}:`;
    } else if (kept !== "") {
      this.out += `(?${kept})`;
    }
  }

  /** Applies `(?flags)` to the current flags; returns the flags RE2 should see (without `x`). */
  private applyFlags(text: string): string {
    if (text === "") throw new Refusal("an empty flag group '(?)' is not allowed");
    let negate = false;
    let kept = "";
    const seen = new Set<string>();
    for (const c of text) {
      if (c === "-") {
        if (negate) throw new Refusal(`the flag group '(?${text})' has more than one '-'`);
        negate = true;
        kept += "-";
        continue;
      }
      if (seen.has(c)) throw new Refusal(`the flag '${c}' is repeated in '(?${text})'`);
      seen.add(c);
      switch (c) {
        case "i":
          this.flags.caseInsensitive = !negate;
          kept += c;
          break;
        case "m":
          this.flags.multiLine = !negate;
          kept += c;
          break;
        case "s":
          this.flags.dotAll = !negate;
          kept += c;
          break;
        case "U":
          kept += c;
          break;
        case "x":
          this.flags.verbose = !negate;
          break;
        case "u":
          if (!negate && !this.codepoints) throw new NeedsCodepoints();
          this.flags.unicode = !negate;
          break;
        case "R":
          this.flags.crlf = !negate;
          break;
        default:
          throw new Refusal(`unknown flag '${c}' (Cloudflare's engine knows i, m, s, U, u, x, R)`);
      }
    }
    if (text.endsWith("-")) throw new Refusal(`the flag group '(?${text})' ends with '-'`);
    // `(?-x)` keeps only the `-`: nothing for RE2 to do.
    return kept.replace(/-$/, "").replace(/^-$/, "");
  }

  /**
   * A bracketed class. Outside Unicode mode it is a set of bytes, computed here as Rust computes it
   * (nested classes, `&&`, `--`, `~~`, negation, ASCII case folding) and written out byte by byte;
   * in Unicode mode it is translated item by item, refusing what RE2 would read differently.
   */
  private characterClass(): string {
    if (!this.flags.unicode) {
      const set = this.byteClass();
      if (this.codepoints && set.subarray(0x80).some((member) => member === 1)) this.refuseByteForm("A class that can match a byte above \\x7F");
      return printByteSet(set, this.flags.caseInsensitive);
    }
    const p = this.pattern;
    this.i++;
    let out = "[";
    if (p[this.i] === "^") {
      out += "^";
      this.i++;
    }
    let first = true;
    for (;;) {
      if (this.i >= p.length) throw new Refusal("it has an unclosed '['");
      const c = p[this.i] as string;
      if (c === "]" && !first) {
        this.i++;
        return `${out}]`;
      }
      first = false;
      if (c === "[") {
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        if (posix === null || !POSIX_CLASSES.has(posix[2] as string)) {
          throw new Refusal("nested character classes in Unicode mode are not supported by bot-policy's engine (escape '[' as '\\[')");
        }
        out += posix[0];
        this.i += posix[0].length;
        continue;
      }
      const two = p.slice(this.i, this.i + 2);
      if (two === "&&" || two === "--" || two === "~~") {
        throw new Refusal(`class set operations ('${two}') in Unicode mode are not supported by bot-policy's engine`);
      }
      if (this.flags.verbose && (WHITE_SPACE.test(c) || c === "#")) {
        throw new Refusal("whitespace and '#' inside a class are ambiguous in verbose mode (?x); escape them");
      }
      const low = this.classItem();
      if (low.kind === "raw") {
        out += low.text;
        continue;
      }
      if (p[this.i] === "-" && p[this.i + 1] !== "]" && this.i + 1 < p.length) {
        this.i++;
        const high = this.classItem();
        if (high.kind === "raw") throw new Refusal("a class range cannot end in a class such as '\\d'");
        if (high.value < low.value) throw new Refusal("a class range has its bounds reversed");
        out += `${hex(low.value)}-${hex(high.value)}`;
      } else {
        out += hex(low.value);
      }
    }
  }

  /** One member of a class in Unicode mode: a code point, or RE2 text for `\d`, `\p{…}`… */
  private classItem(): { kind: "value"; value: number } | { kind: "raw"; text: string } {
    const p = this.pattern;
    if (p[this.i] === "\\") {
      const escaped = this.readEscape(true);
      // In Unicode mode a class holds code points, `\xHH` included.
      return escaped.kind === "raw" ? escaped : { kind: "value", value: escaped.value };
    }
    const value = p.codePointAt(this.i) as number;
    this.i += value > 0xffff ? 2 : 1;
    return { kind: "value", value };
  }

  /** A bracketed class outside Unicode mode, at its '[': the set of bytes it matches. */
  private byteClass(): Uint8Array {
    const p = this.pattern;
    this.i++;
    const negated = p[this.i] === "^";
    if (negated) this.i++;
    // Rust's precedence: ranges, then union, then `&&`/`--`/`~~` left to right, then negation.
    let set = this.byteUnion(true);
    for (;;) {
      if (this.i >= p.length) throw new Refusal("it has an unclosed '['");
      if (p[this.i] === "]") break;
      const operator = p.slice(this.i, this.i + 2);
      this.i += 2;
      const right = this.byteUnion(false);
      set = set.map((member, byte) => {
        const other = right[byte] as number;
        return operator === "&&" ? member & other : operator === "--" ? member & (1 - other) : member ^ other;
      });
    }
    this.i++;
    // Each bracket folds its own members (ASCII only, as without Unicode mode) before its negation.
    if (this.flags.caseInsensitive) foldAscii(set);
    return negated ? set.map((member) => 1 - member) : set;
  }

  /** Class members up to the class's ']' or a set operator; `first`: a ']' here is a literal. */
  private byteUnion(first: boolean): Uint8Array {
    const p = this.pattern;
    const set = new Uint8Array(256);
    for (let atStart = first; ; atStart = false) {
      this.skipVerbose();
      if (this.i >= p.length) throw new Refusal("it has an unclosed '['");
      const c = p[this.i] as string;
      const two = p.slice(this.i, this.i + 2);
      if ((c === "]" && !atStart) || two === "&&" || two === "--" || two === "~~") return set;
      if (c === "[") {
        // `[:alpha:]` names an ASCII class; any other '[' opens a nested class (as in Rust).
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        const members = posix === null ? undefined : POSIX_SETS[posix[2] as string];
        if (posix !== null && members !== undefined) {
          this.i += posix[0].length;
          addAll(set, posix[1] === "^" ? members.map((member) => 1 - member) : members);
        } else {
          addAll(set, this.byteClass());
        }
        continue;
      }
      const low = this.byteAtom();
      if (low instanceof Uint8Array) {
        addAll(set, low);
        continue;
      }
      // In verbose mode whitespace is insignificant around '-' too (Rust's bump_space/peek_space).
      this.skipVerbose();
      const afterDash = this.verboseEnd(this.i + 1);
      if (p[this.i] === "-" && p[afterDash] !== "]" && p[afterDash] !== "-" && afterDash < p.length) {
        this.i = afterDash;
        const high = this.byteAtom();
        if (high instanceof Uint8Array) throw new Refusal("a class range cannot end in a class such as '\\d'");
        if (high < low) throw new Refusal("a class range has its bounds reversed");
        set.fill(1, low, high + 1);
      } else {
        set[low] = 1;
      }
    }
  }

  /** One member of a byte class: a byte value, or the set of `\d`, `\w`, `\s` and their negations. */
  private byteAtom(): number | Uint8Array {
    const p = this.pattern;
    if (p[this.i] === "\\") {
      const perl = PERL_SETS[p[this.i + 1] as string];
      if (perl !== undefined) {
        this.i += 2;
        return perl;
      }
      const escaped = this.readEscape(true);
      if (escaped.kind === "raw") throw new Refusal(`'${escaped.text}' is not supported inside a class`);
      if (escaped.value >= 0x80 && escaped.kind !== "byte") {
        throw new Refusal(`a character class cannot hold the non-ASCII character ${describe(escaped.value)} outside Unicode mode (use an alternation, or '(?u)')`);
      }
      return escaped.value;
    }
    const value = p.codePointAt(this.i) as number;
    this.i += value > 0xffff ? 2 : 1;
    if (value >= 0x80) {
      throw new Refusal(`a character class cannot hold the non-ASCII character ${describe(value)} outside Unicode mode (use an alternation, or '(?u)')`);
    }
    return value;
  }
}

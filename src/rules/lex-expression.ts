import { parseCidr, parseIpAddress } from "./ip-address.js";
import type { RulesError } from "./rules-error.js";
import { findLoneSurrogate } from "./well-formed-unicode.js";

/**
 * The lexer is context-free, unlike the engine's (which lexes a value according to the field's
 * type): a value token is classified by its shape (`1..29`, `10`, `0.5`, `192.0.2.1`, `::1/64`),
 * which is unambiguous for every literal that bot-policy supports.
 */

/** A literal value as lexed, before the parser decides whether it is allowed where it stands. */
export type ValueToken =
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "int_range"; from: number; to: number }
  | { type: "ip"; value: string }
  | { type: "cidr"; value: string };

/** Punctuation and C-like operators. */
export type SymbolText =
  | "("
  | ")"
  | "{"
  | "}"
  | "["
  | "]"
  | ","
  | "*"
  | "=="
  | "!="
  | "<="
  | ">="
  | "<"
  | ">"
  | "~"
  | "!"
  | "&&"
  | "||"
  | "^^";

/** One token of an expression, with its character offsets. */
export type Token = { start: number; end: number } & (
  | { kind: "word"; text: string }
  | { kind: "symbol"; text: SymbolText }
  | { kind: "string"; value: string }
  | { kind: "value"; text: string; value: ValueToken }
  | { kind: "list"; name: string }
  | { kind: "eof" }
);

/** Splits an expression into tokens, or reports the first lexical error. */
export function lexExpression(
  text: string,
): { ok: true; tokens: Token[] } | { ok: false; error: RulesError } {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, start: number, end: number) =>
    ({ ok: false, error: { message, start, end } }) as const;

  while (i < text.length) {
    const c = text.charCodeAt(i);
    // Only space, CR and LF separate tokens in the engine; a TAB is rejected outright.
    if (c === 0x20 || c === 0x0d || c === 0x0a) {
      i++;
      continue;
    }
    if (c === 0x09) {
      return fail("A tab character is not allowed in an expression; use spaces.", i, i + 1);
    }
    const start = i;
    const ch = text[i] as string;
    const next = text[i + 1];

    if (ch === '"') {
      // The engine reads the value of `matches`/`~` as a regex literal, with regex escaping rules.
      const previous = tokens[tokens.length - 1];
      const isRegex =
        (previous?.kind === "word" && previous.text === "matches") || (previous?.kind === "symbol" && previous.text === "~");
      const lexed = isRegex ? lexRegexLiteral(text, i) : lexQuotedString(text, i);
      if (!lexed.ok) return lexed;
      tokens.push({ kind: "string", value: lexed.value, start, end: lexed.end });
      i = lexed.end;
      continue;
    }
    if (ch === "r" && (next === '"' || next === "#")) {
      const lexed = lexRawString(text, i);
      if (!lexed.ok) return lexed;
      tokens.push({ kind: "string", value: lexed.value, start, end: lexed.end });
      i = lexed.end;
      continue;
    }
    if (ch === "$") {
      let j = i + 1;
      while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
      if (j === i + 1) return fail("Expected a list name after '$'.", i, i + 1);
      tokens.push({ kind: "list", name: text.slice(i + 1, j), start, end: j });
      i = j;
      continue;
    }
    if (isValueStart(c) || (c === 0x2d && next !== undefined && isDigit(next.charCodeAt(0)))) {
      const end = valueRunEnd(text, c === 0x2d ? i + 1 : i);
      const run = text.slice(i, end);
      if (isLetter(c) && !run.includes(":")) {
        let j = i;
        while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
        tokens.push({ kind: "word", text: text.slice(i, j), start, end: j });
        i = j;
        continue;
      }
      const value = classifyValue(run, start);
      if (!value.ok) return value;
      tokens.push({ kind: "value", text: run, value: value.value, start, end });
      i = end;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "<=" || two === ">=" || two === "&&" || two === "||" || two === "^^") {
      tokens.push({ kind: "symbol", text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if ("(){}[],*<>~!".includes(ch)) {
      tokens.push({ kind: "symbol", text: ch as SymbolText, start, end: i + 1 });
      i++;
      continue;
    }
    if (ch === "=") return fail("Unexpected '='; write 'eq' or '=='.", i, i + 1);
    if (ch === "&") return fail("Unexpected '&'; write 'and' or '&&' (bitwise '&' is not supported).", i, i + 1);
    if (ch === "|") return fail("Unexpected '|'; write 'or' or '||'.", i, i + 1);
    if (ch === "^") return fail("Unexpected '^'; write 'xor' or '^^'.", i, i + 1);
    if (ch === "'") return fail("Strings are written in double quotes, not single quotes.", i, i + 1);
    const codePoint = text.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    return fail(`Unexpected character ${describeCharacter(codePoint)}.`, i, i + width);
  }
  tokens.push({ kind: "eof", start: text.length, end: text.length });
  return { ok: true, tokens };
}

function describeCharacter(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  return codePoint >= 0x21 && codePoint <= 0x7e ? `'${String.fromCodePoint(codePoint)}'` : hex;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 0x2e;
}

function isValueStart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 0x3a;
}

/** End of a run of characters that may form a name or a value (numbers, ranges, IPs, CIDRs). */
function valueRunEnd(text: string, from: number): number {
  let j = from;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (isNameChar(c) || c === 0x3a || c === 0x2f) {
      j++;
    } else if (c === 0x2d && j >= 2 && text.slice(j - 2, j) === "..") {
      // The upper bound of a range may be negative: `-20..-10`.
      j++;
    } else {
      break;
    }
  }
  return j;
}

type Lexed<T> = { ok: true; value: T } | { ok: false; error: RulesError };

function classifyValue(run: string, start: number): Lexed<ValueToken> {
  const end = start + run.length;
  const fail = (message: string): Lexed<ValueToken> => ({ ok: false, error: { message, start, end } });
  const dots = run.indexOf("..");
  if (dots !== -1) {
    const fromText = run.slice(0, dots);
    const toText = run.slice(dots + 2);
    if (fromText.includes(".") || fromText.includes(":") || toText.includes(".") || toText.includes(":")) {
      return fail(`'${run}' is not supported: IP ranges must be written as CIDRs (e.g. '192.0.2.0/24').`);
    }
    const from = parseInteger(fromText);
    if (typeof from === "string") return fail(from);
    const to = parseInteger(toText);
    if (typeof to === "string") return fail(to);
    if (from > to) return fail(`The range '${run}' starts after it ends.`);
    return { ok: true, value: { type: "int_range", from, to } };
  }
  if (run.includes(":") || /^\d+\.\d+\.\d+\.\d+(\/.*)?$/.test(run)) {
    if (run.includes("/")) {
      const cidr = parseCidr(run);
      if (!cidr.ok) return fail(`Invalid CIDR: ${cidr.reason}.`);
      return { ok: true, value: { type: "cidr", value: run } };
    }
    if (parseIpAddress(run) === undefined) return fail(`'${run}' is not a valid IP address.`);
    return { ok: true, value: { type: "ip", value: run } };
  }
  if (run.includes(".")) {
    if (!/^-?\d+\.\d+$/.test(run)) return fail(`'${run}' is not a valid number.`);
    return { ok: true, value: { type: "float", value: Number(run) } };
  }
  const value = parseInteger(run);
  if (typeof value === "string") return fail(value);
  return { ok: true, value: { type: "int", value } };
}

/**
 * Parses an integer as the engine does: `0x` is hex, a leading `0` is octal (`010` is 8), and a
 * negative number is always decimal. Returns an error message when it cannot.
 */
function parseInteger(text: string): number | string {
  let big: bigint;
  if (text.startsWith("0x")) {
    if (!/^0x[0-9a-fA-F]+$/.test(text)) return `'${text}' is not a valid hexadecimal integer.`;
    big = BigInt(text);
  } else if (text.startsWith("0")) {
    if (!/^[0-7]+$/.test(text)) {
      return `'${text}' is not a valid integer: a leading 0 makes it octal (digits 0-7 only).`;
    }
    big = BigInt(`0o${text}`);
  } else if (/^-?\d+$/.test(text)) {
    big = BigInt(text);
  } else {
    return `'${text}' is not a valid value.`;
  }
  // The engine's integers are 64-bit; JavaScript numbers are exact only to 2^53.
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    return `The integer '${text}' is out of range (at most 2^53-1 in magnitude).`;
  }
  return Number(big);
}

const utf8Encoder = new TextEncoder();
// ignoreBOM spelled out (its default): the Workers types require it, and this module runs in the Worker too.
const strictUtf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function lexQuotedString(text: string, start: number): { ok: true; value: string; end: number } | { ok: false; error: RulesError } {
  const fail = (message: string, from: number, to: number) =>
    ({ ok: false, error: { message, start: from, end: to } }) as const;
  const unterminated = () => fail("This string has no closing '\"'.", start, text.length);
  let i = start + 1;
  let plainFrom = i;
  // Escapes produce bytes, so the value is assembled as bytes and decoded once, at the end.
  let bytes: number[] | undefined;
  const flushPlain = (to: number) => {
    if (bytes !== undefined && to > plainFrom) {
      for (const b of utf8Encoder.encode(text.slice(plainFrom, to))) bytes.push(b);
    }
  };
  for (;;) {
    if (i >= text.length) return unterminated();
    const c = text[i];
    if (c === '"') break;
    if (c !== "\\") {
      i++;
      continue;
    }
    if (bytes === undefined) bytes = [];
    flushPlain(i);
    const escaped = text[i + 1];
    if (escaped === undefined) return unterminated();
    if (escaped === '"' || escaped === "\\") {
      bytes.push(escaped.charCodeAt(0));
      i += 2;
    } else if (escaped === "x") {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        return fail("'\\x' must be followed by two hexadecimal digits.", i, Math.min(i + 4, text.length));
      }
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (escaped >= "0" && escaped <= "7") {
      const octal = text.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(octal) || parseInt(octal, 8) > 255) {
        return fail("An octal escape needs exactly three digits from '\\000' to '\\377'.", i, Math.min(i + 4, text.length));
      }
      bytes.push(parseInt(octal, 8));
      i += 4;
    } else {
      const width = (text.codePointAt(i + 1) as number) > 0xffff ? 2 : 1;
      const shown = text.slice(i, i + 1 + width);
      return fail(
        `Invalid escape '${shown}': only '\\"', '\\\\', '\\xHH' and '\\OOO' are allowed (write a newline as '\\x0A').`,
        i,
        i + 1 + width,
      );
    }
    plainFrom = i;
  }
  const end = i + 1;
  const lone = findLoneSurrogate(text, start + 1, i);
  if (lone !== -1) return fail(LONE_SURROGATE, lone, lone + 1);
  if (bytes === undefined) return { ok: true, value: text.slice(start + 1, i), end };
  flushPlain(i);
  try {
    return { ok: true, value: strictUtf8Decoder.decode(new Uint8Array(bytes)), end };
  } catch {
    // The engine would keep the raw bytes; bot-policy's values are text, so it cannot mean the same.
    return fail(
      "This string's escaped bytes are not valid UTF-8: Cloudflare would compare raw bytes, which bot-policy cannot represent; escape whole UTF-8 sequences (e.g. '\\xC3\\xA9' for 'é').",
      start,
      end,
    );
  }
}

const LONE_SURROGATE = "This string is not well-formed Unicode (a lone surrogate); Cloudflare could never receive it.";

/**
 * A quoted string on the right of `matches`/`~`, read as the engine reads it: every backslash is
 * kept for the regex, except that `\"` outside a bracketed class stands for `"`; a `"` inside a
 * class does not end the literal. The class tracking is the engine's own (a `[` opens, the next
 * unescaped `]` closes, with no nesting), so `"[[:alpha:]"]"` ends where the engine ends it.
 */
function lexRegexLiteral(text: string, start: number): { ok: true; value: string; end: number } | { ok: false; error: RulesError } {
  let value = "";
  let inClass = false;
  let i = start + 1;
  for (;;) {
    if (i >= text.length) {
      return { ok: false, error: { message: "This regular expression has no closing '\"'.", start, end: text.length } };
    }
    const c = text[i] as string;
    if (c === "\\") {
      const escaped = text[i + 1];
      if (escaped !== undefined) {
        value += inClass || escaped !== '"' ? `\\${escaped}` : '"';
      }
      i += 2;
      continue;
    }
    if (c === '"' && !inClass) break;
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    value += c;
    i++;
  }
  const lone = findLoneSurrogate(value);
  if (lone !== -1) return { ok: false, error: { message: LONE_SURROGATE, start, end: i + 1 } };
  return { ok: true, value, end: i + 1 };
}

function lexRawString(text: string, start: number): { ok: true; value: string; end: number } | { ok: false; error: RulesError } {
  let i = start + 1;
  while (text[i] === "#") i++;
  const hashes = i - start - 1;
  if (hashes > 255) {
    return { ok: false, error: { message: "A raw string may use at most 255 '#'.", start, end: i } };
  }
  if (text[i] !== '"') {
    return { ok: false, error: { message: "Expected '\"' to open the raw string.", start, end: i } };
  }
  const terminator = `"${"#".repeat(hashes)}`;
  const close = text.indexOf(terminator, i + 1);
  if (close === -1) {
    return {
      ok: false,
      error: { message: `This raw string has no closing '${terminator}'.`, start, end: text.length },
    };
  }
  const lone = findLoneSurrogate(text, i + 1, close);
  if (lone !== -1) return { ok: false, error: { message: LONE_SURROGATE, start: lone, end: lone + 1 } };
  return { ok: true, value: text.slice(i + 1, close), end: close + terminator.length };
}

import type { Expr, Literal, SetItem } from "./ast.js";
import { ipv4Form, parseCidr, parseIpAddress } from "./ip-address.js";
import { FUNCTION_NAMES } from "./parse-expression.js";
import { findInvisibleCharacter, findLoneSurrogate } from "./well-formed-unicode.js";

/*
 * Canonical form (what Cloudflare receives, and what `parseExpression` reads back to the same AST):
 * - English operators, single spaces: `cf.bot_management.score lt 30`, `x strict wildcard "a*"`.
 * - Atoms (fields, function calls, literals) are never parenthesised.
 * - Every other operand of `and`/`xor`/`or`/`not` is parenthesised, so precedence never matters:
 *   `(cf.bot_management.score lt 30) and (not cf.bot_management.verified_bot)`,
 *   `not (http.host eq "a")`, `(a and b) or c` (a nested logical node keeps its parentheses).
 * - Sets are `{"a" "b"}`, `{1..29 99}`, `{192.0.2.0/24 2001:db8::/32}`; arguments are `f(a, b)`.
 * - Strings are quoted; `"` and `\` are escaped and every byte outside printable ASCII (0x20-0x7E)
 *   is written `\xHH`, so no value can end the literal or carry a tab or newline.
 * - A `matches` pattern is a raw string, `r"…"` or `r#"…"#` with just enough `#` that no `"#…` in
 *   the pattern can end it: the engine reads a raw string byte for byte in every context, whereas a
 *   quoted string on the right of `matches` follows regex escaping rules of its own (wirefilter's
 *   regex literal), so `"\\.php"` there is not `\.php`. A raw string has no escapes, so the pattern
 *   is carried as written: printable non-ASCII characters as UTF-8 (the engine's regex is UTF-8
 *   text); control and invisible characters cannot appear, because `compileRegex` refuses them
 *   (the user writes `\t` or `\x{HH}`, which the regex engine reads with the same meaning).
 * - A string that is not well-formed Unicode (a lone surrogate) has no UTF-8 form: printing throws.
 * - Integers in decimal without leading zeros; floats always with a `.` (`1.0`, `0.05`).
 * An AST that cannot be printed safely (bad field name, invalid IP, empty set…) throws: that is a
 * bug in the code that built it, and printing something else would change the rule's meaning.
 */

const KEYWORDS = new Set([
  "and", "or", "xor", "not", "in", "strict", "eq", "ne", "lt", "le", "gt", "ge", "contains", "matches", "wildcard",
  "true", "false",
]);
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
const LIST_NAME = /^[A-Za-z0-9_.]+$/;
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const utf8Encoder = new TextEncoder();
const HEX = "0123456789ABCDEF";

/** Prints an expression in the canonical, fully parenthesised form described above. */
export function printExpression(expr: Expr): string {
  return print(expr);
}

/** Prints a string as a quoted literal that is injection-proof and free of tabs and newlines. */
export function printString(value: string): string {
  if (PLAIN_STRING.test(value)) return `"${value}"`;
  requireWellFormed(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c <= 0x7e) out += value[i];
    else {
      // A surrogate pair is one code point: encode both halves together.
      const isPair = c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      const chunk = isPair ? value.slice(i, i + 2) : value[i];
      if (isPair) i++;
      for (const byte of utf8Encoder.encode(chunk)) out += `\\x${HEX[byte >> 4]}${HEX[byte & 15]}`;
    }
  }
  return `${out}"`;
}

/**
 * Prints a `matches` pattern as a raw string that the engine reads back as exactly `pattern`.
 * Throws for a pattern no raw string can carry visibly (what `compileRegex` refuses).
 */
export function printRegex(pattern: string): string {
  requireWellFormed(pattern);
  if (findInvisibleCharacter(pattern) !== undefined) throw new Error(`Cannot print the regex ${JSON.stringify(pattern)}: it contains a control or invisible character.`);
  let hashes = 0;
  // With n '#', the literal ends at the first '"' followed by n '#': use one more than any run in the pattern.
  for (const run of pattern.matchAll(/"(#*)/g)) hashes = Math.max(hashes, (run[1] as string).length + 1);
  if (hashes > 255) throw new Error("Cannot print a regex containing '\"' followed by 255 '#'.");
  const fence = "#".repeat(hashes);
  return `r${fence}"${pattern}"${fence}`;
}

function requireWellFormed(value: string): void {
  const lone = findLoneSurrogate(value);
  if (lone !== -1) {
    throw new Error(`Cannot print a string with a lone surrogate (U+${value.charCodeAt(lone).toString(16).toUpperCase()} at offset ${lone}): it has no UTF-8 form.`);
  }
}

/** Prints one literal (string, integer, float or IP address). */
export function printLiteral(literal: Literal): string {
  switch (literal.type) {
    case "string":
      return printString(literal.value);
    case "int":
      return printInteger(literal.value);
    case "float":
      return printFloat(literal.value);
    case "ip":
      if (parseIpAddress(literal.value) === undefined) throw new Error(`Cannot print invalid IP address '${literal.value}'.`);
      return literal.value;
  }
}

/** Prints one set item exactly as it appears between `{` and `}` (its length is what a set costs). */
export function printSetItem(item: SetItem): string {
  switch (item.type) {
    case "string":
      return printString(item.value);
    case "int":
      return printInteger(item.value);
    case "int_range":
      if (item.from > item.to) throw new Error(`Cannot print range ${item.from}..${item.to}: it starts after it ends.`);
      return `${printInteger(item.from)}..${printInteger(item.to)}`;
    // A large IP set is mostly IPv4, read without allocating; the full parsers judge the rest.
    case "ip":
      if (ipv4Form(item.value) !== "ip" && parseIpAddress(item.value) === undefined) throw new Error(`Cannot print invalid IP address '${item.value}'.`);
      return item.value;
    case "cidr": {
      if (ipv4Form(item.value) === "cidr") return item.value;
      const cidr = parseCidr(item.value);
      if (!cidr.ok) throw new Error(`Cannot print invalid CIDR: ${cidr.reason}.`);
      return item.value;
    }
  }
}

function printInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Cannot print ${value} as an integer literal.`);
  // `String` never writes leading zeros (which the engine would read as octal); `-0` prints "0".
  return String(value === 0 ? 0 : value);
}

/** Plain decimal notation with a `.`: the engine's float lexer knows neither exponents nor `Infinity`. */
function printFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Cannot print ${value} as a float literal.`);
  const text = String(value === 0 ? 0 : value);
  const exponent = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exponent === null) return text.includes(".") ? text : `${text}.0`;
  const [, sign, whole = "", fraction = "", power = "0"] = exponent;
  const digits = whole + fraction;
  const point = whole.length + Number(power);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function isAtom(expr: Expr): boolean {
  return expr.kind === "field" || expr.kind === "call" || expr.kind === "literal" || expr.kind === "index";
}

function printOperand(expr: Expr): string {
  return isAtom(expr) ? print(expr) : `(${print(expr)})`;
}

function print(expr: Expr): string {
  switch (expr.kind) {
    case "field": {
      if (!FIELD_NAME.test(expr.name) || KEYWORDS.has(expr.name)) {
        throw new Error(`Cannot print invalid field name '${expr.name}'.`);
      }
      if (expr.index === undefined) return expr.name;
      if (expr.index !== "*" && !(Number.isSafeInteger(expr.index) && expr.index >= 0)) {
        throw new Error(`Cannot print invalid index ${String(expr.index)} of '${expr.name}'.`);
      }
      return `${expr.name}[${expr.index}]`;
    }
    case "literal":
      return printLiteral(expr.literal);
    case "compare":
      if (expr.op === "matches" && expr.right.kind === "literal" && expr.right.literal.type === "string") {
        return `${printOperand(expr.left)} matches ${printRegex(expr.right.literal.value)}`;
      }
      return `${printOperand(expr.left)} ${expr.op} ${printOperand(expr.right)}`;
    case "in": {
      if (expr.items.length === 0) throw new Error("Cannot print an empty set: the Rules language has none.");
      return `${printOperand(expr.left)} in {${expr.items.map(printSetItem).join(" ")}}`;
    }
    case "in_list":
      if (!LIST_NAME.test(expr.list)) throw new Error(`Cannot print invalid list name '${expr.list}'.`);
      return `${printOperand(expr.left)} in $${expr.list}`;
    case "constant":
      return String(expr.value);
    case "not":
      return `not ${printOperand(expr.operand)}`;
    case "logical": {
      const [only] = expr.operands;
      if (only === undefined) throw new Error(`Cannot print '${expr.op}' without operands.`);
      // One operand is the operand itself: lowering may build such nodes, and they mean just that.
      if (expr.operands.length === 1) return print(only);
      return expr.operands.map(printOperand).join(` ${expr.op} `);
    }
    case "index": {
      if (expr.base.kind !== "field" && expr.base.kind !== "call" && expr.base.kind !== "index") {
        throw new Error(`Cannot print an index of a ${expr.base.kind}: only fields, calls and indexes can be indexed.`);
      }
      const key = expr.key;
      if (typeof key === "number" && !(Number.isSafeInteger(key) && key >= 0)) throw new Error(`Cannot print invalid index ${key}.`);
      return `${print(expr.base)}[${typeof key === "object" ? printString(key.key) : String(key)}]`;
    }
    case "call":
      if (!FUNCTION_NAMES.includes(expr.name)) throw new Error(`Cannot print unknown function '${expr.name}'.`);
      return `${expr.name}(${expr.args.map(print).join(", ")})`;
  }
}

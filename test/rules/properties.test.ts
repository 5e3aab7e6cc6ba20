import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CompareOp, Expr, FunctionName, IndexKey, Literal, SetItem } from "../../src/rules/ast.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";
import { printExpression, printLiteral, printRegex, printSetItem, printString } from "../../src/rules/print-expression.js";
import { propertyRuns } from "../setup/fast-check-seed.js";

/** Drops `span` everywhere, so a parsed AST can be compared with one built by code. */
function withoutSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === "span" ? undefined : inner))) as T;
}

function reparse(text: string): Expr {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(`printed text does not parse: ${result.error.message} at ${result.error.start} in ${text}`);
  return result.expr;
}

// Arbitrary Unicode (astral included, lone surrogates excluded) and the characters that matter to a lexer.
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('"', "\\", "\t", "\n", "\r", "x", "0", "7", "#", "r", "}", " or ", "\u0000", "\u007f", "é", "😀"), maxLength: 12 }),
);
const KEYWORDS = ["and", "or", "xor", "not", "in", "strict", "eq", "ne", "lt", "le", "gt", "ge", "contains", "matches", "wildcard", "true", "false"];

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary (not necessarily well-typed) ASTs: print → parse is the identity.

const fieldName = fc
  .stringMatching(/^[a-z_][a-z0-9_]{0,6}(\.[a-z0-9_]{1,6}){0,3}$/)
  .filter((name) => !KEYWORDS.includes(name));

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join("."));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.map((g) => g.toString(16)).join(":"));
const ipText = fc.oneof(ipv4, ipv6, fc.constantFrom("::1", "::", "2001:db8::1", "::ffff:192.0.2.1", "FE80::A"));

const cidr = fc.oneof(
  fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })).map(([address, prefix]) => {
    const size = 2 ** (32 - prefix);
    const network = address - (address % size);
    return `${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join(".")}/${prefix}`;
  }),
  fc.tuple(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 })).map(([groups, prefix]) => {
    let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    value &= ~((1n << BigInt(128 - prefix)) - 1n) & ((1n << 128n) - 1n);
    const parts = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
    return `${parts.join(":")}/${prefix}`;
  }),
);

const safeInt = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger());
const float = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n));

const literal: fc.Arbitrary<Literal> = fc.oneof(
  anyString.map((value) => ({ type: "string" as const, value })),
  safeInt.map((value) => ({ type: "int" as const, value: value === 0 ? 0 : value })),
  float.map((value) => ({ type: "float" as const, value })),
  ipText.map((value) => ({ type: "ip" as const, value })),
);

const setItem: fc.Arbitrary<SetItem> = fc.oneof(
  anyString.map((value) => ({ type: "string" as const, value })),
  safeInt.map((value) => ({ type: "int" as const, value: value === 0 ? 0 : value })),
  fc.tuple(safeInt, safeInt).map(([a, b]) => ({ type: "int_range" as const, from: Math.min(a, b) || 0, to: Math.max(a, b) || 0 })),
  ipText.map((value) => ({ type: "ip" as const, value })),
  cidr.map((value) => ({ type: "cidr" as const, value })),
);

const COMPARE_OPS: CompareOp[] = ["eq", "ne", "lt", "le", "gt", "ge", "contains", "matches", "wildcard", "strict wildcard"];
const FUNCTIONS: FunctionName[] = [
  "any", "all", "starts_with", "ends_with", "lower", "upper", "len", "substring", "concat", "url_decode", "to_string",
  "cidr", "cidr6", "decode_base64", "join", "lookup_json_integer", "lookup_json_string", "remove_bytes", "regex_replace", "wildcard_replace", "remove_query_args", "uuidv4", "split",
];

const fieldNode: fc.Arbitrary<Expr> = fc
  .tuple(fieldName, fc.option(fc.oneof(fc.constant("*" as const), fc.nat(1000)), { nil: undefined }))
  .map(([name, index]) => (index === undefined ? { kind: "field", name } : { kind: "field", name, index }));
const literalNode: fc.Arbitrary<Expr> = literal.map((value) => ({ kind: "literal", literal: value }));

// `[*]`, `[N]` or a map key of any string; a field's own first `[*]`/`[N]` is its `index`, never a wrapper.
const indexKey: fc.Arbitrary<IndexKey> = fc.oneof(fc.constant("*" as const), fc.nat(1000), anyString.map((key) => ({ key })));

const { expr: randomExpr } = fc.letrec<{ expr: Expr; operand: Expr; call: Expr; indexed: Expr }>((tie) => ({
  indexed: fc
    .tuple(fc.oneof({ depthSize: "small" }, fieldNode, tie("call"), tie("indexed")), indexKey)
    .filter(([base, key]) => !(base.kind === "field" && base.index === undefined && typeof key !== "object"))
    .map(([base, key]): Expr => ({ kind: "index", base, key })),
  call: fc
    .tuple(fc.constantFrom(...FUNCTIONS), fc.array(fc.oneof({ depthSize: "small" }, literalNode, tie("expr")), { maxLength: 3 }))
    .map(([name, args]): Expr => ({ kind: "call", name, args })),
  operand: fc.oneof({ depthSize: "small", withCrossShrink: true }, fieldNode, tie("call"), tie("indexed")),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fieldNode,
    fc.tuple(fc.constantFrom(...COMPARE_OPS), tie("operand"), literalNode).map(([op, left, right]): Expr => ({ kind: "compare", op, left, right }))
      // A `matches` pattern is printed raw, so it may not hold invisible characters (compileRegex refuses them; see regex-properties.test.ts).
      .filter((node) => !(node.kind === "compare" && node.op === "matches" && node.right.kind === "literal" && node.right.literal.type === "string" && /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(node.right.literal.value))),
    fc.tuple(tie("operand"), fc.array(setItem, { minLength: 1, maxLength: 4 })).map(([left, items]): Expr => ({ kind: "in", left, items })),
    fc.tuple(tie("operand"), fc.stringMatching(/^[a-z0-9_]{1,10}$/)).map(([left, list]): Expr => ({ kind: "in_list", left, list })),
    tie("expr").map((operand): Expr => ({ kind: "not", operand })),
    fc
      .tuple(fc.constantFrom("and" as const, "or" as const, "xor" as const), fc.array(tie("expr"), { minLength: 2, maxLength: 4 }))
      .map(([op, operands]): Expr => ({ kind: "logical", op, operands })),
    tie("call"),
  ),
}));

describe("property: print and parse are inverse", () => {
  it("parse(print(ast)) equals ast and printing is stable", () => {
    fc.assert(
      fc.property(randomExpr, (ast) => {
        const printed = printExpression(ast);
        const parsed = reparse(printed);
        expect(withoutSpans(parsed)).toEqual(ast);
        expect(printExpression(parsed)).toBe(printed);
        expect(printed).not.toMatch(/[\t\n\r]/);
      }),
      { numRuns: propertyRuns(3000) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (a') The same ASTs as people write them: C-like operators (`==`, `&&`, `!`, `~`…), redundant or
// omitted parentheses where precedence allows, any whitespace (space, CR, LF), strings with `\xHH`
// and octal escapes or raw, regex literals quoted (read with regex escaping) or raw with extra `#`,
// spaces inside `[ * ]`. parse → print → parse gives the same AST, and printing is canonical.

/** A deterministic stream of choices (mulberry32), so fast-check can shrink a spelling through its seed. */
function chooser(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

const C_LIKE: Partial<Record<CompareOp, string>> = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=", matches: "~" };
const C_LOGICAL = { and: "&&", or: "||", xor: "^^" } as const;
const PRECEDENCE = { or: 1, xor: 2, and: 3 } as const;

/**
 * Whether `"pattern"` reads back as `pattern` on the right of `matches`: a quoted regex literal
 * keeps every escape as written and ends at the first `"` outside a `[…]` class, so the pattern
 * may hold no `"`, must close its classes and may not end in a lone `\`.
 */
function fitsQuotedRegex(pattern: string): boolean {
  if (pattern.includes('"')) return false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      if (i + 1 >= pattern.length) return false;
      i++;
    } else if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
  }
  return !inClass;
}

/** Writes an AST in one of the many textual forms the engine accepts for it. */
function spell(ast: Expr, pick: (n: number) => number): string {
  const space = (): string => [" ", " ", "  ", "\n", "\r\n", " \n  "][pick(6)] as string;
  const maybe = (): string => (pick(3) === 0 ? space() : "");
  const hex = (byte: number): string => {
    const digits = byte.toString(16).padStart(2, "0");
    return `\\x${pick(2) === 0 ? digits : digits.toUpperCase()}`;
  };
  const quoted = (value: string): string => {
    let out = '"';
    for (const byte of new TextEncoder().encode(value)) {
      const c = String.fromCharCode(byte);
      const way = pick(4);
      if (byte >= 0x20 && byte <= 0x7e && c !== '"' && c !== "\\" && way > 0) out += c;
      else if ((c === '"' || c === "\\") && way > 1) out += `\\${c}`;
      else if (way === 1) out += `\\${byte.toString(8).padStart(3, "0")}`;
      else out += hex(byte);
    }
    return `${out}"`;
  };
  const plainString = (value: string): string => {
    // A raw string carries printable ASCII byte for byte, in any context.
    if (/^[\x20-\x7e]*$/.test(value) && pick(3) === 0) return printRegex(value);
    return quoted(value);
  };
  const regex = (pattern: string): string => {
    const way = pick(3);
    if (way === 0 && fitsQuotedRegex(pattern)) return `"${pattern}"`;
    const raw = printRegex(pattern);
    if (way === 1) return raw;
    // More '#' than needed is the same raw string.
    const extra = "#".repeat(pick(3) + 1);
    const fence = (/^r(#*)"/.exec(raw)?.[1] ?? "") + extra;
    return `r${fence}"${pattern}"${fence}`;
  };
  const literal = (lit: Literal): string => (lit.type === "string" ? plainString(lit.value) : printLiteral(lit));
  const setItem = (item: SetItem): string => (item.type === "string" ? plainString(item.value) : printSetItem(item));
  const key = (k: IndexKey): string => `[${maybe()}${k === "*" ? "*" : typeof k === "number" ? String(k) : plainString(k.key)}${maybe()}]`;
  const value = (node: Expr): string => {
    switch (node.kind) {
      case "field":
        return node.index === undefined ? node.name : `${node.name}${key(node.index)}`;
      case "literal":
        return literal(node.literal);
      case "call":
        return `${node.name}(${maybe()}${node.args.map((arg) => condition(arg, true)).join(`${maybe()},${maybe()}`)}${maybe()})`;
      case "index":
        return `${value(node.base)}${key(node.key)}`;
      default:
        return condition(node, false);
    }
  };
  /** A sub-expression in condition position; `free`: nothing around it binds (top level, an argument). */
  const condition = (node: Expr, free: boolean): string => {
    const text = ((): string => {
      switch (node.kind) {
        case "compare": {
          const cLike = C_LIKE[node.op];
          const op = cLike !== undefined && pick(2) === 0 ? cLike : node.op === "strict wildcard" ? `strict${space()}wildcard` : node.op;
          const right = node.op === "matches" && node.right.kind === "literal" && node.right.literal.type === "string" ? regex(node.right.literal.value) : value(node.right);
          return /^[a-z]/.test(op) ? `${value(node.left)}${space()}${op}${space()}${right}` : `${value(node.left)}${maybe()}${op}${maybe()}${right}`;
        }
        case "in":
          return `${value(node.left)}${space()}in${space()}{${maybe()}${node.items.map(setItem).join(space())}${maybe()}}`;
        case "in_list":
          return `${value(node.left)}${space()}in${space()}$${node.list}`;
        case "constant":
          return String(node.value);
        case "not": {
          // `not` binds tighter than every logical operator but looser than a comparison.
          const inner = node.operand;
          const bare = inner.kind !== "logical" && pick(2) === 0;
          const operand = bare ? condition(inner, false) : `(${maybe()}${condition(inner, true)}${maybe()})`;
          return pick(2) === 0 ? `!${maybe()}${operand}` : `not${bare && !operand.startsWith("(") ? space() : maybe()}${operand}`;
        }
        case "logical": {
          const op = pick(2) === 0 ? C_LOGICAL[node.op] : node.op;
          const operands = node.operands.map((operand) => {
            // Parentheses may go only where the operand binds tighter: a nested same-level list stays one node.
            const tighter = operand.kind !== "logical" || PRECEDENCE[operand.op] > PRECEDENCE[node.op];
            return tighter && pick(2) === 0 ? condition(operand, false) : `(${maybe()}${condition(operand, true)}${maybe()})`;
          });
          return operands.join(`${space()}${op}${space()}`);
        }
        default:
          return value(node);
      }
    })();
    // Redundant parentheses around a whole condition change nothing.
    const isCondition = node.kind === "compare" || node.kind === "in" || node.kind === "in_list" || node.kind === "not" || node.kind === "logical" || node.kind === "constant";
    return isCondition && !free && pick(5) === 0 ? `(${maybe()}${text}${maybe()})` : isCondition && free && pick(5) === 0 ? `(${text})` : text;
  };
  return `${maybe()}${condition(ast, true)}${maybe()}`;
}

// Patterns made of the pieces that differ between regex and string escaping, quotes and classes included.
const regexPattern = fc
  .array(fc.constantFrom("\\.", "\\d", "\\s", "\\\\", "\\x{E9}", "[a-z]", "[\\]]", "(?i)", "a", "é", "^", "$", ".", "*", "[", "]", "\\[", "\\\"", '"', '"#', "{2}", "\\"), { maxLength: 8 })
  .map((pieces) => pieces.join(""));
const withRegex: fc.Arbitrary<Expr> = fc
  .tuple(fieldNode, regexPattern, randomExpr)
  .map(([left, pattern, other]): Expr => ({ kind: "logical", op: "and", operands: [{ kind: "compare", op: "matches", left, right: { kind: "literal", literal: { type: "string", value: pattern } } }, other] }));

describe("property: every spelling of an expression reads as its AST, and prints canonically", () => {
  it("parse(spell(ast)) equals ast; print is stable and the same for every spelling", () => {
    let cLike = 0;
    let quotedRegex = 0;
    fc.assert(
      fc.property(fc.oneof(randomExpr, withRegex), fc.integer(), fc.integer(), (ast, seedA, seedB) => {
        const canonical = printExpression(ast);
        for (const seed of [seedA, seedB]) {
          const text = spell(ast, chooser(seed));
          if (/==|&&|\|\||\^\^|!|~|<|>/.test(text.replace(/"(\\.|[^"\\])*"|r#*"[^]*?"#*/g, ""))) cLike++;
          if (/(~|matches)\s*"/.test(text) && ast.kind === "logical" && ast.operands[0]?.kind === "compare" && ast.operands[0].op === "matches") quotedRegex++;
          const parsed = parseExpression(text);
          if (!parsed.ok) throw new Error(`${parsed.error.message} at ${parsed.error.start} in ${JSON.stringify(text)}`);
          expect(withoutSpans(parsed.expr)).toEqual(ast);
          const printed = printExpression(parsed.expr);
          expect(printed).toBe(canonical);
          expect(printExpression(reparse(printed))).toBe(printed);
        }
      }),
      { numRuns: propertyRuns(2000) },
    );
    // Guard against a vacuous property: the alternative spellings did occur.
    expect(cLike).toBeGreaterThan(500);
    expect(quotedRegex).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) Escaping is injection-proof: any string is one literal that matches exactly itself.

describe("property: printed strings cannot break out of their literal", () => {
  const nasty = anyString;
  it("http.user_agent eq \"<printed>\" parses, has no raw tab/newline, and matches exactly that string", () => {
    fc.assert(
      fc.property(nasty, nasty, (value, other) => {
        const printed = printString(value);
        expect(printed).toMatch(/^"[\x20-\x7e]*"$/);
        const text = `http.user_agent eq ${printed}`;
        const expr = reparse(text);
        expect(expr).toMatchObject({ kind: "compare", right: { literal: { type: "string", value } } });
        const matches = compileEvaluator(expr);
        expect(matches({ "http.user_agent": value })).toBe(true);
        expect(matches({ "http.user_agent": other })).toBe(other === value);
        // Appending a clause after the literal still yields exactly two comparisons.
        const combined = reparse(`${text} and http.host eq ${printString(other)}`);
        expect(combined).toMatchObject({ kind: "logical", op: "and", operands: [{ kind: "compare" }, { kind: "compare" }] });
      }),
      { numRuns: propertyRuns(5000) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// (c) Well-typed ASTs evaluate the same before and after print → parse.

const STRING_FIELDS = ["http.host", "http.user_agent"];
const INT_FIELDS = ["cf.bot_management.score", "ip.src.asnum"];
const BOOL_FIELDS = ["cf.bot_management.verified_bot", "risk.network.anonymization.tor"];
const smallString = fc.string({ unit: fc.constantFrom("a", "b", "A", "é", "😀", "/", "*", '"'), maxLength: 4 });
const IPS = ["192.0.2.1", "192.0.2.200", "198.51.100.1", "2001:db8::1", "2001:db9::1", "::1"];

const str = (value: string): Expr => ({ kind: "literal", literal: { type: "string", value } });
const intLiteral = (value: number): Expr => ({ kind: "literal", literal: { type: "int", value } });
const field = (name: string, index?: "*" | number): Expr => (index === undefined ? { kind: "field", name } : { kind: "field", name, index });

const stringValue: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(...STRING_FIELDS).map((name) => field(name)),
  fc.constantFrom(...STRING_FIELDS).map((name): Expr => ({ kind: "call", name: "lower", args: [field(name)] })),
  fc.tuple(fc.constantFrom(...STRING_FIELDS), fc.integer({ min: -3, max: 3 })).map(([name, start]): Expr => ({ kind: "call", name: "substring", args: [field(name), intLiteral(start)] })),
);
const pattern = fc.constantFrom("a", "^a", "b$", "a.b", "(a|b)+", "[ab]", "(?i)A", "é", "😀");

const typedCondition: fc.Arbitrary<Expr> = fc.oneof(
  fc.constantFrom(...BOOL_FIELDS).map((name) => field(name)),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne", "lt", "le", "gt", "ge", "contains", "wildcard", "strict wildcard"), stringValue, smallString).map(
    // The engine refuses `**` in a wildcard pattern; one star means the same.
    ([op, left, value]): Expr => ({ kind: "compare", op, left, right: str(op.endsWith("wildcard") ? value.replace(/\*+/g, "*") : value) }),
  ),
  fc.tuple(stringValue, pattern).map(([left, value]): Expr => ({ kind: "compare", op: "matches", left, right: str(value) })),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne", "lt", "le", "gt", "ge"), fc.constantFrom(...INT_FIELDS), fc.integer({ min: -2, max: 40 })).map(
    ([op, name, value]): Expr => ({ kind: "compare", op, left: field(name), right: intLiteral(value) }),
  ),
  fc.tuple(fc.constantFrom<CompareOp>("lt", "ge"), fc.double({ min: 0, max: 1, noNaN: true })).map(
    ([op, value]): Expr => ({ kind: "compare", op, left: field("cf.bot_management.ja4_signals.browser_ratio_1h"), right: { kind: "literal", literal: { type: "float", value } } }),
  ),
  fc.tuple(fc.constantFrom(...INT_FIELDS), fc.array(fc.oneof(
    fc.integer({ min: 0, max: 40 }).map((value): SetItem => ({ type: "int", value })),
    fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 10 })).map(([from, width]): SetItem => ({ type: "int_range", from, to: from + width })),
  ), { minLength: 1, maxLength: 4 })).map(([name, items]): Expr => ({ kind: "in", left: field(name), items })),
  fc.array(smallString.map((value): SetItem => ({ type: "string", value })), { minLength: 1, maxLength: 4 }).map((items): Expr => ({ kind: "in", left: field("http.host"), items })),
  fc.array(fc.constantFrom<SetItem>(
    { type: "cidr", value: "192.0.2.0/25" },
    { type: "ip", value: "198.51.100.1" },
    { type: "cidr", value: "2001:db8::/32" },
    { type: "ip", value: "::1" },
  ), { minLength: 1, maxLength: 3 }).map((items): Expr => ({ kind: "in", left: field("ip.src"), items })),
  fc.tuple(fc.constantFrom<CompareOp>("eq", "ne"), fc.constantFrom(...IPS)).map(
    ([op, value]): Expr => ({ kind: "compare", op, left: field("ip.src"), right: { kind: "literal", literal: { type: "ip", value } } }),
  ),
  fc.tuple(fc.constantFrom<FunctionName>("any", "all"), fc.constantFrom<CompareOp>("eq", "ne", "lt", "gt"), fc.integer({ min: 0, max: 5 })).map(
    ([name, op, value]): Expr => ({ kind: "call", name, args: [{ kind: "compare", op, left: field("cf.bot_management.detection_ids", "*"), right: intLiteral(value) }] }),
  ),
  // Maps and nested indexes: a header's values, one of them, and a function's `[*]` result.
  fc.tuple(fc.constantFrom<FunctionName>("any", "all"), fc.constantFrom<CompareOp>("eq", "ne", "contains"), fc.constantFrom("a", "b"), smallString).map(
    ([name, op, header, value]): Expr => ({
      kind: "call",
      name,
      args: [{ kind: "compare", op, left: { kind: "index", base: { kind: "index", base: field("http.request.headers"), key: { key: header } }, key: "*" }, right: str(value) }],
    }),
  ),
  fc.tuple(fc.constantFrom("a", "b"), fc.nat(2), smallString).map(
    ([header, position, value]): Expr => ({
      kind: "compare",
      op: "eq",
      left: { kind: "index", base: { kind: "index", base: field("http.request.headers"), key: { key: header } }, key: position },
      right: str(value),
    }),
  ),
  smallString.map(
    (value): Expr => ({
      kind: "call",
      name: "any",
      args: [{ kind: "compare", op: "eq", left: { kind: "index", base: { kind: "call", name: "lower", args: [field("http.request.headers.names", "*")] }, key: "*" }, right: str(value) }],
    }),
  ),
  fc.tuple(fc.constantFrom<FunctionName>("starts_with", "ends_with"), stringValue, smallString).map(([name, left, value]): Expr => ({ kind: "call", name, args: [left, str(value)] })),
  fc.tuple(fc.constantFrom(...STRING_FIELDS), fc.integer({ min: 0, max: 8 })).map(
    ([name, value]): Expr => ({ kind: "compare", op: "gt", left: { kind: "call", name: "len", args: [field(name)] }, right: intLiteral(value) }),
  ),
);

const { condition: typedExpr } = fc.letrec<{ condition: Expr }>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    typedCondition,
    tie("condition").map((operand): Expr => ({ kind: "not", operand })),
    fc
      .tuple(fc.constantFrom("and" as const, "or" as const, "xor" as const), fc.array(tie("condition"), { minLength: 2, maxLength: 4 }))
      .map(([op, operands]): Expr => ({ kind: "logical", op, operands })),
  ),
}));

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 4 });
const fieldValues: fc.Arbitrary<FieldValues> = fc
  .record({
    "http.host": optional(smallString),
    "http.user_agent": optional(smallString),
    "cf.bot_management.score": optional(fc.integer({ min: 0, max: 40 })),
    "ip.src.asnum": optional(fc.integer({ min: -2, max: 40 })),
    "cf.bot_management.verified_bot": optional(fc.boolean()),
    "risk.network.anonymization.tor": optional(fc.boolean()),
    "cf.bot_management.ja4_signals.browser_ratio_1h": optional(fc.double({ min: 0, max: 1, noNaN: true })),
    "ip.src": optional(fc.constantFrom(...IPS, "192.0.2.127", "192.0.2.128")),
    "cf.bot_management.detection_ids": optional(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })),
    "http.request.headers": optional(fc.dictionary(fc.constantFrom("a", "b"), fc.array(smallString, { minLength: 1, maxLength: 3 }))),
    "http.request.headers.names": optional(fc.array(smallString, { maxLength: 3 })),
  })
  .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));

describe("property: evaluation survives print and parse", () => {
  it("evaluate(ast) equals evaluate(parse(print(ast))) on random requests", () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(typedExpr, fc.array(fieldValues, { minLength: 1, maxLength: 8 }), (ast, requests) => {
        const direct = compileEvaluator(ast);
        const roundTripped = compileEvaluator(reparse(printExpression(ast)));
        for (const request of requests) {
          const result = direct(request);
          expect(roundTripped(request)).toBe(result);
          total++;
          if (result) matched++;
        }
      }),
      { numRuns: propertyRuns(3000) },
    );
    // Guard against a vacuous property: both outcomes must occur often.
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });
});

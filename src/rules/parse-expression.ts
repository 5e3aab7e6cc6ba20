import type { CompareOp, Expr, FunctionName, IndexKey, Literal, LogicalOp, SetItem } from "./ast.js";
import { lexExpression, type Token } from "./lex-expression.js";
import type { RulesError } from "./rules-error.js";

/** The deepest nesting of parentheses, `not` and function calls that the engine accepts. */
export const MAX_NESTING_DEPTH = 128;

/** The functions the parser accepts by name. */
export const FUNCTION_NAMES: readonly FunctionName[] = [
  "any",
  "all",
  "starts_with",
  "ends_with",
  "lower",
  "upper",
  "len",
  "substring",
  "concat",
  "url_decode",
  "to_string",
  "cidr",
  "cidr6",
  "decode_base64",
  "join",
  "lookup_json_integer",
  "lookup_json_string",
  "remove_bytes",
  "regex_replace",
  "wildcard_replace",
  "remove_query_args",
  "uuidv4",
  "split",
  "is_timed_hmac_valid_v0",
];

const WORD_OPERATORS: Readonly<Record<string, CompareOp>> = {
  eq: "eq",
  ne: "ne",
  lt: "lt",
  le: "le",
  gt: "gt",
  ge: "ge",
  contains: "contains",
  matches: "matches",
  wildcard: "wildcard",
};

const SYMBOL_OPERATORS: Readonly<Record<string, CompareOp>> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  "~": "matches",
};

const KEYWORDS = new Set(["and", "or", "xor", "not", "in", "strict", ...Object.keys(WORD_OPERATORS)]);

/** Wraps an error so it can unwind the recursive descent; it never leaves this module. */
interface ParseFailure {
  readonly parseFailure: RulesError;
}

/**
 * Parses Rules-language text into an AST with a `span` on every node; same-operator chains
 * (`a and b and c`) become one `logical` node, while parentheses always nest.
 */
export function parseExpression(text: string): { ok: true; expr: Expr } | { ok: false; error: RulesError } {
  const lexed = lexExpression(text);
  if (!lexed.ok) return lexed;
  const parser = createParser(lexed.tokens);
  try {
    const expr = parser.parseOr();
    const rest = parser.peek();
    if (rest.kind !== "eof") {
      throw failure(unexpectedMessage(rest, "'and', 'or', 'xor' or the end of the expression"), rest);
    }
    return { ok: true, expr };
  } catch (caught) {
    if (typeof caught === "object" && caught !== null && "parseFailure" in caught) {
      return { ok: false, error: (caught as ParseFailure).parseFailure };
    }
    throw caught;
  }
}

function failure(message: string, at: { start: number; end: number }): ParseFailure {
  return { parseFailure: { message, start: at.start, end: at.end } };
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case "word":
    case "symbol":
      return `'${token.text}'`;
    case "value":
      return `'${token.text}'`;
    case "string":
      return "a string";
    case "list":
      return `'$${token.name}'`;
    case "eof":
      return "the end of the expression";
  }
}

function unexpectedMessage(token: Token, expected: string): string {
  if (token.kind === "word") {
    const lower = token.text.toLowerCase();
    if (lower !== token.text && (KEYWORDS.has(lower) || lower === "wildcard")) {
      return `Keywords are lowercase: write '${lower}', not '${token.text}'.`;
    }
  }
  if (token.kind === "symbol" && token.text === ",") {
    return "Unexpected ','; set items are separated by spaces and function arguments only appear inside '(…)'.";
  }
  return `Expected ${expected}, but found ${describeToken(token)}.`;
}

function isWord(token: Token, text: string): boolean {
  return token.kind === "word" && token.text === text;
}

function isSymbol(token: Token, text: string): boolean {
  return token.kind === "symbol" && token.text === text;
}

function spanOf(expr: Expr): { start: number; end: number } {
  return expr.span ?? { start: 0, end: 0 };
}

function createParser(tokens: Token[]) {
  let index = 0;
  let depth = 0;
  // End of the last consumed token, so that a span includes a closing ')' of its last operand.
  let lastEnd = 0;

  const peek = (offset = 0): Token => tokens[Math.min(index + offset, tokens.length - 1)] as Token;
  const advance = (): Token => {
    const token = peek();
    if (index < tokens.length - 1) index++;
    lastEnd = token.end;
    return token;
  };
  const enter = (token: Token) => {
    depth++;
    if (depth > MAX_NESTING_DEPTH) {
      throw failure(`The expression nests deeper than ${MAX_NESTING_DEPTH} levels.`, token);
    }
  };
  const expectSymbol = (text: string, context: string): Token => {
    const token = peek();
    if (!isSymbol(token, text)) throw failure(unexpectedMessage(token, `'${text}' ${context}`), token);
    return advance();
  };

  const parseChain = (op: LogicalOp, words: [string, string], parseOperand: () => Expr): Expr => {
    const start = peek().start;
    const first = parseOperand();
    const operands = [first];
    for (;;) {
      const token = peek();
      if (!isWord(token, words[0]) && !isSymbol(token, words[1])) break;
      advance();
      operands.push(parseOperand());
    }
    if (operands.length === 1) return first;
    return { kind: "logical", op, operands, span: { start, end: lastEnd } };
  };

  const parseOr = (): Expr => parseChain("or", ["or", "||"], parseXor);
  const parseXor = (): Expr => parseChain("xor", ["xor", "^^"], parseAnd);
  const parseAnd = (): Expr => parseChain("and", ["and", "&&"], parseUnary);

  const parseUnary = (): Expr => {
    const token = peek();
    if (isWord(token, "not") || isSymbol(token, "!")) {
      advance();
      enter(token);
      const operand = parseUnary();
      depth--;
      return { kind: "not", operand, span: { start: token.start, end: lastEnd } };
    }
    return parsePrimary();
  };

  const parsePrimary = (): Expr => {
    const token = peek();
    if (isSymbol(token, "(")) {
      advance();
      enter(token);
      const inner = parseOr();
      expectSymbol(")", `to close the '(' at offset ${token.start}`);
      depth--;
      return inner;
    }
    if (token.kind === "word") {
      return parseComparisonTail(parseOperand());
    }
    if (token.kind === "string" || token.kind === "value") {
      throw failure(
        "A literal cannot stand alone as a condition; compare a field with it (e.g. 'http.host eq \"example.com\"').",
        token,
      );
    }
    throw failure(unexpectedMessage(token, "a field, a function call, 'not' or '('"), token);
  };

  /** A field (optionally indexed) or a function call: what may stand left of an operator. */
  const parseOperand = (): Expr => {
    const token = advance();
    if (token.kind !== "word") throw failure(unexpectedMessage(token, "a field or a function call"), token);
    const name = token.text;
    if (KEYWORDS.has(name)) {
      throw failure(`Expected a field, a function call, 'not' or '(', but found the keyword '${name}'.`, token);
    }
    if (isSymbol(peek(), "(")) return parseCall(token, name);
    if (name === "true" || name === "false") return { kind: "constant", value: name === "true", span: { start: token.start, end: token.end } };
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(name)) {
      throw failure(`'${name}' is not a valid field name.`, token);
    }
    const field: Expr = { kind: "field", name, span: { start: token.start, end: token.end } };
    // A field's first `[*]` or `[N]` is its own `index`; anything else wraps it.
    const first = peek(1);
    if (isSymbol(peek(), "[") && (isSymbol(first, "*") || (first.kind === "value" && first.value.type === "int" && first.value.value >= 0))) {
      const key = parseIndexKey();
      if (typeof key.key !== "object") field.index = key.key;
      (field.span as { end: number }).end = key.end;
    }
    return parseIndexes(field);
  };

  /** `[*]`, `[N]` or `["key"]`, with the end of its `]`. */
  const parseIndexKey = (): { key: IndexKey; end: number } => {
    advance();
    const inside = advance();
    let key: IndexKey;
    if (isSymbol(inside, "*")) {
      key = "*";
    } else if (inside.kind === "value" && inside.value.type === "int" && inside.value.value >= 0) {
      key = inside.value.value;
    } else if (inside.kind === "string") {
      key = { key: inside.value };
    } else {
      throw failure(unexpectedMessage(inside, "'*', a non-negative integer index or a quoted map key"), inside);
    }
    return { key, end: expectSymbol("]", "to close the index").end };
  };

  /** Every further `[…]` after a field or a call. */
  const parseIndexes = (base: Expr): Expr => {
    let expr = base;
    while (isSymbol(peek(), "[")) {
      const { key, end } = parseIndexKey();
      expr = { kind: "index", base: expr, key, span: { start: spanOf(base).start, end } };
    }
    return expr;
  };

  const parseCall = (nameToken: Token, name: string): Expr => {
    if (!(FUNCTION_NAMES as readonly string[]).includes(name)) {
      throw failure(`Unknown function '${name}'; known functions: ${FUNCTION_NAMES.join(", ")}.`, nameToken);
    }
    const open = advance();
    enter(open);
    const args: Expr[] = [];
    if (!isSymbol(peek(), ")")) {
      for (;;) {
        args.push(parseArgument());
        const separator = peek();
        if (isSymbol(separator, ",")) {
          advance();
          continue;
        }
        if (isSymbol(separator, ")")) break;
        throw failure(unexpectedMessage(separator, `',' or ')' in the call of '${name}'`), separator);
      }
    }
    const close = advance();
    depth--;
    return parseIndexes({ kind: "call", name: name as FunctionName, args, span: { start: nameToken.start, end: close.end } });
  };

  const parseArgument = (): Expr => {
    const token = peek();
    if (token.kind === "string" || token.kind === "value") {
      advance();
      return { kind: "literal", literal: literalFromToken(token, "a function argument"), span: { start: token.start, end: token.end } };
    }
    return parseOr();
  };

  const comparisonOperator = (): { op: CompareOp; width: number } | "in" | undefined => {
    const token = peek();
    if (token.kind === "word") {
      if (token.text === "in") return "in";
      if (token.text === "strict" && isWord(peek(1), "wildcard")) return { op: "strict wildcard", width: 2 };
      const op = WORD_OPERATORS[token.text];
      return op === undefined ? undefined : { op, width: 1 };
    }
    if (token.kind === "symbol") {
      const op = SYMBOL_OPERATORS[token.text];
      return op === undefined ? undefined : { op, width: 1 };
    }
    return undefined;
  };

  const parseComparisonTail = (left: Expr): Expr => {
    const operator = comparisonOperator();
    if (operator === undefined) {
      const token = peek();
      if (isWord(token, "strict")) throw failure("'strict' must be followed by 'wildcard'.", token);
      return left;
    }
    const start = spanOf(left).start;
    if (operator === "in") {
      const inToken = advance();
      const target = peek();
      if (target.kind === "list") {
        advance();
        return { kind: "in_list", left, list: target.name, span: { start, end: target.end } };
      }
      if (!isSymbol(target, "{")) {
        throw failure(unexpectedMessage(target, "'{' or a '$list' after 'in'"), target.kind === "eof" ? inToken : target);
      }
      const { items, end } = parseSet();
      return { kind: "in", left, items, span: { start, end } };
    }
    let opToken = advance();
    if (operator.width === 2) opToken = advance();
    const valueToken = advance();
    if (valueToken.kind === "string" || valueToken.kind === "value") {
      const literal = literalFromToken(valueToken, `the right side of '${operator.op}'`);
      const right: Expr = { kind: "literal", literal, span: { start: valueToken.start, end: valueToken.end } };
      return { kind: "compare", op: operator.op, left, right, span: { start, end: valueToken.end } };
    }
    if (valueToken.kind === "word" && (valueToken.text === "true" || valueToken.text === "false")) {
      throw failure(
        `'${valueToken.text}' is not a value in the Rules language; a Bool field is a condition by itself (write 'field' or 'not field').`,
        valueToken,
      );
    }
    if (valueToken.kind === "word") {
      throw failure(
        `Expected a value after '${operator.op}', but found '${valueToken.text}'; a field can only be compared with a literal.`,
        valueToken,
      );
    }
    if (isSymbol(valueToken, "{")) {
      throw failure(`A set needs 'in', not '${operator.op}': write 'field in {…}'.`, valueToken);
    }
    throw failure(unexpectedMessage(valueToken, `a value after '${operator.op}'`), valueToken.kind === "eof" ? opToken : valueToken);
  };

  const parseSet = (): { items: SetItem[]; end: number } => {
    const open = advance();
    const items: SetItem[] = [];
    for (;;) {
      const token = advance();
      const span = { start: token.start, end: token.end };
      if (isSymbol(token, "}")) {
        if (items.length === 0) throw failure("A set needs at least one item.", { start: open.start, end: token.end });
        return { items, end: token.end };
      }
      if (isSymbol(token, ",")) {
        throw failure("Set items are separated by spaces, not commas: write {\"a\" \"b\"} or {1 2}.", token);
      }
      if (token.kind === "string") {
        items.push({ type: "string", value: token.value, span });
      } else if (token.kind === "value") {
        const value = token.value;
        if (value.type === "float") throw failure("Decimal numbers are not supported in sets.", token);
        items.push({ ...value, span });
      } else if (token.kind === "eof") {
        throw failure(`This set has no closing '}' (opened at offset ${open.start}).`, { start: open.start, end: open.end });
      } else if (token.kind === "word" && (token.text === "true" || token.text === "false")) {
        throw failure(`'${token.text}' is not a value in the Rules language.`, token);
      } else {
        throw failure(unexpectedMessage(token, "a set item or '}'"), token);
      }
    }
  };

  return { parseOr, peek };
}

function literalFromToken(token: Token, where: string): Literal {
  if (token.kind === "string") return { type: "string", value: token.value };
  if (token.kind !== "value") throw failure(`Expected a value in ${where}.`, token);
  const value = token.value;
  switch (value.type) {
    case "int":
    case "float":
    case "ip":
      return value;
    case "cidr":
      throw failure(
        `A CIDR is only allowed inside a set: write 'ip.src in {${value.value}}'.`,
        token,
      );
    case "int_range":
      throw failure(`A range is only allowed inside a set: write 'field in {${token.text}}'.`, token);
  }
}

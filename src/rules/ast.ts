/**
 * The abstract syntax of the Cloudflare Rules-language subset that bot-policy emits and accepts.
 * Plain JSON data, discriminated by `kind`. `span` is present on nodes that came from parsed text
 * (character offsets into that text) so that type errors can point inside a raw expression.
 */

/** Character offsets `[start, end)` into the expression text a node was parsed from. */
export interface Span {
  start: number;
  end: number;
}

/** Comparison operators, in their canonical (English) spelling. */
export type CompareOp =
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "contains"
  | "matches"
  | "wildcard"
  | "strict wildcard";

/** Logical operators that join two or more operands. */
export type LogicalOp = "and" | "xor" | "or";

/** Functions the project knows; `any`/`all` take an array of booleans (built with `[*]`). */
export type FunctionName =
  | "any"
  | "all"
  | "starts_with"
  | "ends_with"
  | "lower"
  | "upper"
  | "len"
  | "substring"
  | "concat"
  | "url_decode"
  | "to_string"
  | "cidr"
  | "cidr6"
  | "decode_base64"
  | "join"
  | "lookup_json_integer"
  | "lookup_json_string"
  | "remove_bytes"
  | "regex_replace"
  | "wildcard_replace"
  | "remove_query_args"
  | "uuidv4"
  | "split"
  | "is_timed_hmac_valid_v0";

/**
 * A literal value as it appears in an expression. `float` exists for the worker-only Float fields
 * (`cf.bot_management.ja4_signals.*`): their thresholds are fractions such as `0.05`.
 */
export type Literal =
  | { type: "string"; value: string }
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "ip"; value: string };

/** One element of an `in { … }` set; `span` lets the type checker point at one bad item. */
export type SetItem =
  | { type: "string"; value: string; span?: Span }
  | { type: "int"; value: number; span?: Span }
  | { type: "int_range"; from: number; to: number; span?: Span }
  | { type: "ip"; value: string; span?: Span }
  | { type: "cidr"; value: string; span?: Span };

/** What `[…]` selects: every element (`[*]`), an array element (`[0]`) or a map key (`["x-api-key"]`). */
export type IndexKey = "*" | number | { key: string };

/** A Rules-language expression. */
export type Expr =
  | { kind: "field"; name: string; index?: "*" | number; span?: Span }
  | { kind: "literal"; literal: Literal; span?: Span }
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr; span?: Span }
  | { kind: "in"; left: Expr; items: SetItem[]; span?: Span }
  | { kind: "in_list"; left: Expr; list: string; span?: Span }
  /** A bare `true` or `false`: Cloudflare's "all incoming requests" is the expression `true`. */
  | { kind: "constant"; value: boolean; span?: Span }
  | { kind: "not"; operand: Expr; span?: Span }
  | { kind: "logical"; op: LogicalOp; operands: Expr[]; span?: Span }
  | { kind: "call"; name: FunctionName; args: Expr[]; span?: Span }
  /**
   * `base[key]` for what `field.index` cannot say: a map key, a second index, or the index of a
   * function's result. The parser puts a field's first `[*]`/`[N]` in `field.index`, so that each
   * text has one AST.
   */
  | { kind: "index"; base: Expr; key: IndexKey; span?: Span };

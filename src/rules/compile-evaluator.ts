import type { CompareOp, Expr, FunctionName, IndexKey, Literal, SetItem } from "./ast.js";
import { compileRegex } from "./compile-regex.js";
import { lookupField } from "./field-catalog.js";
import { hmacSha256 } from "./hmac-sha256.js";
import { compileWildcard } from "./compile-wildcard.js";
import { formatIpAddress, parseCidr, parseIpAddress, singleAddressRange, type IpAddress, type IpRange, type IpValue } from "./ip-address.js";

/*
 * Semantics follow the open-source engine (wirefilter):
 * - an absent field (`undefined`/`null`, or a value of the wrong JS type) makes every comparison
 *   false except `ne`, which is true; `in` and `in $list` on an absent field are false;
 * - a bare absent Bool is false; `not` negates whatever its operand yields;
 * - functions given an absent argument yield an absent value; any()/all() of an absent array are false;
 * - strings compare by Unicode code point, which is the engine's byte order for UTF-8;
 *   `len` and `substring` count UTF-8 bytes; `lower`/`upper` and `wildcard` fold ASCII only.
 * - `matches` and `wildcard` run in time linear in the value (compile-regex.ts, compile-wildcard.ts),
 *   so a hostile user agent cannot stall an evaluation.
 * The AST is compiled once into closures; the per-request work is field lookups and comparisons.
 * Invalid ASTs (which `checkExpression` reports) make the compile functions throw.
 */

/** Field values of one request, keyed by Rules-language field name (`cf.bot_management.score`). */
export type FieldValues = Record<string, unknown>;

/** Options for compiled evaluators: custom lists' contents for `in $name` (IPs, CIDRs, ASNs, hostnames). */
export interface EvaluatorOptions {
  lists?: Readonly<Record<string, readonly (string | number)[]>>;
}

/** A compiled condition: true when the request matches. */
export type CompiledCondition = (fields: FieldValues) => boolean;

/** A compiled value expression (e.g. a header rewrite); `undefined` when the value is absent. */
export type CompiledValue = (fields: FieldValues) => unknown;

/**
 * How compiled closures read a field from their input: `value` as the dictionary read would
 * give it (absent as `undefined`), and for an IP field the parsed address, parsed once per input
 * (`undefined` when the value is no address). The slot evaluator reads a flat record this way.
 */
export interface FieldAccess<Input> {
  value: (input: Input) => unknown;
  ip?: (input: Input) => IpValue | undefined;
}

/** Options of the compile functions that read their input through `access` rather than by name. */
interface CompileOptions extends EvaluatorOptions {
  access?: (name: string) => FieldAccess<FieldValues>;
}

// Closures are typed over FieldValues; with `access`, they take whatever input it reads.
type Getter = (fields: FieldValues) => unknown;
type Test = (value: unknown) => boolean;

/** A compiled node; `mapped` values come through `[*]` and are arrays (or absent). */
interface Compiled {
  get: Getter;
  mapped: boolean;
  /** The static type where it is known (fields and their indexes), to tell a map from other objects. */
  type?: string | undefined;
  /** The parsed address of a plain field's value, when the field access gives it. */
  ip?: ((fields: FieldValues) => IpValue | undefined) | undefined;
}

/** Compiles a condition once into a fast predicate over request field values. */
export function compileEvaluator(expr: Expr, options: EvaluatorOptions = {}): CompiledCondition {
  const compiled = compileNode(expr, options);
  if (compiled.mapped) throw new Error("A '[*]' condition must be wrapped in any(…) or all(…).");
  return isCondition(expr) ? (compiled.get as CompiledCondition) : truthy(compiled.get);
}

/**
 * Compiles a condition over any input, reading fields through `access` (resolved once per field,
 * here): the same semantics as `compileEvaluator`, which reads a dictionary by name.
 */
export function compileConditionWith<Input>(expr: Expr, access: (name: string) => FieldAccess<Input>, options: EvaluatorOptions = {}): (input: Input) => boolean {
  const condition = compileEvaluator(expr, { ...options, access: access as unknown as CompileOptions["access"] } as CompileOptions);
  return condition as unknown as (input: Input) => boolean;
}

/** Compiles a value expression over any input, reading fields through `access` (see `compileConditionWith`). */
export function compileValueWith<Input>(expr: Expr, access: (name: string) => FieldAccess<Input>): (input: Input) => unknown {
  return compileNode(expr, { access: access as unknown as CompileOptions["access"] }).get as unknown as (input: Input) => unknown;
}

/** Compiles a value expression, e.g. `to_string(cf.bot_management.score)` for a header rewrite. */
export function compileValueEvaluator(expr: Expr, options: EvaluatorOptions = {}): CompiledValue {
  return compileNode(expr, options).get;
}

/** Evaluates an expression's value once (compile and run; prefer the compile functions in loops). */
export function evaluateValue(expr: Expr, fields: FieldValues, options: EvaluatorOptions = {}): unknown {
  return compileNode(expr, options).get(fields);
}

function isCondition(expr: Expr): boolean {
  return expr.kind === "compare" || expr.kind === "in" || expr.kind === "in_list" || expr.kind === "not" || expr.kind === "logical";
}

function truthy(get: Getter): CompiledCondition {
  return (fields) => get(fields) === true;
}

function compileNode(expr: Expr, options: CompileOptions): Compiled {
  switch (expr.kind) {
    case "field":
      return compileField(expr.name, expr.index, options);
    case "literal": {
      const value = literalValue(expr.literal);
      return { get: () => value, mapped: false };
    }
    case "compare": {
      const left = compileNode(expr.left, options);
      if (expr.right.kind !== "literal") throw new Error("The right side of a comparison must be a literal.");
      const ip = left.ip;
      if (ip !== undefined && expr.right.literal.type === "ip") return { get: parsedIpTest(ip, expr.op, expr.right.literal.value), mapped: false };
      return applyTest(left, compareTest(expr.op, expr.right.literal));
    }
    case "in": {
      const left = compileNode(expr.left, options);
      if (left.ip !== undefined) return { get: parsedMembershipTest(left.get, left.ip, expr.items), mapped: false };
      return applyTest(left, membershipTest(expr.items));
    }
    case "in_list": {
      const items = options.lists?.[expr.list];
      if (items === undefined) return listMembership(compileNode(expr.left, options), listMembershipKey(expr.list));
      return applyTest(compileNode(expr.left, options), membershipTest(items.map(listEntryToSetItem)));
    }
    case "constant": {
      const value = expr.value;
      return { get: () => value, mapped: false };
    }
    case "not": {
      const operand = compileCondition(expr.operand, options);
      if (operand.mapped) return { get: mapArray(operand.get, (value) => value !== true), mapped: true };
      const get = operand.get;
      return { get: (fields) => !get(fields), mapped: false };
    }
    case "logical":
      return compileLogical(expr.op, expr.operands.map((operand) => compileCondition(operand, options)));
    case "call":
      return compileCall(expr.name, expr.args, options);
    case "index":
      return compileIndex(compileNode(expr.base, options), expr.key, expr.base.kind === "call");
  }
}

/** Like compileNode, but a non-mapped result is always a boolean (absent becomes false). */
function compileCondition(expr: Expr, options: CompileOptions): Compiled {
  const compiled = compileNode(expr, options);
  if (compiled.mapped || isCondition(expr)) return compiled;
  return { get: truthy(compiled.get), mapped: false };
}

function compileField(name: string, index: "*" | number | undefined, options: CompileOptions): Compiled {
  const type = lookupField(name)?.type;
  const access = options.access?.(name);
  const field: Compiled = access === undefined ? { get: (fields) => fields[name] ?? undefined, mapped: false, type } : { get: access.value, mapped: false, type, ip: access.ip };
  return index === undefined ? field : compileIndex(field, index, false);
}

/**
 * `base[key]`: an array's element, a map's value (a plain object's own key), or with `[*]` every
 * element (of a map: its values, in key order, only where the type says Map). A missing element
 * or key, or a value of another kind, is absent. On a `[*]` value a key applies to each element;
 * `[*]` on a function's `[*]` result (`f(x[*])[*]`) reads the same elements again.
 */
function compileIndex(base: Compiled, key: IndexKey, baseIsCall: boolean): Compiled {
  const get = base.get;
  const container = base.type === undefined ? undefined : /^(Array|Map)<(.+)>$/.exec(base.type);
  const type = container?.[2];
  if (key === "*") {
    if (base.mapped && baseIsCall) return base;
    const isMapType = container?.[1] === "Map";
    const elements = (value: unknown) => (Array.isArray(value) && !isMapType ? value : isMapType && isMap(value) ? Object.values(value) : undefined);
    if (base.mapped) return { get: (fields) => flatElements(get(fields), elements), mapped: true, type };
    return { get: (fields) => elements(get(fields)), mapped: true, type };
  }
  const read = typeof key === "number" ? (value: unknown) => (Array.isArray(value) ? value[key] : undefined) : (value: unknown) => mapValue(value, key.key);
  if (base.mapped) return { get: mapArray(get, read), mapped: true, type };
  return { get: (fields) => read(get(fields)), mapped: false, type };
}

/** `[*]` of each element of a `[*]` value, one flat list (absent when the outer value is). */
function flatElements(values: unknown, elements: (value: unknown) => unknown[] | undefined): unknown[] | undefined {
  if (!Array.isArray(values)) return undefined;
  return values.flatMap((value) => elements(value) ?? []);
}

function mapValue(value: unknown, key: string): unknown {
  return isMap(value) && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function applyTest(left: Compiled, test: Test): Compiled {
  const get = left.get;
  if (left.mapped) return { get: mapArray(get, test), mapped: true };
  return { get: (fields) => test(get(fields)), mapped: false };
}

function mapArray(get: Getter, map: (value: unknown) => unknown): Getter {
  return (fields) => {
    const values = get(fields);
    return Array.isArray(values) ? values.map(map) : undefined;
  };
}

function compileLogical(op: "and" | "or" | "xor", operands: Compiled[]): Compiled {
  if (operands.some((operand) => operand.mapped)) return compileMappedLogical(op, operands);
  const getters = operands.map((operand) => operand.get as CompiledCondition);
  const [a, b] = getters;
  if (getters.length === 2 && a !== undefined && b !== undefined) {
    if (op === "and") return { get: (fields) => a(fields) && b(fields), mapped: false };
    if (op === "or") return { get: (fields) => a(fields) || b(fields), mapped: false };
    return { get: (fields) => a(fields) !== b(fields), mapped: false };
  }
  const count = getters.length;
  if (op === "and") {
    return {
      get: (fields) => {
        for (let i = 0; i < count; i++) if (!(getters[i] as CompiledCondition)(fields)) return false;
        return true;
      },
      mapped: false,
    };
  }
  if (op === "or") {
    return {
      get: (fields) => {
        for (let i = 0; i < count; i++) if ((getters[i] as CompiledCondition)(fields)) return true;
        return false;
      },
      mapped: false,
    };
  }
  return {
    get: (fields) => {
      let result = false;
      for (let i = 0; i < count; i++) result = result !== (getters[i] as CompiledCondition)(fields);
      return result;
    },
    mapped: false,
  };
}

/** Element-wise logic over `[*]` conditions (inside any/all); absent if any side is absent. */
function compileMappedLogical(op: "and" | "or" | "xor", operands: Compiled[]): Compiled {
  const getters = operands.map((operand) => operand.get);
  return {
    get: (fields) => {
      const arrays = getters.map((get) => get(fields));
      if (!arrays.every(Array.isArray)) return undefined;
      const length = Math.min(...arrays.map((values) => (values as unknown[]).length));
      const result: boolean[] = [];
      for (let i = 0; i < length; i++) {
        const bits = arrays.map((values) => (values as unknown[])[i] === true);
        result.push(op === "and" ? bits.every(Boolean) : op === "or" ? bits.some(Boolean) : bits.filter(Boolean).length % 2 === 1);
      }
      return result;
    },
    mapped: true,
  };
}

function literalValue(literal: Literal): unknown {
  return literal.value;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function compareTest(op: CompareOp, literal: Literal): Test {
  switch (literal.type) {
    case "string":
      return stringTest(op, literal.value);
    case "int":
    case "float":
      return numberTest(op, literal.value);
    case "ip":
      return ipTest(op, literal.value);
  }
}

function stringTest(op: CompareOp, expected: string): Test {
  switch (op) {
    case "eq":
      return (value) => value === expected;
    case "ne":
      return (value) => value !== expected;
    case "lt":
      return (value) => typeof value === "string" && compareCodePoints(value, expected) < 0;
    case "le":
      return (value) => typeof value === "string" && compareCodePoints(value, expected) <= 0;
    case "gt":
      return (value) => typeof value === "string" && compareCodePoints(value, expected) > 0;
    case "ge":
      return (value) => typeof value === "string" && compareCodePoints(value, expected) >= 0;
    case "contains":
      return (value) => typeof value === "string" && value.includes(expected);
    case "matches":
    case "wildcard":
    case "strict wildcard": {
      const compiled = op === "matches" ? compileRegex(expected) : compileWildcard(expected, op === "strict wildcard");
      if (!compiled.ok) throw new Error(`Invalid pattern '${expected}': ${compiled.reason}.`);
      const matcher = compiled.matcher;
      return (value) => typeof value === "string" && matcher(value);
    }
  }
}

function numberTest(op: CompareOp, expected: number): Test {
  switch (op) {
    case "eq":
      return (value) => value === expected;
    case "ne":
      return (value) => value !== expected;
    case "lt":
      return (value) => typeof value === "number" && value < expected;
    case "le":
      return (value) => typeof value === "number" && value <= expected;
    case "gt":
      return (value) => typeof value === "number" && value > expected;
    case "ge":
      return (value) => typeof value === "number" && value >= expected;
    default:
      throw new Error(`'${op}' cannot compare numbers.`);
  }
}

function ipTest(op: CompareOp, text: string): Test {
  const expected = parseIpAddress(text);
  if (expected === undefined) throw new Error(`Invalid IP address '${text}'.`);
  const order = (value: unknown): number | undefined => {
    const actual = typeof value === "string" ? cachedIp(value) : undefined;
    if (actual === undefined || actual.version !== expected.version) return undefined;
    return actual.value < expected.value ? -1 : actual.value > expected.value ? 1 : 0;
  };
  const passes = ipOrderTest(op);
  return (value) => passes(order(value));
}

/** `ipTest` for a field whose parsed address the access gives: the IP is not parsed again. */
function parsedIpTest(ip: (fields: FieldValues) => IpValue | undefined, op: CompareOp, text: string): Getter {
  const expected = parseIpAddress(text);
  if (expected === undefined) throw new Error(`Invalid IP address '${text}'.`);
  const wanted = expected.value;
  // The order of the request's address against the literal; undefined for no address or another version.
  const order = (fields: FieldValues): number | undefined => {
    const actual = ip(fields);
    if (actual === undefined || typeof actual !== typeof wanted) return undefined;
    return actual < wanted ? -1 : actual > wanted ? 1 : 0;
  };
  const passes = ipOrderTest(op);
  return (fields) => passes(order(fields));
}

/**
 * Whether an address's order against the literal (-1, 0, 1; undefined for no address or another
 * version) passes `op`: only `ne` holds for an address that cannot be compared.
 */
function ipOrderTest(op: CompareOp): (order: number | undefined) => boolean {
  switch (op) {
    case "eq":
      return (order) => order === 0;
    case "ne":
      return (order) => order !== 0;
    case "lt":
      return (order) => order !== undefined && order < 0;
    case "le":
      return (order) => order !== undefined && order <= 0;
    case "gt":
      return (order) => order !== undefined && order > 0;
    case "ge":
      return (order) => order !== undefined && order >= 0;
    default:
      throw new Error(`'${op}' cannot compare IP addresses.`);
  }
}

/** Code-point order (= UTF-8 byte order), unlike `<` on JS strings, which compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort above every BMP unit from U+E000 up in code-point order.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

// Request IPs repeat across rules and requests: parse each text once, within a bounded cache.
const ipCache = new Map<string, IpAddress | null>();
const IP_CACHE_LIMIT = 10_000;

function cachedIp(text: string): IpAddress | undefined {
  let parsed = ipCache.get(text);
  if (parsed === undefined) {
    if (ipCache.size >= IP_CACHE_LIMIT) ipCache.clear();
    parsed = parseIpAddress(text) ?? null;
    ipCache.set(text, parsed);
  }
  return parsed ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// Sets and lists

/**
 * The field-values key under which a request says whether it is in list `name` (`$name`: no field
 * name starts with `$`). `eval` and `test` cannot see a list's contents, so a request may state its
 * membership (`lists: { office_ips: true }`).
 */
export function listMembershipKey(name: string): string {
  return `$${name}`;
}

/**
 * `value in $name` for a list whose contents are not given: the request's stated membership
 * (`fields["$name"]`), not a member when it states none; an absent value is never a member.
 */
function listMembership(left: Compiled, key: string): Compiled {
  const get = left.get;
  const present = (value: unknown) => value !== undefined && value !== null;
  if (left.mapped) {
    return {
      get: (fields) => {
        const values = get(fields);
        const member = fields[key] === true;
        return Array.isArray(values) ? values.map((value) => member && present(value)) : undefined;
      },
      mapped: true,
    };
  }
  return { get: (fields) => fields[key] === true && present(get(fields)), mapped: false };
}

function listEntryToSetItem(entry: string | number): SetItem {
  if (typeof entry === "number") return { type: "int", value: entry };
  if (entry.includes("/") && parseCidr(entry).ok) return { type: "cidr", value: entry };
  if (parseIpAddress(entry) !== undefined) return { type: "ip", value: entry };
  return { type: "string", value: entry };
}

/** A set's items by kind: strings and integers hashed, integer and IP ranges sorted and merged. */
export interface SetLookup {
  strings: ReadonlySet<string>;
  ints: ReadonlySet<number>;
  inIntRanges: (value: number) => boolean;
  inV4: (value: number) => boolean;
  inV6: (value: bigint) => boolean;
  hasIps: boolean;
}

function membershipTest(items: readonly SetItem[]): Test {
  const { strings, ints, inIntRanges, inV4, inV6, hasIps } = setLookup(items);
  const hasStrings = strings.size > 0;
  return (value) => {
    if (typeof value === "number") return ints.has(value) || inIntRanges(value);
    if (typeof value !== "string") return false;
    if (hasStrings && strings.has(value)) return true;
    if (!hasIps) return false;
    const address = cachedIp(value);
    if (address === undefined) return false;
    return address.version === 4 ? inV4(address.value) : inV6(address.value);
  };
}

/** `membershipTest` for a field whose parsed address the access gives: the IP is not parsed again. */
function parsedMembershipTest(get: Getter, ip: (fields: FieldValues) => IpValue | undefined, items: readonly SetItem[]): Getter {
  const { strings, ints, inIntRanges, inV4, inV6, hasIps } = setLookup(items);
  const hasStrings = strings.size > 0;
  return (fields) => {
    const value = get(fields);
    if (typeof value === "number") return ints.has(value) || inIntRanges(value);
    if (typeof value !== "string") return false;
    if (hasStrings && strings.has(value)) return true;
    if (!hasIps) return false;
    const address = ip(fields);
    if (address === undefined) return false;
    return typeof address === "number" ? inV4(address) : inV6(address);
  };
}

/** Compiles an `in { … }` set's items for lookups (as `in` tests them, a string is also matched as an IP when the set has addresses). */
export function setLookup(items: readonly SetItem[]): SetLookup {
  // Only what the items need is built: the guards compile thousands of small sets, each once.
  let strings: Set<string> | undefined;
  let ints: Set<number> | undefined;
  const intRanges: [number, number][] = [];
  const v4: [number, number][] = [];
  const v6: [bigint, bigint][] = [];
  const addRange = (range: IpRange) => {
    if (range.version === 4) v4.push([range.first, range.last]);
    else v6.push([range.first, range.last]);
  };
  for (const item of items) {
    switch (item.type) {
      case "string":
        (strings ??= new Set()).add(item.value);
        break;
      case "int":
        (ints ??= new Set()).add(item.value);
        break;
      case "int_range":
        intRanges.push([item.from, item.to]);
        break;
      case "ip": {
        const address = parseIpAddress(item.value);
        if (address === undefined) throw new Error(`Invalid IP address '${item.value}'.`);
        addRange(singleAddressRange(address));
        break;
      }
      case "cidr": {
        const cidr = parseCidr(item.value);
        if (!cidr.ok) throw new Error(`Invalid CIDR: ${cidr.reason}.`);
        addRange(cidr.range);
        break;
      }
    }
  }
  return {
    strings: strings ?? NO_STRINGS,
    ints: ints ?? NO_INTS,
    inIntRanges: intRanges.length === 0 ? NEVER : rangeMatcher(mergeRanges(intRanges)),
    inV4: v4.length === 0 ? NEVER : v4RangeMatcher(mergeRanges(v4)),
    inV6: v6.length === 0 ? NEVER : rangeMatcher(mergeRanges(v6)),
    hasIps: v4.length + v6.length > 0,
  };
}

const NO_STRINGS: ReadonlySet<string> = new Set();
const NO_INTS: ReadonlySet<number> = new Set();
const NEVER = (): boolean => false;

/** Binary search over sorted, disjoint IPv4 ranges, kept flat (first, last, first, …) in one typed array. */
function v4RangeMatcher(ranges: ReadonlyArray<[number, number]>): (value: number) => boolean {
  const count = ranges.length;
  const bounds = new Float64Array(2 * count);
  ranges.forEach(([first, last], i) => {
    bounds[2 * i] = first;
    bounds[2 * i + 1] = last;
  });
  return (value) => {
    let low = 0;
    let high = count - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (value < (bounds[2 * middle] as number)) high = middle - 1;
      else if (value > (bounds[2 * middle + 1] as number)) low = middle + 1;
      else return true;
    }
    return false;
  };
}

/** Sorts ranges in place by their start and merges those that overlap. */
function mergeRanges<T extends number | bigint>(ranges: Array<[T, T]>): Array<[T, T]> {
  ranges.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const merged: Array<[T, T]> = [];
  for (const [first, last] of ranges) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && first <= previous[1]) {
      if (last > previous[1]) previous[1] = last;
    } else {
      merged.push([first, last]);
    }
  }
  return merged;
}

/** Binary search over sorted, disjoint ranges. */
function rangeMatcher<T extends number | bigint>(ranges: [T, T][]): (value: T) => boolean {
  if (ranges.length === 0) return () => false;
  return (value) => {
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = ranges[middle] as [T, T];
      if (value < range[0]) high = middle - 1;
      else if (value > range[1]) low = middle + 1;
      else return true;
    }
    return false;
  };
}

// ---------------------------------------------------------------------------------------------
// Functions

const utf8Encoder = new TextEncoder();
const lossyUtf8Decoder = new TextDecoder("utf-8");

function compileCall(name: FunctionName, args: Expr[], options: CompileOptions): Compiled {
  if (name === "any" || name === "all") {
    const [arg] = args;
    if (arg === undefined || args.length !== 1) throw new Error(`'${name}' takes one argument.`);
    const get = compileNode(arg, options).get;
    if (name === "any") {
      return { get: (fields) => { const values = get(fields); return Array.isArray(values) && values.some((v) => v === true); }, mapped: false };
    }
    return { get: (fields) => { const values = get(fields); return Array.isArray(values) && values.every((v) => v === true); }, mapped: false };
  }
  const compiled = args.map((arg) => compileNode(arg, options));
  const [first, ...rest] = compiled;
  if (first === undefined) throw new Error(`'${name}' needs arguments.`);
  const restGetters = rest.map((arg) => arg.get);
  const apply = functionImplementation(name, args);
  const firstGet = first.get;
  const count = restGetters.length;
  // One array per call site holds the other arguments, filled anew on each call: no function
  // keeps it past its call, and a call site is never re-entered while its arguments are read.
  const others: unknown[] = new Array<unknown>(count).fill(undefined);
  const readOthers = (fields: FieldValues): unknown[] => {
    for (let i = 0; i < count; i++) others[i] = (restGetters[i] as Getter)(fields);
    return others;
  };
  if (first.mapped) {
    return {
      get: (fields) => {
        const values = firstGet(fields);
        if (!Array.isArray(values)) return undefined;
        const rest = readOthers(fields);
        return values.map((value) => apply(value, rest));
      },
      mapped: true,
    };
  }
  if (count === 0) return { get: (fields) => apply(firstGet(fields), others), mapped: false };
  if (count === 1) {
    const second = restGetters[0] as Getter;
    return {
      get: (fields) => {
        const value = firstGet(fields);
        others[0] = second(fields);
        return apply(value, others);
      },
      mapped: false,
    };
  }
  return { get: (fields) => { const value = firstGet(fields); return apply(value, readOthers(fields)); }, mapped: false };
}

/** A function's implementation: its first argument, and the others in an array it must not keep. */
type Implementation = (first: unknown, rest: unknown[]) => unknown;

// Module-level patterns: a regex literal in a closure would be a new object on every call.
const UPPER_ASCII = /[A-Z]/g;
const LOWER_ASCII = /[a-z]/g;

function functionImplementation(name: Exclude<FunctionName, "any" | "all">, args: Expr[]): Implementation {
  switch (name) {
    case "lower":
      return (value) => (typeof value === "string" ? asciiCase(value, UPPER_ASCII, 32) : undefined);
    case "upper":
      return (value) => (typeof value === "string" ? asciiCase(value, LOWER_ASCII, -32) : undefined);
    case "len":
      return (value) => (typeof value === "string" ? utf8Length(value) : Array.isArray(value) ? value.length : undefined);
    case "starts_with":
      return (value, rest) => { const prefix = rest[0]; return typeof value === "string" && typeof prefix === "string" ? value.startsWith(prefix) : undefined; };
    case "ends_with":
      return (value, rest) => { const suffix = rest[0]; return typeof value === "string" && typeof suffix === "string" ? value.endsWith(suffix) : undefined; };
    case "substring":
      return (value, rest) => {
        const start = rest[0];
        const end = rest[1];
        return typeof value === "string" && typeof start === "number" && (end === undefined || typeof end === "number") ? byteSubstring(value, start, end) : undefined;
      };
    case "concat":
      return (value, rest) => {
        const all = [value, ...rest];
        if (all.every((part) => typeof part === "string")) return all.join("");
        if (all.every(Array.isArray)) return (all as unknown[][]).flat();
        return undefined;
      };
    case "url_decode": {
      const optionArg = args[1];
      const flags = optionArg?.kind === "literal" && optionArg.literal.type === "string" ? optionArg.literal.value : "";
      const recursive = flags.includes("r");
      const unicode = flags.includes("u");
      return (value) => (typeof value === "string" ? urlDecode(value, recursive, unicode) : undefined);
    }
    case "to_string":
      return (value) =>
        typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
    case "cidr":
    case "cidr6": {
      const [v4Bits, v6Bits] = (name === "cidr" ? args.slice(1, 3) : [undefined, args[1]]).map((arg) => (arg?.kind === "literal" ? Number(arg.literal.value) : 32));
      return (value) => (typeof value === "string" ? networkAddress(value, v4Bits ?? 32, v6Bits ?? 128) : undefined);
    }
    case "decode_base64":
      return (value) => (typeof value === "string" ? decodeBase64(value) : undefined);
    case "join":
      return (value, [separator]) =>
        Array.isArray(value) && typeof separator === "string" && value.every((item) => typeof item === "string") ? value.join(separator) : undefined;
    case "lookup_json_integer":
    case "lookup_json_string": {
      const wanted = name === "lookup_json_integer" ? "integer" : "string";
      return (value, keys) => (typeof value === "string" ? lookupJson(value, keys, wanted) : undefined);
    }
    case "remove_bytes":
      return (value, [bytes]) => (typeof value === "string" && typeof bytes === "string" ? removeBytes(value, bytes) : undefined);
    case "is_timed_hmac_valid_v0":
      return (key, [messageMac, ttl, now, separator, flags]) =>
        typeof key === "string" && typeof messageMac === "string" && typeof ttl === "number" && typeof now === "number"
          ? timedHmacValid(key, messageMac, ttl, now, typeof separator === "number" ? separator : 0, flags === "s")
          : undefined;
    case "regex_replace":
    case "wildcard_replace":
    case "remove_query_args":
    case "uuidv4":
    case "split":
      // Rewrite- and response-only: the type checker refuses them in every condition bot-policy evaluates.
      return () => undefined;
  }
}

/** `cidr()`: the network address of an IP for a prefix length per version (absent for a non-IP). */
function networkAddress(text: string, v4Bits: number, v6Bits: number): string | undefined {
  const address = cachedIp(text);
  if (address === undefined) return undefined;
  if (address.version === 4) {
    const mask = v4Bits >= 32 ? 0xffffffff : ~(0xffffffff >>> v4Bits) >>> 0;
    return formatIpAddress({ version: 4, value: (address.value & mask) >>> 0 });
  }
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - v6Bits)) - 1n);
  return formatIpAddress({ version: 6, value: address.value & mask });
}

/** Standard or URL-safe Base64, padding optional; absent when the text is not Base64. */
function decodeBase64(value: string): string | undefined {
  const bytes = decodeBase64Bytes(value.replace(/-/g, "+").replace(/_/g, "/"));
  return bytes === undefined ? undefined : lossyUtf8Decoder.decode(bytes);
}

/** `lookup_json_*()`: follows string keys and array positions; absent unless it ends on a value of the wanted kind. */
function lookupJson(text: string, keys: readonly unknown[], wanted: "integer" | "string"): unknown {
  let current: unknown;
  try {
    current = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  for (const key of keys) {
    if (typeof key === "number" && Array.isArray(current)) current = current[key];
    else if (typeof key === "string" && isMap(current) && Object.prototype.hasOwnProperty.call(current, key)) current = current[key];
    else return undefined;
  }
  if (wanted === "string") return typeof current === "string" ? current : undefined;
  // Only a plain integer: `42.0` in the text is not one for the engine, but JSON.parse cannot tell; Number.isSafeInteger keeps the exact ones.
  return Number.isSafeInteger(current) ? current : undefined;
}

/**
 * `is_timed_hmac_valid_v0()` as Cloudflare documents it: the MessageMAC is
 * `<message><separator><10-digit timestamp>-<Base64 MAC>` (the last such split, as the greedy
 * `(.+)(.*)(\d{10})-(.{43,})` takes it); the MAC is HMAC-SHA256 of message and timestamp, in standard
 * Base64 URL-encoded, or URL-safe Base64 without padding with the `s` flag. Valid while the
 * token is at most `ttl` seconds old; a timestamp after `now` is not valid (an assumption: the
 * documentation only speaks of expiry).
 */
function timedHmacValid(key: string, messageMac: string, ttl: number, now: number, separator: number, urlSafe: boolean): boolean {
  const match = /^([\s\S]+)(\d{10})-([\s\S]{43,})$/.exec(messageMac);
  if (match === null) return false;
  const [, head = "", stamp = "", mac = ""] = match;
  const message = head.slice(0, head.length - separator);
  if (message.length === 0 || head.length < separator) return false;
  const issued = Number(stamp);
  if (issued > now || now - issued > ttl) return false;
  const expected = hmacSha256(utf8Encoder.encode(key), utf8Encoder.encode(message + stamp));
  let base64: string;
  try {
    base64 = urlSafe ? mac : decodeURIComponent(mac);
  } catch {
    return false;
  }
  const given = decodeBase64Bytes(urlSafe ? base64.replace(/-/g, "+").replace(/_/g, "/") : base64);
  return given !== undefined && given.length === expected.length && given.every((byte, i) => byte === expected[i]);
}

function decodeBase64Bytes(value: string): Uint8Array | undefined {
  const bare = value.replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1) return undefined;
  return Uint8Array.from(atob(bare.padEnd(Math.ceil(bare.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
}

/** `remove_bytes()`: drops every byte that occurs in `bytes` (UTF-8), like the engine does on raw bytes. */
function removeBytes(value: string, bytes: string): string {
  const drop = new Set(utf8Encoder.encode(bytes));
  return lossyUtf8Decoder.decode(utf8Encoder.encode(value).filter((byte) => !drop.has(byte)));
}

function asciiCase(value: string, letters: RegExp, shift: number): string {
  letters.lastIndex = 0;
  if (!letters.test(value)) return value;
  letters.lastIndex = 0;
  return value.replace(letters, (c) => String.fromCharCode(c.charCodeAt(0) + shift));
}

function utf8Length(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    // Each half of a surrogate pair counts 2, making the pair's 4 bytes.
    else if (c >= 0xd800 && c <= 0xdfff) length += 2;
    else length += 3;
  }
  return length;
}

/** Byte offsets, negative from the end, end exclusive; a cut inside a character yields U+FFFD. */
function byteSubstring(value: string, start: number, end: number | undefined): string {
  // Byte and character offsets agree up to the first non-ASCII character: a cut from the start
  // (as of a JA4's sections) only needs the characters before its end to be ASCII.
  const reach = start >= 0 && end !== undefined && end >= 0 ? Math.min(end, value.length) : value.length;
  if (asciiUpTo(value, reach)) return value.slice(start, end);
  return lossyUtf8Decoder.decode(utf8Encoder.encode(value).slice(start, end));
}

function asciiUpTo(value: string, reach: number): boolean {
  for (let i = 0; i < reach; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

function urlDecode(value: string, recursive: boolean, unicode: boolean): string {
  let current = value;
  // Recursive decoding stops when nothing changes; the bound guards against pathological input.
  for (let round = 0; round < 16; round++) {
    const decoded = urlDecodeOnce(current, unicode);
    if (!recursive || decoded === current) return decoded;
    current = decoded;
  }
  return current;
}

function urlDecodeOnce(value: string, unicode: boolean): string {
  if (!value.includes("%") && !value.includes("+")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "+") {
      bytes.push(0x20);
    } else if (c === "%" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (unicode && c === "%" && /^[uU][0-9a-fA-F]{4}$/.test(value.slice(i + 1, i + 6))) {
      for (const b of utf8Encoder.encode(String.fromCharCode(parseInt(value.slice(i + 2, i + 6), 16)))) bytes.push(b);
      i += 5;
    } else {
      const codePoint = value.codePointAt(i) as number;
      const chunk = String.fromCodePoint(codePoint);
      for (const b of utf8Encoder.encode(chunk)) bytes.push(b);
      i += chunk.length - 1;
    }
  }
  return lossyUtf8Decoder.decode(new Uint8Array(bytes));
}

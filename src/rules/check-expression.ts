import type { Expr, FunctionName, IndexKey, Literal, SetItem } from "./ast.js";
import { compileRegex } from "./compile-regex.js";
import { compileWildcard } from "./compile-wildcard.js";
import { FIELD_NAMES, lookupField, type FieldInfo, type FieldType } from "./field-catalog.js";
import { valueFormatOf, valueProblem, type RulesValueFormat, type ValueFormat } from "./field-values.js";
import { walkExpression } from "./walk-expression.js";
import { ipv4Form, parseCidr, parseIpAddress } from "./ip-address.js";
import { MAX_NESTING_DEPTH } from "./parse-expression.js";
import type { RulesError } from "./rules-error.js";
import { findLoneSurrogate } from "./well-formed-unicode.js";

/** A Cloudflare plan, as far as the Rules language cares. */
export type Tier = "free" | "pro" | "business" | "enterprise";

/** Where an expression is used, and what it may reference. */
export interface CheckOptions {
  tier: Tier;
  /** `filter`: a rule's condition (must be Bool); `rewrite`: a header value (must be String). */
  context: "filter" | "rewrite";
  allowWorkerFields: boolean;
}

type Scalar = "String" | "Int" | "Bool" | "Ip" | "Float" | "Bytes";

/** The type of an expression: a field type (containers included), or an array produced by `[*]`. */
export type RulesType = FieldType;

/**
 * `type` is a scalar or a container (`Array<…>`, `Map<…>`); `mapped`: the value came through
 * `[*]`, so it stands for one value per element.
 */
interface Typed {
  type: string;
  mapped: boolean;
}

interface Container {
  kind: "Array" | "Map";
  element: string;
}

/** Each type's container, read once: the few type names recur on every node. */
const containers = new Map<string, Container | null>();

/** The element type of `Array<T>` or the value type of `Map<T>`; `undefined` for a scalar. */
function containerOf(type: string): Container | undefined {
  let container = containers.get(type);
  if (container === undefined) {
    const match = /^(Array|Map)<(.+)>$/.exec(type);
    container = match === null ? null : { kind: match[1] as "Array" | "Map", element: match[2] as string };
    containers.set(type, container);
  }
  return container ?? undefined;
}

interface Scope {
  /** Inside the argument of any(…)/all(…), where `[*]` is allowed. */
  inAnyAll: boolean;
  /** The expression is a function's first argument, where `[*]` is also allowed. */
  firstArgument: boolean;
}

const TIER_RANK: Readonly<Record<Tier, number>> = { free: 0, pro: 1, business: 2, enterprise: 3 };

/** The lowest plan each requirement needs (`all` needs none). */
const PLAN_TIER: Readonly<Record<FieldInfo["requires"], Tier | undefined>> = {
  all: undefined,
  pro: "pro",
  business: "business",
  enterprise: "enterprise",
  enterprise_add_on: "enterprise",
  enterprise_bot_management: "enterprise",
};

const PLAN_WORDS: Readonly<Record<FieldInfo["requires"], string>> = {
  all: "no particular plan",
  pro: "the Pro plan or above",
  business: "the Business plan or above",
  enterprise: "the Enterprise plan",
  enterprise_add_on: "the Enterprise plan with a paid add-on",
  enterprise_bot_management: "the Enterprise plan with Bot Management",
};

const NOT_WELL_FORMED = "This string is not well-formed Unicode (it holds a lone surrogate): Cloudflare could never receive it.";
/** The four scopes, shared: a scope is never changed, so none is built per node. */
const SCOPES: readonly Scope[] = [
  { inAnyAll: false, firstArgument: false },
  { inAnyAll: false, firstArgument: true },
  { inAnyAll: true, firstArgument: false },
  { inAnyAll: true, firstArgument: true },
];
const TOP = SCOPES[0] as Scope;

function scopeOf(inAnyAll: boolean, firstArgument: boolean): Scope {
  return SCOPES[(inAnyAll ? 2 : 0) + (firstArgument ? 1 : 0)] as Scope;
}

function notFirstArgument(scope: Scope): Scope {
  return scopeOf(scope.inAnyAll, false);
}

/** The Bool types, shared: a type is never changed, and most nodes are conditions. */
const BOOL: Typed = { type: "Bool", mapped: false };
const BOOL_MAPPED: Typed = { type: "Bool", mapped: true };

function boolTyped(mapped: boolean): Typed {
  return mapped ? BOOL_MAPPED : BOOL;
}

const ORDERING_TYPES = new Set(["Int", "Float", "String"]);

/**
 * Type-checks an expression for a zone's plan and a usage context; returns every problem found,
 * located by the spans of the offending nodes (0..0 for nodes built without text).
 */
export function checkExpression(expr: Expr, options: CheckOptions): RulesError[] {
  // Lowering checks every condition for Enterprise, and the zone check asks again for the zone's
  // plan: a node that passed once with the same options (nodes are never changed) passes again.
  // The options as one bit of a mask: no key is built per call.
  const bit = 1 << (TIER_RANK[options.tier] * 4 + (options.context === "filter" ? 2 : 0) + (options.allowWorkerFields ? 1 : 0));
  const mask = passed.get(expr) ?? 0;
  if ((mask & bit) !== 0) return [];
  const errors = checkExpressionOnce(expr, options);
  if (errors.length === 0) passed.set(expr, mask | bit);
  return errors;
}

/**
 * Declares that every item of `items` is a well-formed value of `format`, checked with the same
 * validator (`valueProblem`, `ipProblem`) where its set is declared: a membership test of a field
 * of that format over exactly these items then skips reading each item again. Lowering calls it
 * for a typed set's items, so a 50,000-item set is checked once, not once more per condition.
 */
export function noteCheckedItems(items: readonly SetItem[], format: "ja3" | "ja4" | "ip"): void {
  checkedItems.set(items, format);
}

/** Item lists noted by noteCheckedItems, with the format their items were checked for. */
const checkedItems = new WeakMap<readonly SetItem[], ValueFormat>();

/** The options each node passed checkExpression with, one bit per combination. */
const passed = new WeakMap<Expr, number>();

function checkExpressionOnce(expr: Expr, options: CheckOptions): RulesError[] {
  const errors: RulesError[] = [];
  // An AST built by lowering has no parser that bounded its depth: Cloudflare's engine would refuse it.
  const depth = nestingDepth(expr);
  if (depth > MAX_NESTING_DEPTH) {
    report(errors, expr, `The expression nests ${depth} levels deep; Cloudflare's engine allows ${MAX_NESTING_DEPTH}.`);
    return errors;
  }
  const typed = typeExpression(expr, options, errors);
  if (typed !== undefined) {
    if (options.context === "filter") {
      requireCondition(expr, typed, errors);
    } else if (typed.type !== "String" || typed.mapped) {
      report(errors, expr, `A rewrite expression must produce a String, but this one is ${show(typed)}.`);
    }
  }
  return errors;
}

/** The type of an expression, or `undefined` when it does not type-check. */
export function expressionType(expr: Expr): RulesType | undefined {
  const errors: RulesError[] = [];
  const typed = typeExpression(expr, { tier: "enterprise", context: "rewrite", allowWorkerFields: true }, errors);
  return typed === undefined || errors.length > 0 ? undefined : (show(typed) as RulesType);
}

function typeExpression(expr: Expr, options: CheckOptions, errors: RulesError[]): Typed | undefined {
  return check({ options, errors }, expr, TOP);
}

/** What one type check reads and collects, passed along rather than closed over (no closures per check). */
interface Checking {
  options: CheckOptions;
  errors: RulesError[];
}

function check(ctx: Checking, node: Expr, scope: Scope): Typed | undefined {
  switch (node.kind) {
    case "field":
      return checkField(ctx, node, scope);
    case "literal":
      if (node.literal.type === "string" && findLoneSurrogate(node.literal.value) !== -1) {
        report(ctx.errors, node, NOT_WELL_FORMED);
        return undefined;
      }
      return { type: literalType(node.literal), mapped: false };
    case "constant":
      return BOOL;
    case "compare":
      return checkCompare(ctx, node, scope);
    case "in":
    case "in_list":
      return checkMembership(ctx, node, scope);
    case "not": {
      const operand = check(ctx, node.operand, notFirstArgument(scope));
      if (operand === undefined || !requireCondition(node.operand, operand, ctx.errors, true)) return undefined;
      return boolTyped(operand.mapped);
    }
    case "logical": {
      // Every operand is checked (each problem is reported), counting rather than collecting.
      let ok = true;
      let mapped = false;
      let single = false;
      for (const operand of node.operands) {
        const typed = check(ctx, operand, notFirstArgument(scope));
        if (typed === undefined || !requireCondition(operand, typed, ctx.errors, true)) ok = false;
        else if (typed.mapped) mapped = true;
        else single = true;
      }
      if (!ok) return undefined;
      if (mapped && single) {
        report(ctx.errors, node, `Cannot combine a per-element '[*]' condition with a single condition in '${node.op}'.`);
        return undefined;
      }
      return boolTyped(mapped);
    }
    case "call":
      return checkCall(ctx, node, scope);
    case "index":
      return checkIndex(ctx, node, scope);
  }
}

function checkField(ctx: Checking, node: Extract<Expr, { kind: "field" }>, scope: Scope): Typed | undefined {
  const info = lookupField(node.name);
  if (info === undefined) {
    const suggestion = closestName(node.name, FIELD_NAMES);
    report(ctx.errors, node, `Unknown field '${node.name}'.${suggestion === undefined ? "" : ` Did you mean '${suggestion}'?`}`);
    return undefined;
  }
  if (info.stage === "worker" && !ctx.options.allowWorkerFields) {
    report(
      ctx.errors,
      node,
      `Field '${node.name}' exists only in the Worker, not in Cloudflare's Rules language, so an edge expression cannot use it.`,
    );
    return undefined;
  }
  const needed = PLAN_TIER[info.requires];
  if (needed !== undefined && TIER_RANK[ctx.options.tier] < TIER_RANK[needed]) {
    report(ctx.errors, node, `Field '${node.name}' needs ${PLAN_WORDS[info.requires]}, but the zone is on '${ctx.options.tier}'.`);
  }
  if (info.transformOnly === true && ctx.options.context === "filter") {
    report(ctx.errors, node, `Field '${node.name}' is only available in Transform Rules, not in a rule's condition.`);
    return undefined;
  }
  const typed: Typed = { type: info.type, mapped: false };
  return node.index === undefined ? typed : applyIndex(ctx, node, typed, node.index, scope, `Field '${node.name}'`);
}

/** The type of `value[key]`: an array element, a map value, or every element with `[*]`. */
function applyIndex(ctx: Checking, node: Expr, base: Typed, key: IndexKey, scope: Scope, what: string): Typed | undefined {
  if (key === "*" && !scope.inAnyAll && !scope.firstArgument) {
    report(ctx.errors, node, "'[*]' is only allowed inside any(…) or all(…), or as a function's first argument.");
    return undefined;
  }
  if (base.mapped && key === "*" && containerOf(base.type) === undefined) {
    // `f(x[*])[*]`: a function of a `[*]` value returns an array, which `[*]` reads element by element again.
    return base;
  }
  const container = containerOf(base.type);
  if (container === undefined) {
    report(ctx.errors, node, `${what} is ${show(base)}, not an array or a map, so it cannot be indexed.`);
    return undefined;
  }
  if (typeof key === "number" && container.kind !== "Array") {
    report(ctx.errors, node, `${what} is ${base.type}: a map is indexed by a quoted key (e.g. ["name"]), not by a number.`);
    return undefined;
  }
  if (typeof key === "object" && container.kind !== "Map") {
    report(ctx.errors, node, `${what} is ${base.type}: an array is indexed by a number or '*', not by a key.`);
    return undefined;
  }
  if (typeof key === "number" && !Number.isSafeInteger(key)) {
    report(ctx.errors, node, `The index of ${what} must be '*' or a non-negative integer.`);
    return undefined;
  }
  return { type: container.element, mapped: base.mapped || key === "*" };
}

function checkIndex(ctx: Checking, node: Extract<Expr, { kind: "index" }>, scope: Scope): Typed | undefined {
  if (node.base.kind !== "field" && node.base.kind !== "call" && node.base.kind !== "index") {
    report(ctx.errors, node, "Only a field, a function call or an index can be indexed.");
    return undefined;
  }
  const base = check(ctx, node.base, scope);
  if (base === undefined) return undefined;
  // `x[*][*]` flattens nested containers (`Array<Array<String>>`), as the engine's index chain does.
  if (base.mapped && node.key === "*" && node.base.kind !== "call" && containerOf(base.type) === undefined) {
    report(ctx.errors, node, "'[*]' cannot follow another '[*]' except on a function's result.");
    return undefined;
  }
  return applyIndex(ctx, node, base, node.key, scope, describe(node.base));
}

/** The left side of a comparison or membership test: a non-Bool, non-array value. */
function checkLeft(ctx: Checking, left: Expr, scope: Scope, operator: string): Typed | undefined {
  if (left.kind !== "field" && left.kind !== "call" && left.kind !== "index") {
    report(ctx.errors, left, `The left side of '${operator}' must be a field or a function call.`);
    return undefined;
  }
  const typed = check(ctx, left, notFirstArgument(scope));
  if (typed === undefined) return undefined;
  if (typed.type === "Bool") {
    report(
      ctx.errors,
      left,
      `${describe(left)} is Bool: use it as a condition by itself (write it alone or with 'not'), without '${operator}'.`,
    );
    return undefined;
  }
  if (containerOf(typed.type)?.kind === "Array") {
    report(ctx.errors, left, `${describe(left)} is an array (${typed.type}): compare its elements with '[*]' inside any(…)/all(…), or one element with '[N]'.`);
    return undefined;
  }
  if (containerOf(typed.type)?.kind === "Map") {
    report(ctx.errors, left, `${describe(left)} is ${typed.type}: read one key with '["name"]' (e.g. any(${describe(left, true)}["name"][*] eq "value")).`);
    return undefined;
  }
  return typed;
}

function checkCompare(ctx: Checking, node: Extract<Expr, { kind: "compare" }>, scope: Scope): Typed | undefined {
  const left = checkLeft(ctx, node.left, scope, node.op);
  const right = node.right;
  if (right.kind !== "literal") {
    report(ctx.errors, right, `The right side of '${node.op}' must be a literal value: fields cannot be compared with each other.`);
    return undefined;
  }
  if (node.op === "matches" && ctx.options.tier !== "business" && ctx.options.tier !== "enterprise") {
    report(ctx.errors, node, `'matches' (regular expressions) needs the Business or Enterprise plan, but the zone is on '${ctx.options.tier}'.`);
  }
  if (left === undefined) return undefined;
  const literal = right.literal;
  if (literal.type === "string" && findLoneSurrogate(literal.value) !== -1) {
    report(ctx.errors, right, NOT_WELL_FORMED);
    return undefined;
  }
  const valueType = literalType(literal);
  switch (node.op) {
    case "eq":
    case "ne": {
      if (!literalFits(left.type, literal)) {
        report(ctx.errors, right, `${describe(node.left)} is ${left.type}, so '${node.op}' needs ${article(left.type)} value, not ${article(valueType)}.`);
        return undefined;
      }
      const format = valueFormatOf(node.left);
      const problem = isCaseFormat(format) ? undefined : formatProblem(format, literal.value, false);
      if (problem !== undefined) {
        report(ctx.errors, right, `${describe(node.left)} never equals '${literal.value}': ${problem}.`);
        return undefined;
      }
      break;
    }
    case "lt":
    case "le":
    case "gt":
    case "ge":
      if (!ORDERING_TYPES.has(left.type)) {
        report(ctx.errors, node, `'${node.op}' does not apply to ${left.type} values (only Int, Float and String).`);
        return undefined;
      }
      if (!literalFits(left.type, literal)) {
        report(ctx.errors, right, `${describe(node.left)} is ${left.type}, so '${node.op}' needs ${article(left.type)} value, not ${article(valueType)}.`);
        return undefined;
      }
      break;
    case "contains":
    case "matches":
    case "wildcard":
    case "strict wildcard": {
      if (left.type !== "String") {
        report(ctx.errors, node, `'${node.op}' applies only to String values, but ${describe(node.left)} is ${left.type}.`);
        return undefined;
      }
      if (literal.type !== "string") {
        report(ctx.errors, right, `'${node.op}' needs a string, not ${article(valueType)}.`);
        return undefined;
      }
      const compiled =
        node.op === "matches"
          ? compileRegex(literal.value)
          : node.op === "contains"
            ? ({ ok: true } as const)
            : compileWildcard(literal.value, node.op === "strict wildcard");
      if (!compiled.ok) {
        const what = node.op === "matches" ? "regular expression" : "wildcard pattern";
        report(ctx.errors, right, `Invalid ${what}: ${compiled.reason}.`);
        return undefined;
      }
      break;
    }
  }
  return boolTyped(left.mapped);
}

function checkMembership(ctx: Checking, node: Extract<Expr, { kind: "in" | "in_list" }>, scope: Scope): Typed | undefined {
  const left = checkLeft(ctx, node.left, scope, "in");
  if (left === undefined) return undefined;
  if (node.kind === "in_list") {
    if (left.type !== "Ip" && left.type !== "Int" && left.type !== "String") {
      report(ctx.errors, node, `Lists hold IPs, ASNs and hostnames; ${describe(node.left)} is ${left.type}.`);
      return undefined;
    }
    return boolTyped(left.mapped);
  }
  if (left.type === "Bool") return undefined;
  if (node.items.length === 0) {
    report(ctx.errors, node, "A set needs at least one item.");
    return undefined;
  }
  const format = valueFormatOf(node.left);
  if (format !== undefined && checkedItems.get(node.items) === format) return boolTyped(left.mapped);
  let ok = true;
  const checksFormat = format !== undefined && !isCaseFormat(format);
  // The common IPv4 item is well formed for an Ip value and for the `ip` format at once: one scan.
  const ipFast = left.type === "Ip" && (format === "ip" || format === undefined);
  for (const item of node.items) {
    if (ipFast && (item.type === "ip" || item.type === "cidr") && ipv4Form(item.value) === item.type) continue;
    let problem = setItemProblem(left.type, item);
    if (problem === undefined && checksFormat && item.type !== "int_range") {
      const misfit = formatProblem(format, item.value, true);
      if (misfit !== undefined) problem = `{left} never equals '${item.value}': ${misfit}.`;
    }
    if (problem !== undefined) {
      ctx.errors.push({ message: problem.replace("{left}", describe(node.left)), ...(item.span ?? node.span ?? { start: 0, end: 0 }) });
      ok = false;
    }
  }
  return ok ? boolTyped(left.mapped) : undefined;
}

function checkCall(ctx: Checking, node: Extract<Expr, { kind: "call" }>, scope: Scope): Typed | undefined {
  const signature = SIGNATURES[node.name];
  if (signature === undefined) {
    report(ctx.errors, node, `Unknown function '${String(node.name)}'.`);
    return undefined;
  }
  if (signature.where === "rewrite" && ctx.options.context !== "rewrite") {
    report(ctx.errors, node, `${node.name}() is only allowed in transform-rule rewrite expressions.`);
  }
  if (signature.plan !== undefined && TIER_RANK[ctx.options.tier] < TIER_RANK[signature.plan]) {
    report(ctx.errors, node, `${node.name}() needs ${PLAN_WORDS[signature.plan]}, but the zone is on '${ctx.options.tier}'.`);
  }
  if (signature.where === "response") {
    report(ctx.errors, node, `${node.name}() is only allowed in response header transform rules and custom error rules, not in request rules.`);
    return undefined;
  }
  const count = node.args.length;
  if (count < signature.min || count > signature.max) {
    const expected =
      signature.min === signature.max
        ? `${signature.min}`
        : signature.max === Infinity
          ? `at least ${signature.min}`
          : `${signature.min} to ${signature.max}`;
    report(ctx.errors, node, `'${node.name}' takes ${expected} argument${expected === "1" ? "" : "s"}, but ${count} ${count === 1 ? "was" : "were"} given.`);
    return undefined;
  }
  const isAnyAll = node.name === "any" || node.name === "all";
  const args = node.args.map((arg, position) =>
    check(ctx, arg, scopeOf(scope.inAnyAll || isAnyAll, position === 0)),
  );
  if (args.some((arg) => arg === undefined)) return undefined;
  let ok = true;
  args.forEach((typed, position) => {
    const arg = node.args[position] as Expr;
    const rule = signature.args[Math.min(position, signature.args.length - 1)];
    if (typed === undefined || rule === undefined) return;
    const problem = rule(typed, arg, position);
    if (problem !== undefined) {
      report(ctx.errors, arg, `Argument ${position + 1} of '${node.name}' ${problem}.`);
      ok = false;
    }
  });
  if (!ok) return undefined;
  const first = args[0];
  const type = signature.returns(first);
  return { type, mapped: !isAnyAll && first?.mapped === true };
}


type ArgumentRule = (typed: Typed, arg: Expr, position: number) => string | undefined;

interface Signature {
  min: number;
  max: number;
  args: ArgumentRule[];
  returns: (first: Typed | undefined) => Typed["type"];
  /** `rewrite`: only in Transform Rules' rewrite expressions; `response`: only in response-phase rules. */
  where?: "rewrite" | "response";
  /** The lowest plan that has the function. */
  plan?: Exclude<Tier, "free">;
}

const single = (typed: Typed, position: number): string | undefined =>
  typed.mapped && position > 0 ? "cannot be a '[*]' value" : undefined;

const needsType =
  (...types: Typed["type"][]): ArgumentRule =>
  (typed, _arg, position) =>
    single(typed, position) ??
    (types.includes(typed.type)
      ? undefined
      : `must be ${types.join(" or ")}, not ${typed.type}${typed.mapped ? " (each element of '[*]')" : ""}`);

const needsLiteral =
  (type: "string" | "int"): ArgumentRule =>
  (_typed, arg) =>
    arg.kind === "literal" && arg.literal.type === type ? undefined : `must be ${type === "string" ? "a string" : "an integer"} literal`;

const needsStringOrArray: ArgumentRule = (typed, _arg, position) =>
  single(typed, position) ??
  (typed.type === "String" || typed.type === "Bytes" || containerOf(typed.type)?.kind === "Array"
    ? undefined
    : `must be String or an array, not ${typed.type}${typed.mapped ? " (each element of '[*]')" : ""}`);

/** Cloudflare refuses a literal where the function needs a field's value ("the source must be a field"). */
const fromField =
  (rule: ArgumentRule): ArgumentRule =>
  (typed, arg, position) =>
    arg.kind === "literal" ? "must be a field or a function of one, not a literal" : rule(typed, arg, position);

const intLiteralIn =
  (min: number, max: number): ArgumentRule =>
  (typed, arg, position) =>
    needsLiteral("int")(typed, arg, position) ??
    (arg.kind === "literal" && typeof arg.literal.value === "number" && arg.literal.value >= min && arg.literal.value <= max
      ? undefined
      : `must be from ${min} to ${max}`);

const jsonKey: ArgumentRule = (_typed, arg) =>
  arg.kind === "literal" && (arg.literal.type === "string" || (arg.literal.type === "int" && arg.literal.value >= 0))
    ? undefined
    : "must be a string key or a non-negative integer position (a literal)";

const needsStringArray: ArgumentRule = (typed, _arg, position) =>
  single(typed, position) ?? (typed.type === "Array<String>" && !typed.mapped ? undefined : `must be Array<String>, not ${show(typed)}`);

const needsBoolArray: ArgumentRule = (typed) =>
  typed.type === "Bool" && typed.mapped
    ? undefined
    : `must be a '[*]' condition (e.g. any(cf.bot_management.detection_ids[*] eq 1)), not ${show(typed)}`;

const urlDecodeOptions: ArgumentRule = (typed, arg, position) =>
  needsLiteral("string")(typed, arg, position) ??
  (arg.kind === "literal" && arg.literal.type === "string" && /^[ru]*$/.test(arg.literal.value)
    ? undefined
    : "may only contain the options 'r' and 'u'");

const SIGNATURES: Readonly<Record<FunctionName, Signature>> = {
  any: { min: 1, max: 1, args: [needsBoolArray], returns: () => "Bool" },
  all: { min: 1, max: 1, args: [needsBoolArray], returns: () => "Bool" },
  starts_with: { min: 2, max: 2, args: [fromField(needsType("String")), needsLiteral("string")], returns: () => "Bool" },
  ends_with: { min: 2, max: 2, args: [fromField(needsType("String")), needsLiteral("string")], returns: () => "Bool" },
  lower: { min: 1, max: 1, args: [needsType("String")], returns: () => "String" },
  upper: { min: 1, max: 1, args: [needsType("String")], returns: () => "String" },
  len: { min: 1, max: 1, args: [needsStringOrArray], returns: () => "Int" },
  substring: {
    min: 2,
    max: 3,
    args: [needsType("String"), needsLiteral("int"), needsLiteral("int")],
    returns: () => "String",
  },
  concat: {
    min: 1,
    max: Infinity,
    args: [needsStringOrArray, needsStringOrArray],
    returns: (first) => (first !== undefined && containerOf(first.type) !== undefined ? first.type : "String"),
  },
  url_decode: { min: 1, max: 2, args: [fromField(needsType("String")), urlDecodeOptions], returns: () => "String" },
  to_string: { min: 1, max: 1, args: [needsType("Int", "Float", "Bool", "Ip", "String")], returns: () => "String", where: "rewrite" },
  cidr: { min: 3, max: 3, args: [fromField(needsType("Ip")), intLiteralIn(1, 32), intLiteralIn(1, 128)], returns: () => "Ip" },
  cidr6: { min: 2, max: 2, args: [fromField(needsType("Ip")), intLiteralIn(1, 128)], returns: () => "Ip" },
  decode_base64: { min: 1, max: 1, args: [fromField(needsType("String"))], returns: () => "String" },
  join: { min: 2, max: 2, args: [needsStringArray, needsLiteral("string")], returns: () => "String" },
  lookup_json_integer: { min: 2, max: Infinity, args: [needsType("String"), jsonKey], returns: () => "Int" },
  lookup_json_string: { min: 2, max: Infinity, args: [needsType("String"), jsonKey], returns: () => "String" },
  remove_bytes: { min: 2, max: 2, args: [needsType("String", "Bytes"), needsLiteral("string")], returns: () => "String" },
  regex_replace: { min: 3, max: 3, args: [needsType("String"), needsLiteral("string"), needsLiteral("string")], returns: () => "String", where: "rewrite" },
  wildcard_replace: {
    min: 3,
    max: 4,
    args: [fromField(needsType("String", "Bytes")), needsLiteral("string"), needsLiteral("string"), needsLiteral("string")],
    returns: () => "String",
    where: "rewrite",
  },
  remove_query_args: { min: 2, max: Infinity, args: [fromField(needsType("String")), needsLiteral("string")], returns: () => "String", where: "rewrite" },
  uuidv4: { min: 1, max: 1, args: [needsType("Bytes")], returns: () => "String", where: "rewrite" },
  is_timed_hmac_valid_v0: {
    min: 4,
    max: 6,
    args: [
      needsLiteral("string"),
      needsType("String"),
      intLiteralIn(0, Number.MAX_SAFE_INTEGER),
      needsType("Int"),
      intLiteralIn(0, Number.MAX_SAFE_INTEGER),
      (typed, arg, position) =>
        needsLiteral("string")(typed, arg, position) ?? (arg.kind === "literal" && arg.literal.value === "s" ? undefined : "may only be 's' (a URL-safe MAC)"),
    ],
    returns: () => "Bool",
    plan: "pro",
  },
  split: { min: 3, max: 3, args: [needsType("String"), needsLiteral("string"), intLiteralIn(1, 128)], returns: () => "Array<String>", where: "response" },
};

function literalType(literal: Literal): Scalar {
  switch (literal.type) {
    case "string":
      return "String";
    case "int":
      return "Int";
    case "float":
      return "Float";
    case "ip":
      return "Ip";
  }
}

function literalFits(type: Typed["type"], literal: Literal): boolean {
  switch (type) {
    case "String":
    case "Bytes":
      return literal.type === "string";
    case "Int":
      return literal.type === "int";
    case "Float":
      return literal.type === "int" || literal.type === "float";
    case "Ip":
      return literal.type === "ip" && parseIpAddress(literal.value) !== undefined;
    default:
      return false;
  }
}

const SET_ITEM_KINDS: Readonly<Record<SetItem["type"], string>> = {
  string: "a string",
  int: "an integer",
  int_range: "an integer range",
  ip: "an IP address",
  cidr: "a CIDR",
};

/** The set items each tested type takes. */
const SET_ITEM_TYPES: Readonly<Record<string, readonly SetItem["type"][]>> = {
  String: ["string"],
  Bytes: ["string"],
  Int: ["int", "int_range"],
  Float: ["int", "int_range"],
  Ip: ["ip", "cidr"],
};

/** Why a set item does not fit the tested value's type; `{left}` is filled in by the caller. */
function setItemProblem(type: Typed["type"], item: SetItem): string | undefined {
  const fits = Object.hasOwn(SET_ITEM_TYPES, type) ? SET_ITEM_TYPES[type] : undefined;
  if (fits === undefined) return `Sets cannot hold ${type} values.`;
  if (!fits.includes(item.type)) return `This set item is ${SET_ITEM_KINDS[item.type]}, but {left} is ${type}.`;
  if ((item.type === "int" && !Number.isSafeInteger(item.value)) || (item.type === "int_range" && !(Number.isSafeInteger(item.from) && Number.isSafeInteger(item.to)))) {
    return "Set integers must be whole numbers within 2^53-1.";
  }
  if (item.type === "int_range" && item.from > item.to) return `The range ${item.from}..${item.to} starts after it ends.`;
  if (item.type === "string" && findLoneSurrogate(item.value) !== -1) return NOT_WELL_FORMED;
  // Most IP items are IPv4, read without allocating; the full parsers judge the rest.
  if (item.type === "ip" && ipv4Form(item.value) !== "ip" && parseIpAddress(item.value) === undefined) return `'${item.value}' is not a valid IP address.`;
  if (item.type === "cidr" && ipv4Form(item.value) !== "cidr") {
    const cidr = parseCidr(item.value);
    if (!cidr.ok) return `Invalid CIDR: ${cidr.reason}.`;
  }
  return undefined;
}

/** Why a literal cannot match a field of a fixed form (with the fix, when there is one). */
function formatProblem(format: ValueFormat | RulesValueFormat | undefined, value: string | number, inSet: boolean): string | undefined {
  if (format === undefined) return undefined;
  // A CIDR is a range, valid only inside a set; outside one the type check already refused it.
  const problem = format === "ip" && !inSet && String(value).includes("/") ? undefined : valueProblem(format, value);
  if (problem === undefined) return undefined;
  return problem.hint === undefined ? problem.reason : `${problem.reason}; ${problem.hint.replace(/\.$/, "")}`;
}

function isCaseFormat(format: ValueFormat | RulesValueFormat | undefined): boolean {
  return format === "lowercase" || format === "uppercase";
}

/**
 * Comparisons of what lower()/upper() return with text in the other case, which can never match:
 * `eq`, `ne`, set items, `contains` and `strict wildcard` (a `wildcard` ignores case, and a regex
 * may mean a class). Warnings, not errors: the rule runs as written in Cloudflare and its other
 * parts still match (published rules hold such slips), so it is reported, never refused.
 */
export function caseWarnings(expr: Expr): RulesError[] {
  const warnings: RulesError[] = [];
  walkExpression(expr, (node) => {
    if (node.kind === "compare") {
      const format = valueFormatOf(node.left);
      const literal = node.right.kind === "literal" ? node.right.literal : undefined;
      const checked = node.op === "eq" || node.op === "ne" || node.op === "contains" || node.op === "strict wildcard";
      if (!isCaseFormat(format) || !checked || literal?.type !== "string") return;
      const problem = formatProblem(format, literal.value, false);
      const verb = node.op === "eq" || node.op === "ne" ? "equals" : "contains";
      if (problem !== undefined) report(warnings, node.right, `${describe(node.left)} never ${verb} '${literal.value}': ${problem}.`);
    } else if (node.kind === "in") {
      const format = valueFormatOf(node.left);
      if (!isCaseFormat(format)) return;
      for (const item of node.items) {
        if (item.type !== "string") continue;
        const problem = formatProblem(format, item.value, true);
        if (problem !== undefined) warnings.push({ message: `${describe(node.left)} never equals '${item.value}': ${problem}.`, ...(item.span ?? node.span ?? { start: 0, end: 0 }) });
      }
    }
  });
  return warnings;
}

/**
 * How deep Cloudflare's parser nests when it reads the printed expression: every `not`, every
 * parenthesised operand and every function call is one level (as `parseExpression` counts).
 */
export function nestingDepth(expr: Expr): number {
  // Loops rather than closures and spreads: this runs over every lowered condition.
  switch (expr.kind) {
    case "compare":
      return Math.max(operandDepth(expr.left), operandDepth(expr.right));
    case "in":
    case "in_list":
      return operandDepth(expr.left);
    case "not":
      return 1 + operandDepth(expr.operand);
    case "logical": {
      if (expr.operands.length === 1) return nestingDepth(expr.operands[0] as Expr);
      let deepest = 0;
      for (const operand of expr.operands) deepest = Math.max(deepest, operandDepth(operand));
      return deepest;
    }
    case "call": {
      let deepest = 0;
      for (const arg of expr.args) deepest = Math.max(deepest, nestingDepth(arg));
      return 1 + deepest;
    }
    case "index":
      return nestingDepth(expr.base);
    default:
      return 0;
  }
}

/** The depth of an operand: one more than its own unless it is a field, a call or a literal. */
function operandDepth(inner: Expr): number {
  return inner.kind === "field" || inner.kind === "call" || inner.kind === "literal" ? nestingDepth(inner) : 1 + nestingDepth(inner);
}

/** Reports a non-Bool used as a condition; `[*]` conditions are fine only inside another one. */
function requireCondition(expr: Expr, typed: Typed, errors: RulesError[], allowMapped = false): boolean {
  if (typed.type === "Bool" && (allowMapped || !typed.mapped)) return true;
  if (typed.type === "Bool") {
    report(errors, expr, "A '[*]' condition yields one Bool per element: wrap it in any(…) or all(…).");
  } else if (expr.kind === "field") {
    report(
      errors,
      expr,
      `Field '${expr.name}' is ${show(typed)}; a bare field is a condition only when it is Bool, so compare it with a value (e.g. '${expr.name} eq …').`,
    );
  } else if (expr.kind === "call") {
    report(errors, expr, `'${expr.name}(…)' returns ${show(typed)}, not Bool: compare it with a value.`);
  } else {
    report(errors, expr, `Expected a condition (Bool), but this is ${show(typed)}.`);
  }
  return false;
}

function report(errors: RulesError[], node: Expr, message: string): void {
  errors.push({ message, start: node.span?.start ?? 0, end: node.span?.end ?? 0 });
}

function show(typed: Typed): string {
  return typed.mapped ? `Array<${typed.type}>` : typed.type;
}

function article(type: string): string {
  return /^[AEIOU]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(expr: Expr, bare = false): string {
  if (expr.kind === "field") return bare ? expr.name : `Field '${expr.name}'`;
  if (expr.kind === "call") return `'${expr.name}(…)'`;
  if (expr.kind === "index") return bare ? "…" : "The indexed value";
  return "The value";
}

/** The known name closest to a misspelt one, when it is close enough to be a plausible typo. */
function closestName(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Sound implication between Rules-language conditions: `implies(a, b)` is true only when every
 * request that satisfies `a` satisfies `b`. "False" means "not proven", never "proven not".
 *
 * How: a condition is a boolean formula over atoms (comparisons, memberships, bare Bool fields,
 * function calls). Atoms on one plain field whose values fall into finitely many classes (Int
 * and Float comparisons, string `eq`/`ne`/`in`, IP addresses and ranges, Bool fields) are decided
 * on one representative value per class, plus "absent", with the real evaluator — so their
 * semantics (absent fields, ranges, CIDRs) are Cloudflare's, not re-implemented here. Every other
 * atom is treated as a free boolean: that admits combinations no request can produce, which may
 * only lose proofs, never make a false one. Within a budget every combination is tried; above
 * it, the formulas are split (`or` on the left, `and` on the right) and the parts tried alone.
 */
import type { Expr, SetItem } from "../rules/ast.js";
import { compileEvaluator, type FieldValues } from "../rules/compile-evaluator.js";
import { parseCidr, parseIpAddress, type IpRange } from "../rules/ip-address.js";
import { expressionFields } from "../rules/expression-fields.js";
import { lookupField } from "../rules/field-catalog.js";
import { printExpression } from "../rules/print-expression.js";
import { walkExpression } from "../rules/walk-expression.js";

/** Combinations tried before falling back to splitting the formulas. */
const BUDGET = 4096;

/** Splits tried for one question before giving up: a huge condition costs time, never a false proof. */
const MAX_STEPS = 200;

/** True only when every request that satisfies `a` also satisfies `b`. */
export function implies(a: Expr, b: Expr): boolean {
  return impliesPrepared(prepareCondition(a), prepareCondition(b));
}

/**
 * A condition with what the quick tests of `implies` read from it worked out once: the guards ask
 * about every pair of a zone's rules, and looking the parts up again for each pair would cost
 * more than the tests themselves.
 */
export interface PreparedCondition {
  expr: Expr;
  /** The fields it reads, as a bit mask (see fieldMaskOf). */
  read: number[];
  /** Its conjuncts (itself when it is not an `and`). */
  conjuncts: Conjunct[];
  /** The keys of its atoms the cases treat as free (see freeAtomKeys), when first needed. */
  freeKeys?: Set<string>;
  /** See mayImply: computed when first needed. */
  required?: number[];
}

const preparedCache = new WeakMap<Expr, PreparedCondition>();

/** Prepares a condition for `impliesPrepared`; the same object for the same condition. */
export function prepareCondition(expr: Expr): PreparedCondition {
  let prepared = preparedCache.get(expr);
  if (prepared === undefined) {
    prepared = { expr, read: fieldMaskOf(expr), conjuncts: conjunctsOf(expr) };
    preparedCache.set(expr, prepared);
  }
  return prepared;
}

/** `implies` over prepared conditions. */
export function impliesPrepared(a: PreparedCondition, b: PreparedCondition): boolean {
  if (isConstant(b.expr, true) || isConstant(a.expr, false)) return true;
  // The proof below would stop at this same test first; asked first, it spares most pairs the
  // rest. It never dismisses a pair the next two tests prove, which read no other fields.
  if (missesPreparedConjunct(a, b)) return false;
  // Equal conditions read equal fields: the masks spare comparing most pairs.
  if ((sameMask(a.read, b.read) && sameExpr(a.expr, b.expr)) || coversConjuncts(a, b)) return true;
  // Both only ever answer "not proven", so their order changes no answer.
  if (refutedByWitness(a.expr, b.expr) || missesFreeConjunct(a.expr, b.expr)) return false;
  return provesImplication(a.expr, b.expr, { steps: 0 });
}

/**
 * A necessary condition of `impliesPrepared(a, b)` that costs a few word operations, for the
 * guards to ask of every pair of a zone's rules before the real question: `b` may be implied only
 * if `a` reads every field one of `b`'s conjuncts tests as a decidable atom (or its negation).
 * Otherwise the first quick test of `impliesPrepared` (missesPreparedConjunct) answers false anyway.
 */
export function mayImply(a: PreparedCondition, b: PreparedCondition): boolean {
  const required = (b.required ??= requiredFields(b));
  const read = a.read;
  for (let i = 0; i < required.length; i++) if ((required[i]! & ~(read[i] ?? 0)) !== 0) return isConstant(a.expr, false);
  return true;
}

/** A key equal for two conditions exactly when mayImply answers the same for them as `b`. */
export function requiredKey(b: PreparedCondition): string {
  return (b.required ??= requiredFields(b)).join(",");
}

/** The fields that `b`'s conjuncts that are decidable atoms (or their negations) test, as a bit mask. */
function requiredFields(b: PreparedCondition): number[] {
  const fields: number[] = [];
  for (const conjunct of b.conjuncts) {
    const atom = conjunct.expr.kind === "not" ? conjunct.expr.operand : conjunct.expr;
    // A decidable atom is falsifiable (see isFalsifiable), and it reads one field.
    if (decidableAtom(atom) !== undefined) conjunct.fields.forEach((word, i) => (fields[i] = (fields[i] ?? 0) | word));
  }
  return Array.from(fields, (word) => word ?? 0);
}

const FALSE: Expr = { kind: "constant", value: false };
const satisfiableCache = new WeakMap<Expr, boolean>();

/**
 * A quick "not proven" for a pair the case analysis would refute: `b` requires a part made only of
 * tests the cases treat as free booleans (function calls, map keys), none of which `a` contains,
 * and that some truth values of those tests make false. With `a` satisfiable in its own cases (its
 * classes stay classes among `b`'s values too), setting those tests so makes `a` true and `b`
 * false: the cases of the pair meet that combination, and so does every split of it, which
 * therefore proves nothing either.
 */
function missesFreeConjunct(a: Expr, b: Expr): boolean {
  const prepared = prepareCondition(a);
  const keys = (prepared.freeKeys ??= freeAtomKeys(a));
  for (const conjunct of prepareCondition(b).conjuncts) {
    conjunct.freeKeys ??= falsifiableFreeKeys(conjunct.expr);
    if (conjunct.freeKeys === false || conjunct.freeKeys.some((key) => keys.has(key))) continue;
    let satisfiable = satisfiableCache.get(a);
    if (satisfiable === undefined) {
      satisfiable = decideByCases(a, FALSE) === false;
      satisfiableCache.set(a, satisfiable);
    }
    return satisfiable;
  }
  return false;
}

/** Most free tests in a conjunct whose truth values are all tried. */
const MAX_FREE_IN_CONJUNCT = 8;

/**
 * The keys of a conjunct's atoms when every one is a test the cases treat as free and some of
 * their truth values make it false; false otherwise.
 */
function falsifiableFreeKeys(conjunct: Expr): string[] | false {
  const atoms: Atoms = { keys: new Map(), exprs: [] };
  const formula = toFormula(conjunct, atoms);
  const count = atoms.exprs.length;
  if (count === 0 || count > MAX_FREE_IN_CONJUNCT || atoms.exprs.some((atom) => decidableAtom(atom) !== undefined)) return false;
  const values = new Array<boolean>(count).fill(false);
  for (let bits = 0; bits < 2 ** count; bits++) {
    for (let i = 0; i < count; i++) values[i] = ((bits >> i) & 1) === 1;
    if (!evaluate(formula, values)) return [...atoms.keys.keys()];
  }
  return false;
}

/** Witnesses kept per condition, and combinations of its values tried to find them. */
const MAX_WITNESSES = 4;
const MAX_TRIED = 64;

/**
 * A quick "not implied", as the guards ask for every pair of rules: a request built from `a`'s own
 * values that satisfies `a` but not `b`. Each such request is a real counterexample, decided by the
 * real evaluator, so this never hides a proof the case analysis below could make: that analysis
 * would meet the same request's classes.
 */
function refutedByWitness(a: Expr, b: Expr): boolean {
  try {
    // Witnesses are searched for one at a time: most pairs are refuted by the first.
    for (let i = 0; i < MAX_WITNESSES; i++) {
      const request = witness(a, i);
      if (request === undefined) return false;
      if (!evaluatorOf(b)(request)) return true;
    }
  } catch {
    // An evaluator that fails on a request refutes nothing.
  }
  return false;
}

/** The witnesses of a condition found so far, and the search for more while it lasts. */
interface Witnesses {
  found: FieldValues[];
  search?: Iterator<FieldValues>;
}

const witnessCache = new WeakMap<Expr, Witnesses>();

/** The `index`-th witness of a condition (see searchWitnesses), found when first asked for. */
function witness(condition: Expr, index: number): FieldValues | undefined {
  let witnesses = witnessCache.get(condition);
  if (witnesses === undefined) {
    witnesses = { found: [], search: searchWitnesses(condition) };
    witnessCache.set(condition, witnesses);
  }
  while (witnesses.found.length <= index && witnesses.search !== undefined) {
    const next = witnesses.search.next();
    if (next.done === true) witnesses.search = undefined;
    else witnesses.found.push(next.value);
  }
  return witnesses.found[index];
}

/**
 * Up to MAX_WITNESSES requests that satisfy `condition`, one at a time, each field set to one of
 * the representative values of the condition's own atoms on it (or absent); a String field that
 * functions read also takes their constants. None when an atom reads something else (a map key, a
 * function of another type): a request could not be built for it.
 */
function* searchWitnesses(condition: Expr): Generator<FieldValues, void> {
  const byField = new Map<string, { domain: Domain; atoms: Expr[] }>();
  // Fields that functions and string operators read (`starts_with(path, "/a/")`, `path contains
  // "b"`): their own constants are tried as values, and pairs of them joined.
  const guessed = new Map<string, Set<string>>();
  for (const expr of atomsOf(condition)) {
    const fit = decidableAtom(expr);
    if (fit === undefined && !guessStrings(expr, guessed)) return;
    if (fit === undefined) continue;
    const group = byField.get(fit.field);
    if (group === undefined) byField.set(fit.field, { domain: fit.domain, atoms: [expr] });
    else if (group.domain !== fit.domain) return;
    else group.atoms.push(expr);
  }
  for (const field of guessed.keys()) {
    const group = byField.get(field);
    if (group === undefined) byField.set(field, { domain: "string", atoms: [] });
    else if (group.domain !== "string") return;
  }
  // The atoms' own values first and "absent" last: the first combinations tried then satisfy most
  // conditions, which test fields for values rather than for absence.
  const fields = [...byField].map(([field, group]) => ({ field, samples: [...representatives(group.domain, group.atoms.map(fewItems)).slice(1), ...joined(guessed.get(field)), undefined] }));
  const total = fields.reduce((product, { samples }) => product * samples.length, 1);
  const test = evaluatorOf(condition);
  // Every combination when there are few, in order; otherwise a fixed pseudo-random walk.
  let seed = 0x9e3779b9;
  const pick = (length: number, rest: number): number => {
    if (total > MAX_TRIED) seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (total > MAX_TRIED ? seed : rest) % length;
  };
  let found = 0;
  for (let index = 0; index < Math.min(total, MAX_TRIED) && found < MAX_WITNESSES; index++) {
    const request: FieldValues = {};
    let rest = index;
    for (const { field, samples } of fields) {
      const value = samples[pick(samples.length, rest)];
      rest = Math.floor(rest / samples.length);
      if (value !== undefined) request[field] = value;
    }
    let satisfied: boolean;
    try {
      satisfied = test(request);
    } catch {
      return;
    }
    if (!satisfied) continue;
    found++;
    yield request;
  }
}

/** The atoms of a condition, under its `and`, `or` and `not`s (the same atom may come twice). */
function atomsOf(condition: Expr): Expr[] {
  const atoms: Expr[] = [];
  const visit = (expr: Expr): void => {
    if (expr.kind === "logical") expr.operands.forEach(visit);
    else if (expr.kind === "not") visit(expr.operand);
    else if (expr.kind !== "constant") atoms.push(expr);
  };
  visit(condition);
  return atoms;
}

/** Items of a set tried for witnesses: a witness needs a value in the set and one beside it, not every class. */
const WITNESS_ITEMS = 3;

/** An atom with its set cut to its first, middle and last items, for witnesses. */
function fewItems(atom: Expr): Expr {
  if (atom.kind !== "in" || atom.items.length <= WITNESS_ITEMS) return atom;
  const items = atom.items;
  return { ...atom, items: [items[0]!, items[items.length >> 1]!, items[items.length - 1]!] };
}

/** Constants of one field joined in pairs at most: a few dozen values. */
const MAX_GUESSED = 6;

/**
 * Adds the string constants of an atom to `guessed`, under each field it reads, when every field
 * it reads is a plain String field; false (nothing added) otherwise. Only for witnesses: any value
 * tried is checked by the real evaluator, so a poor guess costs a refutation, never a false one.
 */
function guessStrings(atom: Expr, guessed: Map<string, Set<string>>): boolean {
  const fields: string[] = [];
  const constants: string[] = [];
  let plain = true;
  walkExpression(atom, (node) => {
    if (node.kind === "field") {
      if (node.index !== undefined || fieldType(node.name) !== "String") plain = false;
      fields.push(node.name);
    } else if (node.kind === "index" || node.kind === "in_list") {
      plain = false;
    } else if (node.kind === "literal" && node.literal.type === "string") {
      constants.push(node.literal.value);
    } else if (node.kind === "in") {
      for (const item of node.items) if (item.type === "string") constants.push(item.value);
    }
  });
  if (!plain || fields.length === 0) return false;
  for (const field of fields) {
    let values = guessed.get(field);
    if (values === undefined) guessed.set(field, (values = new Set()));
    for (const constant of constants) if (values.size < MAX_GUESSED) values.add(constant);
  }
  return true;
}

/** Each value, and each ordered pair of them joined (`"/api/" + ".php"`). */
function joined(values: ReadonlySet<string> | undefined): string[] {
  if (values === undefined) return [];
  const all = [...values];
  for (const x of values) for (const y of values) if (x !== y) all.push(x + y);
  return all;
}

function provesImplication(a: Expr, b: Expr, work: { steps: number }): boolean {
  if (isConstant(b, true) || isConstant(a, false) || sameExpr(a, b)) return true;
  if (missesConjunct(a, b) || ++work.steps > MAX_STEPS) return false;
  const decided = decideByCases(a, b);
  if (decided !== undefined) return decided;
  const next = (x: Expr, y: Expr) => provesImplication(x, y, work);
  if (a.kind === "logical" && a.op === "or") return a.operands.every((operand) => next(operand, b));
  if (b.kind === "logical" && b.op === "and") return b.operands.every((operand) => next(a, operand));
  if (b.kind === "logical" && b.op === "or" && b.operands.some((operand) => next(a, operand))) return true;
  return a.kind === "logical" && a.op === "and" && a.operands.some((operand) => next(operand, b));
}

/** True only when the condition holds for every request. */
export function isAlwaysTrue(condition: Expr): boolean {
  return implies(TRUE, condition);
}

/** One `true` for every isAlwaysTrue: what is worked out about it is kept (prepareCondition). */
const TRUE: Expr = { kind: "constant", value: true };

/**
 * Structural equality, ignoring source spans. It stops at the first difference, where comparing
 * printed texts would print both first: costly for a set of 100,000 items.
 */
export function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case "field":
      return b.kind === "field" && a.name === b.name && a.index === b.index;
    case "literal":
      return b.kind === "literal" && a.literal.type === b.literal.type && a.literal.value === b.literal.value;
    case "compare":
      return b.kind === "compare" && a.op === b.op && sameExpr(a.left, b.left) && sameExpr(a.right, b.right);
    case "in":
      return b.kind === "in" && a.items.length === b.items.length && sameExpr(a.left, b.left) && a.items.every((item, i) => sameItem(item, b.items[i]!));
    case "in_list":
      return b.kind === "in_list" && a.list === b.list && sameExpr(a.left, b.left);
    case "constant":
      return b.kind === "constant" && a.value === b.value;
    case "not":
      return b.kind === "not" && sameExpr(a.operand, b.operand);
    case "logical":
      return b.kind === "logical" && a.op === b.op && sameList(a.operands, b.operands);
    case "call":
      return b.kind === "call" && a.name === b.name && sameList(a.args, b.args);
    case "index":
      return b.kind === "index" && sameExpr(a.base, b.base) && (typeof a.key === "object" ? typeof b.key === "object" && a.key.key === b.key.key : a.key === b.key);
  }
}

function sameList(a: readonly Expr[], b: readonly Expr[]): boolean {
  return a.length === b.length && a.every((x, i) => sameExpr(x, b[i]!));
}

function sameItem(a: SetItem, b: SetItem): boolean {
  if (a.type === "int_range") return b.type === "int_range" && a.from === b.from && a.to === b.to;
  return a.type === b.type && a.value === (b as { value: unknown }).value;
}

/** True when each conjunct of `b` is one of `a`'s: `x and y` implies `y` without a case analysis. */
function coversConjuncts(a: PreparedCondition, b: PreparedCondition): boolean {
  return b.conjuncts.every(({ expr }) => a.conjuncts.some((conjunct) => sameExpr(conjunct.expr, expr)));
}

/**
 * A quick "not proven", as this runs for every pair of rules. `b` requires a part that
 * - reads only fields `a` never reads, and some values of those fields make it false (it is
 *   false when they are absent, or it is one decidable atom — never always true — or its
 *   negation): take any request satisfying `a` and change those fields; or
 * - is a test the cases below treat as a free boolean and that `a` does not contain: they would
 *   set it false with `a` true.
 * Either way only an unsatisfiable `a` could imply `b`: a proof worth losing.
 */
function missesConjunct(a: Expr, b: Expr): boolean {
  return missesPreparedConjunct(prepareCondition(a), prepareCondition(b));
}

function missesPreparedConjunct(a: PreparedCondition, b: PreparedCondition): boolean {
  const read = a.read;
  for (const conjunct of b.conjuncts) {
    if (conjunct.freeKey !== undefined && !(a.freeKeys ??= freeAtomKeys(a.expr)).has(conjunct.freeKey)) return true;
    if (conjunct.fields.length === 0 || !disjoint(conjunct.fields, read)) continue;
    conjunct.falsifiable ??= isFalsifiable(conjunct.expr);
    if (conjunct.falsifiable) return true;
  }
  return false;
}

/** What missesConjunct needs of one conjunct, worked out once per condition (it is asked of every pair). */
interface Conjunct {
  expr: Expr;
  /** The atom's key when the conjunct (or its negation) is an atom the cases treat as free. */
  freeKey?: string;
  /** The fields it reads, as a bit mask (see fieldMaskOf). */
  fields: number[];
  /** Whether some values of its fields make it false: computed when first needed. */
  falsifiable?: boolean;
  /** See falsifiableFreeKeys: computed when first needed. */
  freeKeys?: string[] | false;
}

/** The conjuncts of a condition (itself when it is not an `and`), as missesConjunct reads them. */
function conjunctsOf(b: Expr): Conjunct[] {
  return (b.kind === "logical" && b.op === "and" ? b.operands : [b]).map((expr) => {
    const atom = expr.kind === "not" ? expr.operand : expr;
    const conjunct: Conjunct = { expr, fields: fieldMaskOf(expr) };
    if (isAtom(atom) && !decidableAtom(atom)) conjunct.freeKey = atomKey(atom);
    return conjunct;
  });
}

/** False when the conjunct's fields are absent, or it is one decidable atom or its negation. */
function isFalsifiable(conjunct: Expr): boolean {
  const atom = conjunct.kind === "not" ? conjunct.operand : conjunct;
  if (decidableAtom(atom)) return true;
  try {
    return !evaluatorOf(conjunct)({});
  } catch {
    return false;
  }
}

/** Every field name met so far, numbered: a condition's fields become a bit mask over these numbers. */
const fieldNumbers = new Map<string, number>();
/** The fields a condition reads as a bit mask, 31 bits a word (empty when it reads none). */
function fieldMaskOf(expr: Expr): number[] {
  const mask: number[] = [];
  for (const field of expressionFields(expr)) {
    let number = fieldNumbers.get(field);
    if (number === undefined) {
      number = fieldNumbers.size;
      fieldNumbers.set(field, number);
    }
    const word = Math.floor(number / 31);
    while (mask.length <= word) mask.push(0);
    mask[word]! |= 1 << number % 31;
  }
  return mask;
}

function sameMask(x: readonly number[], y: readonly number[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function disjoint(x: readonly number[], y: readonly number[]): boolean {
  for (let i = Math.min(x.length, y.length) - 1; i >= 0; i--) if ((x[i]! & y[i]!) !== 0) return false;
  return true;
}

function isAtom(expr: Expr): boolean {
  return expr.kind !== "logical" && expr.kind !== "not" && expr.kind !== "constant";
}

/**
 * The keys of a condition's atoms that the cases treat as free (not decidable by value): the only
 * atoms the quick tests look up by key, and small ones (function calls), cheap to print unlike a
 * set of 100,000 items.
 */
function freeAtomKeys(expr: Expr): Set<string> {
  return new Set(atomsOf(expr).filter((atom) => decidableAtom(atom) === undefined).map(atomKey));
}

const evaluatorCache = new WeakMap<Expr, (fields: FieldValues) => boolean>();

/** Atoms are parts of the rules' conditions, met again for every pair: compiled once. */
function evaluatorOf(expr: Expr): (fields: FieldValues) => boolean {
  let test = evaluatorCache.get(expr);
  if (test === undefined) {
    test = compileEvaluator(expr);
    evaluatorCache.set(expr, test);
  }
  return test;
}

function isConstant(expr: Expr, value: boolean): boolean {
  return expr.kind === "constant" && expr.value === value;
}

/** A formula over atom indexes. */
type Formula =
  | { kind: "atom"; index: number }
  | { kind: "constant"; value: boolean }
  | { kind: "not"; operand: Formula }
  | { kind: "logical"; op: "and" | "or" | "xor"; operands: Formula[] };

/** The atoms of both formulas: shared ones (same text) are one atom. */
interface Atoms {
  keys: Map<string, number>;
  exprs: Expr[];
}

function toFormula(expr: Expr, atoms: Atoms): Formula {
  switch (expr.kind) {
    case "constant":
      return { kind: "constant", value: expr.value };
    case "not":
      return { kind: "not", operand: toFormula(expr.operand, atoms) };
    case "logical":
      return { kind: "logical", op: expr.op, operands: expr.operands.map((o) => toFormula(o, atoms)) };
    default: {
      const key = atomKey(expr);
      let index = atoms.keys.get(key);
      if (index === undefined) {
        index = atoms.exprs.length;
        atoms.keys.set(key, index);
        atoms.exprs.push(expr);
      }
      return { kind: "atom", index };
    }
  }
}

function evaluate(formula: Formula, values: readonly boolean[]): boolean {
  switch (formula.kind) {
    case "atom":
      return values[formula.index]!;
    case "constant":
      return formula.value;
    case "not":
      return !evaluate(formula.operand, values);
    case "logical":
      if (formula.op === "and") return formula.operands.every((o) => evaluate(o, values));
      if (formula.op === "or") return formula.operands.some((o) => evaluate(o, values));
      return formula.operands.reduce((acc, o) => acc !== evaluate(o, values), false);
  }
}

/** One plain field whose atoms are decided on representative values; each row gives every atom's truth. */
interface Subject {
  atoms: number[];
  rows: boolean[][];
}

/** Tries every combination of classes and free atoms; undefined when there are too many. */
function decideByCases(a: Expr, b: Expr): boolean | undefined {
  const atoms: Atoms = { keys: new Map(), exprs: [] };
  const fa = toFormula(a, atoms);
  const fb = toFormula(b, atoms);
  let subjects: Subject[] | undefined;
  try {
    subjects = classifyAtoms(atoms.exprs);
  } catch {
    // An atom the evaluator cannot compile is not decided here; a guard never fails the pipeline.
    return undefined;
  }
  if (subjects === undefined) return undefined;
  const covered = new Set(subjects.flatMap((s) => s.atoms));
  const free = atoms.exprs.map((_, i) => i).filter((i) => !covered.has(i));
  let combinations = 2 ** free.length;
  for (const subject of subjects) combinations *= subject.rows.length;
  if (!(combinations <= BUDGET)) return undefined;

  const values = new Array<boolean>(atoms.exprs.length).fill(false);
  const choose = (depth: number): boolean => {
    if (depth < subjects.length) {
      const subject = subjects[depth]!;
      for (const row of subject.rows) {
        subject.atoms.forEach((atom, i) => (values[atom] = row[i]!));
        if (!choose(depth + 1)) return false;
      }
      return true;
    }
    for (let bits = 0; bits < 2 ** free.length; bits++) {
      free.forEach((atom, i) => (values[atom] = ((bits >> i) & 1) === 1));
      if (evaluate(fa, values) && !evaluate(fb, values)) return false;
    }
    return true;
  };
  return choose(0);
}

type Domain = "int" | "float" | "string" | "ip" | "bool";

/** Groups decidable atoms by field and computes their truth on each class's representative. */
function classifyAtoms(exprs: readonly Expr[]): Subject[] | undefined {
  const byField = new Map<string, { domain: Domain; atoms: number[] }>();
  exprs.forEach((expr, index) => {
    const fit = decidableAtom(expr);
    if (!fit) return;
    const group = byField.get(fit.field);
    if (group === undefined) byField.set(fit.field, { domain: fit.domain, atoms: [index] });
    else if (group.domain === fit.domain) group.atoms.push(index);
  });
  const subjects: Subject[] = [];
  for (const [field, group] of byField) {
    const atomExprs = group.atoms.map((i) => exprs[i]!);
    const samples = representatives(group.domain, atomExprs);
    if (samples.length > BUDGET) return undefined;
    const tests = atomExprs.map(evaluatorOf);
    const rows = new Map<string, boolean[]>();
    for (const sample of samples) {
      const fields: FieldValues = sample === undefined ? {} : { [field]: sample };
      const row = tests.map((test) => test(fields));
      rows.set(row.map((v) => (v ? "1" : "0")).join(""), row);
    }
    subjects.push({ atoms: group.atoms, rows: [...rows.values()] });
  }
  return subjects;
}

/** The plain field an atom tests and the domain its values are classified in, when decidable. */
function decidableAtom(expr: Expr): { field: string; domain: Domain } | undefined {
  if (expr.kind === "field") return expr.index === undefined && fieldType(expr.name) === "Bool" ? { field: expr.name, domain: "bool" } : undefined;
  if (expr.kind !== "compare" && expr.kind !== "in") return undefined;
  const left = expr.left;
  if (left.kind !== "field" || left.index !== undefined) return undefined;
  const type = fieldType(left.name);
  const domain: Domain | undefined = type === "Int" ? "int" : type === "Float" ? "float" : type === "String" ? "string" : type === "Ip" ? "ip" : undefined;
  if (domain === undefined) return undefined;
  if (expr.kind === "in") return expr.items.every((item) => itemFits(domain, item)) ? { field: left.name, domain } : undefined;
  const right = expr.right;
  if (right.kind !== "literal") return undefined;
  const ordering = ["eq", "ne", "lt", "le", "gt", "ge"].includes(expr.op);
  const equality = expr.op === "eq" || expr.op === "ne";
  const literal = right.literal;
  if (domain === "int" && ordering && literal.type === "int") return { field: left.name, domain };
  if (domain === "float" && ordering && (literal.type === "float" || literal.type === "int")) return { field: left.name, domain };
  if (domain === "string" && equality && literal.type === "string") return { field: left.name, domain };
  if (domain === "ip" && equality && literal.type === "ip") return { field: left.name, domain };
  return undefined;
}

function itemFits(domain: Domain, item: SetItem): boolean {
  if (domain === "int") return item.type === "int" || item.type === "int_range";
  if (domain === "string") return item.type === "string";
  if (domain === "ip") return item.type === "ip" || item.type === "cidr";
  return false;
}

function fieldType(name: string): string | undefined {
  return lookupField(name)?.type;
}

/**
 * One value per class of values the atoms cannot tell apart, and `undefined` (absent). Extra
 * values are harmless (a class tried twice); a missing class would be a false proof, so each
 * domain takes every boundary and a value on each side of it.
 */
function representatives(domain: Domain, atoms: readonly Expr[]): unknown[] {
  const samples: unknown[] = [undefined];
  switch (domain) {
    case "bool":
      samples.push(true, false);
      break;
    case "int": {
      const points = new Set<number>([0]);
      for (const value of numbersOf(atoms)) for (const p of [value - 1, value, value + 1]) points.add(p);
      samples.push(...points);
      break;
    }
    case "float": {
      const sorted = [...new Set(numbersOf(atoms))].sort((x, y) => x - y);
      if (sorted.length === 0) samples.push(0);
      sorted.forEach((value, i) => {
        samples.push(value);
        const next = sorted[i + 1];
        samples.push(next === undefined ? value + Math.abs(value) + 1 : (value + next) / 2);
      });
      if (sorted.length > 0) samples.push(sorted[0]! - Math.abs(sorted[0]!) - 1);
      break;
    }
    case "string": {
      // Values in the same atoms' sets are one class: a large set tested twice stays one sample.
      const constants = stringsOf(atoms);
      const classes = new Map<string, string>();
      for (const [value, signature] of constants) if (!classes.has(signature)) classes.set(signature, value);
      samples.push(...classes.values());
      let fresh = "\u0000fresh";
      while (constants.has(fresh)) fresh += "\u0000";
      samples.push(fresh);
      break;
    }
    case "ip":
      samples.push(...ipSamples(atoms));
      break;
  }
  return samples;
}

function numbersOf(atoms: readonly Expr[]): number[] {
  const values: number[] = [];
  for (const atom of atoms) {
    if (atom.kind === "compare" && atom.right.kind === "literal" && typeof atom.right.literal.value === "number") values.push(atom.right.literal.value);
    if (atom.kind === "in") {
      for (const item of atom.items) {
        if (item.type === "int") values.push(item.value);
        if (item.type === "int_range") values.push(item.from, item.to);
      }
    }
  }
  return values;
}

/** Each string constant with the set of atoms that name it. */
function stringsOf(atoms: readonly Expr[]): Map<string, string> {
  const signatures = new Map<string, string>();
  atoms.forEach((atom, i) => {
    const values: string[] = [];
    if (atom.kind === "compare" && atom.right.kind === "literal" && atom.right.literal.type === "string") values.push(atom.right.literal.value);
    if (atom.kind === "in") for (const item of atom.items) if (item.type === "string") values.push(item.value);
    for (const value of values) signatures.set(value, `${signatures.get(value) ?? ""},${i}`);
  });
  return signatures;
}

/** Addresses at and around every range boundary, in both families. */
function ipSamples(atoms: readonly Expr[]): string[] {
  const v4 = new Set<number>([0, 2 ** 32 - 1]);
  const v6 = new Set<bigint>([0n, (1n << 128n) - 1n]);
  for (const range of ipRangesOf(atoms)) {
    if (range.version === 4) {
      for (const p of [range.first - 1, range.first, range.last, range.last + 1]) if (p >= 0 && p < 2 ** 32) v4.add(p);
    } else {
      for (const p of [range.first - 1n, range.first, range.last, range.last + 1n]) if (p >= 0n && p < 1n << 128n) v6.add(p);
    }
  }
  return [...[...v4].map(formatIpv4), ...[...v6].map(formatIpv6)];
}

function ipRangesOf(atoms: readonly Expr[]): IpRange[] {
  const ranges: IpRange[] = [];
  const add = (text: string, cidr: boolean): void => {
    if (cidr) {
      const parsed = parseCidr(text);
      if (parsed.ok) ranges.push(parsed.range);
      return;
    }
    const address = parseIpAddress(text);
    if (address?.version === 4) ranges.push({ version: 4, first: address.value, last: address.value });
    else if (address?.version === 6) ranges.push({ version: 6, first: address.value, last: address.value });
  };
  for (const atom of atoms) {
    if (atom.kind === "compare" && atom.right.kind === "literal" && atom.right.literal.type === "ip") add(atom.right.literal.value, false);
    if (atom.kind === "in") for (const item of atom.items) if (item.type === "ip" || item.type === "cidr") add(item.value, item.type === "cidr");
  }
  return ranges;
}

function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function formatIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(":");
}

const keyCache = new WeakMap<Expr, string>();

/** A canonical text of an expression without spans: equal texts are the same atom. */
function atomKey(expr: Expr): string {
  let key = keyCache.get(expr);
  if (key === undefined) {
    key = canonicalText(expr);
    keyCache.set(expr, key);
  }
  return key;
}

function canonicalText(expr: Expr): string {
  // The canonical printer is fast and faithful (parse → print → parse is stable); it refuses only
  // text Cloudflare could never receive, which the checks before the guards report.
  try {
    return printExpression(expr);
  } catch {
    return structuralText(expr);
  }
}

function structuralText(expr: Expr): string {
  // Keys sorted: the parser and the lowering build the same node with keys in different orders.
  return JSON.stringify(expr, (key, value: unknown) => {
    if (key === "span") return undefined;
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  });
}

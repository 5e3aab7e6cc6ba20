import type { Action } from "../model/policy-ir.js";
import type { Expr } from "../rules/ast.js";
import { compileValueWith, type FieldAccess, type FieldValues } from "../rules/compile-evaluator.js";
import { expressionFields } from "../rules/expression-fields.js";
import { lookupField } from "../rules/field-catalog.js";
import { groupAtoms } from "./group-atoms.js";
import { compileSlotCondition, conditionKey, countConditions, isPlainCall, parsedAddress, type SlotCondition, type SlotContext } from "./compile-slot-condition.js";
import { mergeSplitParts } from "./merge-split-parts.js";
import { PLAIN_REQUEST_FIELDS, requestFields, type PolicyRequest } from "./request-fields.js";

/** A decision without its logged rules: what a request can come to, the same for every request. */
export interface Outcome {
  action: "pass" | "skip" | "block" | "managed_challenge" | "js_challenge" | "challenge";
  rule: string | null;
  stage: "edge" | "worker" | null;
}

/** One rule of a zone with its condition as an expression, before compiling (see decide.ts). */
export interface RuleSpec {
  ref: string;
  action: Action;
  condition: Expr;
  observe: boolean;
  guard: boolean;
}

/**
 * A zone's rules compiled over field slots, for deciding many requests fast. Each request is read
 * once into a flat record (one slot per Rules-language field the rules read, resolved when
 * compiling; an IP field's address parsed at most once per request), then decided to the index of
 * a precomputed outcome: nothing is allocated per request unless a rule logs. The record and the
 * logged rules belong to the program, so one program decides one request at a time.
 */
export interface SlotProgram {
  /** The Rules-language field of each slot. */
  fields: readonly string[];
  /** Every outcome, by index; 0 is `pass`. */
  outcomes: readonly Outcome[];
  /** Rules evaluated per request at most (the split parts of a set are one rule here). */
  ruleCount: number;
  /** Reads a request given as Rules-language field values. */
  load(fields: FieldValues): void;
  /** Reads a policy-language request, as `requestFields` does; returns its error for a request it cannot represent. */
  readRequest(request: PolicyRequest): string | undefined;
  /** Decides the request read last: the index of its outcome (see `decide` in decide.ts for the order). */
  decide(from: "edge" | "worker"): number;
  /** The last decision in full: its outcome with the rules it logged (a new array, or a shared frozen one when none). */
  decision(index: number): Decision;
}

/** The decision type of decide.ts, repeated structurally so that the two modules need not import each other's values. */
interface Decision extends Outcome {
  logged: string[];
}

/** What a matched rule does in the decide loop. */
const LOG = 0;
const SKIP = 1;
const DECIDE = 2;
const GUARD = 3;

/**
 * Compiles a zone's rules (edge rules in Cloudflare's order, then the Worker's) over slots; the
 * adjacent parts of one split rule are merged into one condition with one set lookup. Returns
 * undefined when a rule reads a custom list (`in $list`): such zones keep the general evaluator.
 */
export function compileSlotProgram(edge: readonly RuleSpec[], worker: readonly RuleSpec[]): SlotProgram | undefined {
  if ([...edge, ...worker].some((rule) => readsList(rule.condition))) return undefined;
  const merged = mergeAdjacentParts(edge);
  const fields = [...new Set([...merged, ...worker].flatMap((rule) => expressionFields(rule.condition)))];
  const slotOf = new Map(fields.map((field, slot) => [field, slot]));
  const width = fields.length;
  // Slots [0, width) hold the values; slot width + i the parsed address of field i (undefined: not parsed yet).
  const record = new Array<unknown>(2 * width).fill(undefined);
  const access = (name: string): FieldAccess<unknown[]> => {
    const slot = slotOf.get(name) as number;
    const value = (input: unknown[]) => input[slot];
    if (lookupField(name)?.type !== "Ip") return { value };
    const at = width + slot;
    return { value, ip: (input) => parsedAddress(input, slot, at) };
  };

  // A rule is the `and` of its conjuncts, each an atom of the program: an atom that several rules
  // test (a bot score band, a country set) is computed once per request, kept in `atomState`
  // (0: not yet, 1: false, 2: true); the rule loop reads it without a call. Deeper
  // sub-conditions that repeat are memoised by request `generation`.
  const atomIndex = new Map<string, number>();
  const atomExprs: Expr[] = [];
  const conjunctAtoms = (condition: Expr): number[] =>
    conjuncts(condition).map((conjunct) => {
      const key = conditionKey(conjunct);
      let index = atomIndex.get(key);
      if (index === undefined) {
        index = atomExprs.length;
        atomIndex.set(key, index);
        atomExprs.push(conjunct);
      }
      return index;
    });
  const ruleAtoms = [...merged, ...worker].map((rule) => conjunctAtoms(rule.condition));
  const occurrences = new Map<string, number>();
  for (const atom of atomExprs) countConditions(atom, occurrences);
  const memoValues: unknown[] = [];
  const memoStamps: number[] = [];
  let generation = 1;
  // A memoiser keeps one function per key, which computes its value once per request `generation`.
  const memoiser = <T>() => {
    const byKey = new Map<string, (input: unknown[]) => T>();
    return (key: string, compute: (input: unknown[]) => T): ((input: unknown[]) => T) => {
      const found = byKey.get(key);
      if (found !== undefined) return found;
      const at = memoValues.length;
      memoValues.push(undefined);
      memoStamps.push(0);
      const memoised = (input: unknown[]): T => {
        if (memoStamps[at] === generation) return memoValues[at] as T;
        const value = compute(input);
        memoValues[at] = value;
        memoStamps[at] = generation;
        return value;
      };
      byKey.set(key, memoised);
      return memoised;
    };
  };
  const memo: (key: string, condition: SlotCondition) => SlotCondition = memoiser<boolean>();
  const memoValue = memoiser<unknown>();
  const context: SlotContext = {
    slotOf: (field) => slotOf.get(field) as number,
    parsedAt: (field) => width + (slotOf.get(field) as number),
    access,
    occurrences,
    memo,
    memoValue,
  };
  const atoms = atomExprs.map((atom) => compileSlotCondition(atom, context));
  const plainField = (subject: Expr): number => (subject.kind === "field" && subject.index === undefined ? (slotOf.get(subject.name) as number) : -1);
  const { groupOf, resolve } = groupAtoms(atomExprs, {
    slot: plainField,
    parsedAt: (subject) => (plainField(subject) >= 0 && lookupField((subject as { name: string }).name)?.type === "Ip" ? width + plainField(subject) : -1),
    value: (subject) => (isPlainCall(subject) ? memoValue(conditionKey(subject), compileValueWith(subject, access)) : undefined),
    key: conditionKey,
  });
  const atomState = new Uint8Array(atoms.length);
  const atomIds = Int32Array.from(ruleAtoms.flat());
  const atomStarts = new Int32Array(ruleAtoms.length + 1);
  ruleAtoms.forEach((list, i) => (atomStarts[i + 1] = (atomStarts[i] as number) + list.length));

  const outcomes: Outcome[] = [{ action: "pass", rule: null, stage: null }];
  const outcomeOf = (outcome: Outcome): number => {
    const found = outcomes.findIndex((o) => o.action === outcome.action && o.rule === outcome.rule && o.stage === outcome.stage);
    if (found >= 0) return found;
    outcomes.push(outcome);
    return outcomes.length - 1;
  };
  const edgeRules = merged.map((rule) => ({
    kind: rule.action === "log" ? LOG : rule.action === "skip" ? SKIP : DECIDE,
    ref: rule.ref,
    outcome: rule.action === "log" ? -1 : outcomeOf({ action: rule.action as Outcome["action"], rule: rule.ref, stage: "edge" }),
  }));
  const workerRules = worker.map((rule) => {
    const kind = rule.guard ? GUARD : rule.observe || rule.action === "log" ? LOG : DECIDE;
    const outcome = kind === GUARD ? { action: "skip" as const, rule: rule.ref, stage: "edge" as const } : { action: rule.action as Outcome["action"], rule: rule.ref, stage: "worker" as const };
    return { kind, ref: rule.ref, outcome: kind === LOG ? -1 : outcomeOf(outcome) };
  });
  const decisions = outcomes.map((outcome): Decision => Object.freeze({ ...outcome, logged: Object.freeze([]) as unknown as string[] }));

  // Flat arrays for the loop; rule i of the program is edge rule i, then worker rule i - edgeCount.
  const edgeKinds = Uint8Array.from(edgeRules, (r) => r.kind);
  const edgeOutcomes = Int32Array.from(edgeRules, (r) => r.outcome);
  const edgeRefs = edgeRules.map((r) => r.ref);
  const workerKinds = Uint8Array.from(workerRules, (r) => r.kind);
  const workerOutcomes = Int32Array.from(workerRules, (r) => r.outcome);
  const workerRefs = workerRules.map((r) => r.ref);
  const edgeCount = edgeRules.length;
  const workerCount = workerRules.length;
  const logged = new Array<string>(edgeCount + workerCount).fill("");
  let loggedCount = 0;

  /** An atom's state for the request read last (1 false, 2 true), computed on its first use. */
  const evaluate = (atom: number): number => {
    const group = groupOf[atom] as number;
    if (group >= 0) {
      // One lookup decides every atom of the group.
      (resolve[group] as (record: unknown[], state: Uint8Array) => void)(record, atomState);
      return atomState[atom] as number;
    }
    const state = (atoms[atom] as SlotCondition)(record) ? 2 : 1;
    atomState[atom] = state;
    return state;
  };
  // Most rules fail on their first atom: the loop tests it in place, the others in `restMatches`.
  const firstAtoms = Int32Array.from(ruleAtoms, (list) => list[0] as number);

  /** Whether the atoms of rule `rule` after its first are all true. */
  const restMatches = (rule: number): boolean => {
    const end = atomStarts[rule + 1] as number;
    for (let j = (atomStarts[rule] as number) + 1; j < end; j++) {
      const atom = atomIds[j] as number;
      const state = atomState[atom] as number;
      if ((state === 0 ? evaluate(atom) : state) === 1) return false;
    }
    return true;
  };

  const clear = (): void => {
    for (let i = 0; i < record.length; i++) record[i] = undefined;
    atomState.fill(0);
    generation += 1;
    // After 2^30 requests the stamps start over, so a stale one can never equal the generation.
    if (generation === 2 ** 30) {
      memoStamps.fill(0);
      generation = 1;
    }
  };
  const load = (values: FieldValues): void => {
    clear();
    for (let i = 0; i < width; i++) record[i] = values[fields[i] as string] ?? undefined;
  };
  // Each plain policy field with the slot its value goes to (-1: no rule reads it, only its type is checked).
  const plain = new Map([...PLAIN_REQUEST_FIELDS].map(([key, read]) => [key, { slot: slotOf.get(read.rulesField) ?? -1, accepts: read.accepts }]));

  return {
    fields,
    outcomes,
    ruleCount: edgeCount + workerCount,
    load,
    readRequest(request) {
      clear();
      // The common request names plain edge fields only: each goes straight to its slot. Anything
      // else (headers, worker fields, a wrong type, an unknown name) is read by requestFields, as is
      // an object that is not plain (for…in would see inherited keys, Object.entries does not).
      if (Object.getPrototypeOf(request) !== Object.prototype) return readGeneral(request);
      for (const key in request) {
        const value = request[key];
        if (value === undefined || value === null) continue;
        const read = plain.get(key);
        if (read === undefined || !read.accepts(value)) return readGeneral(request);
        if (read.slot >= 0) record[read.slot] = value;
      }
      return undefined;
    },
    decide(from) {
      loggedCount = 0;
      let skipped = -1;
      if (from === "edge") {
        for (let i = 0; i < edgeCount; i++) {
          const first = firstAtoms[i] as number;
          const state = atomState[first] as number;
          if ((state === 0 ? evaluate(first) : state) === 1 || !restMatches(i)) continue;
          const kind = edgeKinds[i];
          if (kind === LOG) {
            logged[loggedCount++] = edgeRefs[i] as string;
          } else if (kind === SKIP) {
            skipped = edgeOutcomes[i] as number;
            break;
          } else {
            return edgeOutcomes[i] as number;
          }
        }
      }
      for (let i = 0; i < workerCount; i++) {
        const first = firstAtoms[edgeCount + i] as number;
        const state = atomState[first] as number;
        if ((state === 0 ? evaluate(first) : state) === 1 || !restMatches(edgeCount + i)) continue;
        const kind = workerKinds[i];
        if (kind === GUARD) return skipped >= 0 ? skipped : (workerOutcomes[i] as number);
        if (kind === LOG) logged[loggedCount++] = workerRefs[i] as string;
        else return workerOutcomes[i] as number;
      }
      return skipped >= 0 ? skipped : 0;
    },
    decision(index) {
      const decision = decisions[index] as Decision;
      return loggedCount === 0 ? decision : { ...(outcomes[index] as Outcome), logged: logged.slice(0, loggedCount) };
    },
  };

  function readGeneral(request: PolicyRequest): string | undefined {
    const converted = requestFields(request);
    if ("error" in converted) return converted.error;
    load(converted.fields);
    return undefined;
  }
}

/**
 * Adjacent rules of one policy rule with one action (a set split across rules, each part its own
 * rule) decide alike: the first part that matches decides, as their `or` would. Log rules stay
 * apart: each matching part logs.
 */
function mergeAdjacentParts(rules: readonly RuleSpec[]): RuleSpec[] {
  const merged: RuleSpec[] = [];
  for (let start = 0; start < rules.length; ) {
    const first = rules[start] as RuleSpec;
    let end = start + 1;
    if (first.action !== "log") while (end < rules.length && rules[end]!.ref === first.ref && rules[end]!.action === first.action) end++;
    merged.push(end - start === 1 ? first : { ...first, condition: mergeSplitParts(rules.slice(start, end).map((rule) => rule.condition)) });
    start = end;
  }
  return merged;
}

/** The operands of a condition's `and`s, nested ones flattened, in order; the condition itself when it is no `and`. */
function conjuncts(condition: Expr): Expr[] {
  return condition.kind === "logical" && condition.op === "and" ? condition.operands.flatMap(conjuncts) : [condition];
}

function readsList(expr: Expr): boolean {
  switch (expr.kind) {
    case "in_list":
      return true;
    case "field":
    case "literal":
    case "constant":
      return false;
    case "compare":
      return readsList(expr.left) || readsList(expr.right);
    case "in":
      return readsList(expr.left);
    case "not":
      return readsList(expr.operand);
    case "logical":
      return expr.operands.some(readsList);
    case "call":
      return expr.args.some(readsList);
    case "index":
      return readsList(expr.base);
  }
}

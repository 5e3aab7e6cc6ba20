import type { Expr } from "../rules/ast.js";
import { setLookup } from "../rules/compile-evaluator.js";
import { parseCidr, parseIpAddress, type IpRange } from "../rules/ip-address.js";
import { lookupField } from "../rules/field-catalog.js";
import { parsedAddress } from "./compile-slot-condition.js";

/**
 * Atoms (the conjuncts of a program's rules) that test one subject's value against literals —
 * `path in {…}`, `ja3 eq "…"`, `not (country in {…})`, `ip.src in {10.0.0.0/8 …}` — grouped by
 * subject, so that one lookup of the value decides every atom of the group: a hash of the
 * values to the atoms they make true, or for IP sets the sorted boundaries of all their ranges.
 * A group is resolved once per request, on the first use of any of its atoms.
 */
export interface AtomGroups {
  /** Each atom's group, or -1 for an atom evaluated alone. */
  groupOf: Int32Array;
  /** Writes the state (1 false, 2 true) of every atom of group `group` for the request in `record`. */
  resolve: Array<(record: unknown[], state: Uint8Array) => void>;
}

/** Where a subject's value is: a field's slot, or a memoised value (a function of plain fields). */
export interface SubjectReader {
  /** The slot of a plain field, or -1. */
  slot: (subject: Expr) => number;
  /** Where an IP field's parsed address is kept, or -1 for a field that is not an IP. */
  parsedAt: (subject: Expr) => number;
  /** The value of a subject that is no plain field (undefined: it cannot be grouped). */
  value: (subject: Expr) => ((record: unknown[]) => unknown) | undefined;
  key: (expr: Expr) => string;
}

type Member = { atom: number; negated: boolean } & (
  | { kind: "discrete"; strings: readonly string[] }
  /** A test of numbers whose answer changes only at `points` (the literals): constant between two. */
  | { kind: "numeric"; points: readonly number[]; test: (value: number) => boolean }
  | { kind: "ranges"; ranges: readonly IpRange[] }
  | { kind: "prefix"; prefix: string }
);

/** Groups the atoms that test the same subject; a group needs two atoms or more to pay off. */
export function groupAtoms(atoms: readonly Expr[], reader: SubjectReader): AtomGroups {
  const bySubject = new Map<string, { subject: Expr; members: Member[] }>();
  atoms.forEach((atom, index) => {
    const found = groupable(atom, index, reader);
    if (found === undefined) return;
    const key = `${found.member.kind} ${reader.key(found.subject)}`;
    const entry = bySubject.get(key) ?? { subject: found.subject, members: [] };
    entry.members.push(found.member);
    bySubject.set(key, entry);
  });
  const groupOf = new Int32Array(atoms.length).fill(-1);
  const resolve: AtomGroups["resolve"] = [];
  for (const { subject, members } of bySubject.values()) {
    if (members.length < 2) continue;
    const kind = members[0]!.kind;
    const resolver =
      kind === "discrete"
        ? discreteResolver(subject, members, reader)
        : kind === "numeric"
          ? numericResolver(subject, members, reader)
          : kind === "prefix"
            ? prefixResolver(subject, members, reader)
            : rangeResolver(subject, members, reader);
    if (resolver === undefined) continue;
    for (const member of members) groupOf[member.atom] = resolve.length;
    resolve.push(resolver);
  }
  return { groupOf, resolve };
}

/** The subject and what an atom tests of it, when a lookup can decide it (as the general evaluator would). */
function groupable(atom: Expr, index: number, reader: SubjectReader): { subject: Expr; member: Member } | undefined {
  const negated = atom.kind === "not";
  const test = atom.kind === "not" ? atom.operand : atom;
  if (test.kind === "compare" && test.right.kind === "literal" && readable(test.left, reader)) {
    // As the general evaluator compares: `eq` is `===`; lt…ge hold for numbers only. An IP field
    // is compared as an address, not here.
    const literal = test.right.literal;
    if (reader.parsedAt(test.left) >= 0) return undefined;
    if (literal.type === "string") return test.op === "eq" ? { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: [literal.value] } } : undefined;
    if (literal.type !== "int" && literal.type !== "float") return undefined;
    const n = literal.value;
    const compare = NUMBER_TESTS[test.op];
    return compare === undefined ? undefined : { subject: test.left, member: { atom: index, negated, kind: "numeric", points: [n], test: (value) => compare(value, n) } };
  }
  // `starts_with(subject, "…")` is true for a string that starts so, false for anything else.
  if (test.kind === "call" && test.name === "starts_with" && test.args.length === 2) {
    const [subject, prefix] = test.args as [Expr, Expr];
    if (prefix.kind === "literal" && prefix.literal.type === "string" && readable(subject, reader)) return { subject, member: { atom: index, negated, kind: "prefix", prefix: prefix.literal.value } };
    return undefined;
  }
  if (test.kind !== "in" || !readable(test.left, reader)) return undefined;
  const items = test.items;
  if (items.every((item) => item.type === "string")) return { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: items.map((item) => item.value as string) } };
  if (items.every((item) => item.type === "int" || item.type === "int_range")) {
    const { ints, inIntRanges } = setLookup(items);
    const points = items.flatMap((item) => (item.type === "int" ? [item.value] : item.type === "int_range" ? [item.from, item.to] : []));
    return { subject: test.left, member: { atom: index, negated, kind: "numeric", points, test: (value) => ints.has(value) || inIntRanges(value) } };
  }
  if (reader.parsedAt(test.left) >= 0 && items.every((item) => item.type === "ip" || item.type === "cidr")) {
    const ranges = items.map((item): IpRange => {
      if (item.type === "cidr") {
        const cidr = parseCidr(item.value as string);
        if (!cidr.ok) throw new Error(`Invalid CIDR: ${cidr.reason}.`);
        return cidr.range;
      }
      const address = parseIpAddress(item.value as string);
      if (address === undefined) throw new Error(`Invalid IP address '${String(item.value)}'.`);
      return address.version === 4 ? { version: 4, first: address.value, last: address.value } : { version: 6, first: address.value, last: address.value };
    });
    return { subject: test.left, member: { atom: index, negated, kind: "ranges", ranges } };
  }
  return undefined;
}

function readable(subject: Expr, reader: SubjectReader): boolean {
  return reader.slot(subject) >= 0 || reader.value(subject) !== undefined;
}

/** Sets every member false (its own sense: a negated atom is then true), before the lookup marks the true ones. */
function senses(members: readonly Member[]): { atoms: Int32Array; whenFalse: Uint8Array; whenTrue: Uint8Array } {
  return {
    atoms: Int32Array.from(members, (m) => m.atom),
    whenFalse: Uint8Array.from(members, (m) => (m.negated ? 2 : 1)),
    whenTrue: Uint8Array.from(members, (m) => (m.negated ? 1 : 2)),
  };
}

function discreteResolver(subject: Expr, members: readonly Member[], reader: SubjectReader): AtomGroups["resolve"][number] | undefined {
  const strings = new Map<string, number[]>();
  members.forEach((member, position) => {
    if (member.kind !== "discrete") return;
    for (const value of member.strings) strings.set(value, [...(strings.get(value) ?? []), position]);
  });
  const { atoms, whenFalse, whenTrue } = senses(members);
  const count = atoms.length;
  const slot = reader.slot(subject);
  const read = slot >= 0 ? undefined : reader.value(subject);
  return (record, state) => {
    for (let i = 0; i < count; i++) state[atoms[i] as number] = whenFalse[i] as number;
    const value = read === undefined ? record[slot] : read(record);
    const hits = typeof value === "string" ? strings.get(value) : undefined;
    if (hits !== undefined) for (const position of hits) state[atoms[position] as number] = whenTrue[position] as number;
  };
}

/** The number tests of `compare`, as the general evaluator's `numberTest` (a non-number never gets here). */
const NUMBER_TESTS: Partial<Record<string, (value: number, n: number) => boolean>> = {
  eq: (value, n) => value === n,
  lt: (value, n) => value < n,
  le: (value, n) => value <= n,
  gt: (value, n) => value > n,
  ge: (value, n) => value >= n,
};

/**
 * Numeric tests of one subject: the literals cut the numbers into segments (each literal, and the
 * open gaps between them) on which every test is constant, so each segment's true members are
 * found once, here, by testing one number of it; a request's number is found by binary search.
 */
function numericResolver(subject: Expr, members: readonly Member[], reader: SubjectReader): AtomGroups["resolve"][number] | undefined {
  const points = [...new Set(members.flatMap((m) => (m.kind === "numeric" ? m.points : [])))].sort((a, b) => a - b);
  const count = points.length;
  const none: number[] = [];
  // Segment 2i + 1 is points[i]; segment 2g the gap below points[g] (above the last for g = count).
  const segments = Array.from({ length: 2 * count + 1 }, (_, segment): number[] => {
    let sample: number;
    if (segment % 2 === 1) {
      sample = points[(segment - 1) / 2] as number;
    } else {
      const gap = segment / 2;
      const below = gap === 0 ? -Infinity : (points[gap - 1] as number);
      const above = gap === count ? Infinity : (points[gap] as number);
      sample = gap === 0 ? -Infinity : gap === count ? Infinity : below / 2 + above / 2;
      // Two adjacent doubles: no number falls in between, so the lookup never lands here.
      if (!(sample > below || gap === 0) || !(sample < above || gap === count)) return none;
    }
    const hits = members.flatMap((m, position) => (m.kind === "numeric" && m.test(sample) ? [position] : []));
    return hits.length === 0 ? none : hits;
  });
  const nanHits = members.flatMap((m, position) => (m.kind === "numeric" && m.test(Number.NaN) ? [position] : []));
  const { atoms, whenFalse, whenTrue } = senses(members);
  const size = atoms.length;
  const slot = reader.slot(subject);
  const read = slot >= 0 ? undefined : reader.value(subject);
  return (record, state) => {
    for (let i = 0; i < size; i++) state[atoms[i] as number] = whenFalse[i] as number;
    const value = read === undefined ? record[slot] : read(record);
    if (typeof value !== "number") return;
    // NaN is in no segment: its own hits (the general range test, comparing nothing, takes it in).
    if (value !== value) {
      for (const position of nanHits) state[atoms[position] as number] = whenTrue[position] as number;
      return;
    }
    let low = 0;
    let high = count - 1;
    let below = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((points[middle] as number) <= value) {
        below = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    const hits = segments[below >= 0 && points[below] === value ? 2 * below + 1 : 2 * (below + 1)] as number[];
    for (const position of hits) state[atoms[position] as number] = whenTrue[position] as number;
  };
}

function rangeResolver(subject: Expr, members: readonly Member[], reader: SubjectReader): AtomGroups["resolve"][number] | undefined {
  const slot = reader.slot(subject);
  const at = reader.parsedAt(subject);
  if (slot < 0 || at < 0 || lookupField(subject.kind === "field" ? subject.name : "")?.type !== "Ip") return undefined;
  const v4 = segments<number>(members, 4);
  const v6 = segments<bigint>(members, 6);
  const { atoms, whenFalse, whenTrue } = senses(members);
  const count = atoms.length;
  return (record, state) => {
    for (let i = 0; i < count; i++) state[atoms[i] as number] = whenFalse[i] as number;
    // A number or a non-address string is in no IP set (these sets hold addresses only).
    const address = parsedAddress(record, slot, at);
    if (address === undefined) return;
    const hits = typeof address === "number" ? v4(address) : v6(address);
    for (const position of hits) state[atoms[position] as number] = whenTrue[position] as number;
  };
}

/**
 * `starts_with` tests of one subject: their prefixes in a trie of UTF-16 units (as `startsWith`
 * compares), walked along the request's value; each node on the way ends the prefixes it holds.
 */
function prefixResolver(subject: Expr, members: readonly Member[], reader: SubjectReader): AtomGroups["resolve"][number] {
  const children: Array<Map<number, number>> = [new Map()];
  const ends: number[][] = [[]];
  members.forEach((member, position) => {
    if (member.kind !== "prefix") return;
    let node = 0;
    for (let i = 0; i < member.prefix.length; i++) {
      const unit = member.prefix.charCodeAt(i);
      let next = (children[node] as Map<number, number>).get(unit);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        ends.push([]);
        (children[node] as Map<number, number>).set(unit, next);
      }
      node = next;
    }
    (ends[node] as number[]).push(position);
  });
  const { atoms, whenFalse, whenTrue } = senses(members);
  const count = atoms.length;
  const slot = reader.slot(subject);
  const read = slot >= 0 ? undefined : reader.value(subject);
  const mark = (state: Uint8Array, node: number): void => {
    for (const position of ends[node] as number[]) state[atoms[position] as number] = whenTrue[position] as number;
  };
  return (record, state) => {
    for (let i = 0; i < count; i++) state[atoms[i] as number] = whenFalse[i] as number;
    const value = read === undefined ? record[slot] : read(record);
    if (typeof value !== "string") return;
    let node = 0;
    mark(state, node);
    for (let i = 0; i < value.length; i++) {
      const next = (children[node] as Map<number, number>).get(value.charCodeAt(i));
      if (next === undefined) return;
      node = next;
      mark(state, node);
    }
  };
}

/**
 * The members' ranges of one IP version cut into elementary segments (sorted starts), each with
 * the members whose ranges cover it: a binary search finds every member an address is in.
 */
function segments<T extends number | bigint>(members: readonly Member[], version: 4 | 6): (address: T) => readonly number[] {
  const ranges: Array<{ first: T; last: T; position: number }> = [];
  members.forEach((member, position) => {
    if (member.kind !== "ranges") return;
    for (const range of member.ranges) if (range.version === version) ranges.push({ first: range.first as T, last: range.last as T, position });
  });
  const one = (version === 4 ? 1 : 1n) as T;
  const starts = [...new Set(ranges.flatMap((r) => [r.first, (r.last as number) + (one as number)] as T[]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const none: number[] = [];
  const covers: number[][] = starts.map(() => none);
  for (const range of ranges) {
    let i = lowerBound(starts, range.first);
    for (; i < starts.length && (starts[i] as T) <= range.last; i++) covers[i] = covers[i] === none ? [range.position] : [...(covers[i] as number[]), range.position];
  }
  return (address) => {
    // The last start at or below the address.
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((starts[middle] as T) <= address) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? none : (covers[found] as number[]);
  };
}

function lowerBound<T extends number | bigint>(sorted: readonly T[], value: T): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as T) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

import type { Expr } from "../rules/ast.js";
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
  | { kind: "discrete"; strings: readonly string[]; numbers: readonly number[] }
  | { kind: "ranges"; ranges: readonly IpRange[] }
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
    const resolver = members[0]!.kind === "discrete" ? discreteResolver(subject, members, reader) : rangeResolver(subject, members, reader);
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
  if (test.kind === "compare" && test.op === "eq" && test.right.kind === "literal" && readable(test.left, reader)) {
    // `eq` is `===` for strings and numbers; an IP literal is compared as an address, not here.
    const literal = test.right.literal;
    if (reader.parsedAt(test.left) >= 0) return undefined;
    if (literal.type === "string") return { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: [literal.value], numbers: [] } };
    if (literal.type === "int" || literal.type === "float") return { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: [], numbers: [literal.value] } };
    return undefined;
  }
  if (test.kind !== "in" || !readable(test.left, reader)) return undefined;
  const items = test.items;
  if (items.every((item) => item.type === "string")) return { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: items.map((item) => item.value as string), numbers: [] } };
  if (items.every((item) => item.type === "int")) return { subject: test.left, member: { atom: index, negated, kind: "discrete", strings: [], numbers: items.map((item) => item.value as number) } };
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
  const numbers = new Map<number, number[]>();
  members.forEach((member, position) => {
    if (member.kind !== "discrete") return;
    for (const value of member.strings) strings.set(value, [...(strings.get(value) ?? []), position]);
    for (const value of member.numbers) numbers.set(value, [...(numbers.get(value) ?? []), position]);
  });
  const { atoms, whenFalse, whenTrue } = senses(members);
  const count = atoms.length;
  const slot = reader.slot(subject);
  const read = slot >= 0 ? undefined : reader.value(subject);
  return (record, state) => {
    for (let i = 0; i < count; i++) state[atoms[i] as number] = whenFalse[i] as number;
    const value = read === undefined ? record[slot] : read(record);
    const hits = typeof value === "string" ? strings.get(value) : typeof value === "number" ? numbers.get(value) : undefined;
    if (hits !== undefined) for (const position of hits) state[atoms[position] as number] = whenTrue[position] as number;
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

/**
 * Splits a large set across several rules so that each rule's expression stays within Cloudflare's
 * limit, with content-defined boundaries: the items are sorted, and each part ends at the item
 * that scores best within a window of part sizes — between WINDOW_START and 100% of the capacity —
 * where the score is the item's own hash level plus a small preference for fuller parts. So parts
 * are nearly full, the packing is stateless (a function of the set alone), and an added item
 * changes only its own part unless it moves a cut point: the part it joins overflows, or the item
 * itself scores best in its window.
 *
 * A part is named by its top item (the lowest hash in a lane the cut points do not use), not by
 * where it ends: a moved cut point changes the contents of the two parts beside it but, unless it
 * carries a top item across, neither name. So one moved cut point changes two rules, not three
 * (one renamed, which Cloudflare sees as a removal and an addition, and its neighbour), and a
 * cascade of k moved cut points changes k + 1 rules, not 2k + 1. The price: an added item that
 * becomes its part's top item renames that part (about one addition in a hundred).
 *
 * A moved cut point can still move the next one, because each part's window starts where the
 * previous part ended; with near-full parts the two packings then run side by side for several
 * parts before they meet again. Measured over many seeded sets (bench/run.ts and the tests), no
 * window, bias, anchor, look-ahead or global (dynamic-programming) variant tried kept parts within
 * 1.10 × the minimum and also kept every addition to at most three changed rules: with the slack
 * that efficiency leaves (about 9 items of 104 per JA4 rule), a cut point moves in about one
 * addition in ten whatever the rule, and cascades cannot be bounded without hard anchors, which
 * waste about half a rule each.
 */

/** An item with its printed form (its sort key) and what it costs in a rule (including its separator). */
export interface CostedItem<T> {
  item: T;
  key: string;
  cost: number;
}

/**
 * One part of a packed set: its items in key order, and a name that stays the same while the part
 * keeps its highest-level item (12 hex digits of that item's hash).
 */
export interface PackedPart<T> {
  name: string;
  items: T[];
}

/** A part ends no earlier than this fraction of the capacity, unless the set ends first. */
export const WINDOW_START = 0.75;

/** How much a cut at the window's end is preferred over one at its start, in hash levels (bits). */
const FULLNESS_BIAS = 3;

/**
 * Packs items into parts of total cost at most `capacity` each, cut at content-defined points over
 * the items in key order. Returns undefined when one item alone is larger than the capacity.
 * Linear in the number of items after sorting; each key is hashed once. An empty set is one empty
 * part, named after no item.
 */
export function packSetItems<T>(items: ReadonlyArray<CostedItem<T>>, capacity: number): Array<PackedPart<T>> | undefined {
  if (items.some((i) => i.cost > capacity)) return undefined;
  const sorted = sortByKey(items);
  const hashes = hashKeys(sorted);
  const windowStart = WINDOW_START * capacity;
  const parts: Array<PackedPart<T>> = [];
  let remaining = sorted.reduce((sum, i) => sum + i.cost, 0);
  let start = 0;
  while (start < sorted.length) {
    if (remaining <= capacity) {
      parts.push(namedPart(sorted, hashes, start, sorted.length));
      break;
    }
    // The part takes items while they fit; the cut goes after the best-scoring item in the window.
    let cost = 0;
    let cut = start;
    let best = -Infinity;
    for (let i = start; i < sorted.length; i++) {
      cost += sorted[i]!.cost;
      if (cost > capacity) break;
      // Large items can jump the whole window: then the cut goes after the last one that fits.
      const score = cost < windowStart ? -Infinity : hashLevel(hashes.low[i]!) + (FULLNESS_BIAS * (cost - windowStart)) / (capacity - windowStart);
      if (score >= best) {
        best = score;
        cut = i;
      }
    }
    for (let i = start; i <= cut; i++) remaining -= sorted[i]!.cost;
    parts.push(namedPart(sorted, hashes, start, cut + 1));
    start = cut + 1;
  }
  return parts.length > 0 ? uniqueNames(parts) : [{ name: EMPTY_PART, items: [] }];
}

/** The name of the one part of an empty set. */
export const EMPTY_PART = "empty";

/**
 * The part `sorted[start, end)`, named after its top item: the one whose hash's high lane is lowest
 * (then its low lane). The cut points are chosen by the low lane, so the top item is as likely to
 * sit anywhere in the part as any other, not mostly at the cut point, where a moved cut would take
 * it away.
 */
function namedPart<T>(sorted: ReadonlyArray<CostedItem<T>>, hashes: KeyHashes, start: number, end: number): PackedPart<T> {
  const { low, high } = hashes;
  let top = start;
  for (let i = start + 1; i < end; i++) {
    if (high[i]! < high[top]! || (high[i] === high[top] && low[i]! < low[top]!)) top = i;
  }
  const items: T[] = new Array<T>(end - start);
  for (let i = start; i < end; i++) items[i - start] = sorted[i]!.item;
  return { name: partName(low[top]!, high[top]!), items };
}

/** Two named items whose hashes share a name (about one in 2^48 per pair): the later gets `.2`, `.3`, …. */
function uniqueNames<T>(parts: Array<PackedPart<T>>): Array<PackedPart<T>> {
  const seen = new Map<string, number>();
  return parts.map((part) => {
    const count = (seen.get(part.name) ?? 0) + 1;
    seen.set(part.name, count);
    return count === 1 ? part : { ...part, name: `${part.name}.${count}` };
  });
}

/**
 * The items in key order (UTF-16 code units, as compareKeys): the distinct keys are sorted, then
 * the items looked up, which is much faster than sorting the items with a comparator.
 */
function sortByKey<T>(items: ReadonlyArray<CostedItem<T>>): Array<CostedItem<T>> {
  const byKey = new Map<string, CostedItem<T> | Array<CostedItem<T>>>();
  for (const item of items) {
    const same = byKey.get(item.key);
    if (same === undefined) byKey.set(item.key, item);
    else if (Array.isArray(same)) same.push(item);
    else byKey.set(item.key, [same, item]);
  }
  const sorted: Array<CostedItem<T>> = [];
  const keys = [...byKey.keys()];
  sortStrings(keys, 0, keys.length, 0);
  for (const key of keys) {
    const same = byKey.get(key)!;
    if (Array.isArray(same)) sorted.push(...same);
    else sorted.push(same);
  }
  return sorted;
}

/**
 * Sorts `keys[lo, hi)` in place by UTF-16 code units, given they agree on their first `depth` code
 * units: Bentley and Sedgewick's multikey quicksort, which compares one code unit at a time and so
 * does not re-compare the long prefixes set items share (`t13d1516h2_…`, `192.168.…`).
 */
function sortStrings(keys: string[], lo: number, hi: number, depth: number): void {
  while (hi - lo > 1) {
    if (hi - lo < 16) {
      for (let i = lo + 1; i < hi; i++) {
        const key = keys[i]!;
        let j = i - 1;
        for (; j >= lo && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
        keys[j + 1] = key;
      }
      return;
    }
    const pivot = codeAt(keys[(lo + hi) >>> 1]!, depth);
    let lt = lo;
    let gt = hi - 1;
    for (let i = lo; i <= gt; ) {
      const code = codeAt(keys[i]!, depth);
      if (code < pivot) swap(keys, lt++, i++);
      else if (code > pivot) swap(keys, i, gt--);
      else i++;
    }
    sortStrings(keys, lo, lt, depth);
    sortStrings(keys, gt + 1, hi, depth);
    // The middle agrees on one more code unit; keys that ended here are equal, so done.
    if (pivot < 0) return;
    [lo, hi, depth] = [lt, gt + 1, depth + 1];
  }
}

function codeAt(key: string, index: number): number {
  return index < key.length ? key.charCodeAt(index) : -1;
}

function swap(keys: string[], a: number, b: number): void {
  const key = keys[a]!;
  keys[a] = keys[b]!;
  keys[b] = key;
}

/** The minimum number of parts any packing needs: total cost over capacity, rounded up. */
export function packingMinimum(costs: readonly number[], capacity: number): number {
  return Math.max(1, Math.ceil(costs.reduce((a, b) => a + b, 0) / capacity));
}

/** Orders keys by UTF-16 code units, the same on every platform and locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Two independent 32-bit lanes of each key's hash, by the key's position in key order. */
interface KeyHashes {
  low: Uint32Array;
  high: Uint32Array;
}

// cyrb53-style: two multiplicative lanes over UTF-16 code units, mixed at the end. Fixed and
// platform-independent; plain 32-bit integer arithmetic, so each key costs one short loop. The
// lanes go in two typed arrays rather than an object per key: a set can hold 100,000 items.
function hashKeys(sorted: ReadonlyArray<CostedItem<unknown>>): KeyHashes {
  const low = new Uint32Array(sorted.length);
  const high = new Uint32Array(sorted.length);
  for (let k = 0; k < sorted.length; k++) {
    const key = sorted[k]!.key;
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    low[k] = h1;
    high[k] = h2;
  }
  return { low, high };
}

/** The hash as a level: -log2 of a uniform value in (0, 1), so level ≥ k with probability 2^-k. */
function hashLevel(low: number): number {
  return -Math.log2((low + 0.5) / 4294967296);
}

/**
 * A part's name: 12 hex digits of its top item's hash — the low lane, then 16 bits of the high lane
 * mixed again (the top item's high lane is small, since that is what makes it the top item).
 */
function partName(low: number, high: number): string {
  const mixed = Math.imul(high ^ (low >>> 7), 0x85ebca6b) >>> 16;
  return low.toString(16).padStart(8, "0") + mixed.toString(16).padStart(4, "0");
}

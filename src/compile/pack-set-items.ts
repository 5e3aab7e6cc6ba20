/**
 * Splits a large set across several rules so that each rule's expression stays within Cloudflare's
 * limit, while keeping the split stable: an item's part depends only on the item and the number
 * of parts (jump consistent hashing), so adding one item changes exactly the one part it falls
 * into. The number of parts is the smallest count, from the packing minimum up, at which every
 * part fits; since a bigger set can only need more parts, the count changes only when the part
 * an item falls into was already full. (A rare set that the plain hash packs loosely is packed
 * with a salted hash instead; see packSetItems.)
 */

/** Items with the printed cost of each (characters, including its separator). */
export interface CostedItem<T> {
  item: T;
  key: string;
  cost: number;
}

/**
 * A packed set: parts indexed by position (a part may be empty), and the hash salt used. Adding
 * one item changes exactly one part unless it re-packs the set: the part count grows, or the salt
 * changes (both happen only when the item's part was already full).
 */
export interface PackedSet<T> {
  parts: T[][];
  salt: number;
}

/** Packings may use at most this many times the minimum number of parts, when a hash allows. */
export const PACKING_TARGET = 1.3;

/** Salted hashes tried, in order, when the plain one needs too many parts. */
const SALTS = 8;

/**
 * Distributes items into the fewest hash-stable parts whose total cost is at most `capacity`
 * each, indexed by part (a part may be empty). Returns undefined when one item alone is larger
 * than the capacity. A set whose plain hash needs more than PACKING_TARGET × the minimum tries
 * salted hashes in a fixed order and keeps the first within the target (else the best); a set
 * keeps its hash as long as its part count holds.
 */
export function packSetItems<T>(items: ReadonlyArray<CostedItem<T>>, capacity: number): PackedSet<T> | undefined {
  if (items.some((i) => i.cost > capacity)) return undefined;
  const minimum = packingMinimum(items.map((i) => i.cost), capacity);
  let best: PackedSet<T> | undefined;
  for (let salt = 0; salt < SALTS; salt++) {
    const parts = packWithHash(items, capacity, minimum, salt);
    if (best === undefined || parts.length < best.parts.length) best = { parts, salt };
    if (parts.length <= Math.floor(PACKING_TARGET * minimum)) return { parts, salt };
  }
  return best;
}

function packWithHash<T>(items: ReadonlyArray<CostedItem<T>>, capacity: number, minimum: number, salt: number): T[][] {
  const hashes = items.map((i) => hashKey(salt === 0 ? i.key : `${salt}\u0000${i.key}`));
  for (let parts = minimum; ; parts++) {
    const buckets: Array<Array<CostedItem<T>>> = Array.from({ length: parts }, () => []);
    const load = new Array<number>(parts).fill(0);
    let fits = true;
    for (let i = 0; i < items.length; i++) {
      const bucket = jumpHash(hashes[i]!, parts);
      load[bucket]! += items[i]!.cost;
      if (load[bucket]! > capacity) {
        fits = false;
        break;
      }
      buckets[bucket]!.push(items[i]!);
    }
    // Empty parts stay in place: a part's index names its rule, so indexes must not shift.
    if (fits) return buckets.map((b) => b.map((i) => i.item));
  }
}

/** The minimum number of parts any packing needs: total cost over capacity, rounded up. */
export function packingMinimum(costs: readonly number[], capacity: number): number {
  return Math.max(1, Math.ceil(costs.reduce((a, b) => a + b, 0) / capacity));
}

const MASK64 = (1n << 64n) - 1n;

// FNV-1a, 64-bit: a fixed, well-spread hash that does not depend on the platform.
function hashKey(key: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(key, "utf8")) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & MASK64;
  }
  return hash;
}

/** Lamping and Veach's jump consistent hash: a bucket in [0, buckets) for a 64-bit key. */
function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK64;
    j = Math.floor(((b + 1) * 2 ** 31) / (Number(k >> 33n) + 1));
  }
  return b;
}

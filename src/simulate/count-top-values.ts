/** One value and how many lines carried it. */
export interface ValueCount {
  value: string | number;
  count: number;
}

/**
 * Counts values in bounded memory and names the most frequent ones. Counts are exact while fewer
 * than `capacity` distinct values were seen; beyond that, the least frequent half is dropped
 * whenever the table fills (amortised constant time per value), so a value that keeps coming
 * stays, and the counts of the survivors become lower bounds: `approximate` then says so.
 */
export interface TopValues {
  add(value: string | number): void;
  top(limit: number): ValueCount[];
  /** True once values were dropped: the counts shown may be lower than the truth. */
  readonly approximate: boolean;
}

/** Creates a bounded counter; `capacity` is how many distinct values it keeps at most. */
export function countTopValues(capacity = 4096): TopValues {
  let counts = new Map<string | number, number>();
  let approximate = false;
  return {
    add(value) {
      const count = counts.get(value);
      if (count !== undefined) {
        counts.set(value, count + 1);
        return;
      }
      if (counts.size >= capacity) {
        counts = new Map(ranked(counts).slice(0, Math.floor(capacity / 2)));
        approximate = true;
      }
      counts.set(value, 1);
    },
    top(limit) {
      return ranked(counts)
        .slice(0, limit)
        .map(([value, count]) => ({ value, count }));
    },
    get approximate() {
      return approximate;
    },
  };
}

/** Entries by count, most frequent first; ties in a fixed order (numbers, then strings, ascending) so output is stable. */
function ranked(counts: ReadonlyMap<string | number, number>): Array<[string | number, number]> {
  return [...counts].sort(([a, x], [b, y]) => y - x || compareValues(a, b));
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

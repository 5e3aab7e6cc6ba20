import { closest, distance } from "fastest-levenshtein";

/**
 * Suggests the known word closest to a misspelt one, or nothing when no word is close enough
 * (at most a third of the word's length in edits) to be a plausible typo.
 */
export function suggest(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, known as string[]);
  const limit = Math.max(1, Math.floor(word.length / 3));
  return distance(word, best) <= limit ? best : undefined;
}

/** A `did you mean 'x'?` hint, or nothing. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const best = suggest(word, known);
  return best === undefined ? undefined : `did you mean '${best}'?`;
}

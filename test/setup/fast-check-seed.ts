/**
 * Seeds every fast-check property of the suite (a vitest setup file, run before each test file).
 * `npm test` uses one fixed seed, so a run finishes the same way every time and a failure is
 * reproducible from the seed fast-check prints with the counterexample. `npm run fuzz`
 * (BOT_POLICY_FUZZ=1) draws a random seed and multiplies the runs; BOT_POLICY_SEED replays one.
 */
import fc from "fast-check";

/** The seed `npm test` uses. Any value will do; changing it changes which cases run. */
const FIXED_SEED = 20261121;

/** True when the suite runs as a fuzzer (`npm run fuzz`): random seeds, many more runs. */
export const FUZZ = process.env.BOT_POLICY_FUZZ === "1";

/** How many times more runs each property makes when fuzzing (BOT_POLICY_FUZZ_SCALE, default 20). */
export const FUZZ_SCALE = FUZZ ? positiveInteger(process.env.BOT_POLICY_FUZZ_SCALE) ?? 20 : 1;

/** The seed of this test file's properties: BOT_POLICY_SEED, else random when fuzzing, else fixed. */
export const SEED = integer(process.env.BOT_POLICY_SEED) ?? (FUZZ ? Math.floor(Math.random() * 2 ** 31) : FIXED_SEED);

/** A property's number of runs: `base` in `npm test`, scaled up when fuzzing. */
export function propertyRuns(base: number): number {
  return base * FUZZ_SCALE;
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

function positiveInteger(text: string | undefined): number | undefined {
  const value = integer(text);
  return value !== undefined && value > 0 ? value : undefined;
}

fc.configureGlobal({ seed: SEED });
// A random seed is only useful if it is on record: fast-check prints it on failure, this line
// prints it for runs that pass (and for failures outside a property, such as a timeout).
if (FUZZ) console.info(`fast-check seed ${SEED} (replay with BOT_POLICY_SEED=${SEED} npm run fuzz)`);

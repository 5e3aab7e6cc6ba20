import { describe, expect, it } from "vitest";
import { FUZZ, SEED } from "../setup/fast-check-seed.js";
import { knownCause } from "./known-findings.js";
import { runCase } from "./run-case.js";
import { describeGroup, fuzzInput, runFuzz } from "./run-fuzz.js";

/*
 * Generated and mutated projects through validate → compile → plan → eval (test/fuzz/README.md).
 * `npm test` runs a few cases from the fixed seed; `npm run fuzz` runs BOT_POLICY_FUZZ_CASES
 * (default 10,000) from a random seed, with hostile inputs (huge strings, a catastrophic regex
 * against a long user agent) and the time budget enforced. BOT_POLICY_FUZZ_CASE=<case seed>
 * replays one case and prints it.
 */

const CASES = FUZZ ? Number(process.env.BOT_POLICY_FUZZ_CASES ?? 10_000) : 60;
/** Time one target (validate to eval, one stack) may take before it is reported as slow. */
const BUDGET_MS = 5000;

describe("fuzz: generated and mutated projects", () => {
  const replay = process.env.BOT_POLICY_FUZZ_CASE;
  it.runIf(replay !== undefined)("replays one case", () => {
    const input = fuzzInput(Number(replay), FUZZ);
    const outcome = runCase(input, BUDGET_MS);
    console.info([...input.files].map(([f, t]) => `--- ${f}\n${t}`).join("\n"), JSON.stringify(input.stacks), input.mutations, outcome.findings);
  });

  it.runIf(replay === undefined)(`finds no crash, no unlocated diagnostic, nothing validate accepts and compile rejects (${CASES} cases)`, () => {
    const summary = runFuzz(SEED, CASES, BUDGET_MS, FUZZ, FUZZ);
    const acceptance = summary.accepted / summary.targets;
    const groups = summary.groups.map((g) => ({ ...g, cause: knownCause(g.signature) }));
    console.info(
      [
        `fuzz seed ${summary.seed}: ${summary.cases} cases (${summary.mutated} mutated), ${summary.targets} validations, ${summary.accepted} accepted (${(acceptance * 100).toFixed(1)}%), ${summary.decisions} decisions (${summary.matched} matched a rule)`,
        ...groups.map((g) => `  ${g.count}× ${g.signature}${g.cause ? ` [known: ${g.cause}]` : !FUZZ && g.example.kind === "slow" ? " [time is a finding only when fuzzing]" : " [NEW]"}`),
      ].join("\n"),
    );
    // A fuzz run shows a reproducer of every group, known ones included, for the report.
    if (FUZZ) for (const g of groups) console.info(`\n${describeGroup(g)}`);
    // Time is only a finding when fuzzing: npm test never asserts on time.
    const failing = groups.filter((g) => g.cause === undefined && (FUZZ || g.example.kind !== "slow"));
    expect(failing.map(describeGroup)).toEqual([]);
    // Not vacuous: many projects pass validate, so compile, plan and eval really run, and rules match.
    expect(acceptance).toBeGreaterThanOrEqual(0.2);
    expect(summary.matched).toBeGreaterThan(0);
    expect(summary.mutated).toBeGreaterThan(0);
  });
});

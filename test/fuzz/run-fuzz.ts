/**
 * The fuzz loop: generates, mutates and runs many projects from one seed, and groups what it
 * finds by signature, keeping the shortest input of each group as its reproducer.
 */
import { generateProject } from "./generate-project.js";
import { mutateProject, type FuzzInput } from "./mutate-project.js";
import { caseSeed, Random } from "./random.js";
import { runCase, type Finding } from "./run-case.js";

/** Findings of one signature: how often, and the smallest input that showed it. */
export interface FindingGroup {
  signature: string;
  count: number;
  example: Finding;
  seed: number;
  input: FuzzInput;
}

/** A fuzz run's totals. */
export interface FuzzSummary {
  seed: number;
  cases: number;
  targets: number;
  accepted: number;
  decisions: number;
  matched: number;
  mutated: number;
  groups: FindingGroup[];
  /** How often validate reported each error code (a projects count per code). */
  codes: Map<string, number>;
}

/** Builds the input of one case from its own seed (so any case replays alone); `hostile` in fuzz runs. */
export function fuzzInput(seed: number, hostile = false): FuzzInput {
  const r = new Random(seed);
  return mutateProject(r, generateProject(r, hostile), hostile);
}

/** Runs `cases` cases from `runSeed`; `budgetMs` per target before a case counts as slow. */
export function runFuzz(runSeed: number, cases: number, budgetMs: number, hostile = false, progress = false): FuzzSummary {
  const summary: FuzzSummary = { seed: runSeed, cases, targets: 0, accepted: 0, decisions: 0, matched: 0, mutated: 0, groups: [], codes: new Map() };
  const groups = new Map<string, FindingGroup>();
  for (let i = 0; i < cases; i++) {
    const seed = caseSeed(runSeed, i);
    const input = fuzzInput(seed, hostile);
    if (input.mutations.length > 0) summary.mutated++;
    if (progress && i > 0 && i % 500 === 0) process.stderr.write(`fuzz: ${i}/${cases} cases, ${groups.size} finding groups\n`);
    const outcome = runCase(input, budgetMs);
    summary.targets += outcome.targets;
    summary.accepted += outcome.accepted;
    summary.decisions += outcome.decisions;
    summary.matched += outcome.matched;
    for (const code of outcome.codes) summary.codes.set(code, (summary.codes.get(code) ?? 0) + 1);
    for (const finding of outcome.findings) {
      const group = groups.get(finding.signature);
      if (!group) groups.set(finding.signature, { signature: finding.signature, count: 1, example: finding, seed, input });
      else {
        group.count++;
        // The smallest input reproduces best; for time, the slowest case shows the cause best.
        const better = finding.kind === "slow" ? elapsedOf(finding) > elapsedOf(group.example) : size(input) < size(group.input);
        if (better) Object.assign(group, { example: finding, seed, input });
      }
    }
  }
  summary.groups = [...groups.values()].sort((a, b) => b.count - a.count);
  return summary;
}

function elapsedOf(finding: Finding): number {
  return Number(/^(\d+) ms/.exec(finding.detail)?.[1] ?? 0);
}

function size(input: FuzzInput): number {
  return [...input.files.values()].reduce((n, t) => n + t.length, 0) + JSON.stringify(input.stacks).length;
}

/** A finding group as text: signature, count, the case seed, what was mutated, and the input. */
export function describeGroup(group: FindingGroup): string {
  const files = [...group.input.files].map(([file, text]) => `--- ${file}\n${text.length > 3000 ? `${text.slice(0, 3000)}…(${text.length} characters)` : text}`).join("\n");
  return [
    `${group.signature} ×${group.count} (case seed ${group.seed}; replay: BOT_POLICY_FUZZ_CASE=${group.seed})`,
    `  stack: ${group.example.stack ?? "none"}; mutations: ${group.input.mutations.join("; ") || "none"}`,
    `  ${group.example.detail.split("\n").join("\n  ")}`,
    files,
    group.input.stacks.length > 0 ? `--- stacks\n${JSON.stringify(group.input.stacks)}` : "",
  ].join("\n");
}

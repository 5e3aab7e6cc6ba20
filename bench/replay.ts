/**
 * Measures the replay's throughput (part of `npm run bench`; alone: `node --import tsx bench/replay.ts [lines]`):
 * writes that many generated Logpush lines to a temporary file, then times, in the same run, a
 * loop that only reads the file line by line and `JSON.parse`s each line (the floor), and
 * `simulate` on the shipped example's `shop` zone over the same file, through the CLI's own code.
 * Each timing is the best of three. Prints lines per second and the ratio to the floor.
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runCli } from "../src/cli/main.js";
import { splitLines } from "../src/simulate/split-lines.js";
import { REPO_ROOT } from "../test/helpers/run-cli.js";
import { generateLogpushLines } from "../test/simulate/generate-logpush-lines.js";

const count = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), "bot-policy-throughput-"));
const file = join(dir, "traffic.ndjson");
writeFileSync(file, `${[...generateLogpushLines(count)].join("\n")}\n`);

async function parseOnly(): Promise<number> {
  let parsed = 0;
  for await (const batch of splitLines(createReadStream(file))) {
    for (const line of batch) if ("text" in line && JSON.parse(line.text) !== null) parsed += 1;
  }
  return parsed;
}

async function simulate(): Promise<number> {
  let out = "";
  const code = await runCli(["simulate", "--dir", REPO_ROOT, "--zone", "shop", "--traffic", file, "--format", "json", "--now", "2026-12-01"], {
    stdout: (t) => void (out += t),
    stderr: () => undefined,
    color: false,
  });
  if (code !== 0) throw new Error(`simulate exited ${code}`);
  return (JSON.parse(out) as { zones: Array<{ lines: number }> }).zones[0]!.lines;
}

async function best(run: () => Promise<number>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const start = performance.now();
    const lines = await run();
    if (lines !== count) throw new Error(`read ${lines} lines, expected ${count}`);
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

const floor = await best(parseOnly);
const replay = await best(simulate);
const size = statSync(file).size;
rmSync(dir, { recursive: true });
const rate = (ms: number): string => `${Math.round(count / (ms / 1000)).toLocaleString("en-US")} lines/s`;
console.log(`${count.toLocaleString("en-US")} lines, ${(size / count).toFixed(0)} bytes each`);
console.log(`read + JSON.parse: ${floor.toFixed(0)} ms (${rate(floor)})`);
console.log(`simulate:          ${replay.toFixed(0)} ms (${rate(replay)})`);
console.log(`ratio: ${(floor / replay).toFixed(2)}× the floor (goal ≥ 0.5×)`);

/**
 * `node --import tsx bench/decisions.ts [requests]`: only the decisions figure of `npm run bench`,
 * for iterating on the evaluator. The same zone-0 policy and request lines as bench/run.ts; the
 * general evaluator (requestFields + the decide loop over named fields) and the fast path
 * (requests read into field slots, decided to an outcome index) are each timed in turns with a
 * loop that only parses the lines, and reported as the parse loop's time over theirs.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compileProject } from "../src/compile/compile-project.js";
import { compileZoneProgram, decideInOrder, type Decision } from "../src/evaluate/decide.js";
import { requestFields } from "../src/evaluate/request-fields.js";
import { generalTally, parseOnly, requestLines, slotTally, writeProject } from "./run.js";

const REQUESTS = Number(process.argv[2] ?? 100_000);
const RUNS = 7;

const { dir, zone0 } = writeProject();
const text = readFileSync(join(dir, "policies", "z00.yaml"), "utf8");
rmSync(dir, { recursive: true, force: true });
const compiled = compileProject({ files: new Map([["policies/z00.yaml", text]]), now: new Date("2026-06-01T00:00:00Z") });
const plan = compiled.plans[0];
if (plan === undefined) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
const lines = requestLines(zone0, REQUESTS);

const program = compileZoneProgram(plan);
const slots = program.slots;
if (slots === undefined) throw new Error("the bench zone has no slot program");

const parse = () => parseOnly(lines);
const general = () => generalTally(program, lines);
const fast = () => slotTally(program, lines);

const timed = (fn: () => unknown): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const actions = [parse, general, fast];
for (const action of actions) action();
const times = actions.map((): number[] => []);
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
  for (const i of order) times[i]!.push(timed(actions[i]!));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [floor, slow, quick] = times.map(median) as [number, number, number];
const same = JSON.stringify([...general()].sort()) === JSON.stringify([...fast()].sort());
console.log(`zone z00: ${plan.firewallCustom.rules.length} emitted rules, ${slots.ruleCount} evaluated; ${REQUESTS.toLocaleString("en-US")} requests`);
console.log(`parse only ${floor.toFixed(1)} ms; general ${slow.toFixed(1)} ms (${(floor / slow).toFixed(3)}×); fast ${quick.toFixed(1)} ms (${(floor / quick).toFixed(3)}×)`);
console.log(`tallies ${same ? "agree" : "DIFFER"}: ${JSON.stringify([...fast()])}`);

/**
 * `node --import tsx bench/worker.ts`: the Worker measured in workerd (miniflare), as ratios
 * against a pass-through Worker in the same run, so the numbers mean something on any machine.
 *
 * - Decision cost: a bench module bundled from the same sources runs `readRequestFields` +
 *   `decide` n times inside one request; the cost per decision is the time difference between
 *   n = N and n = 0, over N (workerd's own clocks stand still during a request, so the time is
 *   taken outside). Measured for a zone with 100 worker rules that a request walks to the end,
 *   and for an empty policy (the floor).
 * - Per request, end to end: sequential requests through the real bundles (100 rules and
 *   pass-through), each forwarded to a fake origin.
 * - Bundle size, and cold start (a new workerd with the bundle, until its first response).
 * Each timing is the median of 5 runs after one warm-up, the two Workers measured in turns.
 */
import { Miniflare, Response } from "miniflare";
import { performance } from "node:perf_hooks";
import { buildWorkerBundle, bundleWorkerModule, WORKER_COMPATIBILITY_DATE } from "../src/bundle/build-worker-bundle.js";
import { compileProject } from "../src/compile/compile-project.js";
import type { WorkerPolicy } from "../src/model/zone-plan.js";

const RULES = 100;
const DECISIONS = 20_000;
const REQUESTS = 500;
const RUNS = 5;
const NOW = new Date("2026-11-21T00:00:00Z");

/** A policy with `RULES` worker rules (JA4 Signals thresholds and paths) no bench request matches. */
function hundredRulePolicy(): WorkerPolicy {
  const rules = Array.from({ length: RULES }, (_, i) =>
    [
      `  - id: signals-${i}`,
      "    when:",
      `      path: { starts_with: /area-${i}/ }`,
      "      ja4_signals:",
      `        browser_ratio_1h: { lt: ${(0.01 + i / 1000).toFixed(3)} }`,
      `        heuristic_ratio_1h: { gt: ${(0.5 + i / 1000).toFixed(3)} }`,
      "    action: block",
    ].join("\n"),
  );
  const text = ["version: 1", "policy: bench", "zones: [bench]", "rules:", ...rules, "origin_headers:", "  x-ja4-signals: ja4_signals", ""].join("\n");
  const compiled = compileProject({ files: new Map([["policies/bench.yaml", text]]), now: NOW });
  const worker = compiled.plans[0]?.worker;
  if (worker === undefined) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  return worker;
}

const emptyPolicy: WorkerPolicy = { version: 1, zone: "bench", rules: [], originHeaders: [] };

/** A module that decides `?n=` times per request with the Worker's own functions. */
function decisionBench(policy: WorkerPolicy): string {
  return bundleWorkerModule(
    [
      'import { compileWorker } from "./src/worker/compile-worker.ts";',
      'import { readRequestFields } from "./src/worker/read-request.ts";',
      'import { decide } from "./src/evaluate/decide.ts";',
      `const worker = compileWorker(JSON.parse(${JSON.stringify(JSON.stringify(policy))}));`,
      "export default {",
      "  async fetch(request) {",
      '    const query = new URL(request.url).searchParams;',
      '    const n = Number(query.get("n"));',
      "    let last = null;",
      '    if (query.get("read") === "no") {',
      "      const fields = readRequestFields(request, request.cf, worker.reader);",
      '      for (let i = 0; i < n; i++) last = decide(worker.program, fields, "worker");',
      "    } else {",
      '      for (let i = 0; i < n; i++) last = decide(worker.program, readRequestFields(request, request.cf, worker.reader), "worker");',
      "    }",
      "    return Response.json(last);",
      "  },",
      "};",
    ].join("\n"),
    "decision-bench.js",
  );
}

const cf: Record<string, unknown> = { botManagement: { score: 45, verifiedBot: false, ja4: "t13d1516h2_8daaf6152771_02713d6af862", ja4Signals: { browser_ratio_1h: 0.9, heuristic_ratio_1h: 0.1, reqs_rank_1h: 300 } }, asn: 64500, country: "GB" };
const headers = { "cf-connecting-ip": "203.0.113.7", "user-agent": "Mozilla/5.0 (bench)" };

function start(script: string): Miniflare {
  return new Miniflare({
    modules: true,
    script,
    compatibilityDate: WORKER_COMPATIBILITY_DATE,
    cf: false,
    outboundService: () => new Response("origin"),
  });
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

const middle = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

/**
 * Medians of several actions measured in turns (A, B, A, B, …) after one warm-up each, so that
 * load from other processes on the machine falls on all of them alike.
 */
async function interleaved(actions: Array<() => Promise<unknown>>): Promise<number[]> {
  for (const action of actions) await action();
  const times = actions.map((): number[] => []);
  for (let run = 0; run < RUNS; run++) {
    // Alternate the order too, so neither action always runs right after the other.
    const order = run % 2 === 0 ? [...actions.keys()] : [...actions.keys()].reverse();
    for (const i of order) times[i]!.push(await timed(actions[i]!));
  }
  return times.map(middle);
}

/**
 * Microseconds per decision for each policy: (time of n = DECISIONS) − (time of n = 0), over
 * DECISIONS; with `read: false` the fields are read once and only `decide` repeats.
 */
async function decisionCosts(policies: WorkerPolicy[], read: boolean): Promise<number[]> {
  const instances = policies.map((p) => start(decisionBench(p)));
  try {
    const once = (mf: Miniflare, n: number) => async () => (await mf.dispatchFetch(`https://bench.example.com/area-x/page?n=${n}&read=${read ? "yes" : "no"}`, { headers, cf })).text();
    const times = await interleaved(instances.flatMap((mf) => [once(mf, 0), once(mf, DECISIONS)]));
    return instances.map((_, i) => ((times[2 * i + 1]! - times[2 * i]!) * 1000) / DECISIONS);
  } finally {
    for (const mf of instances) await mf.dispose();
  }
}

/** Milliseconds per request through each real bundle, sequential requests. */
async function requestCosts(bundles: string[]): Promise<number[]> {
  const instances = bundles.map(start);
  try {
    const batch = (mf: Miniflare) => async () => {
      for (let i = 0; i < REQUESTS; i++) await (await mf.dispatchFetch("https://bench.example.com/area-x/page", { headers, cf })).text();
    };
    return (await interleaved(instances.map(batch))).map((total) => total / REQUESTS);
  } finally {
    for (const mf of instances) await mf.dispose();
  }
}

/** Milliseconds from a new workerd with each bundle until its first response. */
async function coldStarts(bundles: string[]): Promise<number[]> {
  return interleaved(
    bundles.map((bundle) => async () => {
      const mf = start(bundle);
      await (await mf.dispatchFetch("https://bench.example.com/", { headers, cf })).text();
      await mf.dispose();
    }),
  );
}

const policy = hundredRulePolicy();
const bundle = buildWorkerBundle(policy);
const passThrough = buildWorkerBundle(emptyPolicy);
const policyBytes = JSON.stringify(policy).length;

const [decisionRules, decisionEmpty] = await decisionCosts([policy, emptyPolicy], true);
const [decideRules, decideEmpty] = await decisionCosts([policy, emptyPolicy], false);
const [perRequestRules, perRequestEmpty] = await requestCosts([bundle, passThrough]);
const [coldRules, coldEmpty] = await coldStarts([bundle, passThrough]);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const rows: Array<[string, string, string, string]> = [
  ["decision (read request.cf + decide), µs", decisionRules!.toFixed(2), decisionEmpty!.toFixed(2), "≤ 50 (goal ≤ 10)"],
  ["  of which decide, µs", decideRules!.toFixed(2), decideEmpty!.toFixed(2), ""],
  ["request end to end, ms", perRequestRules!.toFixed(3), perRequestEmpty!.toFixed(3), `ratio ${(perRequestRules! / perRequestEmpty!).toFixed(2)}`],
  ["cold start to first response, ms", coldRules!.toFixed(0), coldEmpty!.toFixed(0), `ratio ${(coldRules! / coldEmpty!).toFixed(2)}`],
  ["bundle size", kb(bundle.length), kb(passThrough.length), `policy ${kb(policyBytes)}; < 1 MiB without it`],
];
console.log(`Worker in workerd (compatibility date ${WORKER_COMPATIBILITY_DATE}), medians of ${RUNS}:`);
console.log(`${"".padEnd(42)}${`${RULES} worker rules`.padStart(16)}${"pass-through".padStart(16)}  bound`);
for (const [name, rules, empty, bound] of rows) console.log(`${name.padEnd(42)}${rules.padStart(16)}${empty.padStart(16)}  ${bound}`);
const failed = decisionRules! > 50 || passThrough.length >= 1024 * 1024;
if (failed) console.log("A checked bound is broken.");
process.exitCode = failed ? 1 : 0;

/**
 * `npm run bench`: a synthetic large project (50 zones × 100 rules, 20,000 JA4 set items, a
 * 50-zone stack), measured as ratios against floors that cannot be beaten — parsing the same YAML,
 * the packing minimum, `JSON.parse` of the same requests — so the numbers mean something on any
 * machine. Then large sets alone: a 20,000-item JA4 set's rules against the minimum, 1,000
 * single-item additions to the 2,000-item set and 200 to the 20,000-item one (how many emitted
 * rules each changes), and the
 * whole compile of one 50,000-JA4 set and one 100,000-IP set. The project's compile and its parse,
 * and the decisions and theirs, are the medians of 5 runs in turns after one warm-up; the huge sets
 * the median of 3 runs after one warm-up. Prints a table, then the raw numbers; exits 1 when a
 * checked bound is broken.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { parseDocument, stringify } from "yaml";
import { checkPolicies, compileProject } from "../src/compile/compile-project.js";
import { compileZone, MAX_EXPRESSION_LENGTH } from "../src/compile/compile-zone.js";
import { packingMinimum } from "../src/compile/pack-set-items.js";
import { readProjectFiles } from "../src/cli/read-project-files.js";
import { compileZoneProgram, decideInOrder, ruleOf, type Decision, type ZoneProgram } from "../src/evaluate/decide.js";
import { requestFields } from "../src/evaluate/request-fields.js";
import { parseYaml } from "../src/load/parse-yaml.js";
import type { PolicyIR } from "../src/model/policy-ir.js";
import type { Expr, SetItem } from "../src/rules/ast.js";
import { printExpression, printSetItem } from "../src/rules/print-expression.js";
import { loadStackFile } from "../src/stack/load-stack-file.js";
import { prng } from "../test/helpers/prng.js";

const ZONES = 50;
const RULES_PER_ZONE = 100;
const JA4_TOTAL = 20_000;
const BIG_SET = 2_000;
const REQUESTS = 100_000;
const PACKING_BOUND = 1.1;
const LARGE_SET = 20_000;
const LARGE_ADDITIONS = 200;
const ADDITIONS = 1_000;
const SINGLE_CHANGE_BOUND = 0.9;
const MOST_CHANGED_BOUND = 3;
const HUGE_JA4 = 50_000;
const HUGE_IPS = 100_000;
const HUGE_COMPILE_BOUND_MS = 5_000;
/** The whole compile at most this many times a bare parse of the same YAML (issue 8's bar). */
const COMPILE_BOUND = 1.3;
/** Decisions at least this fraction of the speed of parsing the request lines (issue 8's bar). */
const DECISION_BOUND = 0.25;
const ALTERNATING_RUNS = 5;
const NOW = new Date("2026-06-01T00:00:00Z");

// ---------------------------------------------------------------------------------------------
// Seeded generation


const random = prng(20_000);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const hex = (length: number) => Array.from({ length }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");

const JA4_A = ["t13d1516h2", "t13d1517h2", "t13d1715h2", "t12d1209h1", "t13i0910h2", "q13d0312h3"];

function distinctJa4s(count: number): string[] {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(`${pick(JA4_A)}_${hex(12)}_${hex(12)}`);
  return [...seen];
}

const zoneKey = (z: number) => `z${String(z).padStart(2, "0")}`;

export interface ZoneValues {
  ja4Sets: string[][];
  ja3: string[];
  office: string[];
  badIps: string[][];
  sections: string[];
  paths: string[];
}

/** One policy per zone, exactly RULES_PER_ZONE rules: skips, JA4 sets, bot score bands, paths, IP sets, one raw expression. */
function zonePolicy(z: number, values: ZoneValues): Record<string, unknown> {
  const sets: Record<string, unknown> = {
    office: { type: "ip", description: "Office and VPN egress.", items: values.office },
  };
  values.ja4Sets.forEach((items, i) => (sets[`scraper-ja4-${i}`] = { type: "ja4", items }));
  values.badIps.forEach((items, i) => (sets[`bad-ips-${i}`] = { type: "ip", items }));
  sets["app-ja3"] = { type: "ja3", items: values.ja3 };

  const rules: Array<Record<string, unknown>> = [];
  rules.push({ id: "allow-office", when: { ip: "$office" }, action: "skip" });
  for (let i = 0; i < 10; i++) {
    rules.push({
      id: `allow-app-${i}`,
      when: { ja3: i === 0 ? "$app-ja3" : values.ja3[i % values.ja3.length], path: { starts_with: `/api/v${i}/` } },
      action: "skip",
      skip: { phases: ["super_bot_fight_mode"] },
    });
  }
  values.ja4Sets.forEach((_, i) =>
    rules.push({
      id: `block-ja4-${i}`,
      when: { ja4: `$scraper-ja4-${i}` },
      action: "block",
      response: { status: 403, content_type: "application/json", body: '{"error":"forbidden"}' },
    }),
  );
  for (let i = 0; i < 5; i++) rules.push({ id: `challenge-stack-${i}`, when: { ja4_a: values.sections[i], path: { starts_with: values.paths[i]! } }, action: "js_challenge" });
  values.badIps.forEach((_, i) => rules.push({ id: `block-ips-${i}`, when: { ip: `$bad-ips-${i}` }, action: "block" }));
  for (let i = 0; rules.length < RULES_PER_ZONE - 1; i++) {
    const path = values.paths[i % values.paths.length]!;
    switch (i % 5) {
      case 0:
        rules.push({ id: `challenge-bots-${i}`, when: { bot_score: ["automated", "likely_automated"], verified_bot: false, path: { starts_with: path } }, action: "managed_challenge" });
        break;
      case 1:
        rules.push({ id: `log-humans-${i}`, when: { bot_score: "likely_human", path: { contains: path.slice(1, 5) } }, action: "log" });
        break;
      case 2:
        rules.push({ id: `block-paths-${i}`, when: { path: { in: [path, `${path}admin`, `${path}.env`] }, method: ["POST", "PUT"] }, action: "block" });
        break;
      case 3:
        rules.push({ id: `challenge-low-${i}`, when: { bot_score: { lt: 10 + (i % 20) }, any: [{ path: { ends_with: ".php" } }, { path: { starts_with: path } }] }, action: "challenge" });
        break;
      default:
        rules.push({ id: `block-asn-${i}`, when: { asn: [64496 + i, 64511], not: { country: ["US", "DE"] } }, action: "block" });
    }
  }
  rules.push({ id: "legacy-raw", expression: 'http.request.uri.path eq "/xmlrpc.php" or starts_with(http.request.uri.path, "/wp-")', action: "block" });

  return { version: 1, policy: `zone-${zoneKey(z)}`, description: `Bench rules for ${zoneKey(z)}.`, zones: [zoneKey(z)], priority: 100, sets, rules };
}

function zoneValues(z: number, ja4Sets: string[][]): ZoneValues {
  const net = (i: number) => `${10 + (z % 200)}.${i}.${int(0, 255)}`;
  return {
    ja4Sets,
    ja3: Array.from({ length: 5 }, () => hex(32)),
    office: [`192.0.${z % 256}.0/24`, "2001:db8:1::/48", `198.51.100.${z % 256}`],
    badIps: Array.from({ length: 10 }, (_, s) => Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `${net(s)}.0/24` : `${net(s)}.${int(1, 254)}`)).filter((v, i, all) => all.indexOf(v) === i)),
    sections: Array.from({ length: 5 }, () => pick(JA4_A)),
    paths: Array.from({ length: 20 }, (_, i) => `/${pick(["shop", "api", "search", "account", "cart", "img"])}${i}/`),
  };
}

/** Writes the project; returns where, the big set's rule and the values of zone 0 (for requests). */
export function writeProject(): { dir: string; bigRule: string; zone0: ZoneValues; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "bot-policy-bench-"));
  mkdirSync(join(dir, "policies"));
  const ja4s = distinctJa4s(JA4_TOTAL);
  // Zone 0 carries the 2,000-item set; the other 18,000 items are two sets per other zone.
  const rest = ja4s.slice(BIG_SET);
  const perZone = (z: number) => {
    const start = Math.floor(((z - 1) * rest.length) / (ZONES - 1));
    const end = Math.floor((z * rest.length) / (ZONES - 1));
    const items = rest.slice(start, end);
    const half = Math.floor(items.length / 2);
    return [items.slice(0, half), items.slice(half)];
  };
  let zone0: ZoneValues | undefined;
  const stackZones: Record<string, unknown> = {};
  for (let z = 0; z < ZONES; z++) {
    const values = zoneValues(z, z === 0 ? [ja4s.slice(0, BIG_SET)] : perZone(z));
    if (z === 0) zone0 = values;
    writeFileSync(join(dir, "policies", `${zoneKey(z)}.yaml`), stringify(zonePolicy(z, values), { lineWidth: 0 }));
    stackZones[zoneKey(z)] = { zoneId: hex(32), plan: "enterprise", routes: [`${zoneKey(z)}.bench.example.com/*`] };
  }
  const stack = { config: { "bot-policy:accountId": hex(32), "bot-policy:mode": "enforce", "bot-policy:zones": stackZones } };
  writeFileSync(join(dir, "Pulumi.bench.yaml"), stringify(stack, { lineWidth: 0 }));
  const files = [...readdirSync(join(dir, "policies")).map((f) => join(dir, "policies", f)), join(dir, "Pulumi.bench.yaml")];
  return { dir, bigRule: `zone-${zoneKey(0)}/block-ja4-0`, zone0: zone0!, files };
}

/** JSON lines in the policy language's words; about half reuse zone 0's values so rules match. */
export function requestLines(values: ZoneValues, count: number): string[] {
  const ja4Pool = values.ja4Sets.flat();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const request: Record<string, unknown> = {};
    if (random() < 0.9) request.bot_score = int(1, 99);
    if (random() < 0.9) request.verified_bot = random() < 0.05;
    if (random() < 0.8) request.ja4 = random() < 0.3 ? pick(ja4Pool) : `${pick(JA4_A)}_${hex(12)}_${hex(12)}`;
    if (random() < 0.5) request.ja3 = random() < 0.2 ? pick(values.ja3) : hex(32);
    request.path = random() < 0.6 ? `${pick(values.paths)}${pick(["", "admin", "item", ".env", "x.php"])}` : `/static/${int(1, 999)}.js`;
    request.method = pick(["GET", "GET", "GET", "POST", "PUT"]);
    request.ip = random() < 0.05 ? "198.51.100.0" : `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    if (random() < 0.7) request.asn = random() < 0.1 ? 64511 : int(1, 70000);
    if (random() < 0.7) request.country = pick(["US", "DE", "FR", "BR", "CN", "GB"]);
    lines.push(JSON.stringify(request));
  }
  return lines;
}

/** The floor of the decisions figure: only parsing the request lines. */
export function parseOnly(lines: readonly string[]): number {
  let fields = 0;
  for (const line of lines) fields += Object.keys(JSON.parse(line) as object).length;
  return fields;
}

/** Decides each line on the zone's slot program (the fast path); a tally of actions. */
export function slotTally(program: ZoneProgram, lines: readonly string[]): Map<Decision["action"], number> {
  const slots = program.slots;
  if (slots === undefined) throw new Error("the bench zone has no slot program");
  const counts = new Array<number>(slots.outcomes.length).fill(0);
  for (const line of lines) {
    const error = slots.readRequest(JSON.parse(line) as Record<string, unknown>);
    if (error !== undefined) throw new Error(error);
    counts[slots.decide("edge")]! += 1;
  }
  const tally = new Map<Decision["action"], number>();
  counts.forEach((n, i) => tally.set(slots.outcomes[i]!.action, (tally.get(slots.outcomes[i]!.action) ?? 0) + n));
  return tally;
}

/** Decides each line with the general evaluator (requestFields + the decide loop); a tally of actions. */
export function generalTally(program: ZoneProgram, lines: readonly string[]): Map<Decision["action"], number> {
  const tally = new Map<Decision["action"], number>();
  for (const line of lines) {
    const converted = requestFields(JSON.parse(line) as Record<string, unknown>);
    if ("error" in converted) throw new Error(converted.error);
    const action = decideInOrder(program, converted.fields).action;
    tally.set(action, (tally.get(action) ?? 0) + 1);
  }
  return tally;
}

/** A billion-laughs document: 9 levels of 9 aliases each (9^9 ≈ 387 million strings if expanded). */
function aliasBomb(): string {
  const lines = ["version: 1", 'a0: &a0 ["lol"]'];
  for (let level = 1; level <= 9; level++) lines.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(", ")}]`);
  lines.push("policy: bomb", "zones: [z00]", "rules: []");
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Runs `fn` once to warm up, then 3 times; returns the median time in ms and the last result. */
function measure<T>(fn: () => T): { ms: number; runs: number[]; result: T } {
  fn();
  const runs: number[] = [];
  let result!: T;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    result = fn();
    runs.push(performance.now() - start);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { ms: sorted[1]!, runs, result };
}

interface Timed<T> {
  ms: number;
  runs: number[];
  result: T;
}

/**
 * Runs each function once to warm up, then ALTERNATING_RUNS times in turns (A B C, C B A, …), so
 * that load from other processes falls on all alike; returns each one's median time.
 */
function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function alternating(fns: ReadonlyArray<() => unknown>): Array<Timed<unknown>> {
  const results = fns.map((fn) => fn());
  const runs = fns.map((): number[] => []);
  for (let run = 0; run < ALTERNATING_RUNS; run++) {
    const order = run % 2 === 0 ? [...fns.keys()] : [...fns.keys()].reverse();
    for (const i of order) {
      const start = performance.now();
      results[i] = fns[i]!();
      runs[i]!.push(performance.now() - start);
    }
  }
  return runs.map((times, i) => ({ ms: median(times), runs: times, result: results[i] }));
}

/** The `in` set compile-zone splits a rule on: the condition itself, or the largest set it ANDs. */
function splittableSet(condition: Expr): Extract<Expr, { kind: "in" }> | undefined {
  if (condition.kind === "in") return condition;
  if (condition.kind !== "logical" || condition.op !== "and") return undefined;
  return condition.operands.filter((o): o is Extract<Expr, { kind: "in" }> => o.kind === "in").sort((a, b) => b.items.length - a.items.length)[0];
}

/** The fewest rules any split of this rule could use: ceil(printed item chars / capacity per rule). */
function minimumRules(condition: Expr): number {
  if (printExpression(condition).length <= MAX_EXPRESSION_LENGTH) return 1;
  const set = splittableSet(condition);
  if (!set) return 1;
  const withItems = (items: SetItem[]): Expr =>
    condition.kind === "logical" ? { ...condition, operands: condition.operands.map((o) => (o === set ? { ...set, items } : o)) } : { ...set, items };
  const first = set.items[0]!;
  const base = printExpression(withItems([first])).length - printSetItem(first).length;
  return packingMinimum(
    set.items.map((item) => printSetItem(item).length + 1),
    MAX_EXPRESSION_LENGTH - base + 1,
  );
}

/** A one-policy project holding one set of `type` used by one rule, as compileProject takes it. */
function oneSetProject(type: "ja4" | "ip", items: readonly string[]): Map<string, string> {
  const yaml = stringify(
    { version: 1, policy: "large", zones: [zoneKey(0)], sets: { big: { type, items: [...items] } }, rules: [{ id: "big", when: { [type]: "$big" }, action: "block" }] },
    { lineWidth: 0 },
  );
  return new Map([["policies/large.yaml", yaml]]);
}

function distinctIps(count: number): string[] {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(random() < 0.1 ? `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.0/24` : `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`);
  return [...seen];
}

/** Rules emitted for a one-set project, and the packing minimum of its rule. */
function packedSet(files: Map<string, string>): { emitted: number; minimum: number; policy: PolicyIR } {
  const compiled = compileProject({ files, now: NOW });
  const policy = compiled.policies[0];
  if (!policy || compiled.plans.length !== 1) throw new Error(`one-set project does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
  return { emitted: compiled.plans[0]!.firewallCustom.rules.length, minimum: minimumRules(policy.rules[0]!.condition), policy };
}

/**
 * Adds each of `added` alone to the set of the policy's one rule and compiles the zone again;
 * counts the emitted rules that differ (added, removed, or another body under the same ref).
 */
function additionChanges(policy: PolicyIR, added: readonly string[]): number[] {
  const zone = { key: zoneKey(0), zoneId: "0".repeat(32), plan: "enterprise" as const, routes: [] };
  const emit = (p: PolicyIR) => new Map((compileZone(zone, [p]).plan?.firewallCustom.rules ?? []).map((r) => [r.ref, JSON.stringify(r)]));
  const rule = policy.rules[0]!;
  const set = splittableSet(rule.condition)!;
  const before = emit(policy);
  return added.map((value) => {
    const item: SetItem = set.items[0]!.type === "string" ? { type: "string", value } : { type: value.includes("/") ? "cidr" : "ip", value };
    const grown: Expr = { ...set, items: [...set.items, item] };
    const after = emit({ ...policy, rules: [{ ...rule, condition: grown }] });
    return [...new Set([...before.keys(), ...after.keys()])].filter((ref) => before.get(ref) !== after.get(ref)).length;
  });
}

const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const int0 = (n: number) => Math.round(n).toLocaleString("en-US");

function main(): void {
  const started = performance.now();
  const { dir, bigRule, zone0, files } = writeProject();
  try {
    const stackResult = loadStackFile(dir, "bench");
    if (!stackResult.config) throw new Error(`bench stack does not load: ${stackResult.diagnostics.map((d) => d.message).join("; ")}`);
    const stack = stackResult.config;

    // (a) compile the whole project vs. parsing the same YAML.
    const texts = () => files.map((f) => readFileSync(f, "utf8"));
    // Timed in turns, as the decisions are: a busy moment of the shared machine then slows both.
    // The stack file is one of the parsed files, so compile reads it too, as the CLI does.
    const [parse, compile] = alternating([
      () => texts().map((text) => parseDocument(text).toJS()),
      () => compileProject({ files: readProjectFiles(dir).files, stack: loadStackFile(dir, "bench").config ?? stack, now: NOW }),
    ] as const) as [Timed<unknown>, Timed<ReturnType<typeof compileProject>>];
    // The median of each turn's own ratio: a turn on a busy moment slows its parse and its compile alike.
    const compileRatio = median(compile.runs.map((ms, i) => ms / parse.runs[i]!));
    const compiled = compile.result;
    const errors = compiled.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0 || compiled.plans.length !== ZONES) {
      throw new Error(`bench project does not compile: ${errors.slice(0, 5).map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join("; ")}`);
    }
    const policyRules = compiled.policies.reduce((n, p) => n + p.rules.length, 0);
    const emitted = compiled.plans.flatMap((p) => p.firewallCustom.rules);
    const yamlBytes = texts().reduce((n, t) => n + Buffer.byteLength(t), 0);

    // (b) emitted rules vs. the packing minimum: the 2,000-item set, and the whole workload.
    const allRules = compiled.policies.flatMap((p: PolicyIR) => p.rules);
    const minimumFor = new Map(allRules.map((r) => [r.ref, minimumRules(r.condition)]));
    const emittedFor = new Map<string, number>();
    for (const rule of emitted) emittedFor.set(ruleOf(rule.ref), (emittedFor.get(ruleOf(rule.ref)) ?? 0) + 1);
    const bigEmitted = emittedFor.get(bigRule) ?? 0;
    const bigMinimum = minimumFor.get(bigRule) ?? 1;
    const splitRefs = [...minimumFor].filter(([, minimum]) => minimum > 1).map(([ref]) => ref);
    const splitEmitted = splitRefs.reduce((n, ref) => n + (emittedFor.get(ref) ?? 0), 0);
    const splitMinimum = splitRefs.reduce((n, ref) => n + minimumFor.get(ref)!, 0);
    const totalMinimum = [...minimumFor.values()].reduce((a, b) => a + b, 0);
    const longest = Math.max(...emitted.map((r) => r.expression.length));

    // (c) decisions on zone 0 vs. a loop that only parses the request lines, timed in turns: each
    // line read into the slot program and decided to an outcome; the general evaluator (a field
    // dictionary per request, rule by rule) for reference. Their tallies must agree.
    const plan = compiled.plans.find((p) => p.zone === zoneKey(0))!;
    const lines = requestLines(zone0, REQUESTS);
    const program = compileZoneProgram(plan);
    const slots = program.slots!;
    const [floor, evaluation, general] = alternating([
      () => parseOnly(lines),
      () => slotTally(program, lines),
      () => generalTally(program, lines),
    ] as const) as [Timed<number>, Timed<Map<Decision["action"], number>>, Timed<Map<Decision["action"], number>>];
    const tallies = (t: Map<string, number>) => JSON.stringify([...t].filter(([, n]) => n > 0).sort());
    if (tallies(evaluation.result) !== tallies(general.result)) throw new Error(`the slot program and the general evaluator disagree: ${tallies(evaluation.result)} vs ${tallies(general.result)}`);

    // (d) packing alone: a 20,000-item JA4 set, and 1,000 single-item additions to a 2,000-item one.
    const largeItems = distinctJa4s(LARGE_SET);
    const large = packedSet(oneSetProject("ja4", largeItems));
    const small = packedSet(oneSetProject("ja4", zone0.ja4Sets[0]!));
    const fresh = new Set(zone0.ja4Sets[0]);
    const added = distinctJa4s(ADDITIONS * 2).filter((v) => !fresh.has(v)).slice(0, ADDITIONS);
    const changes = additionChanges(small.policy, added);
    const singleChange = changes.filter((n) => n === 1).length / changes.length;
    const mostChanged = Math.max(...changes);
    const changeCounts = new Map<number, number>();
    for (const n of changes) changeCounts.set(n, (changeCounts.get(n) ?? 0) + 1);

    // (e) compile one huge set: the whole compileProject vs. parsing the same YAML.
    const huge = (type: "ja4" | "ip", items: string[]) => {
      const files = oneSetProject(type, items);
      const text = [...files.values()][0]!;
      const compileHuge = measure(() => compileProject({ files, now: NOW }));
      if (compileHuge.result.plans.length !== 1) throw new Error(`the ${type} set does not compile`);
      return { compile: compileHuge, parse: measure(() => parseDocument(text).toJS()), rules: compileHuge.result.plans[0]!.firewallCustom.rules.length };
    };
    const hugeJa4 = huge("ja4", distinctJa4s(HUGE_JA4));
    const hugeIps = huge("ip", distinctIps(HUGE_IPS));

    // Billion laughs: parseYaml must refuse it quickly (BP103), and so must validate.
    const bomb = aliasBomb();
    const bombParse = measure(() => parseYaml("policies/bomb.yaml", bomb));
    const bombDir = mkdtempSync(join(tmpdir(), "bot-policy-bench-bomb-"));
    mkdirSync(join(bombDir, "policies"));
    writeFileSync(join(bombDir, "policies", "bomb.yaml"), bomb);
    const bombValidate = measure(() => checkPolicies({ files: readProjectFiles(bombDir).files, now: NOW }));
    rmSync(bombDir, { recursive: true, force: true });
    const bombCodes = [...new Set(bombParse.result.diagnostics.map((d) => d.code))].join(",") || "none";

    // (b) additions to the 20,000-item set, drawn last so that every other figure's data stay the same.
    const largeFresh = new Set(largeItems);
    const largeChanges = additionChanges(large.policy, distinctJa4s(LARGE_ADDITIONS * 2).filter((v) => !largeFresh.has(v)).slice(0, LARGE_ADDITIONS));
    const largeSingle = largeChanges.filter((n) => n === 1).length / largeChanges.length;
    const largeCounts = new Map<number, number>();
    for (const n of largeChanges) largeCounts.set(n, (largeCounts.get(n) ?? 0) + 1);
    const validateCodes = [...new Set(bombValidate.result.diagnostics.map((d) => d.code))].join(",") || "none";

    // ---- report ----
    const bigRatio = bigEmitted / bigMinimum;
    const splitRatio = splitEmitted / splitMinimum;
    const totalRatio = emitted.length / totalMinimum;
    const evalRate = (REQUESTS / evaluation.ms) * 1000;
    const decisionSpeed = floor.ms / evaluation.ms;
    const floorRate = (REQUESTS / floor.ms) * 1000;
    const check = (ok: boolean) => (ok ? "ok" : "OVER");
    const rows: string[][] = [
      ["measure", "result", "floor", "ratio", "check"],
      ["(a) compile project / parse YAML", `${fmt(compile.ms)} ms`, `${fmt(parse.ms)} ms`, `${fmt(compileRatio, 2)}×`, `${check(compileRatio <= COMPILE_BOUND)} (≤ ${COMPILE_BOUND})`],
      [`(b) rules for ${int0(BIG_SET)}-item JA4 set`, `${bigEmitted}`, `min ${bigMinimum}`, `${fmt(bigRatio, 2)}×`, `${check(bigRatio <= PACKING_BOUND)} (≤ ${PACKING_BOUND})`],
      [`(b) rules for ${int0(LARGE_SET)}-item JA4 set`, `${large.emitted}`, `min ${large.minimum}`, `${fmt(large.emitted / large.minimum, 2)}×`, `${check(large.emitted / large.minimum <= PACKING_BOUND)} (≤ ${PACKING_BOUND})`],
      [`(b) additions changing 1 rule (${int0(ADDITIONS)})`, `${int0(singleChange * ADDITIONS)}`, `of ${int0(ADDITIONS)}`, `${fmt(singleChange * 100)}%`, `${check(singleChange >= SINGLE_CHANGE_BOUND)} (≥ ${SINGLE_CHANGE_BOUND * 100}%)`],
      ["(b) most rules one addition changed", `${mostChanged}`, "", "", `${check(mostChanged <= MOST_CHANGED_BOUND)} (≤ ${MOST_CHANGED_BOUND})`],
      [`(b) same, ${int0(LARGE_SET)}-item set (${int0(LARGE_ADDITIONS)})`, `${int0(largeSingle * LARGE_ADDITIONS)}`, `of ${int0(LARGE_ADDITIONS)}`, `${fmt(largeSingle * 100)}%`, `most ${Math.max(...largeChanges)}`],
      [`(b) split rules, workload (${splitRefs.length})`, `${int0(splitEmitted)}`, `min ${int0(splitMinimum)}`, `${fmt(splitRatio, 2)}×`, `${check(splitRatio <= PACKING_BOUND)} (≤ ${PACKING_BOUND})`],
      ["(b) all emitted rules, workload", `${int0(emitted.length)}`, `min ${int0(totalMinimum)}`, `${fmt(totalRatio, 2)}×`, ""],
      ["(c) decisions vs parse-only speed, 100k", `${fmt(evaluation.ms)} ms`, `${fmt(floor.ms)} ms`, `${fmt(decisionSpeed, 2)}×`, `${check(decisionSpeed >= DECISION_BOUND)} (≥ ${DECISION_BOUND})`],
      ["(c) general evaluator, same requests", `${fmt(general.ms)} ms`, `${fmt(floor.ms)} ms`, `${fmt(floor.ms / general.ms, 2)}×`, ""],
      [`(e) compile one ${int0(HUGE_JA4)}-JA4 set / parse`, `${fmt(hugeJa4.compile.ms)} ms`, `${fmt(hugeJa4.parse.ms)} ms`, `${fmt(hugeJa4.compile.ms / hugeJa4.parse.ms)}×`, `${check(hugeJa4.compile.ms <= HUGE_COMPILE_BOUND_MS)} (≤ ${HUGE_COMPILE_BOUND_MS / 1000} s)`],
      [`(e) compile one ${int0(HUGE_IPS)}-IP set / parse`, `${fmt(hugeIps.compile.ms)} ms`, `${fmt(hugeIps.parse.ms)} ms`, `${fmt(hugeIps.compile.ms / hugeIps.parse.ms)}×`, `${check(hugeIps.compile.ms <= HUGE_COMPILE_BOUND_MS)} (≤ ${HUGE_COMPILE_BOUND_MS / 1000} s)`],
      ["billion laughs: parseYaml", `${fmt(bombParse.ms, 2)} ms`, "", "", bombCodes],
      ["billion laughs: validate (checkPolicies)", `${fmt(bombValidate.ms, 2)} ms`, "", "", validateCodes],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();
    const out: string[] = [];
    out.push(`bot-policy bench — node ${process.version}, ${availableParallelism()} cpus; medians of ${ALTERNATING_RUNS} runs in turns (huge sets: of 3), after 1 warm-up`);
    out.push(line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line));
    out.push("");
    out.push(`workload: ${ZONES} zones, ${int0(policyRules)} policy rules, ${int0(JA4_TOTAL)} JA4 items, ${fmt(yamlBytes / 1024 / 1024, 2)} MiB YAML in ${files.length} files (incl. Pulumi.bench.yaml)`);
    out.push(`(a) compile ${compile.runs.map((r) => fmt(r)).join(" / ")} ms; parse ${parse.runs.map((r) => fmt(r)).join(" / ")} ms; ratio per turn ${compile.runs.map((r, i) => fmt(r / parse.runs[i]!, 2)).join(" / ")}`);
    out.push(`(b) ${int0(emitted.length)} custom rules emitted (longest ${int0(longest)} chars); ${bigRule}: ${bigEmitted} rules for minimum ${bigMinimum}`);
    out.push(`(b) ${int0(LARGE_SET)}-item set: ${large.emitted} rules for minimum ${large.minimum}; additions to the ${int0(BIG_SET)}-item set, rules changed: ${[...changeCounts].sort((a, b) => a[0] - b[0]).map(([n, k]) => `${n}: ${k}`).join(", ")}`);
    out.push(`(b) additions to the ${int0(LARGE_SET)}-item set, rules changed: ${[...largeCounts].sort((a, b) => a[0] - b[0]).map(([n, k]) => `${n}: ${k}`).join(", ")}`);
    out.push(`(e) ${int0(HUGE_JA4)} JA4s: ${hugeJa4.rules} rules, compile ${hugeJa4.compile.runs.map((r) => fmt(r)).join(" / ")} ms; ${int0(HUGE_IPS)} IPs: ${hugeIps.rules} rules, compile ${hugeIps.compile.runs.map((r) => fmt(r)).join(" / ")} ms`);
    out.push(`(c) eval ${int0(evalRate)} req/s (zone ${zoneKey(0)}: ${plan.firewallCustom.rules.length} rules); parse-only ${int0(floorRate)} req/s`);
    out.push(`    decisions: ${[...evaluation.result].sort((a, b) => b[1] - a[1]).map(([action, n]) => `${action} ${int0(n)}`).join(", ")}`);
    out.push(`    eval ${evaluation.runs.map((r) => fmt(r)).join(" / ")} ms; parse-only ${floor.runs.map((r) => fmt(r)).join(" / ")} ms; general ${general.runs.map((r) => fmt(r)).join(" / ")} ms`);
    out.push(`    ${slots.ruleCount} rules evaluated (split parts merged); speed is parse-only time over decision time`);
    out.push(`total bench time ${fmt((performance.now() - started) / 1000)} s`);
    console.log(out.join("\n"));
    const packingOk = bigRatio <= PACKING_BOUND && splitRatio <= PACKING_BOUND && large.emitted / large.minimum <= PACKING_BOUND;
    const stabilityOk = singleChange >= SINGLE_CHANGE_BOUND && mostChanged <= MOST_CHANGED_BOUND;
    const hugeOk = hugeJa4.compile.ms <= HUGE_COMPILE_BOUND_MS && hugeIps.compile.ms <= HUGE_COMPILE_BOUND_MS;
    const compileOk = compileRatio <= COMPILE_BOUND;
    if (!packingOk || !stabilityOk || !hugeOk || !compileOk || decisionSpeed < DECISION_BOUND || bombCodes !== "BP103") process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// bench/decisions.ts imports the workload: run only when started as the script.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

import { compileZoneProgram, decide, type Decision, type PartialZoneProgram, type Undecided } from "../evaluate/decide.js";
import type { ZonePlan } from "../model/zone-plan.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import { kleeneOr, type KleeneCondition, type Truth } from "../rules/compile-kleene-evaluator.js";
import { countTopValues, type TopValues } from "./count-top-values.js";
import type { TrafficRecord } from "./read-traffic-line.js";
import { REQUEST_SHAPE, unknownFields, type Knowledge } from "./read-logpush-fields.js";
import { REPLAY_ACTIONS, type ChangeSample, type DecisionChange, type LineRef, type MalformedLine, type ReplayAction, type RuleCounts, type ZoneSimulation } from "./simulation-report.js";

/** How many sample lines a decision change keeps, and how many malformed lines are kept. */
const CHANGE_SAMPLES = 3;
const MALFORMED_SAMPLES = 5;
/** How many JA4s, paths and ASNs are named behind a blocking rule. */
const TOP_VALUES = 5;
/**
 * Programs are compiled per kind of line (which Logpush fields it carries); one job's lines all
 * carry the same fields, so there are a handful. The bound keeps a file of arbitrary lines from
 * growing the cache without end.
 */
const MAX_PROGRAMS = 64;

/** The revision a replay compares with: its ref, and its plan of the zone (null: the zone did not exist there). */
export interface ReplayBase {
  ref: string;
  plan: ZonePlan | null;
}

/** A replay of one zone in progress: lines go in one at a time, the report comes out at the end. */
export interface ZoneReplay {
  add(record: TrafficRecord, at: LineRef): void;
  finish(): ZoneSimulation;
}

type AnyDecision = Decision | Undecided;

/** A head program whose conditions remember their value for the line being read, so that counting matches and deciding evaluate each condition once. */
interface CountingProgram {
  program: PartialZoneProgram;
  /** Per rule of the report, the conditions of its parts (a split rule has several). */
  conditions: KleeneCondition[][];
}

/** One rule's counts while the replay runs. */
interface RuleTally extends Omit<RuleCounts, "top"> {
  top?: { ja4: TopValues; path: TopValues; asn: TopValues };
}

const BLOCKING = new Set<string>(["block", "managed_challenge", "js_challenge", "challenge"]);

/**
 * Starts the replay of a zone. Each eyeball line is decided by the one decide function, over a
 * program compiled three-valued for what the line can tell (`unknownFields`); each rule's
 * condition is counted as matched or unknown on every line, whether or not an earlier rule
 * decided it. With `base`, each line is decided at the base revision too and every difference is
 * grouped old → new.
 */
export function replayZone(plan: ZonePlan, base?: ReplayBase): ZoneReplay {
  const layout = ruleLayout(compileZoneProgram(plan, unknownFields(REQUEST_SHAPE)));
  const tallies: RuleTally[] = layout.map(({ rule, action, stage }) => ({
    rule,
    action,
    stage,
    matched: 0,
    decided: 0,
    unknown: 0,
    undecided: 0,
    logged: 0,
    ...(BLOCKING.has(action) ? { top: { ja4: countTopValues(), path: countTopValues(), asn: countTopValues() } } : {}),
  }));
  const indexOf = new Map(layout.map(({ rule }, index) => [rule, index]));
  const headPrograms = cached((knowledge) => countingProgram(compileZoneProgram(plan, unknownFields(knowledge)), indexOf));
  const basePrograms = cached((knowledge): PartialZoneProgram => (base?.plan ? compileZoneProgram(base.plan, unknownFields(knowledge)) : { partial: true, edge: [], worker: [] }));
  const decisions = Object.fromEntries(REPLAY_ACTIONS.map((a) => [a, 0])) as Record<ReplayAction, number>;
  const changes = new Map<string, DecisionChange>();
  const malformedLines: MalformedLine[] = [];
  const counts = { lines: 0, eyeball: 0, subrequests: 0, other_sources: 0, malformed: 0 };

  const countRequest = (record: Extract<TrafficRecord, { kind: "request" }>, at: LineRef): void => {
    const { program, conditions } = headPrograms(record.knowledge);
    const fields = record.fields;
    for (let index = 0; index < tallies.length; index += 1) {
      const truth = kleeneOr(conditions[index]!, fields);
      if (truth === true) tallies[index]!.matched += 1;
      else if (truth === "unknown") tallies[index]!.unknown += 1;
    }
    const decision = decide(program, fields);
    decisions[decision.action] += 1;
    for (const rule of decision.logged) tallies[indexOf.get(rule)!]!.logged += 1;
    if (decision.rule !== null) {
      const tally = tallies[indexOf.get(decision.rule)!]!;
      if (decision.action === "unknown") {
        tally.undecided += 1;
      } else {
        tally.decided += 1;
        if (tally.top) {
          if (record.ja4 !== null) tally.top.ja4.add(record.ja4);
          if (record.path !== null) tally.top.path.add(record.path);
          if (record.asn !== null) tally.top.asn.add(record.asn);
        }
      }
    }
    if (base) {
      const before = decide(basePrograms(record.knowledge), fields);
      if (before.action !== decision.action || before.rule !== decision.rule) {
        addChange(changes, before, decision, { file: at.file, line: at.line, ray_id: record.rayId, path: record.path });
      }
    }
  };

  return {
    add(record, at) {
      counts.lines += 1;
      switch (record.kind) {
        case "request":
          counts.eyeball += 1;
          countRequest(record, at);
          return;
        case "subrequest":
          counts.subrequests += 1;
          return;
        case "other_source":
          counts.other_sources += 1;
          return;
        case "malformed":
          counts.malformed += 1;
          if (malformedLines.length < MALFORMED_SAMPLES) malformedLines.push({ ...at, reason: record.reason });
      }
    },
    finish() {
      return {
        zone: plan.zone,
        ...counts,
        malformed_lines: malformedLines,
        rules: tallies.map(finishTally),
        decisions: { ...decisions },
        base: base?.ref ?? null,
        changes: [...changes.values()].sort(
          (a, b) => b.count - a.count || compare(a.from, b.from) || compare(a.to, b.to) || compare(a.rule ?? "", b.rule ?? ""),
        ),
      };
    },
  };
}

/** The rules a report lists, in evaluation order: each policy rule once, split parts and the Worker's re-checks of edge skips folded in. */
function ruleLayout(program: PartialZoneProgram): Array<Pick<RuleCounts, "rule" | "action" | "stage">> {
  const layout: Array<Pick<RuleCounts, "rule" | "action" | "stage">> = [];
  const seen = new Set<string>();
  for (const [stage, rules] of [["edge", program.edge], ["worker", program.worker]] as const) {
    for (const rule of rules) {
      if (seen.has(rule.ref) || rule.guard) continue;
      seen.add(rule.ref);
      layout.push({ rule: rule.ref, action: rule.observe ? "log" : rule.action, stage });
    }
  }
  return layout;
}

/** Wraps each condition so that a second call on the same line costs nothing, and groups them by rule. */
function countingProgram(program: PartialZoneProgram, indexOf: ReadonlyMap<string, number>): CountingProgram {
  const conditions: KleeneCondition[][] = Array.from({ length: indexOf.size }, () => []);
  const wrap = <R extends PartialZoneProgram["edge"][number]>(rule: R): R => {
    const matches = rememberLast(rule.matches);
    // A re-check of an edge skip is the same condition as the edge rule: counted once, there.
    if (!rule.guard) conditions[indexOf.get(rule.ref)!]!.push(matches);
    return { ...rule, matches };
  };
  return { program: { partial: true, edge: program.edge.map(wrap), worker: program.worker.map(wrap) }, conditions };
}

function rememberLast(condition: KleeneCondition): KleeneCondition {
  let seen: FieldValues | undefined;
  let value: Truth = false;
  return (fields) => {
    if (fields !== seen) {
      seen = fields;
      value = condition(fields);
    }
    return value;
  };
}


function cached<T>(compile: (knowledge: Knowledge) => T): (knowledge: Knowledge) => T {
  const cache = new Map<Knowledge, T>();
  return (knowledge) => {
    let value = cache.get(knowledge);
    if (value === undefined) {
      if (cache.size >= MAX_PROGRAMS) cache.clear();
      value = compile(knowledge);
      cache.set(knowledge, value);
    }
    return value;
  };
}

function addChange(changes: Map<string, DecisionChange>, before: AnyDecision, after: AnyDecision, sample: ChangeSample): void {
  const rule = after.rule ?? before.rule;
  const key = JSON.stringify([before.action, after.action, before.rule, after.rule]);
  let change = changes.get(key);
  if (change === undefined) {
    change = { from: before.action, to: after.action, rule, from_rule: before.rule, to_rule: after.rule, count: 0, samples: [] };
    changes.set(key, change);
  }
  change.count += 1;
  if (change.samples.length < CHANGE_SAMPLES) change.samples.push(sample);
}

function finishTally(tally: RuleTally): RuleCounts {
  const { top, ...counts } = tally;
  if (!top) return counts;
  return {
    ...counts,
    top: { ja4: top.ja4.top(TOP_VALUES), path: top.path.top(TOP_VALUES), asn: top.asn.top(TOP_VALUES), approximate: top.ja4.approximate || top.path.approximate || top.asn.approximate },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { resolve } from "node:path";
import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { formatReviewJson, formatReviewMarkdown } from "../review/format-review.js";
import type { TrafficReview } from "../review/review-report.js";
import { reviewProject, type Revision } from "../review/review-project.js";
import { readTrafficLine, type TrafficRecord } from "../simulate/read-traffic-line.js";
import { replayZone } from "../simulate/replay-zone.js";
import { MAX_LINE_LENGTH, splitLines } from "../simulate/split-lines.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { readGitFiles } from "./read-git-files.js";
import { readProjectFiles } from "./read-project-files.js";
import { checkTrafficFiles, readTraffic } from "./simulate-command.js";

/** Flags of `bot-policy review`. */
export interface ReviewFlags {
  dir: string;
  base: string;
  head?: string;
  traffic?: string[];
  zone?: string;
  format: "markdown" | "json";
  allowMassDelete?: boolean;
  now?: string;
}

/** The name the working tree has in a review. */
const WORKING_TREE = "working tree";

/**
 * `bot-policy review --base REF [--head REF] [--traffic FILE… [--zone Z]] [--format markdown|json]
 * [--allow-mass-delete]`: what a change does to enforcement, per stack and zone, for one PR
 * comment. Exit 1 when a revision does not compile, on a mandatory guard finding, or on a mass
 * deletion without `--allow-mass-delete`; 2 for a usage error (an unknown revision).
 */
export async function reviewCommand(flags: ReviewFlags, io: Io): Promise<number> {
  if (flags.traffic) checkTrafficFiles(flags.traffic);
  const dir = resolve(flags.dir);
  const now = flags.now === undefined ? new Date() : new Date(`${flags.now}T00:00:00Z`);
  const base = readRevision(dir, flags.base, io);
  const head = flags.head === undefined ? readWorkingTree(dir, io) : readRevision(dir, flags.head, io);
  const outcome = reviewProject({ base, head, now });
  if (!outcome.ok) {
    const side = outcome.revision === "base" ? base : head;
    const prefix = side.ref === WORKING_TREE ? "" : `${side.ref}:`;
    io.stderr(`bot-policy: the project at '${side.ref}' (--${outcome.revision}${outcome.stack === null ? "" : `, stack '${outcome.stack}'`}) does not compile:\n`);
    const sources = new Map([...side.files].map(([path, text]) => [`${prefix}${path}`, text]));
    reportDiagnostics(io, outcome.diagnostics.map((d) => ({ ...d, file: `${prefix}${d.file}` })), "pretty", sources);
    return EXIT.findings;
  }
  const { report, compiled } = outcome;

  if (flags.traffic) {
    for (const stack of report.stacks) {
      const sides = compiled.get(stack.stack)!;
      const zone = chooseZone(stack.zones.map((z) => z.zone), flags.zone);
      const review = stack.zones.find((z) => z.zone === zone);
      if (!review) continue;
      const plan = (plans: readonly ZonePlan[] | undefined): ZonePlan | null => plans?.find((p) => p.zone === zone) ?? null;
      review.traffic = await replayTraffic(flags.traffic, plan(sides.base?.plans), plan(sides.head?.plans), base.ref);
    }
  }

  io.stdout(flags.format === "json" ? formatReviewJson(report) : formatReviewMarkdown(report));
  if (hasErrors(report.guards)) return EXIT.findings;
  if (report.mass_delete && !flags.allowMassDelete) {
    io.stderr("bot-policy: this change removes more than 30 % of a zone's rules; pass --allow-mass-delete if that is meant.\n");
    return EXIT.findings;
  }
  return EXIT.ok;
}

function readRevision(dir: string, ref: string, io: Io): Revision {
  const read = readGitFiles(dir, ref);
  warnSkipped(io, read.diagnostics.map((d) => ({ ...d, file: `${ref}:${d.file}` })));
  return { ref, files: read.files };
}

function readWorkingTree(dir: string, io: Io): Revision {
  const read = readProjectFiles(dir);
  warnSkipped(io, read.diagnostics);
  return { ref: WORKING_TREE, files: read.files };
}

/** What reading a revision skipped is said on stderr; its errors come again when it is compiled. */
function warnSkipped(io: Io, diagnostics: readonly Diagnostic[]): void {
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) reportDiagnostics(io, warnings, "pretty", new Map());
}

/** The zone the traffic is from: `--zone`, or the stack's only zone. */
function chooseZone(zones: readonly string[], zone: string | undefined): string {
  if (zone === undefined && zones.length > 1) throw new UsageError(`This project has several zones (${zones.join(", ")}); choose the one the traffic is from with --zone.`);
  const chosen = zone ?? zones[0];
  if (chosen === undefined || !zones.includes(chosen)) throw new UsageError(`Unknown zone '${zone ?? ""}' (zones: ${zones.join(", ") || "none"}).`);
  return chosen;
}

/**
 * Replays the traffic through the zone at both revisions in one pass (the simulate engine):
 * the decisions that change, and the requests each rule decided before and after.
 */
async function replayTraffic(files: readonly string[], base: ZonePlan | null, head: ZonePlan | null, ref: string): Promise<TrafficReview> {
  const after = head ? replayZone(head, { ref, plan: base }) : undefined;
  const before = base ? replayZone(base) : undefined;
  for (const file of files) {
    const name = file === "-" ? "<stdin>" : file;
    for await (const batch of splitLines(readTraffic(file))) {
      for (const line of batch) {
        const record: TrafficRecord = "tooLong" in line ? { kind: "malformed", reason: `longer than ${MAX_LINE_LENGTH} characters` } : readTrafficLine(line.text);
        after?.add(record, { file: name, line: line.number });
        before?.add(record, { file: name, line: line.number });
      }
    }
  }
  const was = before?.finish();
  const now = after?.finish();
  const decided = new Map<string, { rule: string; before: number; after: number }>();
  for (const r of was?.rules ?? []) decided.set(r.rule, { rule: r.rule, before: r.decided, after: 0 });
  for (const r of now?.rules ?? []) decided.set(r.rule, { rule: r.rule, before: decided.get(r.rule)?.before ?? 0, after: r.decided });
  return {
    eyeball: (now ?? was)?.eyeball ?? 0,
    malformed: (now ?? was)?.malformed ?? 0,
    changes: (now?.changes ?? []).map((c) => ({ from: c.from, to: c.to, rule: c.rule, count: c.count })),
    rules: [...decided.values()],
  };
}

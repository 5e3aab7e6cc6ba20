import { createReadStream, statSync } from "node:fs";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { hasErrors, makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileProject } from "../compile/compile-project.js";
import type { ZonePlan } from "../model/zone-plan.js";
import type { StackConfig } from "../model/stack.js";
import { formatSimulation, type SimulationFormat } from "../simulate/format-simulation.js";
import { readTrafficLine, type TrafficRecord } from "../simulate/read-traffic-line.js";
import { replayZone, type ReplayBase } from "../simulate/replay-zone.js";
import { MAX_LINE_LENGTH, splitLines } from "../simulate/split-lines.js";
import { stackFromFiles } from "../stack/parse-stack-file.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { compileForCommand, type ProjectContext, type ProjectFlags } from "./project-context.js";
import { readGitFiles } from "./read-git-files.js";

/** Flags of `bot-policy simulate`. */
export interface SimulateFlags extends ProjectFlags {
  traffic: string[];
  zone?: string;
  base?: string;
  format: SimulationFormat;
}

/** The name stdin has in reports. */
const STDIN = "<stdin>";

/** How often, at most, the progress line is redrawn. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * `bot-policy simulate --traffic FILE… [--zone Z] [--base REF] [--format pretty|json|markdown]`:
 * replays Logpush `http_requests` lines (or test-shaped requests) through one zone's compiled
 * rules and reports, per rule, what matched, what it decided and what cannot be told from logs.
 * Files stream line by line (gzip is recognised by its magic bytes, whatever the name); a
 * malformed line is counted and the first few are reported as BP530 warnings. Exit 0 when the
 * replay ran, 1 when a revision does not compile, 2 for a usage error (an unreadable file).
 */
export async function simulateCommand(flags: SimulateFlags, io: Io): Promise<number> {
  checkTrafficFiles(flags.traffic);
  const compiled = compileForCommand(flags, io);
  if (!compiled) return EXIT.findings;
  const plan = chooseZone(compiled.result.plans, flags.zone);
  let base: ReplayBase | undefined;
  if (flags.base !== undefined) {
    const read = compileBase(compiled.project, flags.stack, flags.base, io);
    if (read === undefined) return EXIT.findings;
    base = { ref: flags.base, plan: read.find((p) => p.zone === plan.zone) ?? null };
  }

  const replay = replayZone(plan, base);
  const progress = progressLine(io);
  for (const file of flags.traffic) {
    const name = file === "-" ? STDIN : file;
    for await (const batch of splitLines(readTraffic(file))) {
      for (const line of batch) {
        const record: TrafficRecord = "tooLong" in line ? { kind: "malformed", reason: `longer than ${MAX_LINE_LENGTH.toLocaleString("en-US")} characters` } : readTrafficLine(line.text);
        replay.add(record, { file: name, line: line.number });
      }
      progress.update(batch.length);
    }
  }
  progress.clear();

  const zone = replay.finish();
  const malformed: Diagnostic[] = zone.malformed_lines.map((m) => makeDiagnostic("BP530", { file: m.file, line: m.line, column: 1 }, m.reason));
  reportDiagnostics(io, malformed, "pretty", new Map());
  if (zone.malformed > zone.malformed_lines.length) io.stderr(`(${(zone.malformed - zone.malformed_lines.length).toLocaleString("en-US")} more malformed lines not shown)\n`);
  io.stdout(formatSimulation({ zones: [zone] }, flags.format, io.color));
  return EXIT.ok;
}

/** Refuses a traffic file that cannot be read before anything is compiled: one line, exit 2. */
export function checkTrafficFiles(files: readonly string[]): void {
  if (files.filter((f) => f === "-").length > 1) throw new UsageError("--traffic names stdin ('-') more than once.");
  for (const file of files) {
    if (file === "-") continue;
    let isFolder: boolean;
    try {
      isFolder = statSync(file).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`Cannot read the traffic file '${file}': ${code === "ENOENT" ? "it does not exist" : (code ?? String(error))}.`);
    }
    if (isFolder) throw new UsageError(`Cannot read the traffic file '${file}': it is a folder.`);
  }
}

/** The zone to replay: `--zone`, or the only one; Logpush jobs are per zone, so several need a choice. */
function chooseZone(plans: readonly ZonePlan[], zone: string | undefined): ZonePlan {
  const zones = plans.map((p) => p.zone);
  if (zone === undefined && plans.length > 1) throw new UsageError(`This project has several zones (${zones.join(", ")}); choose the one the traffic is from with --zone.`);
  const plan = zone === undefined ? plans[0] : plans.find((p) => p.zone === zone);
  if (!plan) throw new UsageError(`Unknown zone '${zone ?? ""}' (zones: ${zones.join(", ") || "none"}).`);
  return plan;
}

/**
 * Compiles the project as it is at `ref` (read from git, no checkout), with the stack as that
 * revision has it. Its errors are reported with paths prefixed by the revision; the plans on success.
 */
function compileBase(project: ProjectContext, stackName: string | undefined, ref: string, io: Io): ZonePlan[] | undefined {
  const read = readGitFiles(project.dir, ref);
  const sources = new Map([...read.files].map(([path, text]) => [`${ref}:${path}`, text]));
  const atRef = (list: readonly Diagnostic[]): Diagnostic[] => list.map((d) => ({ ...d, file: `${ref}:${d.file}` }));
  // What reading the revision skipped is said; its compile warnings repeat the head's and are not.
  if (!hasErrors(read.diagnostics)) reportDiagnostics(io, atRef(read.diagnostics), "pretty", sources);
  const diagnostics = [...read.diagnostics];
  let stack: StackConfig | undefined;
  if (stackName !== undefined) {
    const loaded = stackFromFiles(read.files, stackName);
    diagnostics.push(...loaded.diagnostics);
    stack = loaded.config;
  }
  const result = hasErrors(diagnostics) ? undefined : compileProject({ files: read.files, ...(stack ? { stack } : {}), now: project.now });
  diagnostics.push(...(result?.diagnostics ?? []));
  if (result && !hasErrors(diagnostics)) return result.plans;
  io.stderr(`bot-policy: the project at '${ref}' (--base) does not compile:\n`);
  reportDiagnostics(io, atRef(diagnostics), "pretty", sources);
  return undefined;
}

/**
 * The bytes of a traffic file (`-`: stdin), decompressed when they start with gzip's magic bytes,
 * so `.gz` files, renamed files and `zcat`-less pipes all work. A read error is a UsageError.
 */
export async function* readTraffic(file: string): AsyncGenerator<Buffer> {
  const source: Readable = file === "-" ? process.stdin : createReadStream(file);
  try {
    const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let head = Buffer.alloc(0);
    while (head.length < 2) {
      const next = await chunks.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    async function* rest(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    if (head[0] === 0x1f && head[1] === 0x8b) {
      yield* pipeline(Readable.from(rest()), createGunzip(), () => undefined) as AsyncIterable<Buffer>;
    } else {
      yield* rest();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" || code === "EPERM" ? "permission denied" : error instanceof Error ? error.message : String(error);
    throw new UsageError(`Cannot read the traffic file '${file}': ${reason}.`);
  } finally {
    if (file !== "-") source.destroy();
  }
}

/** A progress line on stderr, redrawn in place, only when stderr is a terminal (never in pipes or CI logs). */
function progressLine(io: Io): { update(lines: number): void; clear(): void } {
  if (!io.stderrIsTerminal) return { update: () => undefined, clear: () => undefined };
  const started = Date.now();
  let lines = 0;
  let drawn = started;
  let shown = false;
  return {
    update(count) {
      lines += count;
      const now = Date.now();
      if (now - drawn < PROGRESS_INTERVAL_MS) return;
      drawn = now;
      shown = true;
      const rate = Math.round(lines / ((now - started) / 1000));
      io.stderr(`\rsimulate: ${lines.toLocaleString("en-US")} lines (${rate.toLocaleString("en-US")} lines/s)`);
    },
    clear() {
      if (shown) io.stderr("\r\u001b[K");
    },
  };
}

import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { buildWorkerBundle } from "../bundle/build-worker-bundle.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { EXIT, UsageError, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";

/** The files `compile` writes for a zone, by artifact. */
export const ARTIFACT_FILES = {
  firewallCustom: "http_request_firewall_custom.json",
  lateTransform: "http_request_late_transform.json",
  worker: "worker.json",
  workerBundle: "worker.js",
} as const;

/**
 * The artifacts of one zone as file name → content; output is byte-for-byte deterministic. A zone
 * with worker rules gets its Worker policy (for review) and the bundled Worker that embeds it.
 */
export function zoneArtifacts(plan: ZonePlan): Array<[string, string]> {
  const files: Array<[string, string]> = [[ARTIFACT_FILES.firewallCustom, toJson(plan.firewallCustom)]];
  if (plan.lateTransform) files.push([ARTIFACT_FILES.lateTransform, toJson(plan.lateTransform)]);
  if (plan.worker) files.push([ARTIFACT_FILES.worker, toJson(plan.worker)], [ARTIFACT_FILES.workerBundle, buildWorkerBundle(plan.worker)]);
  return files;
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * `bot-policy compile --out DIR`: write each zone's ruleset bodies, Worker policy and Worker bundle.
 * With `--stack`, a zone of the stack that another stack file also deploys is refused (BP170).
 */
export function compileCommand(flags: ProjectFlags & { out: string }, io: Io): number {
  const out = resolve(flags.out);
  // Refuse an --out that cannot be a folder before compiling, so the mistake is the only message.
  checkOutFolder(flags.out, out);
  const compiled = compileForCommand(flags, io, { ownsZones: true });
  if (!compiled) return EXIT.findings;
  const { result } = compiled;

  const shown = (path: string) => relative(process.cwd(), path) || path;
  for (const plan of result.plans) {
    const zoneDir = join(out, plan.zone);
    writeOrExplain(flags.out, () => {
      // Artifacts a zone no longer has (a Worker policy, say) must not linger from an older run.
      for (const name of Object.values(ARTIFACT_FILES)) rmSync(join(zoneDir, name), { force: true });
      mkdirSync(zoneDir, { recursive: true });
      for (const [name, content] of zoneArtifacts(plan)) {
        writeFileSync(join(zoneDir, name), content);
        io.stdout(`wrote ${shown(join(zoneDir, name))}\n`);
      }
    });
  }
  const zones = new Set(result.plans.map((plan) => plan.zone));
  for (const folder of staleZoneFolders(out, zones)) {
    writeOrExplain(flags.out, () => {
      for (const name of readdirSync(folder)) rmSync(join(folder, name));
      rmdirSync(folder);
    });
    io.stdout(`removed ${shown(folder)} (zone no longer compiled)\n`);
  }
  return EXIT.ok;
}

function checkOutFolder(given: string, out: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(out).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new UsageError(`--out '${given}' cannot be used: ${describeWriteError(error)}.`);
  }
  if (!isFolder) throw new UsageError(`--out '${given}' is not a folder.`);
}

/** Runs a write; a file-system error is the user's environment, so it becomes one usage line. */
function writeOrExplain(given: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw new UsageError(`Cannot write to --out '${given}': ${describeWriteError(error)}.`);
  }
}

function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "ENOTDIR" || code === "EEXIST") return "a part of the path is a file, not a folder";
  if (code === "ENOSPC") return "no space left on the device";
  return code ?? String(error);
}

/**
 * Folders of `out` that an earlier run wrote for zones no longer compiled: those holding only
 * artifact files. A folder with anything else in it (a user's own file, a sub-folder) is left alone.
 */
function staleZoneFolders(out: string, zones: ReadonlySet<string>): string[] {
  const artifacts = new Set<string>(Object.values(ARTIFACT_FILES));
  let entries: string[];
  try {
    entries = readdirSync(out);
  } catch {
    return [];
  }
  return entries
    .filter((name) => !zones.has(name))
    .map((name) => join(out, name))
    .filter((folder) => {
      try {
        // lstat: a link to a folder elsewhere is not ours to empty.
        if (!lstatSync(folder).isDirectory()) return false;
        const names = readdirSync(folder, { withFileTypes: true });
        return names.length > 0 && names.every((entry) => entry.isFile() && artifacts.has(entry.name));
      } catch {
        return false;
      }
    })
    .sort();
}

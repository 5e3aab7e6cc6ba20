import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { ZonePlan } from "../model/zone-plan.js";
import { EXIT, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";

/** The files `compile` writes for a zone, by artifact. */
export const ARTIFACT_FILES = {
  firewallCustom: "http_request_firewall_custom.json",
  lateTransform: "http_request_late_transform.json",
  worker: "worker.json",
} as const;

/** The artifacts of one zone as file name → content; output is byte-for-byte deterministic. */
export function zoneArtifacts(plan: ZonePlan): Array<[string, string]> {
  const files: Array<[string, string]> = [[ARTIFACT_FILES.firewallCustom, toJson(plan.firewallCustom)]];
  if (plan.lateTransform) files.push([ARTIFACT_FILES.lateTransform, toJson(plan.lateTransform)]);
  if (plan.worker) files.push([ARTIFACT_FILES.worker, toJson(plan.worker)]);
  return files;
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `bot-policy compile --out DIR`: write each zone's ruleset bodies and Worker policy. */
export function compileCommand(flags: ProjectFlags & { out: string }, io: Io): number {
  const compiled = compileForCommand(flags, io);
  if (!compiled) return EXIT.findings;
  const { result } = compiled;

  const out = resolve(flags.out);
  for (const plan of result.plans) {
    const zoneDir = join(out, plan.zone);
    // Artifacts a zone no longer has (a Worker policy, say) must not linger from an older run.
    for (const name of Object.values(ARTIFACT_FILES)) rmSync(join(zoneDir, name), { force: true });
    mkdirSync(zoneDir, { recursive: true });
    for (const [name, content] of zoneArtifacts(plan)) {
      writeFileSync(join(zoneDir, name), content);
      io.stdout(`wrote ${relative(process.cwd(), join(zoneDir, name)) || name}\n`);
    }
  }
  return EXIT.ok;
}

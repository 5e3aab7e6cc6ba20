import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseYaml } from "../load/parse-yaml.js";
import type { ProjectFiles } from "../model/project.js";
import { parseStackFile, stackFileName, stackKeyLocator, stackNames } from "./parse-stack-file.js";

/**
 * Checks that no two stacks of a project own one zone: Cloudflare allows one entry-point ruleset
 * per zone and phase, so two stacks deploying to the same zone id would fight over it (the second
 * `pulumi up` fails with "a similar configuration already exists", or worse, replaces the first's
 * rules). Each clash is reported at the `zoneId` in every file that holds it, naming the others. A
 * stack file that does not parse is skipped here: its own errors are reported when it is used.
 */
export function checkStackZones(files: ProjectFiles): Diagnostic[] {
  const owners = new Map<string, Array<{ file: string; zone: string }>>();
  for (const stack of stackNames(files.keys())) {
    const file = stackFileName(stack);
    const config = parseStackFile(stack, files.get(file)!).config;
    for (const zone of config?.zones ?? []) {
      const list = owners.get(zone.zoneId) ?? [];
      list.push({ file, zone: zone.key });
      owners.set(zone.zoneId, list);
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const [zoneId, list] of owners) {
    if (list.length < 2) continue;
    for (const owner of list) {
      const others = list.filter((other) => other !== owner).map((other) => `'${other.file}' (zone '${other.zone}')`);
      const at = zoneIdPosition(files.get(owner.file)!, owner.file, owner.zone);
      const found = makeDiagnostic("BP170", at, zoneId, `'${owner.file}' (zone '${owner.zone}')`, others.join(" and "));
      diagnostics.push(withHint(found, "give each stack its own zone; to take over rules another tool made, use 'bot-policy:adopt' in one stack only"));
    }
  }
  return diagnostics;
}

/**
 * The clashes of `checkStackZones` that involve one stack, each reported in that stack's file and
 * naming the other: what a command that compiles or deploys this stack must refuse. A clash
 * between two other stacks is theirs to fix.
 */
export function checkStackOwnsZones(files: ProjectFiles, stack: string): Diagnostic[] {
  const file = stackFileName(stack);
  return files.has(file) ? checkStackZones(files).filter((diagnostic) => diagnostic.file === file) : [];
}

/** Where `zones.<key>.zoneId` is written in a stack file (the file's start if it cannot be found). */
export function zoneIdPosition(text: string, file: string, zone: string): { file: string; line: number; column: number; length?: number } {
  const source = parseYaml(file, text).source;
  if (!source) return { file, line: 1, column: 1 };
  const position = stackKeyLocator(source)(["zones", zone, "zoneId"]) ?? { line: 1, column: 1 };
  return { file, ...position };
}

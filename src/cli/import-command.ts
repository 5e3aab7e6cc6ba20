import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { isGuardCode } from "../guards/guard-settings.js";
import { locate, parseYaml } from "../load/parse-yaml.js";
import { compileProject } from "../compile/compile-project.js";
import { importRuleset } from "../import/import-ruleset.js";
import { stackNames } from "../stack/parse-stack-file.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { readProjectFiles } from "./read-project-files.js";

/** Options of `bot-policy import`. */
export interface ImportFlags {
  dir: string;
  from: string;
  zone: string;
  policy?: string;
}

const idPattern = /^[a-z0-9][a-z0-9-]*$/;

/**
 * `bot-policy import --from FILE --zone KEY [--policy ID]`: turns the rulesets API's answer for a
 * zone's custom-rules entry point into `policies/<policy>.yaml`, refs and order kept, and prints
 * the `bot-policy:adopt` setting that lets the stack take that entry point over. The policy is
 * compiled before it is written (`when:` and kept expressions checked like any policy's);
 * nothing is written when a rule cannot be kept, and an existing file is never overwritten.
 */
export function importCommand(flags: ImportFlags, io: Io): number {
  const policyId = flags.policy ?? flags.zone;
  if (!idPattern.test(flags.zone)) throw new UsageError(`--zone takes a zone key (lowercase letters, digits and '-'), not '${flags.zone}'.`);
  if (!idPattern.test(policyId)) throw new UsageError(`--policy takes a policy id (lowercase letters, digits and '-'), not '${policyId}'.`);
  let text: string;
  try {
    text = readFileSync(flags.from, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read '${flags.from}': ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const dir = resolve(flags.dir);
  if (!existsSync(join(dir, "policies"))) throw new UsageError(`'${dir}' has no 'policies/' folder: run bot-policy in a project folder, or name one with --dir.`);
  const file = `policies/${policyId}.yaml`;
  const target = join(dir, file);
  if (existsSync(target)) throw new UsageError(`'${file}' exists already: choose another id with --policy, or move the file away.`);

  let imported = importRuleset(text, { file: flags.from, zone: flags.zone, policy: policyId });
  if (!imported.text || hasErrors(imported.diagnostics)) {
    reportDiagnostics(io, imported.diagnostics, "pretty", new Map([[flags.from, text]]));
    io.stderr(`Nothing was written: every rule of the zone must be kept, or its behaviour would change.\n`);
    return EXIT.findings;
  }
  // The same checks as any policy: what import writes, validate and compile accept. The stack
  // files come along, so that the `$list`s the rules test are checked against their declarations.
  const stackFiles = [...readProjectFiles(dir).files].filter(([path]) => stackNames([path]).length > 0);
  const files = new Map([...stackFiles, [file, imported.text]]);
  let checked = compileProject({ files, now: new Date() });
  // A guard may refuse a rule the zone runs today (an always-true block during maintenance): the
  // import keeps it, suppressed with a reason that sends a reviewer to it, and says so.
  const refused = guardRefusals(checked.diagnostics, file, imported.text);
  if (refused !== undefined) {
    const reason = `Imported as zone '${flags.zone}' runs it today (ruleset ${imported.rulesetId!}); review it: bot-policy's guards refuse it otherwise.`;
    imported = importRuleset(text, { file: flags.from, zone: flags.zone, policy: policyId, suppress: { byRule: refused, reason } });
    files.set(file, imported.text!);
    checked = compileProject({ files, now: new Date() });
    for (const [index, codes] of refused) io.stderr(`warning: rule ${index + 1} ('${imported.policy!.rules[index]!.id}') is refused by guard ${codes.join(", ")}; it is imported with a suppression to review.\n`);
  }
  if (hasErrors(checked.diagnostics)) {
    reportDiagnostics(io, checked.diagnostics, "pretty", files);
    io.stderr(`Nothing was written: the imported policy above does not compile.\n`);
    return EXIT.findings;
  }
  writeFileSync(target, imported.text!);
  const rules = imported.policy!.rules;
  const count = rules.length;
  const raw = rules.filter((rule) => rule.expression !== undefined).length;
  io.stdout(
    [
      `Wrote ${file}: ${count} ${count === 1 ? "rule" : "rules"} of ruleset ${imported.rulesetId!}, refs and order kept (${count - raw} as 'when:', ${raw} kept as 'expression:').`,
      `So that 'pulumi up' takes this entry point over instead of failing with code 20217, add to the stack file that deploys zone '${flags.zone}' (one stack only):`,
      "",
      "  bot-policy:adopt:",
      `    ${flags.zone}: "${imported.rulesetId!}"`,
      "",
      `or run: pulumi config set --path 'bot-policy:adopt.${flags.zone}' ${imported.rulesetId!}`,
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}

/**
 * The guard codes that refuse each rule of the imported policy, by rule index; undefined when any
 * error is not a guard's (those must stop the import) or none is.
 */
function guardRefusals(diagnostics: readonly Diagnostic[], file: string, text: string): Map<number, string[]> | undefined {
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length === 0 || !errors.every((d) => d.file === file && isGuardCode(d.code))) return undefined;
  const source = parseYaml(file, text).source;
  const rules = source?.value && typeof source.value === "object" ? (source.value as { rules?: unknown[] }).rules : undefined;
  if (source === undefined || !Array.isArray(rules)) return undefined;
  // A rule's findings point inside it: between its first line and the next rule's.
  const starts = rules.map((_, index) => locate(source, ["rules", index]).line);
  const refused = new Map<number, string[]>();
  for (const error of errors) {
    const index = starts.findLastIndex((line) => line <= error.line);
    if (index < 0) return undefined;
    refused.set(index, [...new Set([...(refused.get(index) ?? []), error.code])]);
  }
  return refused;
}

import { appendFileSync, existsSync, statSync } from "node:fs";
import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatGithubSummary, STEP_SUMMARY_LIMIT_BYTES, type DiagnosticFormat } from "../diagnostics/format-diagnostics.js";
import { compileProject } from "../compile/compile-project.js";
import { checkStackZones } from "../stack/check-stack-zones.js";
import { EXIT, reportDiagnostics, type Io } from "./io.js";
import { resolveProject, type ProjectFlags } from "./project-context.js";

/**
 * `bot-policy validate`: load and check every policy; report diagnostics. It compiles too (without
 * writing anything), so whatever `compile` would refuse — a rule too long to split, a quota that
 * only split sets exceed — `validate` reports first. With `--format github` inside a GitHub Actions
 * step (`GITHUB_STEP_SUMMARY` set), the full list also goes to the step summary.
 */
export function validateCommand(flags: ProjectFlags & { format: DiagnosticFormat }, io: Io, env: NodeJS.ProcessEnv = process.env): number {
  const project = resolveProject(flags);
  const checked = project.stack || !hasErrors(project.diagnostics) ? compileProject(project) : undefined;
  // Every stack file is checked, not only the chosen one: the clash is between stacks.
  const diagnostics = [...project.diagnostics, ...checkStackZones(project.files), ...(checked?.diagnostics ?? [])];
  reportDiagnostics(io, diagnostics, flags.format, project.files);
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (flags.format === "github" && summaryFile !== undefined && summaryFile !== "") appendStepSummary(summaryFile, diagnostics);
  const failed = hasErrors(diagnostics);
  if (!failed && flags.format === "pretty" && checked) {
    const rules = checked.policies.reduce((n, p) => n + p.rules.length, 0);
    io.stdout(`Checked ${checked.policies.length} ${plural(checked.policies.length, "policy", "policies")} (${rules} ${plural(rules, "rule", "rules")}): no errors.\n`);
  }
  return failed ? EXIT.findings : EXIT.ok;
}

/**
 * Appends the findings to the step summary within what is left of its 1 MiB: the file is per step,
 * and an earlier command of the same step may already have written to it.
 */
function appendStepSummary(file: string, diagnostics: readonly Diagnostic[]): void {
  const used = existsSync(file) ? statSync(file).size : 0;
  appendFileSync(file, formatGithubSummary(diagnostics, Math.max(0, STEP_SUMMARY_LIMIT_BYTES - used)));
}

/** Picks the singular or plural form of a noun. */
export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

import { statSync } from "node:fs";
import { join } from "node:path";
import pc from "picocolors";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/catalog.js";
import { compileProject } from "../compile/compile-project.js";
import { listTestFiles, loadTestFiles } from "../load/load-policies.js";
import { loadStackFile } from "../stack/load-stack-file.js";
import { runPolicyTests, type PlanSource, type TestReport } from "../testing/run-policy-tests.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { resolveProject, type ProjectFlags } from "./project-context.js";

/** `bot-policy test [files]`: run policy tests; PASS/FAIL summary and per-rule coverage. */
export function testCommand(files: string[], flags: ProjectFlags & { format: "pretty" | "json" }, io: Io): number {
  const project = resolveProject(flags);
  const chosen = files.length > 0 ? files : listTestFiles(project.dir);
  if (chosen.length === 0) throw new UsageError("No test files: add policies/<name>.test.yaml or name files to run.");
  // A test file named on the command line that cannot be read is a usage error, never "PASS: 0/0".
  for (const file of files) checkTestFile(project.dir, file);
  const sources = new Map<string, string>();
  const loaded = loadTestFiles(project.dir, chosen, sources);

  const cache = new Map<string, ReturnType<PlanSource>>();
  const compiled: PlanSource = (stackName) => {
    const key = stackName ?? flags.stack ?? "";
    const cached = cache.get(key);
    if (cached) return cached;
    let result: ReturnType<PlanSource>;
    const stack = stackName === undefined ? project : { ...project, ...loadStack(project.dir, stackName) };
    if (hasErrors(stack.diagnostics)) {
      result = { ok: false, diagnostics: stack.diagnostics };
    } else {
      const output = compileProject(stack);
      for (const [file, text] of output.sources) sources.set(file, text);
      result = hasErrors(output.diagnostics) ? { ok: false, diagnostics: output.diagnostics } : { ok: true, plans: output.plans, policies: output.policies };
    }
    cache.set(key, result);
    return result;
  };
  const report = runPolicyTests(loaded.tests, compiled);
  const diagnostics = [...loaded.diagnostics, ...report.diagnostics];

  if (flags.format === "json") {
    io.stdout(`${JSON.stringify({ summary: summarize(report), cases: report.cases, coverage: report.coverage, diagnostics }, null, 2)}\n`);
  } else {
    reportDiagnostics(io, diagnostics, "pretty", sources);
    io.stdout(formatReport(report, io.color, invalidFiles(loaded.diagnostics)));
  }
  const failed = report.cases.some((c) => !c.passed) || hasErrors(diagnostics);
  return failed ? EXIT.findings : EXIT.ok;
}

function loadStack(dir: string, name: string) {
  const loaded = loadStackFile(dir, name);
  return loaded.config ? { stack: loaded.config, diagnostics: loaded.diagnostics } : { diagnostics: loaded.diagnostics };
}

function summarize(report: TestReport) {
  const passed = report.cases.filter((c) => c.passed).length;
  return { passed, failed: report.cases.length - passed, total: report.cases.length };
}

/** A named test file must be a readable file in the project; anything else is a usage error. */
function checkTestFile(dir: string, file: string): void {
  let stats;
  try {
    stats = statSync(join(dir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `No test file '${file}' in '${dir}'.` : `Cannot read the test file '${file}': ${code ?? String(error)}.`);
  }
  if (!stats.isFile()) throw new UsageError(`The test file '${file}' is not a regular file.`);
}

/** How many test files were refused (unreadable, not YAML, or not the test schema). */
function invalidFiles(diagnostics: readonly Diagnostic[]): number {
  return new Set(diagnostics.filter((d) => d.severity === "error").map((d) => d.file)).size;
}

/**
 * `PASS: n/total` (or `FAIL`), then per-zone coverage naming rules no case exercised. A refused
 * test file fails the run even when every case that ran passed, so it never reads as a pass.
 */
export function formatReport(report: TestReport, color = false, invalid = 0): string {
  const c = pc.createColors(color);
  const { passed, failed, total } = summarize(report);
  const refused = invalid === 0 ? "" : `${invalid} test file${invalid === 1 ? "" : "s"} invalid; `;
  const summary =
    failed === 0 && report.diagnostics.length === 0 && invalid === 0
      ? c.green(`PASS: ${passed}/${total}`)
      : c.red(total === 0 ? `FAIL: ${refused}no test case ran` : `FAIL: ${refused}${failed}/${total} failed, ${passed} passed`);
  const lines = [summary];
  for (const zone of report.coverage) {
    const line = `coverage ${zone.zone}: ${zone.exercised.length}/${zone.rules.length} rules exercised`;
    lines.push(zone.missed.length === 0 ? line : `${line}; not exercised: ${zone.missed.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

import pc from "picocolors";
import { hasErrors } from "../diagnostics/catalog.js";
import { readFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { checkTestSchema } from "../check/check-schema.js";
import { compileProject } from "../compile/compile-project.js";
import { parseProjectFiles, testFileNames } from "../load/load-policies.js";
import { runPolicyTests, type PlanSource, type TestReport } from "../testing/run-policy-tests.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { readStack, resolveProject, type ProjectFlags } from "./project-context.js";

/** `bot-policy test [files]`: run policy tests; PASS/FAIL summary and per-rule coverage. */
export function testCommand(files: string[], flags: ProjectFlags & { format: "pretty" | "json" }, io: Io): number {
  const project = resolveProject(flags);
  const projectFiles = new Map(project.files);
  const chosen = files.length > 0 ? files.map((file) => addNamedFile(project.dir, file, projectFiles)) : testFileNames(projectFiles);
  if (chosen.length === 0) throw new UsageError("No test files: add policies/<name>.test.yaml or name files to run.");
  const parsed = parseProjectFiles(projectFiles, chosen);
  const checked = checkTestSchema(parsed.sources);

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
      const output = compileProject({ ...stack, files: projectFiles });
      result = hasErrors(output.diagnostics) ? { ok: false, diagnostics: output.diagnostics } : { ok: true, plans: output.plans, policies: output.policies };
    }
    cache.set(key, result);
    return result;
  };
  const report = runPolicyTests(checked.tests, compiled);
  const diagnostics = [...project.diagnostics, ...parsed.diagnostics, ...checked.diagnostics, ...report.diagnostics];

  if (flags.format === "json") {
    io.stdout(`${JSON.stringify({ summary: summarize(report), cases: report.cases, coverage: report.coverage, diagnostics }, null, 2)}\n`);
  } else {
    reportDiagnostics(io, diagnostics, "pretty", projectFiles);
    io.stdout(formatReport(report, io.color));
  }
  const failed = report.cases.some((c) => !c.passed) || hasErrors(diagnostics);
  return failed ? EXIT.findings : EXIT.ok;
}

/** A test file named on the command line, as a project path; read from disk when outside the project's files. */
function addNamedFile(dir: string, file: string, files: Map<string, string>): string {
  const path = relative(dir, resolve(file)).split(sep).join("/");
  if (!files.has(path)) {
    try {
      files.set(path, readFileSync(resolve(file), "utf8"));
    } catch (error) {
      throw new UsageError(`Cannot read test file '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
    }
  }
  return path;
}

function loadStack(dir: string, name: string) {
  const loaded = readStack(dir, name);
  return loaded.config ? { stack: loaded.config, diagnostics: loaded.diagnostics } : { diagnostics: loaded.diagnostics };
}

function summarize(report: TestReport) {
  const passed = report.cases.filter((c) => c.passed).length;
  return { passed, failed: report.cases.length - passed, total: report.cases.length };
}

/** `PASS: n/total` (or `FAIL`), then per-zone coverage naming rules no case exercised. */
export function formatReport(report: TestReport, color = false): string {
  const c = pc.createColors(color);
  const { passed, failed, total } = summarize(report);
  const lines = [failed === 0 && report.diagnostics.length === 0 ? c.green(`PASS: ${passed}/${total}`) : c.red(`FAIL: ${failed}/${total} failed, ${passed} passed`)];
  for (const zone of report.coverage) {
    const line = `coverage ${zone.zone}: ${zone.exercised.length}/${zone.rules.length} rules exercised`;
    lines.push(zone.missed.length === 0 ? line : `${line}; not exercised: ${zone.missed.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

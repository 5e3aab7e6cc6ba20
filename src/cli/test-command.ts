import { readFileSync, statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import pc from "picocolors";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hasErrors } from "../diagnostics/catalog.js";
import { checkTestSchema } from "../check/check-schema.js";
import { compileProject } from "../compile/compile-project.js";
import { parseProjectFiles, testFileNames } from "../load/load-policies.js";
import { prepareTestCases, runPolicyTests, type PlanSource, type TestReport } from "../testing/run-policy-tests.js";
import { runWorkerdTests, WorkerdStartError, type WorkerdTestReport } from "../testing/run-workerd-tests.js";
import { loadMiniflare } from "./load-miniflare.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { stackFromFiles } from "../stack/parse-stack-file.js";
import { resolveProject, type ProjectFlags } from "./project-context.js";

/** Where `bot-policy test` decides: the Node decide function, or the zones' built Worker bundles in workerd. */
export type TestRuntime = "node" | "workerd";

/** `bot-policy test [files]`: run policy tests; PASS/FAIL summary and per-rule coverage. */
export async function testCommand(files: string[], flags: ProjectFlags & { format: "pretty" | "json"; runtime?: TestRuntime }, io: Io): Promise<number> {
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
    const stack = stackName === undefined ? project : { ...project, ...loadStack(projectFiles, stackName) };
    if (hasErrors(stack.diagnostics)) {
      result = { ok: false, diagnostics: stack.diagnostics };
    } else {
      const output = compileProject({ ...stack, files: projectFiles });
      result = hasErrors(output.diagnostics) ? { ok: false, diagnostics: output.diagnostics } : { ok: true, plans: output.plans, policies: output.policies };
    }
    cache.set(key, result);
    return result;
  };
  const workerd = flags.runtime === "workerd" ? await inWorkerd(async () => runWorkerdTests(prepareTestCases(checked.tests, compiled), await loadMiniflare())) : undefined;
  const report: TestReport = workerd ?? runPolicyTests(checked.tests, compiled);
  const diagnostics = [...project.diagnostics, ...parsed.diagnostics, ...checked.diagnostics, ...report.diagnostics];

  if (flags.format === "json") {
    const cases = workerd ? workerd.cases.map((c, i) => ({ ...c, decided_in: workerd.decidedIn[i] })) : report.cases;
    io.stdout(`${JSON.stringify({ summary: summarize(report), cases, coverage: report.coverage, diagnostics }, null, 2)}\n`);
  } else {
    reportDiagnostics(io, diagnostics, "pretty", projectFiles);
    io.stdout(formatReport(report, io.color, invalidFiles([...parsed.diagnostics, ...checked.diagnostics])));
    if (workerd) io.stdout(formatDecidedIn(workerd));
  }
  const failed = report.cases.some((c) => !c.passed) || hasErrors(diagnostics);
  return failed ? EXIT.findings : EXIT.ok;
}

/**
 * A test file named on the command line, as a project path: a project file (`policies/x.test.yaml`
 * under `--dir`), else a path from the current folder (absolute or relative), read from disk. A
 * name that is missing, a folder or a special file is a usage error, never "PASS: 0/0".
 */
function addNamedFile(dir: string, file: string, files: Map<string, string>): string {
  const inProject = file.split(sep).join("/");
  if (files.has(inProject)) return inProject;
  const path = relative(dir, resolve(file)).split(sep).join("/");
  if (files.has(path)) return path;
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `No test file '${file}' in '${dir}' or the current folder.` : `Cannot read the test file '${file}': ${code ?? String(error)}.`);
  }
  if (!stats.isFile()) throw new UsageError(`The test file '${file}' is not a regular file.`);
  files.set(path, readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  return path;
}

function loadStack(files: ReadonlyMap<string, string>, name: string) {
  const loaded = stackFromFiles(files, name);
  return loaded.config ? { stack: loaded.config, diagnostics: loaded.diagnostics } : { diagnostics: loaded.diagnostics };
}

function summarize(report: TestReport) {
  const passed = report.cases.filter((c) => c.passed).length;
  return { passed, failed: report.cases.length - passed, total: report.cases.length };
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
  // A pass that rests on a list the runner cannot see (BP504) is a pass, but not a silent one.
  const unseen = report.diagnostics.filter((d) => d.code === "BP504").length;
  const summary =
    failed === 0 && !hasErrors(report.diagnostics) && invalid === 0
      ? c.green(`PASS: ${passed}/${total}${unseen === 0 ? "" : ` (${unseen} decided on lists tests cannot see)`}`)
      : c.red(total === 0 ? `FAIL: ${refused}no test case ran` : `FAIL: ${refused}${failed}/${total} failed, ${passed} passed`);
  const lines = [summary];
  for (const zone of report.coverage) {
    const line = `coverage ${zone.zone}: ${zone.exercised.length}/${zone.rules.length} rules exercised`;
    lines.push(zone.missed.length === 0 ? line : `${line}; not exercised: ${zone.missed.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Runs in workerd; workerd failing to start is the user's environment: one line, exit 2. */
async function inWorkerd<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorkerdStartError) throw new UsageError(error.message);
    throw error;
  }
}

/** Where `--runtime workerd` decided the cases: in the Worker, or by edge rules before it. */
function formatDecidedIn(report: WorkerdTestReport): string {
  const inWorkerd = report.decidedIn.filter((where) => where === "workerd").length;
  const atEdge = report.decidedIn.length - inWorkerd;
  return `runtime workerd: ${inWorkerd} case${inWorkerd === 1 ? "" : "s"} ran through the zone's Worker bundle in workerd; ${atEdge} ${atEdge === 1 ? "was" : "were"} decided by edge rules before any Worker (Node decide function, as Cloudflare's WAF)\n`;
}

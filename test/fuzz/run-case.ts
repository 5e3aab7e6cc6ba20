/**
 * Runs one fuzz input through everything a user can run on it — `validate` (and its printed
 * diagnostics), `compile`, `plan` and `eval` — once without a stack and once per stack, and
 * reports what must never happen: a thrown exception, a case over its time budget, a project
 * `validate` accepts but `compile` rejects, a diagnostic that points outside its file.
 */
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { MAX_EXPRESSION_LENGTH } from "../../src/compile/compile-zone.js";
import type { StackConfig } from "../../src/model/stack.js";
import type { ZonePlan } from "../../src/model/zone-plan.js";
import type { FuzzInput } from "./mutate-project.js";
import { compileProjectText, printDiagnostics, printPlans, readStack, validateProject, zoneDecider } from "./pipeline.js";

/** What can go wrong, by kind. */
export type FindingKind = "crash" | "accepted-not-compiled" | "slow" | "unlocated" | "cloudflare-rejects" | "replaced-character";

/** One thing that must not happen, with a signature that groups findings of one cause. */
export interface Finding {
  kind: FindingKind;
  stage: "stack" | "validate" | "diagnostics" | "compile" | "plan" | "eval";
  stack: string | null;
  detail: string;
  signature: string;
}

/** The outcome of one input: findings, and counts that show the pipeline was really exercised. */
export interface CaseOutcome {
  findings: Finding[];
  /** Validations run (one per target: no stack, then each stack). */
  targets: number;
  /** Validations that reported no error. */
  accepted: number;
  /** Decisions made by the `eval` function. */
  decisions: number;
  /** Decisions where a rule decided or logged. */
  matched: number;
  /** Error codes validate reported, for the run's summary. */
  codes: string[];
}

/** Runs one input; `budgetMs` is the time one target (validate to eval) may take before it is a finding. */
export function runCase(input: FuzzInput, budgetMs: number): CaseOutcome {
  const outcome: CaseOutcome = { findings: [], targets: 0, accepted: 0, decisions: 0, matched: 0, codes: [] };
  const targets: Array<{ name: string | null; config?: Record<string, unknown> }> = [{ name: null }, ...input.stacks];
  for (const target of targets) {
    const times = new Map<Finding["stage"], number>();
    const started = performance.now();
    runTarget(input, target, outcome, times);
    const elapsed = performance.now() - started;
    if (elapsed > budgetMs) {
      const [stage] = [...times].sort((a, b) => b[1] - a[1])[0] ?? ["validate"];
      const detail = `${Math.round(elapsed)} ms (budget ${budgetMs} ms): ${[...times].map(([s, ms]) => `${s} ${Math.round(ms)} ms`).join(", ")}`;
      outcome.findings.push({ kind: "slow", stage, stack: target.name, detail, signature: `slow ${stage}` });
    }
  }
  return outcome;
}

function runTarget(input: FuzzInput, target: { name: string | null; config?: Record<string, unknown> }, outcome: CaseOutcome, times: Map<Finding["stage"], number>): void {
  const found = (kind: FindingKind, stage: Finding["stage"], detail: string, signature: string) =>
    outcome.findings.push({ kind, stage, stack: target.name, detail, signature: `${kind} ${stage}: ${signature}` });
  const attempt = <T>(stage: Finding["stage"], run: () => T): T | undefined => {
    const started = performance.now();
    try {
      return run();
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const where = error instanceof Error ? (error.stack ?? "").split("\n").find((l) => l.includes("/src/"))?.trim() ?? "" : "";
      found("crash", stage, `${text}\n${where}`, `${normalise(text)} ${where.replace(/^at /, "").replace(/\(.*\/src\//, "(src/").replace(/:\d+\)$/, ")")}`);
      return undefined;
    } finally {
      times.set(stage, (times.get(stage) ?? 0) + performance.now() - started);
    }
  };

  let stack: StackConfig | undefined;
  if (target.config) {
    const read = attempt("stack", () => readStack(target.name!, target.config!));
    if (!read || !read.stack) return;
    stack = read.stack;
  }
  outcome.targets++;
  const validated = attempt("validate", () => validateProject(input.files, stack, input.now));
  if (!validated) return;
  attempt("diagnostics", () => printDiagnostics(validated.diagnostics, input.files));
  for (const d of validated.diagnostics) {
    // A lone CR ends a line for YAML 1.2 and editors; told apart because it is a cause of its own.
    const loneCr = /\r(?!\n)/.test(input.files.get(d.file) ?? "");
    checkLocated(d, input.files, (detail) => found("unlocated", "validate", detail, `${loneCr ? "after a lone CR " : ""}${d.code}`));
  }
  const errors = validated.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    outcome.codes.push(...new Set(errors.map((d) => d.code)));
    return;
  }
  outcome.accepted++;

  const compiled = attempt("compile", () => compileProjectText(input.files, stack, input.now));
  if (!compiled) return;
  const rejected = compiled.diagnostics.filter((d) => d.severity === "error");
  if (rejected.length > 0) {
    const codes = [...new Set(rejected.map((d) => d.code))].sort();
    found("accepted-not-compiled", "compile", rejected.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`).join("\n"), codes.join(" "));
    return;
  }
  const planText = attempt("plan", () => printPlans(compiled.plans, stack?.name));
  checkEmitted(compiled.plans, (kind, detail, signature) => found(kind, "compile", detail, signature));
  // U+FFFD in the output that no input holds is a string silently replaced on the way.
  if (planText?.includes("\\xEF\\xBF\\xBD") && ![...input.files.values()].some((t) => t.includes("\uFFFD") || /\\uFFFD|\\xEF\\xBF\\xBD/i.test(t))) {
    found("replaced-character", "plan", planText.slice(0, 2000), "U+FFFD in the plan");
  }
  for (const plan of compiled.plans) {
    const decide = attempt("eval", () => zoneDecider(plan));
    if (!decide) continue;
    for (const request of input.requests) {
      const decision = attempt("eval", () => decide(request));
      if (!decision) continue;
      if ("error" in decision) {
        found("crash", "eval", `request refused: ${decision.error}`, "request refused");
        continue;
      }
      outcome.decisions++;
      if (decision.rule !== null || decision.logged.length > 0) outcome.matched++;
    }
  }
}

/** Cloudflare's limits on what it accepts: each expression at most 4,096 characters and 128 levels deep. */
function checkEmitted(plans: readonly ZonePlan[], report: (kind: FindingKind, detail: string, signature: string) => void): void {
  for (const plan of plans) {
    for (const rule of [...plan.firewallCustom.rules, ...(plan.lateTransform?.rules ?? [])]) {
      if (rule.expression.length > MAX_EXPRESSION_LENGTH) report("cloudflare-rejects", `${rule.ref}: ${rule.expression.length} characters`, "expression longer than 4096");
      const depth = nestingDepth(rule.expression);
      if (depth > MAX_NESTING) report("cloudflare-rejects", `${rule.ref}: nested ${depth} deep: ${rule.expression.slice(0, 300)}`, "expression nested deeper than 128");
    }
  }
}

/** Cloudflare's engine refuses expressions nested deeper than this. */
const MAX_NESTING = 128;

/** The deepest parenthesis nesting of an expression, outside string literals. */
function nestingDepth(expression: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "(") deepest = Math.max(deepest, ++depth);
    else if (c === ")") depth--;
  }
  return deepest;
}

/** A diagnostic must point into its file (or at the project or stack as a whole). */
function checkLocated(d: Diagnostic, files: ReadonlyMap<string, string>, report: (detail: string) => void): void {
  const where = `${d.file}:${d.line}:${d.column} ${d.code} ${d.message.slice(0, 200)}`;
  if (!Number.isInteger(d.line) || !Number.isInteger(d.column) || d.line < 1 || d.column < 1) return report(`bad position: ${where}`);
  const text = files.get(d.file);
  if (text === undefined) {
    if (d.file !== "policies" && !/^Pulumi\..+\.yaml$/.test(d.file)) report(`unknown file: ${where}`);
    return;
  }
  const lines = text.split(/\r\n|\r|\n/);
  const line = lines[d.line - 1];
  if (line === undefined) return report(`line beyond the file (${lines.length} lines): ${where}`);
  if (d.column > line.length + 1) report(`column beyond the line (${line.length} characters): ${where}`);
}

/** Strips the parts of an error message that vary from case to case (quoted values, numbers). */
function normalise(message: string): string {
  return message
    .split("\n")[0]!
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, "N")
    .slice(0, 160);
}

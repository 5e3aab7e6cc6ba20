/**
 * The one place the fuzzer calls the pipeline: the same functions the CLI calls (`checkPolicies`,
 * `compileProject`, the plan printers, `decide`), over the project's files as text.
 */
import { formatPlans, planRows } from "../../src/cli/plan-command.js";
import { compileProject } from "../../src/compile/compile-project.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatDiagnostics } from "../../src/diagnostics/format-diagnostics.js";
import { compileZoneProgram, decide, type Decision } from "../../src/evaluate/decide.js";
import { requestFields, type PolicyRequest } from "../../src/evaluate/request-fields.js";
import type { PolicyIR } from "../../src/model/policy-ir.js";
import type { StackConfig } from "../../src/model/stack.js";
import type { ZonePlan } from "../../src/model/zone-plan.js";
import { parseStackConfig } from "../../src/stack/parse-stack-config.js";

/** A project as text: policy files by path (`policies/<name>.yaml`). */
export type ProjectFiles = ReadonlyMap<string, string>;

/** What `validate` says about a project. */
export interface Validated {
  diagnostics: Diagnostic[];
  policies: PolicyIR[];
}

/** What `compile` makes of a project: the zones' plans, or the diagnostics that stopped it. */
export interface Compiled {
  diagnostics: Diagnostic[];
  plans: ZonePlan[];
}

/** Reads a stack's config (the `config:` map of `Pulumi.<stack>.yaml`) as `validate --stack` does. */
export function readStack(name: string, config: Record<string, unknown>): { stack?: StackConfig; diagnostics: Diagnostic[] } {
  const parsed = parseStackConfig(name, config);
  return parsed.config ? { stack: parsed.config, diagnostics: parsed.diagnostics } : { diagnostics: parsed.diagnostics };
}

/** `bot-policy validate [--stack]`: every checking stage, then compile itself without output (as the CLI does). */
export function validateProject(files: ProjectFiles, stack: StackConfig | undefined, now: Date): Validated {
  const { diagnostics, policies } = compileProject({ files, now, ...(stack ? { stack } : {}) });
  return { diagnostics, policies };
}

/** `bot-policy compile [--stack]`: validate, then compile every zone of the stack (or every zone named, as Enterprise). */
export function compileProjectText(files: ProjectFiles, stack: StackConfig | undefined, now: Date): Compiled {
  return compileProject({ files, now, ...(stack ? { stack } : {}) });
}

/** The text `bot-policy plan` prints (pretty and `--format json`). */
export function printPlans(plans: readonly ZonePlan[], stackName: string | undefined): string {
  const zones = plans.map((p) => ({ zone: p.zone, zoneId: p.zoneId, tier: p.tier, quota: p.quota, worker: p.worker !== undefined, rules: planRows(p) }));
  // Bundle sizes are left out: building a Worker per case would only measure esbuild.
  return `${formatPlans(plans, stackName, new Map())}\n${JSON.stringify({ stack: stackName ?? null, zones }, null, 2)}`;
}

/** The text `validate` prints, in every format, so a diagnostic that cannot be printed is caught too. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], files: ProjectFiles): string {
  return (["pretty", "json", "github", "sarif"] as const).map((format) => formatDiagnostics(diagnostics, format, files)).join("\n");
}

/** `bot-policy eval` on one zone: the decision for each request, or the error `eval` would print. */
export function zoneDecider(plan: ZonePlan): (request: PolicyRequest) => Decision | { error: string } {
  const program = compileZoneProgram(plan);
  return (request) => {
    const converted = requestFields(request);
    return "error" in converted ? converted : decide(program, converted.fields);
  };
}

/**
 * The one place the fuzzer calls the pipeline. The pipeline's API is changing (it becomes a pure
 * function over path → text, a stack and a date, returning a `CompiledProject`); until then this
 * adapter rebuilds `checkPolicies`/`compileProject` (src/compile/compile-project.ts) from text,
 * with the same stages in the same order, and never touches the disk. When the new API lands,
 * only this file changes.
 */
import { checkProject } from "../../src/check/check-project.js";
import { translateSchemaErrors } from "../../src/check/translate-schema-errors.js";
import { formatPlans, planRows } from "../../src/cli/plan-command.js";
import { defaultZones } from "../../src/compile/compile-project.js";
import { compileZone } from "../../src/compile/compile-zone.js";
import { hasErrors, makeDiagnostic } from "../../src/diagnostics/catalog.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatDiagnostics } from "../../src/diagnostics/format-diagnostics.js";
import { compileZoneEvaluator, type Decision } from "../../src/evaluate/evaluate-zone.js";
import { requestFields, type PolicyRequest } from "../../src/evaluate/request-fields.js";
import { parseYaml } from "../../src/load/parse-yaml.js";
import { lowerPolicy, type CheckedPolicy } from "../../src/lower/lower-policy.js";
import type { PolicyIR } from "../../src/model/policy-ir.js";
import type { RawPolicy } from "../../src/model/raw-policy.js";
import type { StackConfig } from "../../src/model/stack.js";
import type { ZonePlan } from "../../src/model/zone-plan.js";
import { compilePolicyValidator } from "../../src/schema/policy-validators.js";
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

/** `bot-policy validate [--stack]`: load, schema, project checks and lowering; stops at the first stage with errors. */
export function validateProject(files: ProjectFiles, stack: StackConfig | undefined, now: Date): Validated {
  const diagnostics: Diagnostic[] = [];
  const done = (policies: PolicyIR[] = []): Validated => ({ diagnostics, policies });
  const paths = [...files.keys()].filter((f) => /\.ya?ml$/.test(f) && !/\.test\.ya?ml$/.test(f)).sort();
  if (paths.length === 0) return { diagnostics: [makeDiagnostic("BP105", { file: "policies", line: 1, column: 1 }, "policies")], policies: [] };

  const validate = compilePolicyValidator();
  const loaded: CheckedPolicy[] = [];
  for (const file of paths) {
    const { source, diagnostics: found } = parseYaml(file, files.get(file)!);
    diagnostics.push(...found);
    if (!source) continue;
    if (validate(source.value)) loaded.push({ source, raw: source.value as RawPolicy });
    else diagnostics.push(...translateSchemaErrors(validate.errors ?? [], source, validate.schema as object));
  }
  if (hasErrors(diagnostics)) return done();

  diagnostics.push(...checkProject(loaded, stack));
  if (hasErrors(diagnostics)) return done();

  const policies: PolicyIR[] = [];
  for (const checked of loaded) {
    const lowered = lowerPolicy(checked, { now });
    diagnostics.push(...lowered.diagnostics);
    if (lowered.policy) policies.push(lowered.policy);
  }
  return hasErrors(diagnostics) ? done() : done(policies);
}

/** `bot-policy compile [--stack]`: validate, then compile every zone of the stack (or every zone named, as Enterprise). */
export function compileProjectText(files: ProjectFiles, stack: StackConfig | undefined, now: Date): Compiled {
  const validated = validateProject(files, stack, now);
  if (hasErrors(validated.diagnostics)) return { diagnostics: validated.diagnostics, plans: [] };
  const diagnostics = [...validated.diagnostics];
  const plans: ZonePlan[] = [];
  for (const zone of stack?.zones ?? defaultZones(validated.policies)) {
    const policies = validated.policies.filter((p) => p.zones.includes(zone.key));
    if (policies.length === 0) diagnostics.push(makeDiagnostic("BP405", { file: stack ? `Pulumi.${stack.name}.yaml` : "policies", line: 1, column: 1 }, zone.key));
    const compiled = compileZone(zone, policies, stack?.mode);
    diagnostics.push(...compiled.diagnostics);
    if (compiled.plan) plans.push(compiled.plan);
  }
  return { diagnostics, plans: hasErrors(diagnostics) ? [] : plans };
}

/** The text `bot-policy plan` prints (pretty and `--format json`). */
export function printPlans(plans: readonly ZonePlan[], stackName: string | undefined): string {
  const zones = plans.map((p) => ({ zone: p.zone, zoneId: p.zoneId, tier: p.tier, quota: p.quota, worker: p.worker !== undefined, rules: planRows(p) }));
  return `${formatPlans(plans, stackName)}\n${JSON.stringify({ stack: stackName ?? null, zones }, null, 2)}`;
}

/** The text `validate` prints, in every format, so a diagnostic that cannot be printed is caught too. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], files: ProjectFiles): string {
  return (["pretty", "json", "github"] as const).map((format) => formatDiagnostics(diagnostics, format, files)).join("\n");
}

/** `bot-policy eval` on one zone: the decision for each request, or the error `eval` would print. */
export function zoneDecider(plan: ZonePlan): (request: PolicyRequest) => Decision | { error: string } {
  const decide = compileZoneEvaluator(plan);
  return (request) => {
    const converted = requestFields(request);
    return "error" in converted ? converted : decide(converted.fields);
  };
}

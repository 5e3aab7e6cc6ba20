import { hasErrors, makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkProject } from "../check/check-project.js";
import { checkPolicySchema } from "../check/check-schema.js";
import { checkZones } from "./check-zones.js";
import { loadPolicies } from "../load/load-policies.js";
import { lowerPolicy } from "../lower/lower-policy.js";
import type { PolicyIR } from "../model/policy-ir.js";
import type { CompiledProject, ProjectInput } from "../model/project.js";
import type { StackZone } from "../model/stack.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { compileZone } from "./compile-zone.js";
import { runGuards } from "../guards/run-guards.js";
import { knownLists } from "../stack/known-lists.js";

/** The checked and lowered policies of a project, with everything reported on the way. */
export interface CheckedProject {
  policies: PolicyIR[];
  diagnostics: Diagnostic[];
}

/**
 * Loads, checks and lowers every policy of a project. Stages run in order and the pipeline stops
 * after the first stage that reports an error (later stages would only repeat the noise).
 */
export function checkPolicies(input: ProjectInput): CheckedProject {
  const diagnostics: Diagnostic[] = [];
  const failed = (): CheckedProject => ({ policies: [], diagnostics });

  const loaded = loadPolicies(input.files);
  diagnostics.push(...loaded.diagnostics);
  if (hasErrors(diagnostics)) return failed();

  const checked = checkPolicySchema(loaded.sources);
  diagnostics.push(...checked.diagnostics);
  if (hasErrors(diagnostics)) return failed();

  diagnostics.push(...checkProject(checked.policies, input.stack));
  if (hasErrors(diagnostics)) return failed();

  const policies: PolicyIR[] = [];
  const lists = knownLists(input.files, input.stack);
  diagnostics.push(...lists.diagnostics);
  for (const policy of checked.policies) {
    const lowered = lowerPolicy(policy, { now: input.now, lists: lists.lists });
    diagnostics.push(...lowered.diagnostics);
    if (lowered.policy) policies.push(lowered.policy);
  }
  if (!hasErrors(diagnostics)) diagnostics.push(...checkZones(policies, input.stack));
  // Guards (src/guards): findings beyond validity, so validate and compile report the same.
  if (!hasErrors(diagnostics)) {
    const planZone = (zone: StackZone, zonePolicies: readonly PolicyIR[]) => compileZone(zone, zonePolicies, input.stack?.mode).plan;
    diagnostics.push(...runGuards({ policies, checked: checked.policies, files: input.files, ...(input.stack ? { stack: input.stack } : {}), now: input.now, planZone }));
  }
  return hasErrors(diagnostics) ? failed() : { policies, diagnostics };
}

/** The zones compiled when no stack is chosen: every zone a policy names, as Enterprise. */
export function defaultZones(policies: readonly PolicyIR[]): StackZone[] {
  const keys = [...new Set(policies.flatMap((p) => p.zones))].sort();
  return keys.map((key) => ({ key, zoneId: "", plan: "enterprise", routes: [] }));
}

/**
 * Compiles a whole project for a stack (or, without one, for every zone in enforce mode): a pure
 * function of the files, the stack and the date.
 */
export function compileProject(input: ProjectInput): CompiledProject {
  const stack = input.stack?.name ?? null;
  const checked = checkPolicies(input);
  if (hasErrors(checked.diagnostics)) return { stack, policies: [], plans: [], diagnostics: checked.diagnostics };
  const diagnostics = [...checked.diagnostics];
  const zones = input.stack?.zones ?? defaultZones(checked.policies);
  const plans: ZonePlan[] = [];
  for (const zone of zones) {
    const policies = checked.policies.filter((p) => p.zones.includes(zone.key));
    if (policies.length === 0) {
      diagnostics.push(makeDiagnostic("BP405", { file: input.stack ? `Pulumi.${input.stack.name}.yaml` : "policies", line: 1, column: 1 }, zone.key));
    }
    const compiled = compileZone(zone, policies, input.stack?.mode);
    diagnostics.push(...compiled.diagnostics);
    if (compiled.plan) plans.push(compiled.plan);
  }
  const ok = !hasErrors(diagnostics);
  return { stack, policies: ok ? checked.policies : [], plans: ok ? plans : [], diagnostics };
}

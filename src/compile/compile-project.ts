import { hasErrors } from "../diagnostics/catalog.js";
import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkProject } from "../check/check-project.js";
import { checkZones } from "../check/check-zones.js";
import { loadPolicies, type SourceTexts } from "../load/load-policies.js";
import { lowerPolicy } from "../lower/lower-policy.js";
import type { PolicyIR } from "../model/policy-ir.js";
import type { StackConfig, StackZone } from "../model/stack.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { compileZone } from "./compile-zone.js";

/** What the pipeline reads: the project folder, an optional stack, and the date for expiries. */
export interface ProjectOptions {
  dir: string;
  stack?: StackConfig;
  now?: Date;
}

/** The checked and lowered policies of a project, with everything reported on the way. */
export interface CheckedProject {
  policies: PolicyIR[];
  diagnostics: Diagnostic[];
  sources: SourceTexts;
}

/**
 * Loads, checks and lowers every policy of a project. Stages run in order and the pipeline stops
 * after the first stage that reports an error (later stages would only repeat the noise).
 */
export function checkPolicies(options: ProjectOptions): CheckedProject {
  const now = options.now ?? new Date();
  const loaded = loadPolicies(options.dir);
  const diagnostics = [...loaded.diagnostics];
  const done = (policies: PolicyIR[] = []): CheckedProject => ({ policies, diagnostics, sources: loaded.sources });
  if (hasErrors(diagnostics)) return done();

  diagnostics.push(...checkProject(loaded.policies, options.stack));
  if (hasErrors(diagnostics)) return done();

  const policies: PolicyIR[] = [];
  for (const checked of loaded.policies) {
    const lowered = lowerPolicy(checked, { now });
    diagnostics.push(...lowered.diagnostics);
    if (lowered.policy) policies.push(lowered.policy);
  }
  if (!hasErrors(diagnostics)) diagnostics.push(...checkZones(policies, options.stack));
  return hasErrors(diagnostics) ? done() : done(policies);
}

/** The zones compiled when no stack is chosen: every zone a policy names, as Enterprise. */
export function defaultZones(policies: readonly PolicyIR[]): StackZone[] {
  const keys = [...new Set(policies.flatMap((p) => p.zones))].sort();
  return keys.map((key) => ({ key, zoneId: "", plan: "enterprise", routes: [] }));
}

/** Compiles a whole project for a stack (or, without one, for every zone in enforce mode). */
export function compileProject(options: ProjectOptions): CheckedProject & { plans: ZonePlan[] } {
  const checked = checkPolicies(options);
  if (hasErrors(checked.diagnostics)) return { ...checked, plans: [] };
  const diagnostics = [...checked.diagnostics];
  const zones = options.stack?.zones ?? defaultZones(checked.policies);
  const plans: ZonePlan[] = [];
  for (const zone of zones) {
    const policies = checked.policies.filter((p) => p.zones.includes(zone.key));
    if (policies.length === 0) {
      diagnostics.push(makeDiagnostic("BP405", { file: options.stack ? `Pulumi.${options.stack.name}.yaml` : "policies", line: 1, column: 1 }, zone.key));
    }
    const compiled = compileZone(zone, policies, options.stack?.mode);
    diagnostics.push(...compiled.diagnostics);
    if (compiled.plan) plans.push(compiled.plan);
  }
  return { ...checked, diagnostics, plans: hasErrors(diagnostics) ? [] : plans };
}

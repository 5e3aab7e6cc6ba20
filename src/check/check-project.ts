import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate } from "../load/parse-yaml.js";
import type { CheckedPolicy } from "./check-schema.js";
import type { StackConfig } from "../model/stack.js";

/**
 * Checks what no single file can: policy ids are unique across files, and (with a stack) every
 * zone a policy names is defined by the stack.
 */
export function checkProject(policies: readonly CheckedPolicy[], stack?: StackConfig): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const owners = new Map<string, string>();
  for (const { source, raw } of policies) {
    const owner = owners.get(raw.policy);
    if (owner !== undefined) diagnostics.push(makeDiagnostic("BP301", locate(source, ["policy"]), raw.policy, `'${owner}'`));
    else owners.set(raw.policy, source.file);
    if (!stack) continue;
    const known = stack.zones.map((z) => z.key);
    raw.zones.forEach((zone, i) => {
      if (!known.includes(zone)) {
        const list = known.length === 0 ? "no zones" : `zones ${known.map((k) => `'${k}'`).join(", ")}`;
        diagnostics.push(makeDiagnostic("BP316", locate(source, ["zones", i]), zone, stack.name, list));
      }
    });
  }
  return diagnostics;
}

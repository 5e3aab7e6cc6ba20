import type { WorkerPolicy } from "../model/zone-plan.js";

/** The Worker's bindings: the Risk Intelligence API key, a secret, when a policy uses `risk`. */
export interface Env {
  RISK_API_KEY?: string;
}

/**
 * The Worker for one zone's compiled policy. The bundle's generated entry module calls this with
 * the policy embedded as a literal, so the policy needs no binding (a JSON binding holds 5 KB).
 */
export function createWorker(policy: WorkerPolicy): ExportedHandler<Env> {
  void policy;
  return {
    fetch: (request) => fetch(request),
  } satisfies ExportedHandler<Env>;
}

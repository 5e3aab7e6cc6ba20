import type { WorkerPolicy } from "../model/zone-plan.js";
import { compileWorker, type CompiledWorker } from "./compile-worker.js";
import { DECISION_HEADER, handleRequest, type Env } from "./handle-request.js";

/**
 * The Worker for one zone's compiled policy. The bundle's generated entry module calls this with
 * the policy embedded as a literal, so the policy needs no binding (a JSON binding holds 5 KB).
 *
 * The Worker never breaks the site: a policy it cannot load, or any error while deciding, sends
 * the request to the origin unchanged (fail open) and logs one line.
 */
export function createWorker(policy: WorkerPolicy): ExportedHandler<Env> {
  let worker: CompiledWorker | undefined;
  let loadError: string | undefined;
  try {
    worker = compileWorker(policy);
  } catch (error) {
    loadError = describe(error);
  }
  return {
    async fetch(request, env, ctx) {
      if (worker === undefined) {
        console.error(`bot-policy: the policy could not be loaded (${loadError}); request forwarded unchanged`);
        return fetch(request);
      }
      let verdict;
      try {
        verdict = await handleRequest(request, env, ctx, worker);
      } catch (error) {
        console.error(`bot-policy: internal error (${describe(error)}); request forwarded unchanged`);
        return fetch(request);
      }
      if (env.BOT_POLICY_TRACE === undefined) return "respond" in verdict ? verdict.respond : fetch(verdict.forward);
      const response = "respond" in verdict ? verdict.respond : await fetch(verdict.forward);
      const traced = new Response(response.body, response);
      traced.headers.set(DECISION_HEADER, JSON.stringify(verdict.decision));
      return traced;
    },
  } satisfies ExportedHandler<Env>;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

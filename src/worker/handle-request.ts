import { decide, decideOnError, type Decision } from "../evaluate/decide.js";
import { requestFields } from "../evaluate/request-fields.js";
import type { FieldValues } from "../rules/compile-evaluator.js";
import type { CompiledRisk, CompiledWorker } from "./compile-worker.js";
import { readJa4Signals, readRequestFields } from "./read-request.js";
import { readRiskToken } from "./read-risk-token.js";
import type { RequestCf } from "./request-cf.js";
import { readCachedRisk, riskCacheKey, storeCachedRisk } from "./risk-cache.js";
import { retrieveRisk, type RiskResult } from "./retrieve-risk.js";

/** The Worker's bindings: the Risk Intelligence API key, a secret, when a policy uses `risk`. */
export interface Env {
  RISK_API_KEY?: string;
  /**
   * Set (to any text) only where bot-policy itself runs the Worker (`test --runtime workerd`): the
   * response then carries the decision in `x-bot-policy-decision`, so a test can name the rule
   * that decided. Never set by the deployment; clients cannot set a binding.
   */
  BOT_POLICY_TRACE?: string;
}

/** The response header that carries the decision when `BOT_POLICY_TRACE` is bound. */
export const DECISION_HEADER = "x-bot-policy-decision";

/** The header that tells the origin which observe-mode rules matched. */
export const OBSERVED_HEADER = "x-bot-policy-observed";

/** What the Worker does with a request: answer it (a block), or send this request to the origin; and why. */
export type Verdict = ({ respond: Response } | { forward: Request }) & { decision: Decision };

/**
 * Decides one request and says what to do with it. Risk Intelligence is retrieved only when the
 * decision depends on it (three-valued evaluation with `risk.*` unknown), or when an origin
 * header forwards it and the request carries a token.
 */
export async function handleRequest(request: Request, env: Env, ctx: ExecutionContext, worker: CompiledWorker): Promise<Verdict> {
  const cf = request.cf as RequestCf | undefined;
  const fields = readRequestFields(request, cf, worker.reader);
  let decision: Decision;
  let risk: Record<string, unknown> | undefined;
  if (worker.risk === undefined) {
    decision = decide(worker.program, fields, "worker");
  } else {
    const first = decide(worker.risk.partial, fields, "worker");
    const token = first.action === "unknown" || worker.risk.forwarded ? await readRiskToken(request, worker.risk.settings.token) : undefined;
    if (first.action !== "unknown" && token === undefined) {
      decision = first;
    } else {
      const result = token === undefined ? { ok: false as const, reason: "no token in the request" } : withRiskFields(await riskFor(token, worker.risk, env, ctx));
      if (result.ok) {
        risk = result.risk;
        decision = decide(worker.program, { ...fields, ...result.fields }, "worker");
      } else {
        console.log(`bot-policy: Risk Intelligence unavailable (${result.reason}); on_error: ${worker.risk.settings.onError}`);
        decision = first.action === "unknown" ? decideOnError(worker.program, first, fields, worker.risk.settings.onError) : first;
      }
    }
  }
  if (decision.logged.length > 0) console.log(`bot-policy: matched ${decision.logged.join(", ")} (${decision.action})`);
  if (decision.action === "block" && decision.rule !== null) return { respond: blockResponse(worker, decision.rule), decision };
  return { forward: forwardedRequest(request, cf, worker, decision, risk), decision };
}


/**
 * The vendor's object read into `risk.*` fields the way test requests' `risk` is read, so the
 * Worker and `bot-policy test` see the same fields. Data that cannot be read is a failure.
 */
function withRiskFields(result: RiskResult): { ok: true; risk: Record<string, unknown>; fields: FieldValues } | { ok: false; reason: string } {
  if (!result.ok) return result;
  const read = requestFields({ risk: result.risk });
  if ("error" in read) return { ok: false, reason: `unexpected Risk Intelligence data: ${read.error}` };
  return { ok: true, risk: result.risk, fields: read.fields };
}

/** A token's Risk Intelligence from the cache, or from the vendor (then cached until it expires). */
async function riskFor(token: string, risk: CompiledRisk, env: Env, ctx: ExecutionContext): Promise<RiskResult> {
  let key: string | undefined;
  try {
    key = await riskCacheKey(token, risk.settings);
    const cached = await readCachedRisk(key);
    if (cached !== undefined) return { ok: true, risk: cached, expiresAt: undefined };
  } catch (error) {
    // A cache that fails is a cache miss, not a failure of the request.
    console.log(`bot-policy: Risk Intelligence cache unavailable (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = await retrieveRisk(token, risk.settings, env.RISK_API_KEY);
  if (result.ok && key !== undefined) ctx.waitUntil(storeCachedRisk(key, result.risk, result.expiresAt, Date.now()).catch(() => undefined));
  return result;
}

function blockResponse(worker: CompiledWorker, rule: string): Response {
  const response = worker.responses.get(rule);
  if (response === undefined) return new Response("Forbidden", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  return new Response(response.body, { status: response.status, headers: { "content-type": response.contentType } });
}

/**
 * The request the origin receives: the original, with the worker fields' origin headers and the
 * observe marker set. Headers of those names sent by the client are removed first, so the origin
 * can trust them.
 */
function forwardedRequest(request: Request, cf: RequestCf | undefined, worker: CompiledWorker, decision: Decision, risk: Record<string, unknown> | undefined): Request {
  const observed = decision.logged.filter((rule) => worker.observed.has(rule));
  const values = new Map<string, string | undefined>();
  for (const header of worker.originHeaders) {
    const value = header.field === "ja4_signals" ? readJa4Signals(cf) : header.field === "risk" ? risk : undefined;
    values.set(header.name, value === undefined ? undefined : JSON.stringify(value));
  }
  values.set(OBSERVED_HEADER, observed.length > 0 ? observed.join(", ") : undefined);
  const unchanged = [...values].every(([name, value]) => value === undefined && !request.headers.has(name));
  if (unchanged) return request;
  const headers = new Headers(request.headers);
  for (const [name, value] of values) {
    if (value === undefined) headers.delete(name);
    else headers.set(name, value);
  }
  return new Request(request, { headers });
}

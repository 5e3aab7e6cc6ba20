import type { RiskIntelligenceIR } from "../model/policy-ir.js";

/** The one method pair of the Cache API the Worker uses. */
interface RiskCacheStore {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
}

/** Data kept no longer than this, whatever the vendor says (tokens live 5–15 minutes). */
const MAX_CACHE_SECONDS = 3600;

/**
 * The cache key of a token's Risk Intelligence: a hash of endpoint, sitekey and token (the token
 * itself never becomes a URL), under a host no visitor can request.
 */
export async function riskCacheKey(token: string, settings: RiskIntelligenceIR): Promise<string> {
  const input = new TextEncoder().encode(`${settings.endpoint}\n${settings.sitekey ?? ""}\n${token}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `https://risk-intelligence.bot-policy.invalid/v1/${hex}`;
}

/** A token's cached Risk Intelligence, if the runtime has a cache and holds it. */
export async function readCachedRisk(key: string): Promise<Record<string, unknown> | undefined> {
  const cache = defaultCache();
  if (cache === undefined) return undefined;
  const response = await cache.match(key);
  if (response === undefined) return undefined;
  const risk: unknown = await response.json();
  return risk !== null && typeof risk === "object" && !Array.isArray(risk) ? (risk as Record<string, unknown>) : undefined;
}

/** Keeps a token's Risk Intelligence until the token expires; nothing without an expiry. */
export async function storeCachedRisk(key: string, risk: Record<string, unknown>, expiresAt: number | undefined, now: number): Promise<void> {
  const cache = defaultCache();
  if (cache === undefined || expiresAt === undefined) return;
  const seconds = Math.min(MAX_CACHE_SECONDS, Math.floor((expiresAt - now) / 1000));
  if (seconds <= 0) return;
  await cache.put(key, new Response(JSON.stringify(risk), { headers: { "content-type": "application/json", "cache-control": `max-age=${seconds}` } }));
}

function defaultCache(): RiskCacheStore | undefined {
  // The Cache API exists in workerd; elsewhere (or when disabled) the Worker simply asks again.
  const caches = (globalThis as { caches?: { default?: RiskCacheStore } }).caches;
  return caches?.default;
}

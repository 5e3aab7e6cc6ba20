import type { RiskIntelligenceIR } from "../model/policy-ir.js";

/** What the vendor said about a token: the Risk Intelligence object, or why there is none. */
export type RiskResult =
  | { ok: true; risk: Record<string, unknown>; /** Epoch ms after which the data may not be reused. */ expiresAt: number | undefined }
  | { ok: false; reason: string };

/** The vendor's retrieve endpoint for a region (PLATFORM.md §6). */
export function retrieveUrl(endpoint: RiskIntelligenceIR["endpoint"]): string {
  return `https://${endpoint}.frcapi.com/api/v2/riskIntelligence/retrieve`;
}

/**
 * Asks Friendly Captcha for a token's Risk Intelligence. Success is `success: true` with a
 * `risk_intelligence` object in a 2xx answer; everything else — timeout, network error, an
 * error code (`token_invalid` and `token_expired` come with HTTP 200), 4xx/5xx, HTML, malformed
 * JSON — is a failure with a short reason, never an exception.
 */
export async function retrieveRisk(token: string, settings: RiskIntelligenceIR, apiKey: string | undefined): Promise<RiskResult> {
  if (apiKey === undefined || apiKey === "") return { ok: false, reason: "no RISK_API_KEY secret" };
  const body: Record<string, string> = { token };
  if (settings.sitekey !== undefined) body.sitekey = settings.sitekey;
  let status: number;
  let text: string;
  try {
    const response = await fetch(retrieveUrl(settings.endpoint), {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      // The timeout covers reading the answer too: the signal aborts the body stream.
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    return { ok: false, reason: name === "TimeoutError" || name === "AbortError" ? `timeout after ${settings.timeoutMs} ms` : `network error: ${describe(error)}` };
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, reason: `HTTP ${status} without a JSON body` };
  }
  const object = asObject(answer);
  if (object?.success !== true) {
    const code = asObject(object?.error)?.error_code;
    return { ok: false, reason: typeof code === "string" ? `${code} (HTTP ${status})` : `HTTP ${status} without success` };
  }
  if (status < 200 || status > 299) return { ok: false, reason: `HTTP ${status}` };
  const data = asObject(object.data);
  const risk = asObject(data?.risk_intelligence);
  if (risk === undefined) return { ok: false, reason: "no risk_intelligence in the answer" };
  const expires = asObject(data?.token)?.expires_at;
  const expiresAt = typeof expires === "string" ? Date.parse(expires) : Number.NaN;
  return { ok: true, risk, expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

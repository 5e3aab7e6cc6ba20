import type * as CloudflareSdk from "cloudflare";
import type { PhaseUpdateParams } from "cloudflare/resources/rulesets/phases/phases";
import type { RulesetBody, ZonePlan } from "../model/zone-plan.js";

/** One compiled entry-point ruleset, as `verify` sends it: the body `compile` writes, for one zone. */
export interface RulesetToVerify {
  zone: string;
  zoneId: string;
  body: RulesetBody;
}

/** An item of the API's `errors` or `messages` list; `pointer` is where in the body it points (`/rules/3/expression`). */
export interface ApiMessage {
  code: string;
  message: string;
  pointer?: string;
}

/**
 * Cloudflare's verdict on one ruleset: accepted (with any messages the answer carried), rejected
 * with the API's errors, or not verified because no usable answer came (network, an answer
 * without an error list).
 */
export type RulesetVerdict =
  | { kind: "accepted"; messages: ApiMessage[] }
  | { kind: "rejected"; status: number; errors: ApiMessage[] }
  | { kind: "failed"; reason: string };

/** A ruleset with Cloudflare's verdict on it. */
export interface VerifiedRuleset extends RulesetToVerify {
  verdict: RulesetVerdict;
}

/** How to reach the rulesets API. */
export interface VerifyOptions {
  apiToken: string;
  /** The API's address (`…/client/v4`); unset: the SDK's own default. */
  baseURL?: string;
  /** Retries of a request the SDK deems retryable (408, 409, 429, 5xx, no answer); default 2. */
  maxRetries?: number;
  /** How long to wait for one answer, in milliseconds; default 30 seconds. */
  timeoutMs?: number;
}

/** The rulesets a stack's plans deploy, in the order `compile` writes them: per zone, WAF custom rules then transforms. */
export function rulesetsOf(plans: readonly ZonePlan[]): RulesetToVerify[] {
  return plans.flatMap((plan) => [plan.firewallCustom, ...(plan.lateTransform ? [plan.lateTransform] : [])].map((body) => ({ zone: plan.zone, zoneId: plan.zoneId, body })));
}

/**
 * Sends each ruleset to its zone's phase entry point with `PUT …/rulesets/phases/<phase>/entrypoint
 * ?dry_run=true`: Cloudflare runs the validation of a real deploy (syntax, fields, plan
 * entitlements, quotas, permissions) and saves nothing. One request at a time, so that the
 * verdicts come in a fixed order and a rate limit is not provoked.
 */
export async function verifyRulesets(rulesets: readonly RulesetToVerify[], options: VerifyOptions): Promise<VerifiedRuleset[]> {
  // Loaded here, not at the top: the SDK takes a noticeable time to load and only `verify` needs it.
  const sdk = await import("cloudflare");
  const client = new sdk.Cloudflare({
    apiToken: options.apiToken,
    // The SDK would also read these from the environment and send them as extra credentials.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    timeout: options.timeoutMs ?? 30_000,
  });
  const verified: VerifiedRuleset[] = [];
  for (const ruleset of rulesets) verified.push({ ...ruleset, verdict: await verifyOne(sdk, client, ruleset) });
  return verified;
}

async function verifyOne(sdk: typeof CloudflareSdk, client: CloudflareSdk.Cloudflare, { zoneId, body }: RulesetToVerify): Promise<RulesetVerdict> {
  // The documented body of an entry-point update is its name, description and rules: `kind` and
  // `phase` are implied by the address. The SDK types rules as a union per action; `RulesetRule` is
  // one type for the few actions bot-policy emits.
  const { name, description, rules } = body;
  const params = { zone_id: zoneId, dry_run: true, name, description, rules: rules as PhaseUpdateParams["rules"] };
  let response: Response;
  try {
    // The raw answer, not the unwrapped `result`: a dry run's result is null, and the envelope's
    // `success` and `messages` are the verdict.
    response = await client.rulesets.phases.update(body.phase, params).asResponse();
  } catch (error) {
    return verdictOfError(sdk, error, client.baseURL);
  }
  const text = await response.text();
  if (text.trim() === "") return { kind: "accepted", messages: [] };
  const envelope = parseEnvelope(text);
  if (envelope === undefined) return { kind: "failed", reason: `the API answered HTTP ${response.status} with a body that is not its JSON envelope: ${excerpt(text)}` };
  if (envelope.success === false) {
    const errors = apiMessages(envelope.errors);
    return errors.length > 0 ? { kind: "rejected", status: response.status, errors } : { kind: "failed", reason: `the API answered 'success: false' without errors (HTTP ${response.status})` };
  }
  return { kind: "accepted", messages: apiMessages(envelope.messages) };
}

/** The SDK throws for an HTTP error status and for a request that got no answer. */
function verdictOfError({ APIConnectionError, APIConnectionTimeoutError, APIError }: typeof CloudflareSdk, error: unknown, baseURL: string): RulesetVerdict {
  if (error instanceof APIConnectionTimeoutError) return { kind: "failed", reason: `the rulesets API at '${baseURL}' did not answer in time` };
  if (error instanceof APIConnectionError) return { kind: "failed", reason: `cannot reach the rulesets API at '${baseURL}': ${causeOf(error)}` };
  if (error instanceof APIError && error.status !== undefined) {
    const errors = apiMessages((error.error as { errors?: unknown } | undefined)?.errors);
    if (errors.length > 0) return { kind: "rejected", status: error.status, errors };
    // The SDK's message is "<status> <body>"; the status is said already.
    const body = error.message.startsWith(`${error.status} `) ? error.message.slice(`${error.status} `.length) : error.message;
    return { kind: "failed", reason: `the API answered HTTP ${error.status} without an error list: ${excerpt(body)}` };
  }
  throw error;
}

function causeOf(error: Error): string {
  const cause = error.cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? ((cause as { cause?: NodeJS.ErrnoException } | undefined)?.cause?.code);
  return code ?? (cause instanceof Error ? cause.message : error.message);
}

interface Envelope {
  success?: unknown;
  errors?: unknown;
  messages?: unknown;
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

/** The API's `errors` or `messages` list, items that are not `{ code, message }` skipped. */
function apiMessages(list: unknown): ApiMessage[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { code, message, source } = item as { code?: unknown; message?: unknown; source?: { pointer?: unknown } };
    if (typeof message !== "string" && typeof code !== "number" && typeof code !== "string") return [];
    const found: ApiMessage = { code: code === undefined ? "?" : String(code), message: typeof message === "string" ? message : "" };
    if (typeof source?.pointer === "string") found.pointer = source.pointer;
    return [found];
  });
}

/** One line of at most 200 characters: an error page may be long HTML. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

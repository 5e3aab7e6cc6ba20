import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { sortDiagnostics, type DiagnosticFormat } from "../diagnostics/format-diagnostics.js";
import { compileProject } from "../compile/compile-project.js";
import { checkStackOwnsZones } from "../stack/check-stack-zones.js";
import { verdictDiagnostics } from "../verify/verdict-diagnostics.js";
import { rulesetsOf, verifyRulesets, type VerifiedRuleset } from "../verify/verify-rulesets.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { resolveProject, type ProjectFlags } from "./project-context.js";
import { plural } from "./validate-command.js";

/** Options of `verify`: the stack is required, since only a stack gives the zone ids. */
export interface VerifyFlags extends ProjectFlags {
  stack: string;
  format: DiagnosticFormat;
  /** The rulesets API's address (`…/client/v4`); overrides `CLOUDFLARE_API_BASE_URL`. */
  apiBase?: string;
}

/**
 * `bot-policy verify --stack S`: compiles the project for the stack, then asks Cloudflare's
 * rulesets API to validate each zone's entry-point rulesets in a dry run (nothing is saved), and
 * reports the verdict per zone and phase. The token comes from `CLOUDFLARE_API_TOKEN`; without it
 * nothing is sent and the exit code is 2.
 */
export async function verifyCommand(flags: VerifyFlags, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const apiToken = env.CLOUDFLARE_API_TOKEN;
  if (apiToken === undefined || apiToken.trim() === "") {
    throw new UsageError("CLOUDFLARE_API_TOKEN is not set: set it to a Cloudflare API token that may edit the zones' WAF and transform rules; nothing was sent.");
  }
  const baseURL = apiBase(flags.apiBase ?? nonEmpty(env.CLOUDFLARE_API_BASE_URL));

  const project = resolveProject(flags);
  // Verifying what this stack would deploy makes no sense while another stack owns one of its zones.
  const diagnostics = [...project.diagnostics, ...checkStackOwnsZones(project.files, flags.stack)];
  const compiled = hasErrors(diagnostics) ? undefined : compileProject(project);
  diagnostics.push(...(compiled?.diagnostics ?? []));
  if (compiled === undefined || hasErrors(diagnostics)) {
    report(io, flags, diagnostics, [], project.files);
    io.stderr("bot-policy: the project does not compile for this stack: nothing was sent to Cloudflare.\n");
    return EXIT.findings;
  }

  const verified = await verifyRulesets(rulesetsOf(compiled.plans), { apiToken, ...(baseURL !== undefined ? { baseURL } : {}) });
  diagnostics.push(...verdictDiagnostics(verified, compiled.plans, project.files, flags.stack));
  report(io, flags, diagnostics, verified, project.files);
  return hasErrors(diagnostics) ? EXIT.findings : EXIT.ok;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

/** The API address must be an http(s) URL: anything else is a mistake in the command line. */
function apiBase(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`The rulesets API address '${text}' is not a URL (expected something like 'http://127.0.0.1:8787/client/v4').`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`The rulesets API address '${text}' must start with http:// or https://.`);
  return text.replace(/\/+$/, "");
}

/**
 * Prints the diagnostics in the chosen format and one line per zone and phase. JSON carries the
 * verdicts in the document; SARIF must stay a pure SARIF file on stdout, so its lines go to stderr.
 */
function report(io: Io, flags: VerifyFlags, diagnostics: readonly Diagnostic[], verified: readonly VerifiedRuleset[], sources: ReadonlyMap<string, string>): void {
  if (flags.format === "json") {
    io.stdout(`${JSON.stringify({ stack: flags.stack, rulesets: verified.map(verdictJson), diagnostics: sortDiagnostics(diagnostics) }, null, 2)}\n`);
    return;
  }
  reportDiagnostics(io, diagnostics, flags.format, sources);
  if (verified.length === 0) return;
  const lines = [...verified.map(verdictLine), summaryLine(verified, flags.stack)].join("\n");
  if (flags.format === "sarif") io.stderr(`${lines}\n`);
  else io.stdout(`${lines}\n`);
}

function verdictLine({ zone, body, verdict }: VerifiedRuleset): string {
  const where = `${zone} ${body.phase} (${body.rules.length} ${plural(body.rules.length, "rule", "rules")})`;
  if (verdict.kind === "accepted") return `${where}: accepted by Cloudflare`;
  if (verdict.kind === "rejected") return `${where}: rejected by Cloudflare, ${verdict.errors.length} ${plural(verdict.errors.length, "error", "errors")} (HTTP ${verdict.status})`;
  return `${where}: not verified, ${verdict.reason}`;
}

function summaryLine(verified: readonly VerifiedRuleset[], stack: string): string {
  const accepted = verified.filter((ruleset) => ruleset.verdict.kind === "accepted").length;
  return `Cloudflare accepts ${accepted} of ${verified.length} ${plural(verified.length, "ruleset", "rulesets")} of stack '${stack}' (dry run: nothing was saved).`;
}

function verdictJson({ zone, zoneId, body, verdict }: VerifiedRuleset): Record<string, unknown> {
  const common = { zone, zoneId, phase: body.phase, rules: body.rules.length, verdict: verdict.kind };
  if (verdict.kind === "accepted") return { ...common, messages: verdict.messages };
  if (verdict.kind === "rejected") return { ...common, status: verdict.status, errors: verdict.errors };
  return { ...common, reason: verdict.reason };
}

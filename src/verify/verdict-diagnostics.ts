import { makeDiagnostic, withHint, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectFiles } from "../model/project.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { zoneIdPosition } from "../stack/check-stack-zones.js";
import { stackFileName } from "../stack/parse-stack-file.js";
import type { ApiMessage, VerifiedRuleset } from "./verify-rulesets.js";

/**
 * Cloudflare's verdicts as diagnostics: BP560 per error of a rejected ruleset, BP561 per ruleset
 * that got no usable answer, BP562 per message on an accepted one. An error whose `source.pointer`
 * names a rule (`/rules/3/expression`) points at the policy rule that rule was compiled from;
 * anything else at the zone's `zoneId` in the stack file, the one place that names the zone.
 */
export function verdictDiagnostics(verified: readonly VerifiedRuleset[], plans: readonly ZonePlan[], files: ProjectFiles, stack: string): Diagnostic[] {
  const stackFile = stackFileName(stack);
  const diagnostics: Diagnostic[] = [];
  for (const ruleset of verified) {
    const { zone, body, verdict } = ruleset;
    const plan = plans.find((candidate) => candidate.zone === zone);
    const zoneAt = (): Location => zoneIdPosition(files.get(stackFile) ?? "", stackFile, zone);
    // Located at the policy rule the item points at, else at the zone; the rule is named too.
    const place = (item: ApiMessage): [Location, string, string?] => {
      const origin = ruleOrigin(item.pointer, ruleset, plan);
      const detail = sentence(item.message === "" ? "(no message)" : item.message);
      return origin ? [origin.source, detail, origin.rule] : [zoneAt(), detail];
    };
    if (verdict.kind === "rejected") {
      for (const error of verdict.errors) {
        const [at, detail, rule] = place(error);
        const found = makeDiagnostic("BP560", at, body.phase, zone, error.code, detail, rule);
        diagnostics.push(withHint(found, verdict.status === 401 || verdict.status === 403 ? permissionHint(body.phase) : undefined));
      }
    } else if (verdict.kind === "failed") {
      diagnostics.push(makeDiagnostic("BP561", zoneAt(), body.phase, zone, verdict.reason));
    } else {
      for (const message of verdict.messages) {
        const [at, detail, rule] = place(message);
        diagnostics.push(makeDiagnostic("BP562", at, body.phase, zone, message.code, detail, rule));
      }
    }
  }
  return diagnostics;
}

/** The policy rule behind a pointer into the sent body (`/rules/<index>…`), if it names one. */
function ruleOrigin(pointer: string | undefined, ruleset: VerifiedRuleset, plan: ZonePlan | undefined): ZonePlan["origins"][string] | undefined {
  const index = pointer === undefined ? undefined : /^\/rules\/(\d+)(?:\/|$)/.exec(pointer)?.[1];
  if (index === undefined || plan === undefined) return undefined;
  const ref = ruleset.body.rules[Number(index)]?.ref;
  return ref === undefined ? undefined : plan.origins[ref];
}

function permissionHint(phase: string): string {
  const permission = phase === "http_request_late_transform" ? "Transform Rules" : "Zone WAF";
  return `a dry run checks the permissions of a deploy: give the token '${permission}: Edit' on this zone`;
}

/** Cloudflare's messages do not always end with a full stop; the catalog's messages do. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

import type { CheckedPolicy } from "../check/check-schema.js";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileZoneProgram, decide, type Decision, type ZoneProgram } from "../evaluate/decide.js";
import { unseenLists } from "../evaluate/unseen-lists.js";
import { requestFields } from "../evaluate/request-fields.js";
import { locate } from "../load/parse-yaml.js";
import { isTerminating } from "../lower/lower-policy.js";
import { effectiveMode, observedAction, orderPolicies } from "../lower/zone-policies.js";
import type { Action, PolicyIR, RuleIR } from "../model/policy-ir.js";
import type { ProjectFiles } from "../model/project.js";
import type { StackConfig, StackZone } from "../model/stack.js";
import type { ZonePlan } from "../model/zone-plan.js";
import type { Expr } from "../rules/ast.js";
import { listMembershipKey, type FieldValues } from "../rules/compile-evaluator.js";
import { expressionFields } from "../rules/expression-fields.js";
import { guardCodeList, isGuardCode, levelSeverity, readGuardSettings, type GuardCode, type GuardLevel } from "./guard-settings.js";
import { implies, impliesPrepared, isAlwaysTrue, mayImply, prepareCondition, requiredKey, type PreparedCondition } from "./implies.js";

/** What the guards read: the lowered policies, as written too (for sets), the stack and the date. */
export interface GuardInput {
  policies: readonly PolicyIR[];
  checked: readonly CheckedPolicy[];
  files: ProjectFiles;
  stack?: StackConfig;
  now: Date;
  /** Compiles one zone as `compile` does (passed in: the compile stage calls the guards). */
  planZone: (zone: StackZone, policies: readonly PolicyIR[]) => ZonePlan | undefined;
}

/** A guard finding before suppressions and levels: the rule it is about, when it is about one. */
interface Finding {
  /** Undefined for an error that is not a guard's (reported as is, never suppressed). */
  code?: GuardCode;
  diagnostic: Diagnostic;
  rule?: string;
}

const EXPIRY_WINDOW_DAYS = 14;
/** Guards that look at what a rule does in the zone, which observe mode changes. */
const MODE_DEPENDENT: ReadonlySet<GuardCode> = new Set(["BP601", "BP602", "BP603", "BP606", "BP614"]);
const VERIFIED_BOT: Expr = { kind: "field", name: "cf.bot_management.verified_bot" };
const NOT_VERIFIED_BOT: Expr = { kind: "not", operand: VERIFIED_BOT };
const FINGERPRINT_FIELDS = new Map([
  ["cf.bot_management.ja3_hash", "ja3"],
  ["cf.bot_management.ja4", "ja4"],
]);

/**
 * Runs the guards (DESIGN.md "Guards") on the zones the pipeline compiles — the stack's, or
 * without one every zone a policy names, in the policies' own modes — then applies the rules'
 * suppressions and the project's levels. Never throws on valid input: the guards only read.
 */
export function runGuards(input: GuardInput): Diagnostic[] {
  const settings = readGuardSettings(input.files);
  const findings: Finding[] = [];
  const zones = input.stack?.zones ?? defaultZones(input.policies);
  for (const zone of zones) {
    const ordered = orderPolicies(input.policies.filter((p) => p.zones.includes(zone.key)));
    const rules = runOrder(ordered, input.stack);
    findings.push(...unreachableRules(rules), ...lockOuts(rules), ...verifiedBotRisks(rules));
    findings.push(...protectViolations(zone, ordered, input));
  }
  for (const policy of input.policies) findings.push(...fingerprintSkips(policy));
  findings.push(...expiringItems(input));
  // In observe mode nothing blocks, so the mode-dependent guards find nothing: their suppressions
  // are kept for enforce mode, not reported unused.
  const observed = new Set(input.policies.filter((p) => effectiveMode(p, input.stack?.mode) === "observe").flatMap((p) => p.rules.map((r) => r.ref)));
  return [...settings.diagnostics, ...applySuppressions(dedupe(findings), input.policies, settings.levels, observed)];
}

/** An enabled rule of a zone, with the action it takes there (observe mode turns terminating into `log`). */
interface ZoneRule {
  rule: RuleIR;
  action: Action;
}

/** A zone's enabled rules in the order requests meet them: Cloudflare's rulesets, then the Worker. */
function runOrder(ordered: readonly PolicyIR[], stack: StackConfig | undefined): ZoneRule[] {
  const rules = ordered.flatMap((policy) => policy.rules.filter((r) => r.enabled).map((rule) => ({ rule, action: observedAction(rule.action, effectiveMode(policy, stack?.mode)) })));
  return [...rules.filter((r) => r.rule.stage === "edge"), ...rules.filter((r) => r.rule.stage === "worker")];
}

function endsEvaluation(action: Action): boolean {
  return isTerminating(action) || action === "skip";
}

/**
 * Pairs of rules compared per zone for BP601. Each comparison is cheap but there are n²/2 of them;
 * past this many (a zone of about 140 rules) the later rules are not compared: fewer findings,
 * never a wrong one, and `validate` stays fast on a zone at Cloudflare's 1,000-rule quota.
 */
const MAX_PAIRS_PER_ZONE = 10_000;

/** BP601: a rule every request of which an earlier rule that ends evaluation matches first. */
function unreachableRules(rules: readonly ZoneRule[]): Finding[] {
  const findings: Finding[] = [];
  // Each condition prepared once. The earlier rules that end evaluation are grouped by what they
  // require of a rule that implies them (see mayImply), so a rule is compared only with the rules
  // of the groups that may imply it: most pairs of a large zone are dismissed a group at a time.
  const prepared = rules.map(({ rule }) => prepareCondition(rule.condition));
  const groupOf = new Map<string, number>();
  const samples: PreparedCondition[] = [];
  /** The indexes of the rules that end evaluation, in order, and the group of each. */
  const ending: number[] = [];
  const endingGroup: number[] = [];
  let pairs = 0;
  rules.forEach((zoneRule, index) => {
    const a = prepared[index]!;
    const possible = samples.map((sample) => mayImply(a, sample));
    // The first rule that implies this one is reported; each earlier ending rule counts as a pair.
    let by: number | undefined;
    for (let e = 0; e < ending.length && pairs + e < MAX_PAIRS_PER_ZONE; e++) {
      if (possible[endingGroup[e]!] && impliesPrepared(a, prepared[ending[e]!]!)) {
        by = e;
        break;
      }
    }
    pairs += by === undefined ? ending.length : by + 1;
    if (by !== undefined) {
      const earlier = rules[ending[by]!]!.rule;
      const diagnostic = withHint(makeDiagnostic("BP601", zoneRule.rule.source, zoneRule.rule.ref, earlier.ref), "remove the rule, narrow the earlier one, or move this one before it.");
      findings.push({ code: "BP601", diagnostic, rule: zoneRule.rule.ref });
    }
    if (!endsEvaluation(zoneRule.action)) return;
    const key = requiredKey(a);
    let group = groupOf.get(key);
    if (group === undefined) {
      group = samples.length;
      groupOf.set(key, group);
      samples.push(a);
    }
    ending.push(index);
    endingGroup.push(group);
  });
  return findings;
}

/** BP602: a rule that blocks or challenges every request it is reached with. */
function lockOuts(rules: readonly ZoneRule[]): Finding[] {
  return rules
    .filter(({ rule, action }) => isTerminating(action) && isAlwaysTrue(rule.condition))
    .map(({ rule, action }) => ({
      code: "BP602" as const,
      diagnostic: withHint(makeDiagnostic("BP602", rule.source, rule.ref, action), "narrow the condition; to try it first, set the policy's 'mode: observe'."),
      rule: rule.ref,
    }));
}

/**
 * BP603: a terminating rule that targets automation — it reads a bot signal, which verified bots
 * share with other bots (a low score, a non-browser fingerprint) — but does not exclude verified
 * bots, with no verified-bot skip before it. A rule on paths or networks alone hits every client
 * alike and is left to its author.
 */
function verifiedBotRisks(rules: readonly ZoneRule[]): Finding[] {
  const findings: Finding[] = [];
  let skipped = false;
  for (const { rule, action } of rules) {
    if (action === "skip" && implies(rule.condition, VERIFIED_BOT)) skipped = true;
    if (skipped || !isTerminating(action) || !readsBotSignal(rule.condition) || implies(rule.condition, NOT_VERIFIED_BOT)) continue;
    const hint = "add 'verified_bot: false' to its condition, or skip the verified bots you want before it.";
    findings.push({ code: "BP603", diagnostic: withHint(makeDiagnostic("BP603", rule.source, rule.ref, action), hint), rule: rule.ref });
  }
  return findings;
}

/** Fields that tell automation from people, which verified bots match like any other bot. */
const BOT_SIGNALS = ["cf.bot_management.score", "cf.bot_management.ja3_hash", "cf.bot_management.ja4", "cf.bot_management.detection_ids", "cf.bot_management.js_detection.passed", "http.user_agent"];

function readsBotSignal(condition: Expr): boolean {
  return expressionFields(condition).some((field) => BOT_SIGNALS.includes(field) || field.startsWith("cf.bot_management.ja4_signals.") || field.startsWith("risk.client.automation."));
}

/** BP604: a skip (allow) by JA3 or JA4, which a client chooses and FoxIO expects to change yearly. */
function fingerprintSkips(policy: PolicyIR): Finding[] {
  return policy.rules
    .filter((rule) => rule.enabled && rule.action === "skip")
    .flatMap((rule) => {
      const field = expressionFields(rule.condition).find((f) => FINGERPRINT_FIELDS.has(f));
      if (field === undefined) return [];
      const hint = "pair it with something a client cannot choose (an IP range, a verified bot, a signed header), and review the fingerprint when the client's TLS stack changes.";
      return [{ code: "BP604" as const, diagnostic: withHint(makeDiagnostic("BP604", rule.source, rule.ref, FINGERPRINT_FIELDS.get(field)!), hint), rule: rule.ref }];
    });
}

/** BP605: a set item in force that expires within the window, reported for each rule using its set. */
function expiringItems(input: GuardInput): Finding[] {
  const findings: Finding[] = [];
  const today = input.now.toISOString().slice(0, 10);
  const horizon = new Date(input.now.getTime() + EXPIRY_WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  for (const { source, raw } of input.checked) {
    for (const [name, set] of Object.entries(raw.sets ?? {})) {
      const expiring = set.items.flatMap((item, i) => (typeof item === "object" && item.expires !== undefined && item.expires >= today && item.expires <= horizon ? [{ value: item.value, expires: item.expires, i }] : []));
      // Most sets have no item about to expire: their users are not looked for.
      if (expiring.length === 0) continue;
      const users = (raw.rules ?? []).filter((rule) => rule.enabled !== false && rule.when !== undefined && referencesSet(rule.when, name));
      for (const { value, expires, i } of expiring) {
        const days = Math.round((Date.parse(`${expires}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
        const at = locate(source, ["sets", name, "items", i, "expires"]);
        for (const rule of users) {
          const diagnostic = makeDiagnostic("BP605", at, String(value), name, expires, days, `${raw.policy}/${rule.id}`);
          findings.push({ code: "BP605", diagnostic: withHint(diagnostic, "renew the item with a later 'expires', or let it lapse on purpose."), rule: `${raw.policy}/${rule.id}` });
        }
      }
    }
  }
  return findings;
}

/** True when a `when` map names `$set` anywhere in its values. */
function referencesSet(value: unknown, set: string, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === "string") return value === `$${set}`;
  if (Array.isArray(value)) return value.some((v) => referencesSet(v, set, depth + 1));
  if (value !== null && typeof value === "object") return Object.values(value).some((v) => referencesSet(v, set, depth + 1));
  return false;
}

/**
 * BP606, BP607 and BP614: each protected request of a zone's policies, decided by the zone as compiled
 * (the one decide function, so observe mode's `log` protects nothing and blocks nothing).
 */
function protectViolations(zone: StackZone, ordered: readonly PolicyIR[], input: GuardInput): Finding[] {
  const entries = ordered.flatMap((policy) => policy.protect ?? []);
  if (entries.length === 0) return [];
  const plan = input.planZone(zone, ordered);
  if (!plan) return [];
  const program = compileZoneProgram(plan);
  const findings: Finding[] = [];
  for (const entry of entries) {
    const read = requestFields(entry.request);
    if ("error" in read) {
      findings.push({ diagnostic: makeDiagnostic("BP607", entry.source, entry.name, read.error) });
      continue;
    }
    const decision = decide(program, read.fields);
    if (decision.rule === null || !isTerminating(decision.action as Action)) {
      const byList = listHit(plan, program, read.fields, decision);
      if (byList) {
        const diagnostic = makeDiagnostic("BP614", entry.source, entry.name, byList.decision.action, byList.decision.rule!, zone.key, byList.lists);
        findings.push({ code: "BP614", diagnostic: withHint(diagnostic, `if you know it is not, say so in the entry (lists: { ${byList.names.map((name) => `${name}: false`).join(", ")} }); otherwise skip it before that rule.`), rule: byList.decision.rule! });
      }
      continue;
    }
    const rule = input.policies.flatMap((p) => p.rules).find((r) => r.ref === decision.rule);
    const where = rule ? `${rule.source.file}:${rule.source.line}:${rule.source.column}` : decision.rule;
    const diagnostic = makeDiagnostic("BP606", entry.source, entry.name, decision.action, decision.rule, zone.key);
    findings.push({ code: "BP606", diagnostic: withHint(diagnostic, `the rule is at ${where}: exclude this request from it, or skip it in an earlier rule.`), rule: decision.rule });
  }
  return findings;
}

/** Lists whose memberships are tried together at most: 2^6 decisions per protected request. */
const MAX_LISTS_TRIED = 6;

/**
 * BP614: a protected request that a rule would block or challenge if it were in lists whose
 * contents no offline check can see (`decide` takes an unstated list as not holding the request).
 * Tries each combination of memberships of the lists the decision depends on.
 */
function listHit(plan: ZonePlan, program: ZoneProgram, fields: FieldValues, decision: Decision): { decision: Decision; lists: string; names: string[] } | undefined {
  const lists = unseenLists(plan, fields, decision).slice(0, MAX_LISTS_TRIED);
  for (let mask = 1; mask < 2 ** lists.length; mask++) {
    const members = lists.filter((_, i) => (mask >> i) & 1);
    const tried = { ...fields, ...Object.fromEntries(members.map((list) => [listMembershipKey(list), true])) };
    const hit = decide(program, tried);
    if (hit.rule !== null && isTerminating(hit.action as Action)) return { decision: hit, lists: members.map((list) => `$${list}`).join(" and "), names: members };
  }
  return undefined;
}

/**
 * Drops findings a rule suppresses and sets each remaining one's severity from its level; a
 * suppression without a reason or of a code that is not a guard is an error, one that matched
 * nothing a warning.
 */
function applySuppressions(findings: readonly Finding[], policies: readonly PolicyIR[], levels: Readonly<Record<GuardCode, GuardLevel>>, observed: ReadonlySet<string>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const used = new Set<object>();
  const byRule = new Map(policies.flatMap((p) => p.rules.map((r) => [r.ref, r] as const)));
  for (const finding of findings) {
    const code = finding.code;
    if (code === undefined) {
      diagnostics.push(finding.diagnostic);
      continue;
    }
    const suppression = finding.rule === undefined ? undefined : byRule.get(finding.rule)?.suppress?.find((s) => s.code === code && s.reason.trim() !== "");
    if (suppression) {
      used.add(suppression);
      continue;
    }
    const severity = levelSeverity(levels[code]);
    if (severity !== undefined) diagnostics.push({ ...finding.diagnostic, severity });
  }
  for (const rule of byRule.values()) {
    for (const suppression of rule.suppress ?? []) {
      if (!isGuardCode(suppression.code)) diagnostics.push(makeDiagnostic("BP609", suppression.source, suppression.code, guardCodeList()));
      else if (suppression.reason.trim() === "") {
        diagnostics.push(withHint(makeDiagnostic("BP608", suppression.source, suppression.code, rule.ref), "say why the finding does not apply, for the reviewer."));
      } else if (!used.has(suppression) && rule.enabled && levels[suppression.code] !== "disabled" && !(observed.has(rule.ref) && MODE_DEPENDENT.has(suppression.code))) {
        diagnostics.push(withHint(makeDiagnostic("BP610", suppression.source, suppression.code, rule.ref), "remove the suppression."));
      }
    }
  }
  return diagnostics;
}

/** The zones compiled when no stack is chosen: every zone a policy names, as Enterprise. */
function defaultZones(policies: readonly PolicyIR[]): StackZone[] {
  const keys = [...new Set(policies.flatMap((p) => p.zones))].sort();
  return keys.map((key) => ({ key, zoneId: "", plan: "enterprise", routes: [] }));
}

/** A rule in several zones would repeat the same finding: one per code, place and text. */
function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter(({ diagnostic: d }) => {
    const key = `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

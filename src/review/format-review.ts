import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { zoneChanged, type ReviewReport, type RuleChange, type RuleSummary, type StackReview, type ZoneReview } from "./review-report.js";

/** The most a GitHub pull-request comment holds. */
export const MAX_COMMENT_LENGTH = 65_536;

/** Longer lists are shortened to this many entries and a count of the rest. */
const MAX_LIST = 40;

/** Zones the summary table lists; the table must leave room for the sections. */
const MAX_SUMMARY_ROWS = 100;

/** Rules shown in a traffic chart, the busiest first. */
const MAX_CHART_RULES = 12;

/** Actions that stop a request. */
const STOPPING = new Set(["block", "managed_challenge", "js_challenge", "challenge"]);

/** The review as JSON (DESIGN.md "Machine-readable output", `review --format json`). */
export function formatReviewJson(report: ReviewReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The review as one pull-request comment in Markdown: a summary table, then per stack and zone
 * what stops being enforced first, then what starts, then the rest, with the head's guard
 * findings last. When it would exceed `limit` characters, whole zone sections are left out from
 * the end and a note names them.
 */
export function formatReviewMarkdown(report: ReviewReport, limit = MAX_COMMENT_LENGTH): string {
  const head = [`## bot-policy review: \`${plain(report.base)}\` → \`${plain(report.head)}\``, ""];
  if (report.mass_delete) {
    const zones = report.stacks.flatMap((s) => s.zones.filter((z) => z.mass_delete).map((z) => `${where(s, z)} (${z.rules.removed.length} of ${z.rule_count.base} rules)`));
    head.push(`> [!CAUTION]`, `> **Mass deletion**: this change removes more than 30 % of the rules of ${zones.join(", ")}.`, "");
  }
  const changed = report.stacks.flatMap((s) => s.zones.filter(zoneChanged).map((z) => ({ stack: s, zone: z })));
  if (changed.length === 0) head.push("No change in enforcement.", "");
  else head.push(...summaryTable(changed), "");

  const blocks = changed.map(({ stack, zone }) => ({ title: where(stack, zone), text: zoneSection(stack, zone) }));
  if (report.guards.length > 0) blocks.push({ title: "guard findings", text: guardSection(report.guards) });

  let text = `${head.join("\n")}\n`;
  const left: string[] = [];
  // Room for the note that says what was left out.
  const room = limit - 600;
  for (const block of blocks) {
    if (left.length === 0 && text.length + block.text.length <= room) text += block.text;
    else left.push(block.title);
  }
  if (left.length > 0) {
    const names = left.join(", ");
    const shown = names.length > 400 ? `${names.slice(0, 400)}…` : names;
    text += `\n---\n**Cut to fit one comment**: ${left.length} section${left.length === 1 ? "" : "s"} left out (${plain(shown)}). Run \`bot-policy review --format json\` for the whole review.\n`;
  }
  return text;
}

function summaryTable(changed: Array<{ stack: StackReview; zone: ZoneReview }>): string[] {
  const rows = ["| stack | zone | rules removed | added | changed | observe → enforce | tests changed | replayed decisions changed |", "|---|---|--:|--:|--:|--:|--:|--:|"];
  for (const { stack, zone } of changed.slice(0, MAX_SUMMARY_ROWS)) {
    const traffic = zone.traffic ? String(zone.traffic.changes.reduce((n, c) => n + c.count, 0)) : "–";
    rows.push(
      `| ${stack.stack ?? "(none)"} | ${zone.zone}${zone.status === "kept" ? "" : ` (${zone.status})`} | ${zone.rules.removed.length}${zone.mass_delete ? " ⚠" : ""} | ${zone.rules.added.length} | ${zone.rules.changed.length} | ${zone.enforce.length} | ${zone.tests.length} | ${traffic} |`,
    );
  }
  if (changed.length > MAX_SUMMARY_ROWS) rows.push("", `… and ${changed.length - MAX_SUMMARY_ROWS} more zones with changes.`);
  return rows;
}

function zoneSection(stack: StackReview, zone: ZoneReview): string {
  const out: string[] = [`### ${stack.stack === null ? "" : `Stack \`${stack.stack}\` · `}zone \`${zone.zone}\`${zone.status === "kept" ? "" : ` (${zone.status})`}`, ""];
  const rule = (ref: string, s: RuleSummary | undefined): string => `**${plain(ref)}**${s ? ` — ${doing(s)} (\`${plain(s.at)}\`)` : ""}`;

  const stops: string[] = [];
  for (const ref of zone.rules.removed) stops.push(`- Removed ${rule(ref, zone.details[ref])}`);
  for (const ref of zone.observe) stops.push(`- Enforce → **observe**: ${rule(ref, zone.details[ref])} now only logs`);
  for (const c of zone.rules.changed) {
    if (c.what.includes("enabled") && !c.to.enabled) stops.push(`- Disabled ${rule(c.rule, c.to)}`);
  }
  for (const set of zone.sets) if (set.removed.length > 0) stops.push(`- Set \`${plain(set.set)}\` loses ${set.removed.length} item${set.removed.length === 1 ? "" : "s"}: ${items(set.removed)}`);
  if (zone.worker?.change === "removed") stops.push("- The Worker is removed: its rules no longer run");
  section(out, "Stops enforcing", stops);

  const starts: string[] = [];
  for (const ref of zone.enforce) starts.push(`- Observe → **enforce**: ${rule(ref, zone.details[ref])} now ${verb(zone.details[ref]?.action)}`);
  for (const ref of zone.rules.added) starts.push(`- Added ${rule(ref, zone.details[ref])}`);
  for (const set of zone.sets) if (set.added.length > 0) starts.push(`- Set \`${plain(set.set)}\` gains ${set.added.length} item${set.added.length === 1 ? "" : "s"}: ${items(set.added)}`);
  if (zone.worker?.change === "added") starts.push("- A Worker is added: worker-stage rules now run");
  section(out, "Starts enforcing", starts);

  const other: string[] = [];
  for (const c of zone.rules.changed) {
    const what = c.what.filter((w) => w !== "mode" && !(w === "enabled" && !c.to.enabled)).map((w) => aspect(w, c));
    if (what.length > 0) other.push(`- ${rule(c.rule, c.to)}: ${what.join("; ")}`);
  }
  for (const set of zone.sets) {
    for (const item of set.expiring.slice(0, MAX_LIST)) other.push(`- Set \`${plain(set.set)}\`: \`${plain(item.value)}\` expires on ${item.expires}`);
  }
  if (zone.worker?.change === "changed") other.push(`- Worker: ${zone.worker.what.join(", ")} changed`);
  const quota = (name: string, q: ZoneReview["quota"]["custom_rules"]): void => {
    if (q.from !== q.to) other.push(`- ${name}: ${q.from} → ${q.to} of ${q.limit}`);
  };
  quota("Custom rules used", zone.quota.custom_rules);
  quota("Transform rules used", zone.quota.transform_rules);
  section(out, "Changed", other);

  if (zone.tests.length > 0) {
    out.push(`#### Test cases whose decision changes (${zone.tests.length})`, "", "| case | before | after |", "|---|---|---|");
    for (const t of zone.tests.slice(0, MAX_LIST)) out.push(`| ${cell(t.case)} (\`${plain(t.file)}:${t.line}\`) | ${decision(t.from, t.from_rule)} | ${decision(t.to, t.to_rule)} |`);
    more(out, zone.tests.length);
    out.push("");
  }

  if (zone.traffic) {
    const total = zone.traffic.changes.reduce((n, c) => n + c.count, 0);
    out.push(`#### Replayed traffic: ${total} of ${zone.traffic.eyeball} requests decided differently`, "");
    if (zone.traffic.malformed > 0) out.push(`${zone.traffic.malformed} malformed line${zone.traffic.malformed === 1 ? "" : "s"} could not be replayed (\`bot-policy simulate\` lists them).`, "");
    if (zone.traffic.changes.length > 0) {
      out.push("| before | after | rule | requests |", "|---|---|---|--:|");
      for (const c of zone.traffic.changes.slice(0, MAX_LIST)) out.push(`| ${c.from} | ${c.to} | ${c.rule === null ? "–" : `\`${plain(c.rule)}\``} | ${c.count} |`);
      more(out, zone.traffic.changes.length);
      out.push("");
    }
    out.push(...trafficChart(zone));
  }
  return `${out.join("\n")}\n`;
}

/** A bar chart of the requests each rule decided, base then head side by side (GitHub renders Mermaid). */
function trafficChart(zone: ZoneReview): string[] {
  const rules = (zone.traffic?.rules ?? []).filter((r) => r.before !== r.after).sort((a, b) => Math.max(b.before, b.after) - Math.max(a.before, a.after)).slice(0, MAX_CHART_RULES);
  if (rules.length === 0) return [];
  const label = (text: string): string => `"${text.replace(/["\\]/g, "")}"`;
  const names = rules.flatMap((r) => [label(`${shortRule(r.rule)} (before)`), label(`${shortRule(r.rule)} (after)`)]);
  const values = rules.flatMap((r) => [r.before, r.after]);
  const top = Math.max(1, ...values);
  return [
    "```mermaid",
    "xychart-beta",
    `    title "Requests decided per rule, before and after"`,
    `    x-axis [${names.join(", ")}]`,
    `    y-axis "requests" 0 --> ${top}`,
    `    bar [${values.join(", ")}]`,
    "```",
    "",
  ];
}

function guardSection(guards: readonly Diagnostic[]): string {
  const out = ["### Guard findings (head)", ""];
  for (const g of guards.slice(0, MAX_LIST)) out.push(`- \`${plain(`${g.file}:${g.line}:${g.column}`)}\` ${g.severity === "error" ? "**mandatory**" : "advisory"} ${g.code}: ${plain(g.message)}`);
  more(out, guards.length);
  return `${out.join("\n")}\n`;
}

function section(out: string[], title: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  out.push(`#### ${title}`, "", ...lines.slice(0, MAX_LIST));
  more(out, lines.length);
  out.push("");
}

function more(out: string[], length: number): void {
  if (length > MAX_LIST) out.push(`- … and ${length - MAX_LIST} more (see \`--format json\`)`);
}

/** One changed aspect of a rule, in words. */
function aspect(what: string, change: RuleChange): string {
  switch (what) {
    case "action":
      return `action \`${change.from.action}\` → \`${change.to.action}\``;
    case "stage":
      return `moves from the ${change.from.stage} to the ${change.to.stage}`;
    case "enabled":
      return "enabled again";
    case "order":
      return "moved in the evaluation order";
    case "condition":
      return change.condition ? `condition \`${clip(change.condition.from)}\` → \`${clip(change.condition.to)}\`` : "condition changed";
    case "set items":
      return "matches other set items (see the sets)";
    case "skip":
      return "skips other phases or products";
    default:
      return `${what} changed`;
  }
}

function doing(s: RuleSummary): string {
  const action = s.mode === "observe" && s.action !== "log" ? `logs (observe; would \`${s.action}\`)` : `\`${s.action}\``;
  return `${action}${s.stage === "worker" ? " in the Worker" : ""}${s.enabled ? "" : ", disabled"}`;
}

function verb(action: string | undefined): string {
  return action === undefined ? "enforces" : STOPPING.has(action) ? `\`${action}\`s matching requests` : `takes \`${action}\``;
}

function decision(action: string, rule: string | null): string {
  return rule === null ? `\`${action}\`` : `\`${action}\` by \`${plain(rule)}\``;
}

function items(values: readonly string[]): string {
  const shown = values.slice(0, 10).map((v) => `\`${plain(v)}\``);
  return values.length > 10 ? `${shown.join(", ")} and ${values.length - 10} more` : shown.join(", ");
}

function where(stack: StackReview, zone: ZoneReview): string {
  return stack.stack === null ? zone.zone : `${stack.stack}/${zone.zone}`;
}

function clip(text: string): string {
  return plain(text.length > 200 ? `${text.slice(0, 199)}…` : text);
}

function shortRule(ref: string): string {
  return ref.length > 40 ? `${ref.slice(0, 39)}…` : ref;
}

/** Text inside backticks or a table: no backtick can end the span, no newline or pipe can break the table. */
function plain(text: string): string {
  return text.replace(/`/g, "'").replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
}

function cell(text: string): string {
  return plain(text).replace(/[<>]/g, (c) => (c === "<" ? "&lt;" : "&gt;"));
}

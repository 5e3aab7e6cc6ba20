import pc from "picocolors";
import type { ValueCount } from "./count-top-values.js";
import { REPLAY_ACTIONS, type DecisionChange, type RuleCounts, type SimulationReport, type ZoneSimulation } from "./simulation-report.js";

/** Output formats of `simulate`. */
export type SimulationFormat = "pretty" | "json" | "markdown";

/** Prints a replay report: JSON as DESIGN.md fixes it, Markdown for a pull-request comment, or text for a terminal. */
export function formatSimulation(report: SimulationReport, format: SimulationFormat, color = false): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const zones = report.zones.map((zone) => (format === "markdown" ? markdownZone(zone) : prettyZone(zone, pc.createColors(color))));
  return `${zones.join("\n")}`;
}

/** Text from a log is the visitor's to choose: control characters are shown escaped, long values cut. */
function shown(value: string | number | null, max = 80): string {
  if (value === null) return "-";
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

function lineSummary(zone: ZoneSimulation): string {
  const parts = [plural(zone.eyeball, "eyeball request")];
  if (zone.subrequests > 0) parts.push(`${plural(zone.subrequests, "Worker subrequest")} skipped`);
  if (zone.other_sources > 0) parts.push(`${plural(zone.other_sources, "line")} from other sources skipped`);
  if (zone.malformed > 0) parts.push(`${plural(zone.malformed, "malformed line")}`);
  return `${plural(zone.lines, "line")}: ${parts.join(", ")}`;
}

function decisionSummary(zone: ZoneSimulation): string {
  return REPLAY_ACTIONS.filter((a) => zone.decisions[a] > 0 || a === "pass")
    .map((a) => `${a} ${zone.decisions[a].toLocaleString("en-US")}`)
    .join(", ");
}

function undecidedSummary(zone: ZoneSimulation, rule: (id: string) => string = (id) => id): string | undefined {
  const at = zone.rules.filter((r) => r.undecided > 0).map((r) => `${rule(r.rule)} ${r.undecided.toLocaleString("en-US")}`);
  return at.length === 0 ? undefined : at.join(", ");
}

function values(list: readonly ValueCount[], render: (value: string) => string): string {
  return list.length === 0 ? "-" : list.map(({ value, count }) => `${render(shown(value, 60))} (${count.toLocaleString("en-US")})`).join(", ");
}

function blockingRules(zone: ZoneSimulation): Array<RuleCounts & { top: NonNullable<RuleCounts["top"]> }> {
  return zone.rules.filter((r): r is RuleCounts & { top: NonNullable<RuleCounts["top"]> } => r.top !== undefined && r.decided > 0);
}

function changeTotal(changes: readonly DecisionChange[]): number {
  return changes.reduce((sum, c) => sum + c.count, 0);
}

function prettyZone(zone: ZoneSimulation, c: ReturnType<typeof pc.createColors>): string {
  const out: string[] = [c.bold(`Zone '${zone.zone}'`) + ` — ${lineSummary(zone)}.`, ""];
  // Observe mode turns rules into logging ones: then what they logged is the column that matters.
  const logs = zone.rules.some((r) => r.logged > 0);
  const header = ["rule", "stage", "action", "matched", "decided", "unknown", ...(logs ? ["logged"] : [])];
  const rows = zone.rules.map((r) => [r.rule, r.stage, r.action, String(r.matched), String(r.decided), String(r.unknown), ...(logs ? [String(r.logged)] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const render = (row: readonly string[]): string => `  ${row.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ")}`.trimEnd();
  out.push(c.dim(render(header)), ...rows.map(render), "");
  out.push(`Decisions: ${decisionSummary(zone)}.`);
  const undecided = undecidedSummary(zone);
  if (undecided !== undefined) out.push(`  unknown at: ${undecided} (the rule reads a field these lines cannot tell; never guessed)`);
  for (const rule of blockingRules(zone)) {
    out.push("", `Behind ${rule.rule} (${rule.action}, ${plural(rule.decided, "line")}${rule.top.approximate ? ", counts approximate" : ""}):`);
    out.push(`  JA4   ${values(rule.top.ja4, (v) => v)}`, `  path  ${values(rule.top.path, (v) => v)}`, `  ASN   ${values(rule.top.asn, (v) => v)}`);
  }
  if (zone.base !== null) {
    out.push("");
    if (zone.changes.length === 0) {
      out.push(`No decision changes against '${shown(zone.base)}'.`);
    } else {
      out.push(`Decisions that change against '${shown(zone.base)}' (${plural(changeTotal(zone.changes), "line")}):`);
      for (const change of zone.changes) {
        const sample = change.samples.map((s) => `${shown(s.file)}:${s.line}${s.ray_id === null ? "" : ` ${shown(s.ray_id)}`} ${shown(s.path)}`).join("; ");
        out.push(`  ${change.from} → ${change.to}  ${change.rule ?? "-"}${detail(change)}  ${plural(change.count, "line")}  e.g. ${sample}`);
      }
    }
  }
  if (zone.malformed > 0) {
    const which = zone.malformed === zone.malformed_lines.length ? "they are" : `the first ${zone.malformed_lines.length} are`;
    out.push("", `${plural(zone.malformed, "malformed line")} not replayed; ${which} listed on stderr (BP530).`);
  }
  return `${out.join("\n")}\n`;
}

/** What the rule column alone does not say: the other rule of a change between two rules. */
function detail(change: DecisionChange): string {
  if (change.from_rule !== null && change.to_rule !== null && change.from_rule !== change.to_rule) return ` (was ${change.from_rule})`;
  return "";
}

/**
 * A value from a log as Markdown inline code inside a table cell: a fence longer than any run of
 * backticks in it, and `|` escaped (GitHub ends a cell at `|`, even inside code).
 */
function code(value: string | number | null, max = 60): string {
  if (value === null) return "–";
  const text = shown(value, max).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

function markdownZone(zone: ZoneSimulation): string {
  const out: string[] = [`### Traffic replay: zone ${code(zone.zone)}`, "", `${lineSummary(zone)}.`, ""];
  // What a reviewer came for comes first: the decisions the change moves.
  if (zone.base !== null) {
    if (zone.changes.length === 0) {
      out.push(`No replayed decision changes against ${code(zone.base)}.`);
    } else {
      out.push(`#### Decisions that change against ${code(zone.base)} (${plural(changeTotal(zone.changes), "line")})`, "");
      out.push("| from | to | rule | lines | samples |", "|---|---|---|--:|---|");
      for (const change of zone.changes) {
        const samples = change.samples.map((s) => `${code(`${s.file}:${s.line}`)}${s.ray_id === null ? "" : ` ${code(s.ray_id)}`} ${code(s.path)}`).join("<br>");
        const rule = change.rule === null ? "–" : `${code(change.rule)}${detail(change) === "" ? "" : ` (was ${code(change.from_rule)})`}`;
        out.push(`| ${change.from} | ${change.to} | ${rule} | ${change.count} | ${samples} |`);
      }
    }
    out.push("", "#### Per rule", "");
  }
  const logs = zone.rules.some((r) => r.logged > 0);
  out.push(`| rule | stage | action | matched | decided | unknown |${logs ? " logged |" : ""}`, `|---|---|---|--:|--:|--:|${logs ? "--:|" : ""}`);
  for (const r of zone.rules) out.push(`| ${code(r.rule)} | ${r.stage} | ${r.action} | ${r.matched} | ${r.decided} | ${r.unknown} |${logs ? ` ${r.logged} |` : ""}`);
  out.push("", `**Decisions:** ${decisionSummary(zone)}.`);
  const undecided = undecidedSummary(zone, (id) => code(id));
  if (undecided !== undefined) {
    out.push("", `*Unknown* means the decision depends on a field these lines cannot tell (for Logpush: \`verified_bot\`, \`static_resource\`, \`corporate_proxy\`, \`risk\`, or a field the job does not log); it is never guessed. Unknown at: ${undecided}.`);
  }
  const blocking = blockingRules(zone);
  if (blocking.length > 0) {
    out.push("", "<details><summary>Top JA4s, paths and ASNs behind blocking rules</summary>", "");
    out.push("| rule | lines | JA4 | path | ASN |", "|---|--:|---|---|---|");
    for (const r of blocking) {
      const cell = (list: readonly ValueCount[]): string => (list.length === 0 ? "–" : list.map(({ value, count }) => `${code(value)} ${count}`).join("<br>"));
      out.push(`| ${code(r.rule)} | ${r.decided}${r.top.approximate ? " (approx.)" : ""} | ${cell(r.top.ja4)} | ${cell(r.top.path)} | ${cell(r.top.asn)} |`);
    }
    out.push("", "</details>");
  }
  if (zone.malformed_lines.length > 0) {
    out.push("", `<details><summary>${plural(zone.malformed, "malformed line")}</summary>`, "");
    for (const m of zone.malformed_lines) out.push(`- ${code(`${m.file}:${m.line}`)}: ${code(m.reason, 120)}`);
    if (zone.malformed > zone.malformed_lines.length) out.push(`- … and ${(zone.malformed - zone.malformed_lines.length).toLocaleString("en-US")} more`);
    out.push("", "</details>");
  }
  return `${out.join("\n")}\n`;
}

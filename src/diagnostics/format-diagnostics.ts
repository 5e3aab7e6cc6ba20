import pc from "picocolors";
import type { Diagnostic } from "./diagnostic.js";
import { formatSarif } from "./format-sarif.js";

/** Output formats of diagnostics on the command line. */
export type DiagnosticFormat = "pretty" | "json" | "github" | "sarif";

/** Sorts diagnostics by file, line, column, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.code, b.code) || compareText(a.message, b.message),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Formats diagnostics like tsc: `file:line:col - error BPnnn: message`, the source line, a marker
 * under it and an optional hint. `sources` maps a file name to its text; colour is optional.
 */
export function formatPretty(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, color = false): string {
  const c = pc.createColors(color);
  const sourceLines = sourceLineReader(sources);
  const blocks = sortDiagnostics(diagnostics).map((d) => {
    const severity = d.severity === "error" ? c.red("error") : c.yellow("warning");
    const lines = [`${c.cyan(d.file)}:${c.yellow(String(d.line))}:${c.yellow(String(d.column))} - ${severity} ${c.gray(d.code)}: ${d.message}`];
    const sourceLine = sourceLines(d.file, d.line);
    if (sourceLine !== undefined) {
      const gutter = String(d.line);
      const width = Math.max(1, Math.min(d.length ?? 1, sourceLine.length - d.column + 1));
      lines.push("", `${c.inverse(gutter)} ${sourceLine}`, `${c.inverse(" ".repeat(gutter.length))} ${" ".repeat(Math.max(0, d.column - 1))}${c.red("~".repeat(width))}`);
    }
    if (d.hint !== undefined) lines.push(`${c.cyan("hint")}: ${d.hint}`);
    return lines.join("\n");
  });
  return blocks.length === 0 ? "" : `${blocks.join("\n\n")}\n\n${summarize(diagnostics)}\n`;
}

/**
 * Returns a reader of source lines that splits each file once, on first use: splitting the whole
 * text again for every diagnostic made printing thousands of them quadratic.
 */
function sourceLineReader(sources: ReadonlyMap<string, string>): (file: string, line: number) => string | undefined {
  const split = new Map<string, readonly string[] | undefined>();
  return (file, line) => {
    // A byte order mark is not text: printed, it would sit between the gutter and the line.
    if (!split.has(file)) split.set(file, sources.get(file)?.replace(/^\uFEFF/, "").split(/\r?\n/));
    return split.get(file)?.[line - 1];
  };
}

/** One line counting errors and warnings. */
export function summarize(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return `Found ${errors} error${errors === 1 ? "" : "s"} and ${warnings} warning${warnings === 1 ? "" : "s"}.`;
}

/** Formats diagnostics as one JSON document: `{ "diagnostics": [...] }`. */
export function formatJson(diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify({ diagnostics: sortDiagnostics(diagnostics) }, null, 2)}\n`;
}

/** Formats diagnostics as GitHub Actions workflow commands, which annotate a pull request. */
export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return sortDiagnostics(diagnostics)
    .map((d) => {
      const kind = d.severity === "error" ? "error" : "warning";
      const message = d.hint === undefined ? d.message : `${d.message} (hint: ${d.hint})`;
      return `::${kind} file=${escapeProperty(d.file)},line=${d.line},col=${d.column},title=${d.code}::${escapeData(message)}\n`;
    })
    .join("");
}

// Workflow commands have their own escaping: '%', CR and LF everywhere, plus ':' and ',' in properties.
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Formats diagnostics in the requested format. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  format: DiagnosticFormat,
  sources: ReadonlyMap<string, string>,
  color = false,
): string {
  if (format === "json") return formatJson(diagnostics);
  if (format === "github") return formatGithub(diagnostics);
  if (format === "sarif") return formatSarif(sortDiagnostics(diagnostics));
  return formatPretty(diagnostics, sources, color);
}

/** GitHub refuses a step summary larger than this (REFERENCE.md §3.2): the upload is aborted. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/**
 * Formats diagnostics as a Markdown table for `$GITHUB_STEP_SUMMARY`. GitHub shows only ten error
 * and ten warning annotations per step, so the summary carries the full list. Rows stop before the
 * text would pass `limitBytes` (UTF-8), and a note says how many were left out.
 */
export function formatGithubSummary(diagnostics: readonly Diagnostic[], limitBytes = STEP_SUMMARY_LIMIT_BYTES): string {
  const heading = `### bot-policy validate\n\n${summarize(diagnostics)}\n`;
  if (diagnostics.length === 0) return Buffer.byteLength(heading) + 1 > limitBytes ? "" : `${heading}\n`;
  const sorted = sortDiagnostics(diagnostics);
  const head = `${heading}\n| | Location | Code | Message |\n|---|---|---|---|\n`;
  // Room for the longest possible note, so that adding it never breaks the limit.
  const noteRoom = Buffer.byteLength(cutNote(sorted.length, sorted.length)) + 1;
  let text = head;
  let bytes = Buffer.byteLength(head);
  let shown = 0;
  for (const d of sorted) {
    const row = `| ${d.severity === "error" ? "❌" : "⚠️"} | ${cell(d.file)}:${d.line}:${d.column} | ${d.code} | ${cell(d.hint === undefined ? d.message : `${d.message} Hint: ${d.hint}`)} |\n`;
    const rowBytes = Buffer.byteLength(row);
    if (bytes + rowBytes + noteRoom > limitBytes) break;
    text += row;
    bytes += rowBytes;
    shown++;
  }
  const result = shown === sorted.length ? `${text}\n` : `${text}\n${cutNote(sorted.length - shown, sorted.length)}`;
  // Not even the heading fits in what is left of the summary: write nothing rather than break it.
  return Buffer.byteLength(result) > limitBytes ? "" : result;
}

function cutNote(omitted: number, total: number): string {
  return `> **Cut:** ${omitted} of ${total} findings are not shown (the step summary is limited to 1 MiB); run \`bot-policy validate\` locally for the full list.\n`;
}

// A table cell is one line, and '|' would end it; '`' is escaped so a message cannot open code spans.
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/`/g, "\\`").replace(/\r?\n|\r/g, " ");
}

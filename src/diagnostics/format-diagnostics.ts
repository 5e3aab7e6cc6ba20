import pc from "picocolors";
import type { Diagnostic } from "./diagnostic.js";

/** Output formats of diagnostics on the command line. */
export type DiagnosticFormat = "pretty" | "json" | "github";

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
  return formatPretty(diagnostics, sources, color);
}

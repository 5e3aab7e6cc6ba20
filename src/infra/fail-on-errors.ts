import * as pulumi from "@pulumi/pulumi";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatPretty, sortDiagnostics } from "../diagnostics/format-diagnostics.js";

/**
 * Reports diagnostics to Pulumi: warnings as engine warnings, and errors as one `RunError`
 * (Pulumi prints it without a stack trace and fails the preview), formatted like the command
 * line: `file:line:col - error BPnnn: message`, with the source line when `sources` has it.
 */
export function failOnErrors(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string> = new Map()): void {
  const sorted = sortDiagnostics(diagnostics);
  for (const warning of sorted.filter((diagnostic) => diagnostic.severity === "warning")) {
    pulumi.log.warn(formatDiagnosticLine(warning));
  }
  const errors = sorted.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0) throw new pulumi.RunError(formatPretty(errors, sources).trimEnd());
}

/** One diagnostic on one line (plus its hint): Pulumi's warnings have no room for a source marker. */
export function formatDiagnosticLine(diagnostic: Diagnostic): string {
  const line = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} - ${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`;
  return diagnostic.hint === undefined ? line : `${line}\n  hint: ${diagnostic.hint}`;
}

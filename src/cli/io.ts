import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatDiagnostics, type DiagnosticFormat } from "../diagnostics/format-diagnostics.js";

/** Where a command writes, so that tests can run commands in-process. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  color: boolean;
  /** True when stderr is a terminal: long commands may then show a progress line there. */
  stderrIsTerminal?: boolean;
}

/** The process's own streams; colour only on a terminal and when NO_COLOR is unset. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
    stderrIsTerminal: Boolean(process.stderr.isTTY),
  };
}

/** Exit codes of every command (DESIGN.md). */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** A mistake in how the command was called: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Prints diagnostics to stderr (pretty) or stdout (json, github: meant for machines). */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], format: DiagnosticFormat, sources: ReadonlyMap<string, string>): void {
  const text = formatDiagnostics(diagnostics, format, sources, io.color);
  if (format === "pretty") {
    if (text !== "") io.stderr(text);
  } else {
    io.stdout(text);
  }
}

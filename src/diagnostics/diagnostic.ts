/** How serious a diagnostic is: errors fail the command, warnings are reported only. */
export type Severity = "error" | "warning";

/** A place in a source file; line and column are 1-based. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

/** One finding about the user's input, with a stable code from the catalog. */
export interface Diagnostic extends SourceRef {
  code: string;
  severity: Severity;
  message: string;
  /** How many characters the marker under the source line spans (at least 1). */
  length?: number;
  hint?: string;
}

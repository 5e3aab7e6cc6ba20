import type { DiagnosticCode } from "../diagnostics/catalog.js";

/** A code of the stack config ranges (BP150–BP159, BP160–BP179) of the central catalog. */
export type StackDiagnosticCode = Extract<DiagnosticCode, `BP15${number}` | `BP16${number}` | `BP17${number}`>;

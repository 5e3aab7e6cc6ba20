import type { DiagnosticCode } from "../diagnostics/catalog.js";

/** A code of the stack config range (BP150–BP159) of the central catalog. */
export type StackDiagnosticCode = Extract<DiagnosticCode, `BP15${number}`>;

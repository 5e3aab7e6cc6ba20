import type { Log, ReportingDescriptor, Result } from "sarif";
import { catalog, type DiagnosticCode } from "./catalog.js";
import type { Diagnostic } from "./diagnostic.js";

/** The `uriBaseId` every location is relative to: GitHub resolves it to the repository's checkout. */
export const SARIF_SOURCE_ROOT = "%SRCROOT%";

/**
 * Formats diagnostics as a SARIF 2.1.0 log for GitHub code scanning. Rule ids are the BP codes and
 * file URIs stay relative to the project folder, because GitHub matches alerts across runs by both:
 * a path that changed with the machine would close every alert and open it again.
 * `diagnostics` must already be sorted (the order of `results` is the order given). The tool's
 * version is left out unless given: it is optional in SARIF, and GitHub does not match on it.
 */
export function formatSarif(diagnostics: readonly Diagnostic[], version?: string): string {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const ruleIndex = new Map(codes.map((code, index) => [code, index]));
  const log: Log = {
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: { driver: { name: "bot-policy", ...(version !== undefined ? { version } : {}), rules: codes.map(ruleOf) } },
        originalUriBaseIds: { [SARIF_SOURCE_ROOT]: { description: { text: "The project folder: the one holding policies/ and Pulumi.yaml." } } },
        columnKind: "utf16CodeUnits",
        results: diagnostics.map((d) => resultOf(d, ruleIndex.get(d.code) ?? 0)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A rule per code: its catalog summary is what code scanning lists as the alert's title. */
function ruleOf(code: string): ReportingDescriptor {
  const entry = (catalog as Record<string, (typeof catalog)[DiagnosticCode] | undefined>)[code];
  const rule: ReportingDescriptor = { id: code, shortDescription: { text: entry?.summary ?? code } };
  if (entry !== undefined) rule.defaultConfiguration = { level: entry.severity };
  return rule;
}

function resultOf(d: Diagnostic, ruleIndex: number): Result {
  // SARIF lines and columns start at 1; a diagnostic about a whole file may carry 0.
  const startLine = Math.max(1, d.line);
  const startColumn = Math.max(1, d.column);
  const region: NonNullable<Result["locations"]>[number]["physicalLocation"] = {
    artifactLocation: { uri: toUri(d.file), uriBaseId: SARIF_SOURCE_ROOT },
    region: { startLine, startColumn, ...(d.length !== undefined ? { endLine: startLine, endColumn: startColumn + Math.max(1, d.length) } : {}) },
  };
  return {
    ruleId: d.code,
    ruleIndex,
    level: d.severity,
    message: { text: d.hint === undefined ? d.message : `${d.message}\nHint: ${d.hint}` },
    locations: [{ physicalLocation: region }],
  };
}

/** A relative URI reference: forward slashes, and each segment percent-encoded (a space is `%20`). */
function toUri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join("/");
}

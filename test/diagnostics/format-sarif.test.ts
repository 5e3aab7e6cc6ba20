import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { catalog } from "../../src/diagnostics/catalog.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatDiagnostics } from "../../src/diagnostics/format-diagnostics.js";

// The official SARIF 2.1.0 JSON schema (OASIS, final "rtm.5"), as Microsoft's SARIF tooling ships it
// on npm: it is a draft-04 schema, hence ajv's draft-04 class.
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
// unicodeRegExp: false because the schema's pattern for `language` is only valid without the `u` flag.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

const diagnostics: Diagnostic[] = [
  { code: "BP305", severity: "error", message: "Invalid JA3 fingerprint 'nope'.", file: "policies/b shop.yaml", line: 6, column: 18, length: 4 },
  { code: "BP601", severity: "warning", message: "Rule never matches.", hint: "Move it up.", file: "policies/a.yaml", line: 12, column: 5 },
  { code: "BP105", severity: "error", message: "No policy files.", file: "policies", line: 0, column: 0 },
];

function sarifOf(list: readonly Diagnostic[]): Log {
  return JSON.parse(formatDiagnostics(list, "sarif", new Map())) as Log;
}

describe("formatDiagnostics(…, 'sarif')", () => {
  it("validates against the SARIF 2.1.0 schema, with findings and without", () => {
    for (const list of [diagnostics, []]) {
      const log = sarifOf(list);
      expect(validateSarif(log), ajv.errorsText(validateSarif.errors)).toBe(true);
      expect(log.version).toBe("2.1.0");
    }
  });

  it("the schema check is not vacuous: a result without a message is refused", () => {
    const log = sarifOf(diagnostics) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    delete log.runs[0]!.results[0]!.message;
    expect(validateSarif(log)).toBe(false);
  });

  it("names each code used once as a rule, with its catalog summary and level", () => {
    const rules = sarifOf(diagnostics).runs[0]!.tool.driver.rules!;
    expect(rules).toEqual([
      { id: "BP105", shortDescription: { text: catalog.BP105.summary }, defaultConfiguration: { level: "error" } },
      { id: "BP305", shortDescription: { text: catalog.BP305.summary }, defaultConfiguration: { level: "error" } },
      { id: "BP601", shortDescription: { text: catalog.BP601.summary }, defaultConfiguration: { level: catalog.BP601.severity } },
    ]);
  });

  it("gives each result a level, a rule index and a %SRCROOT%-relative location (sorted like the other formats)", () => {
    const run = sarifOf(diagnostics).runs[0]!;
    expect(run.results).toEqual([
      {
        ruleId: "BP105",
        ruleIndex: 0,
        level: "error",
        message: { text: "No policy files." },
        // Lines and columns start at 1 in SARIF: a whole-file finding points at its start.
        locations: [{ physicalLocation: { artifactLocation: { uri: "policies", uriBaseId: "%SRCROOT%" }, region: { startLine: 1, startColumn: 1 } } }],
      },
      {
        ruleId: "BP601",
        ruleIndex: 2,
        level: "warning",
        message: { text: "Rule never matches.\nHint: Move it up." },
        locations: [{ physicalLocation: { artifactLocation: { uri: "policies/a.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 12, startColumn: 5 } } }],
      },
      {
        ruleId: "BP305",
        ruleIndex: 1,
        level: "error",
        message: { text: "Invalid JA3 fingerprint 'nope'." },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: "policies/b%20shop.yaml", uriBaseId: "%SRCROOT%" },
              region: { startLine: 6, startColumn: 18, endLine: 6, endColumn: 22 },
            },
          },
        ],
      },
    ]);
    expect(run.tool.driver.rules![run.results![2]!.ruleIndex!]!.id).toBe("BP305");
    expect(Object.keys(run.originalUriBaseIds!)).toEqual(["%SRCROOT%"]);
  });
});

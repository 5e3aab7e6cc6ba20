import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalog, makeDiagnostic } from "../../src/diagnostics/catalog.js";
import { formatGithub, formatPretty } from "../../src/diagnostics/format-diagnostics.js";
import { expectGolden, REPO_ROOT } from "../helpers/run-cli.js";

describe("the diagnostics catalog", () => {
  it("is pinned: codes, severities and summaries change only on purpose", () => {
    const listing = Object.entries(catalog)
      .map(([code, entry]) => `${code} ${entry.severity.padEnd(7)} ${entry.summary}`)
      .join("\n");
    expectGolden(join(REPO_ROOT, "test", "golden", "catalog.txt"), `${listing}\n`);
  });

  it("uses well-formed codes in ascending order, in the ranges of their stage", () => {
    const codes = Object.keys(catalog);
    for (const code of codes) expect(code).toMatch(/^BP[1-6]\d\d$/);
    expect([...codes].sort()).toEqual(codes);
  });

  it("writes every message as one sentence", () => {
    const probe = makeDiagnostic("BP305", { file: "a.yaml", line: 1, column: 1 }, "x");
    expect(probe).toEqual({ code: "BP305", severity: "error", message: "Invalid JA3 fingerprint 'x': expected 32 lowercase hex characters.", file: "a.yaml", line: 1, column: 1 });
  });
});

describe("formatting", () => {
  const diagnostic = { ...makeDiagnostic("BP201", { file: "p.yaml", line: 2, column: 3, length: 6 }, "actoin", "rule 'a'"), hint: "did you mean 'action'?" };

  it("prints like tsc, with the source line, a marker and the hint", () => {
    expect(formatPretty([diagnostic], new Map([["p.yaml", "rules:\n  actoin: block\n"]]))).toBe(
      "p.yaml:2:3 - error BP201: Unknown field 'actoin' in rule 'a'.\n\n2   actoin: block\n    ~~~~~~\nhint: did you mean 'action'?\n\nFound 1 error and 0 warnings.\n",
    );
  });

  it("escapes GitHub workflow-command data and properties", () => {
    const tricky = { ...diagnostic, file: "a,b:c.yaml", message: "50% done\nnext", hint: undefined };
    delete (tricky as { hint?: string }).hint;
    expect(formatGithub([tricky])).toBe("::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=BP201::50%25 done%0Anext\n");
  });
});

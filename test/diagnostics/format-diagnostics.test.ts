import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatPretty } from "../../src/diagnostics/format-diagnostics.js";

/** A source map that counts how often a file's whole text is fetched. */
class CountingSources extends Map<string, string> {
  reads = 0;
  override get(file: string): string | undefined {
    this.reads++;
    return super.get(file);
  }
}

describe("formatPretty", () => {
  it("reads each source once however many diagnostics point into it (printing stays linear)", () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `  - item-${i}`);
    const sources = new CountingSources([
      ["a.yaml", lines.join("\n")],
      ["b.yaml", lines.join("\r\n")],
    ]);
    const diagnostics: Diagnostic[] = lines.flatMap((_, i) => [
      { code: "BP305", severity: "error", message: `bad ${i}.`, file: "a.yaml", line: i + 1, column: 5, length: 4 },
      { code: "BP305", severity: "error", message: `bad ${i}.`, file: "b.yaml", line: i + 1, column: 5, length: 4 },
    ]);
    const text = formatPretty(diagnostics, sources);
    expect(sources.reads).toBe(2);
    // The source lines are still the right ones, CRLF or not.
    expect(text).toContain("b.yaml:1234:5 - error BP305: bad 1233.\n\n1234   - item-1233\n         ~~~~\n");
    expect(text).toContain("a.yaml:2000:5 - error BP305: bad 1999.\n\n2000   - item-1999\n");
  });

  it("prints no source line for a file it does not have or a line past the end", () => {
    const diagnostic: Diagnostic = { code: "BP305", severity: "error", message: "bad.", file: "a.yaml", line: 9, column: 1 };
    expect(formatPretty([diagnostic, { ...diagnostic, file: "none.yaml" }], new Map([["a.yaml", "x: 1\n"]]))).toBe(
      "a.yaml:9:1 - error BP305: bad.\n\nnone.yaml:9:1 - error BP305: bad.\n\nFound 2 errors and 0 warnings.\n",
    );
  });
});

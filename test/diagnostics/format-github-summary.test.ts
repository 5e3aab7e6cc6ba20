import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatGithubSummary, STEP_SUMMARY_LIMIT_BYTES } from "../../src/diagnostics/format-diagnostics.js";

const finding = (i: number, message = `bad ${i}.`): Diagnostic => ({ code: "BP305", severity: i % 2 === 0 ? "error" : "warning", message, file: "policies/a.yaml", line: i + 1, column: 3 });

describe("formatGithubSummary", () => {
  it("lists every finding in a Markdown table, one line per cell", () => {
    expect(formatGithubSummary([finding(1, "a | b\nc `d`"), { ...finding(0), hint: "Use hex." }])).toBe(
      [
        "### bot-policy validate",
        "",
        "Found 1 error and 1 warning.",
        "",
        "| | Location | Code | Message |",
        "|---|---|---|---|",
        "| ❌ | policies/a.yaml:1:3 | BP305 | bad 0. Hint: Use hex. |",
        "| ⚠️ | policies/a.yaml:2:3 | BP305 | a \\| b c \\`d\\` |",
        "",
        "",
      ].join("\n"),
    );
  });

  it("says so when there is nothing to report", () => {
    expect(formatGithubSummary([])).toBe("### bot-policy validate\n\nFound 0 errors and 0 warnings.\n\n");
  });

  it("keeps more than the ten findings an annotation step shows", () => {
    const text = formatGithubSummary(Array.from({ length: 25 }, (_, i) => finding(i)));
    expect(text.split("\n").filter((line) => line.startsWith("| ❌") || line.startsWith("| ⚠️"))).toHaveLength(25);
  });

  it("stays within 1 MiB and says how many findings it cut", () => {
    const many = Array.from({ length: 20_000 }, (_, i) => finding(i, "x".repeat(100)));
    const text = formatGithubSummary(many);
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT_BYTES);
    expect(bytes).toBeGreaterThan(STEP_SUMMARY_LIMIT_BYTES - 400);
    const rows = text.split("\n").filter((line) => line.startsWith("| ❌") || line.startsWith("| ⚠️")).length;
    expect(text).toMatch(new RegExp(`\\*\\*Cut:\\*\\* ${20_000 - rows} of 20000 findings are not shown`));
  });

  it("respects a smaller budget exactly, and writes nothing when even the heading does not fit", () => {
    const many = Array.from({ length: 50 }, (_, i) => finding(i));
    for (const limit of [300, 600, 1000]) expect(Buffer.byteLength(formatGithubSummary(many, limit))).toBeLessThanOrEqual(limit);
    expect(formatGithubSummary(many, 20)).toBe("");
    expect(formatGithubSummary([], 10)).toBe("");
  });
});

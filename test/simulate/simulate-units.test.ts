import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decide } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { readLogpushLine } from "../../src/fields/read-logpush-line.js";
import { countTopValues } from "../../src/simulate/count-top-values.js";
import { formatSimulation } from "../../src/simulate/format-simulation.js";
import { readLogpushFields, REQUEST_SHAPE, unknownFields } from "../../src/simulate/read-logpush-fields.js";
import type { ZoneSimulation } from "../../src/simulate/simulation-report.js";
import { splitLines, type TextLine } from "../../src/simulate/split-lines.js";
import { propertyRuns } from "../setup/fast-check-seed.js";
import { projectFiles } from "../helpers/project-files.js";
import { REPO_ROOT } from "../helpers/run-cli.js";
import { generateLogpushLines } from "./generate-logpush-lines.js";

async function collect(chunks: Array<string | Buffer>, maxLength?: number): Promise<TextLine[]> {
  const lines: TextLine[] = [];
  for await (const batch of splitLines((async function* () { yield* chunks; })(), maxLength)) lines.push(...batch);
  return lines;
}

describe("splitLines", () => {
  it("numbers lines from 1, skips blank ones, takes \\r\\n and a last line without newline, drops a leading BOM", async () => {
    expect(await collect(["\uFEFFa\r\n\nb\n", "  \nc"])).toEqual([
      { number: 1, text: "a" },
      { number: 3, text: "b" },
      { number: 5, text: "c" },
    ]);
  });

  it("gives the same lines however the bytes are cut, multi-byte characters included", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: "binary", maxLength: 12 }), { maxLength: 12 }), fc.array(fc.nat(40), { maxLength: 8 }), async (texts, cuts) => {
        const bytes = Buffer.from(texts.join("\n"), "utf8");
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => bytes.subarray(start, [...points, bytes.length][i]));
        const whole = await collect([bytes]);
        expect(await collect(chunks)).toEqual(whole);
        const expected = bytes.toString("utf8").replace(/^\uFEFF/, "").split("\n").map((text, i) => ({ number: i + 1, text: text.endsWith("\r") ? text.slice(0, -1) : text })).filter((l) => l.text.trim() !== "");
        expect(whole).toEqual(expected);
      }),
      { numRuns: propertyRuns(100) },
    );
  });

  it("reports a line longer than the limit without keeping it, in whichever chunk it ends", async () => {
    expect(await collect(["ok\n", "x".repeat(30), "x".repeat(30), "\nnext\n", "y".repeat(100)], 50)).toEqual([
      { number: 1, text: "ok" },
      { number: 2, tooLong: true },
      { number: 3, text: "next" },
      { number: 4, tooLong: true },
    ]);
  });
});

describe("readLogpushFields", () => {
  const fixtures = ["shop.ndjson", "api.ndjson"].flatMap((f) => readFileSync(join(REPO_ROOT, "test", "fixtures", "traffic", f), "utf8").split("\n"));
  const lines = [...fixtures, ...generateLogpushLines(300, 11)].flatMap((text) => {
    try {
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === "object" && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });

  function throughTheRequest(line: Record<string, unknown>) {
    const converted = requestFields(readLogpushLine(line).request);
    if ("error" in converted) throw new Error(converted.error);
    return converted.fields;
  }

  it("means exactly requestFields(readLogpushLine(line)) on real-shaped lines", () => {
    expect(lines.length).toBeGreaterThan(300);
    for (const line of lines) expect(readLogpushFields(line).fields).toEqual(throughTheRequest(line));
  });

  it("means the same on lines with values of any type in the fields the table reads", () => {
    const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 6 }), fc.constantFrom("passed", "failed", "missing", "de"), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.constantFrom("browser_ratio_1h", "reqs_rank_1h", "other"), fc.oneof(fc.double(), fc.string(), fc.constant(null))));
    const keys = ["BotScore", "VerifiedBotCategory", "JSDetectionPassed", "BotDetectionIDs", "JA3Hash", "JA4", "JA4Signals", "ClientIP", "ClientASN", "ClientCountry", "ClientRequestHost", "ClientRequestPath", "ClientRequestMethod", "ClientRequestUserAgent"];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value), (line) => {
        expect(readLogpushFields(line).fields).toEqual(throughTheRequest(line));
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it("leaves unknown the fields no log has, those the line lacks, and any field that is not a policy field", () => {
    const { knowledge } = readLogpushFields({ BotScore: 5, ClientRequestPath: "/" });
    const unknown = unknownFields(knowledge);
    expect(["cf.bot_management.score", "http.request.uri.path"].filter(unknown)).toEqual([]);
    expect(
      ["cf.bot_management.verified_bot", "cf.bot_management.static_resource", "cf.bot_management.corporate_proxy", "risk.risk_scores.overall", "cf.bot_management.ja4", "ip.src", "http.request.headers", "http.cookie"].every(unknown),
    ).toBe(true);
    expect(unknownFields(REQUEST_SHAPE)("cf.bot_management.verified_bot")).toBe(false);
  });
});

describe("decide on a three-valued zone program", () => {
  const plan = compileProject({ files: projectFiles(REPO_ROOT), now: new Date("2026-12-01T00:00:00Z") }).plans.find((p) => p.zone === "shop")!;

  it("answers unknown at the first edge rule that depends on an unknown field, and agrees with the two-valued decision otherwise", () => {
    const program = compileZoneProgram(plan, (field) => field === "cf.bot_management.verified_bot" || field === "cf.bot_management.static_resource");
    const full = compileZoneProgram(plan);
    const fields = (request: Record<string, unknown>) => {
      const converted = requestFields(request);
      if ("error" in converted) throw new Error(converted.error);
      return converted.fields;
    };
    expect(decide(program, fields({ bot_score: 5, path: "/" }))).toEqual({ action: "unknown", rule: "storefront/challenge-likely-automated", stage: "edge", logged: [] });
    expect(decide(program, fields({ verified_bot_category: "Page Preview" }))).toEqual({ action: "unknown", rule: "storefront/allow-search-crawlers", stage: "edge", logged: [] });
    for (const request of [{ bot_score: 50 }, { ip: "192.0.2.1", bot_score: 1 }, { ja4: "t13d880900_fcb5b95cb75a_b0d3b4ac2a14" }, { path: "/xmlrpc.php", bot_score: 99 }]) {
      const decided = decide(program, fields(request));
      expect(decided.action).not.toBe("unknown");
      expect(decided).toEqual(decide(full, fields({ ...request, verified_bot: false, static_resource: true })));
      expect(decided).toEqual(decide(full, fields({ ...request, verified_bot: true, static_resource: false })));
    }
  });
});

describe("countTopValues", () => {
  it("counts exactly below its capacity, most frequent first, ties in a fixed order", () => {
    const top = countTopValues(8);
    for (const value of ["b", "a", 7, "a", "c", 7, "a"]) top.add(value);
    expect(top.top(3)).toEqual([
      { value: "a", count: 3 },
      { value: 7, count: 2 },
      { value: "b", count: 1 },
    ]);
    expect(top.approximate).toBe(false);
  });

  it("keeps a frequent value among many rare ones in bounded memory, and says the counts are approximate", () => {
    const top = countTopValues(16);
    for (let i = 0; i < 10_000; i += 1) top.add(i % 3 === 0 ? "/hot" : `/rare/${i}`);
    expect(top.top(1)[0]!.value).toBe("/hot");
    expect(top.top(100).length).toBeLessThanOrEqual(16);
    expect(top.approximate).toBe(true);
  });
});

describe("formatSimulation", () => {
  const hostile = "/a|b`c`\u001b[31m\nd";
  const zone: ZoneSimulation = {
    zone: "shop",
    lines: 1,
    eyeball: 1,
    subrequests: 0,
    other_sources: 0,
    malformed: 0,
    malformed_lines: [],
    rules: [{ rule: "p/block", action: "block", stage: "edge", matched: 1, decided: 1, unknown: 0, undecided: 0, logged: 0, top: { ja4: [], path: [{ value: hostile, count: 1 }], asn: [], approximate: false } }],
    decisions: { pass: 0, skip: 0, block: 1, managed_challenge: 0, js_challenge: 0, challenge: 0, unknown: 0 },
    base: "main",
    changes: [{ from: "pass", to: "block", rule: "p/block", from_rule: null, to_rule: "p/block", count: 1, samples: [{ file: "t", line: 1, ray_id: "01", path: hostile }] }],
  };

  it("keeps a visitor's path from breaking a Markdown table or a terminal", () => {
    const markdown = formatSimulation({ zones: [zone] }, "markdown");
    expect(markdown).toContain("``/a\\|b`c`\\x1b[31m\\x0ad``");
    // Every row of a table has as many cells as its header: no unescaped `|` came from the path.
    const cells = (row: string): number => row.split(/(?<!\\)\|/).length;
    let header: number | undefined;
    for (const line of markdown.split("\n")) {
      if (!line.startsWith("|")) header = undefined;
      else if (header === undefined) header = cells(line);
      else expect(cells(line)).toBe(header);
    }
    expect(markdown).not.toContain("\u001b");
    const pretty = formatSimulation({ zones: [zone] }, "pretty");
    expect(pretty).not.toContain("\u001b");
    expect(pretty).toContain("/a|b`c`\\x1b[31m\\x0ad");
  });
});

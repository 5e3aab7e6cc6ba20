import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, expectGolden, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "guards");
const GOLDEN = join(REPO_ROOT, "test", "golden", "guards");
const NOW = "2026-11-21";

/**
 * Each fixture triggers a guard (`# expect: BPnnn line:col`) or shows it suppressed with a reason
 * (`# absent: BPnnn`: that code is not reported, and no suppression is reported unused).
 */
function readFixture(file: string) {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  const expected = /^# expect: (BP\d{3}) (\d+):(\d+)$/m.exec(text);
  const absent = /^# absent: (BP\d{3})$/m.exec(text)?.[1];
  if (!expected && !absent) throw new Error(`${file} has neither '# expect:' nor '# absent:'`);
  return { text, expected: expected && `${expected[1]} ${expected[2]}:${expected[3]}`, absent };
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".yaml")).sort();

describe("guard fixtures", () => {
  it.each(fixtures)("%s", async (file) => {
    const fixture = readFixture(file);
    const dir = makeProject({ [`policies/${file}`]: fixture.text });
    const json = await cli(["validate", "--dir", dir, "--format", "json", "--now", NOW]);
    const { diagnostics } = JSON.parse(json.stdout) as { diagnostics: Array<{ code: string; severity: string; line: number; column: number }> };
    const found = diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
    if (fixture.expected) expect(found).toContain(fixture.expected);
    if (fixture.absent) {
      expect(diagnostics.map((d) => d.code)).not.toContain(fixture.absent);
      expect(diagnostics.map((d) => d.code)).not.toContain("BP610");
    }
    const failed = diagnostics.some((d) => d.severity === "error");
    expect(json.code).toBe(failed ? 1 : 0);

    const pretty = await cli(["validate", "--dir", dir, "--now", NOW]);
    expectGolden(join(GOLDEN, `${basename(file, ".yaml")}.txt`), `${pretty.stderr}${pretty.stdout}`);

    // compile reports the guards validate reported: the same findings, the same verdict.
    const compiled = await cli(["compile", "--dir", dir, "--out", join(dir, "out"), "--now", NOW]);
    expect(compiled.code).toBe(json.code);
    const compileFound = [...compiled.stderr.matchAll(/^policies\/[^:]+:(\d+):(\d+) - \w+ (BP\d{3}):/gm)].map(([, line, column, code]) => `${code} ${line}:${column}`);
    expect(compileFound.sort()).toEqual([...found].sort());
  });
});

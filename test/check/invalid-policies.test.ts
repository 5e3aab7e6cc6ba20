import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, expectGolden, makeProject, REPO_ROOT } from "../helpers/run-cli.js";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "invalid");
const GOLDEN = join(REPO_ROOT, "test", "golden", "invalid");
const STACKS = join(REPO_ROOT, "test", "fixtures", "stacks");

/**
 * Each fixture says what it must produce: `# expect: BPnnn line:col`, and optionally `# stack: S`
 * (`test/fixtures/stacks/Pulumi.S.yaml`, else the example project's stack file).
 */
function readFixture(file: string) {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  const expectLine = /^# expect: (BP\d{3}) (\d+):(\d+)$/m.exec(text);
  if (!expectLine) throw new Error(`${file} has no '# expect: BPnnn line:col' line`);
  const stack = /^# stack: (\S+)$/m.exec(text)?.[1];
  return { text, code: expectLine[1]!, line: Number(expectLine[2]), column: Number(expectLine[3]), stack };
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith(".yaml")).sort();

describe("invalid policies", () => {
  it("has at least 30 of them", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtures)("%s is refused with its code at its position", async (file) => {
    const fixture = readFixture(file);
    const files: Record<string, string> = { [`policies/${file}`]: fixture.text };
    const stackFile = fixture.stack && join(STACKS, `Pulumi.${fixture.stack}.yaml`);
    if (stackFile && existsSync(stackFile)) files[`Pulumi.${fixture.stack}.yaml`] = readFileSync(stackFile, "utf8");
    const dir = makeProject(files, fixture.stack && !(stackFile && existsSync(stackFile)) ? [fixture.stack] : []);
    const stackArgs = fixture.stack ? ["--stack", fixture.stack] : [];

    const json = await cli(["validate", "--dir", dir, "--format", "json", "--now", "2026-11-21", ...stackArgs]);
    expect(json.code).toBe(1);
    const { diagnostics } = JSON.parse(json.stdout) as { diagnostics: Array<{ code: string; line: number; column: number; file: string }> };
    expect(diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toContain(`${fixture.code} ${fixture.line}:${fixture.column}`);
    for (const d of diagnostics) expect(d.file).toBe(`policies/${file}`);

    const pretty = await cli(["validate", "--dir", dir, "--now", "2026-11-21", ...stackArgs]);
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toBe("");
    expectGolden(join(GOLDEN, `${basename(file, ".yaml")}.txt`), pretty.stderr);

    // One check, run once: compile finds nothing that validate (given the same stack) did not report.
    const compiled = await cli(["compile", "--dir", dir, "--out", join(dir, "out"), "--now", "2026-11-21", ...stackArgs]);
    expect(compiled.code).toBe(1);
    const reported = new Set(diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`));
    for (const [, line, column, code] of compiled.stderr.matchAll(/^policies\/[^:]+:(\d+):(\d+) - \w+ (BP\d{3}):/gm)) {
      expect(reported).toContain(`${code} ${line}:${column}`);
    }
  });
});

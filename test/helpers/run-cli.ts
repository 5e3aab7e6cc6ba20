import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { runCli } from "../../src/cli/main.js";

/** The repository root, where the example project (policies/, Pulumi.*.yaml) lives. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");

/** Runs the CLI in-process and captures what it prints. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), color: false });
  return { code, stdout, stderr };
}

/** Makes a throwaway project with the given files (path → content), optionally with a repo stack file. */
export function makeProject(files: Record<string, string>, stacks: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "bot-policy-"));
  mkdirSync(join(dir, "policies"));
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  for (const stack of stacks) cpSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), join(dir, `Pulumi.${stack}.yaml`));
  return dir;
}

/**
 * Compares text with a golden file; `UPDATE_GOLDEN=1 npm test` rewrites the golden files
 * (review the diff before committing).
 */
export function expectGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== "1") throw new Error(`golden file ${file} was missing and has been written; check it and run again`);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

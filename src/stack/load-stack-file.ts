import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { ParseStackConfigResult } from "./parse-stack-config.js";
import { parseStackFile, stackFileName, stackNames } from "./parse-stack-file.js";

/** The stacks that have a `Pulumi.<stack>.yaml` file in `dir`, sorted by name. */
export function listStacks(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return stackNames(entries);
}

/**
 * Reads and validates `Pulumi.<stack>.yaml` in `dir` (for the Pulumi program and tools that start
 * from a folder; the pipeline itself calls `parseStackFile` on text). Diagnostics name the file
 * relative to `dir` and point at the offending key. A fully qualified stack (`org/project/dev`)
 * reads `Pulumi.dev.yaml`, as the Pulumi CLI does.
 */
export function loadStackFile(dir: string, stack: string): ParseStackConfigResult {
  const name = stack.split("/").pop() ?? stack;
  const file = stackFileName(name);
  const path = join(dir, file);
  const at = { file, line: 1, column: 1 };
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !existsSync(path)) {
    const stacks = listStacks(dir);
    const available =
      stacks.length === 0
        ? "there is no 'Pulumi.<stack>.yaml' file in this directory"
        : `available stacks are ${stacks.map((candidate) => `'${candidate}'`).join(", ")}`;
    const missing = makeDiagnostic("BP150", at, file, available);
    return { diagnostics: [withHint(missing, "create it with 'pulumi stack init' and 'pulumi config set', or pass an existing stack")] };
  }
  let text: string;
  try {
    if (!statSync(path).isFile()) return { diagnostics: [makeDiagnostic("BP151", at, file, "cannot be read: it is not a regular file")] };
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { diagnostics: [makeDiagnostic("BP151", at, file, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)] };
  }
  return parseStackFile(name, text);
}

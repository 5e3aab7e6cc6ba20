import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/**
 * Reads a project folder into the map the pipeline takes: `policies/*.yaml|yml` and the
 * `Pulumi*.yaml` files, keyed by project-relative POSIX path.
 */
export function readProjectFiles(dir: string): { files: Map<string, string>; diagnostics: Diagnostic[] } {
  const files = new Map<string, string>();
  const names = [...listFolder(dir).filter((n) => /^Pulumi(\..+)?\.yaml$/.test(n)), ...listFolder(join(dir, "policies")).filter((n) => /\.ya?ml$/.test(n)).map((n) => `policies/${n}`)];
  for (const name of names.sort()) files.set(name, readFileSync(join(dir, name), "utf8"));
  return { files, diagnostics: [] };
}

function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

import { buildSync } from "esbuild";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerPolicy } from "../model/zone-plan.js";

/** The Worker runtime's entry, relative to the repository root: always bundled from source. */
const RUNTIME_ENTRY = "src/worker/create-worker.ts";

/**
 * The Workers compatibility date the runtime is written and tested against. It must not be later
 * than what the pinned workerd accepts, or the tests could not run what is deployed.
 */
export const WORKER_COMPATIBILITY_DATE = "2026-04-26";

/**
 * The repository root: the nearest folder at or above `from` that holds the Worker runtime's
 * TypeScript source. Looking for the source (not for `dist/`) makes the same files bundle whether
 * this module runs from `src/` (vitest, tsx) or from the built `dist/src/`.
 */
export function findRuntimeRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, RUNTIME_ENTRY))) return dir;
    // dirname of a root is the root itself: nothing above to try.
    if (dirname(dir) === dir) throw new Error(`bot-policy: no '${RUNTIME_ENTRY}' in '${start}' or any folder above it.`);
  }
}

/**
 * Bundles the Worker for one zone: the runtime plus the compiled policy, as one ES module.
 *
 * The policy is embedded in a generated entry module as a JSON string literal handed to
 * `JSON.parse` (a JSON binding holds only 5 KB; JSON text also parses faster than an object
 * literal). The output is not minified: the runtime is small next to the 64 MiB script limit,
 * and a readable bundle keeps the one-line error logs and a review of `worker.js` meaningful.
 * Byte-for-byte deterministic: paths in the output are relative to the repository root, and
 * esbuild gets no tsconfig from disk.
 */
export function buildWorkerBundle(policy: WorkerPolicy): string {
  const policyText = JSON.stringify(JSON.stringify(policy));
  return bundleWorkerModule([`import { createWorker } from "./${RUNTIME_ENTRY}";`, `export default createWorker(JSON.parse(${policyText}));`, ""].join("\n"), "worker-entry.js");
}

/**
 * Bundles one generated entry module (imports resolve from the repository root) with the
 * project's settings: one ES module for workerd, deterministic, no tsconfig read from disk.
 */
export function bundleWorkerModule(contents: string, sourcefile: string): string {
  const root = findRuntimeRoot();
  const result = buildSync({
    stdin: { contents, sourcefile, resolveDir: root, loader: "js" },
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    tsconfigRaw: {},
    charset: "utf8",
    legalComments: "inline",
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error("bot-policy: esbuild produced no Worker bundle.");
  return output.text;
}

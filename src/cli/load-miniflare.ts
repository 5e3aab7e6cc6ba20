import type { MiniflareModule } from "../testing/run-workerd-tests.js";
import { UsageError } from "./io.js";

/** How a module is imported; a parameter so that a test can stand in for a missing package. */
export type ModuleImporter = (name: string) => Promise<unknown>;

/**
 * Loads `miniflare` for `test --runtime workerd`. It is an optional peer dependency, not a
 * dependency: it brings workerd, a native binary of over 100 MB per platform, which `validate`,
 * `compile` and a Pulumi deployment never need. When it is missing, one line says how to add it.
 */
export async function loadMiniflare(importer: ModuleImporter = (name) => import(name)): Promise<MiniflareModule> {
  try {
    return (await importer("miniflare")) as MiniflareModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new UsageError("--runtime workerd needs the 'miniflare' package (it runs workerd): add it with 'npm install --save-dev miniflare'.");
  }
}

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { StackConfig } from "../model/stack.js";
import { listStacks, loadStackFile } from "../stack/load-stack-file.js";
import { compileProject } from "../compile/compile-project.js";
import { hasErrors } from "../diagnostics/catalog.js";
import { reportDiagnostics, UsageError, type Io } from "./io.js";
import { readProjectFiles } from "./read-project-files.js";

/** What `compileProject` returns. */
export type CompiledProject = ReturnType<typeof compileProject>;

/** Options every project command takes. */
export interface ProjectFlags {
  dir: string;
  stack?: string;
  now?: string;
}

/** Resolved project flags: the folder, the stack's config if one was chosen, and the date. */
export interface ProjectContext {
  dir: string;
  stack?: StackConfig;
  now: Date;
  diagnostics: Diagnostic[];
  /** The stack file's name and text, for source lines under its diagnostics. */
  stackSource?: [string, string];
}

/** Reads the chosen stack and the `--now` date; a missing stack file is a usage error. */
export function resolveProject(flags: ProjectFlags): ProjectContext {
  const dir = resolve(flags.dir);
  // TEMPORARY (cli helper): only for its usage errors (--dir, policies/, the stack's file) until the
  // pipeline takes the files map; its diagnostics would repeat the loader's.
  readProjectFiles(flags.dir, flags.stack === undefined ? {} : { stack: flags.stack });
  const now = parseNow(flags.now);
  if (flags.stack === undefined) return { dir, now, diagnostics: [] };
  const stacks = listStacks(dir);
  // A fully qualified stack (org/project/dev) reads Pulumi.dev.yaml, as the Pulumi CLI does.
  const name = flags.stack.split("/").pop() ?? flags.stack;
  if (!stacks.includes(name)) {
    const known = stacks.length === 0 ? "there are no Pulumi.<stack>.yaml files" : `known stacks: ${stacks.join(", ")}`;
    throw new UsageError(`Unknown stack '${flags.stack}' (${known}).`);
  }
  const loaded = loadStackFile(dir, flags.stack);
  const file = `Pulumi.${name}.yaml`;
  const context: ProjectContext = { dir, now, diagnostics: loaded.diagnostics, stackSource: [file, readFileSync(join(dir, file), "utf8")] };
  if (loaded.config) context.stack = loaded.config;
  return context;
}

function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`--now takes a date as YYYY-MM-DD, not '${text}'.`);
  }
  return new Date(`${text}T00:00:00Z`);
}

/**
 * Resolves the project, compiles it, and reports every diagnostic (stack file included). Returns
 * the result only when nothing failed, so a command can go on with it.
 */
export function compileForCommand(flags: ProjectFlags, io: Io): { project: ProjectContext; result: CompiledProject } | undefined {
  const project = resolveProject(flags);
  const result = hasErrors(project.diagnostics) ? undefined : compileProject(project);
  const diagnostics = [...project.diagnostics, ...(result?.diagnostics ?? [])];
  const sources = new Map(result?.sources ?? []);
  if (project.stackSource) sources.set(...project.stackSource);
  reportDiagnostics(io, diagnostics, "pretty", sources);
  return result && !hasErrors(diagnostics) ? { project, result } : undefined;
}

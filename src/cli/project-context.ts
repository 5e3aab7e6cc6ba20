import { resolve } from "node:path";
import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileProject } from "../compile/compile-project.js";
import type { CompiledProject, ProjectFiles } from "../model/project.js";
import type { StackConfig } from "../model/stack.js";
import { checkStackOwnsZones } from "../stack/check-stack-zones.js";
import { stackFileName, stackFromFiles, stackNames } from "../stack/parse-stack-file.js";
import { reportDiagnostics, UsageError, type Io } from "./io.js";
import { readProjectFiles } from "./read-project-files.js";

/** Options every project command takes. */
export interface ProjectFlags {
  dir: string;
  stack?: string;
  now?: string;
}

/** Resolved project flags: the folder, its files, the stack's config if one was chosen, and the date. */
export interface ProjectContext {
  dir: string;
  files: ProjectFiles;
  stack?: StackConfig;
  now: Date;
  /** What reading the folder and the stack file reported. */
  diagnostics: Diagnostic[];
}

/** Reads the project folder, the chosen stack and the `--now` date; a missing stack is a usage error. */
export function resolveProject(flags: ProjectFlags): ProjectContext {
  const dir = resolve(flags.dir);
  const now = parseNow(flags.now);
  const { files, diagnostics } = readProjectFiles(dir, flags.stack === undefined ? {} : { stack: flags.stack });
  const context: ProjectContext = { dir, files, now, diagnostics };
  if (flags.stack === undefined) return context;
  // The stack a command is run with must exist: a wrong name is a mistake in the command line.
  if (!files.has(stackFileName(flags.stack))) {
    const stacks = stackNames(files.keys());
    const known = stacks.length === 0 ? "there are no Pulumi.<stack>.yaml files" : `known stacks: ${stacks.join(", ")}`;
    throw new UsageError(`Unknown stack '${flags.stack}' (${known}).`);
  }
  const loaded = stackFromFiles(files, flags.stack);
  diagnostics.push(...loaded.diagnostics);
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

/** Options of `compileForCommand`. */
export interface CompileForCommandOptions {
  /**
   * The command writes what the stack deploys (`compile`): a zone that another stack file also
   * owns (BP170) is then an error, as it is for `validate` and the Pulumi program.
   */
  ownsZones?: boolean;
}

/**
 * Resolves the project, compiles it, and reports every diagnostic (stack file included). Returns
 * the result only when nothing failed, so a command can go on with it.
 */
export function compileForCommand(flags: ProjectFlags, io: Io, options: CompileForCommandOptions = {}): { project: ProjectContext; result: CompiledProject } | undefined {
  const project = resolveProject(flags);
  if (options.ownsZones && flags.stack !== undefined) project.diagnostics.push(...checkStackOwnsZones(project.files, flags.stack));
  const result = hasErrors(project.diagnostics) ? undefined : compileProject(project);
  const diagnostics = [...project.diagnostics, ...(result?.diagnostics ?? [])];
  reportDiagnostics(io, diagnostics, "pretty", project.files);
  return result && !hasErrors(diagnostics) ? { project, result } : undefined;
}

import { readdirSync, readFileSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { UsageError } from "./io.js";

/** The folder of policy and test files inside a project. */
const POLICY_DIR = "policies";

/** `Pulumi.yaml` and the stack files `Pulumi.<stack>.yaml`, as Pulumi names them (lowercase only). */
const PULUMI_FILE = /^Pulumi(?:\.[^/\\]+)?\.yaml$/;

/** Names of policy and test files. */
const YAML_NAME = /\.ya?ml$/;

/** The same extension in any case: such a file is meant as YAML but is not read, so it is named. */
const YAML_NAME_ANY_CASE = /\.ya?ml$/i;

/**
 * True for a project-relative POSIX path that `readProjectFiles` reads: `Pulumi.yaml`,
 * `Pulumi.<stack>.yaml`, or a policy or test file directly in `policies/`. Reading a git revision
 * picks its files with the same rule.
 */
export function isProjectFile(path: string): boolean {
  const slash = path.indexOf("/");
  if (slash < 0) return PULUMI_FILE.test(path);
  return path.slice(0, slash) === POLICY_DIR && !path.includes("/", slash + 1) && YAML_NAME.test(path);
}

/** What `readProjectFiles` found: texts by project-relative POSIX path, and what it skipped. */
export interface ProjectFolder {
  /** `policies/<name>.yaml`, `policies/<name>.test.yaml`, `Pulumi.yaml`, `Pulumi.<stack>.yaml`. */
  files: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** Options of `readProjectFiles`. */
export interface ReadProjectFilesOptions {
  /** The stack the command uses (`dev` or `org/project/dev`): its file must be readable if it exists. */
  stack?: string;
}

/**
 * Reads a project folder into a map of path → text, the only input the pipeline takes. Problems of
 * the user's environment (`dir` missing or not a folder, no `policies/` folder, the chosen stack's
 * file a folder or unreadable) throw a UsageError: one line, exit code 2. Inside `policies/`, a
 * folder or unreadable file named like a policy is an error diagnostic; a named pipe, socket or
 * device (or a link to one) is skipped, never opened (reading a FIFO would hang), with a warning;
 * sub-folders holding YAML and `.YAML`/`.Yml` names are not read, with a warning. Nothing is skipped
 * silently. A byte order mark is removed, so it shifts no column. Sub-folders are not read because
 * DESIGN.md defines a project's policies as `policies/*.yaml`, and a test file pairs with the policy
 * file of the same name beside it.
 */
export function readProjectFiles(dir: string, options: ReadProjectFilesOptions = {}): ProjectFolder {
  const files = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const rootEntries = listFolder(dir, `--dir '${dir}'`);

  const chosen = options.stack === undefined ? undefined : `Pulumi.${options.stack.split("/").pop() ?? options.stack}.yaml`;
  for (const name of rootEntries.filter((entry) => PULUMI_FILE.test(entry))) {
    const read = readRegularFile(join(dir, name));
    if (typeof read === "string") files.set(name, read);
    // Only the stack in use matters; a broken file of another stack is that stack's problem.
    else if (name === chosen) throw new UsageError(`Cannot read the stack file '${join(dir, name)}': ${read.reason}.`);
  }

  const policyDir = join(dir, POLICY_DIR);
  if (!rootEntries.includes(POLICY_DIR)) {
    throw new UsageError(`'${dir}' has no '${POLICY_DIR}/' folder: run bot-policy in a project folder, or name one with --dir.`);
  }
  for (const name of listFolder(policyDir, `'${policyDir}'`)) {
    const file = `${POLICY_DIR}/${name}`;
    const path = join(policyDir, name);
    const at = { file, line: 1, column: 1 };
    const stats = statOrReason(path);
    if (!YAML_NAME.test(name)) {
      if (YAML_NAME_ANY_CASE.test(name) && !(stats instanceof Error)) diagnostics.push(makeDiagnostic("BP114", at, file));
      else if (!(stats instanceof Error) && stats.isDirectory() && holdsYaml(path)) diagnostics.push(makeDiagnostic("BP113", at, file));
      continue;
    }
    if (stats instanceof Error) {
      diagnostics.push(makeDiagnostic("BP104", at, stats.message));
      continue;
    }
    if (stats.isDirectory()) {
      diagnostics.push(makeDiagnostic("BP104", at, "it is a folder"));
      continue;
    }
    const special = specialKind(stats);
    if (special !== undefined) {
      diagnostics.push(makeDiagnostic("BP112", at, special));
      continue;
    }
    const read = readRegularFile(path);
    if (typeof read === "string") files.set(file, read);
    else diagnostics.push(makeDiagnostic("BP104", at, read.reason));
  }
  return { files, diagnostics };
}

/** The names in a folder, sorted; a folder that is missing, not a folder or unreadable is a usage error. */
function listFolder(path: string, what: string): string[] {
  const stats = statOrReason(path);
  if (stats instanceof Error) throw new UsageError(`${capitalize(what)} cannot be used: ${stats.message}.`);
  if (!stats.isDirectory()) throw new UsageError(`${capitalize(what)} is not a folder.`);
  try {
    return readdirSync(path).sort();
  } catch (error) {
    throw new UsageError(`${capitalize(what)} cannot be read: ${describeError(error)}.`);
  }
}

/** The text of a regular file without its byte order mark, or why it cannot be read. Never opens a special file. */
function readRegularFile(path: string): string | { reason: string } {
  const stats = statOrReason(path);
  if (stats instanceof Error) return { reason: stats.message };
  if (stats.isDirectory()) return { reason: "it is a folder" };
  const special = specialKind(stats);
  if (special !== undefined) return { reason: `it is ${special}` };
  try {
    return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    return { reason: describeError(error) };
  }
}

/** `statSync` (links followed), or an Error whose message says why in words. */
function statOrReason(path: string): Stats | Error {
  try {
    return statSync(path);
  } catch (error) {
    return new Error(describeError(error));
  }
}

/** What kind of special file this is, or undefined for a regular file or folder. */
function specialKind(stats: Stats): string | undefined {
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return undefined;
}

/** True when a folder holds a YAML file at any depth (or cannot be listed, so it might). */
function holdsYaml(path: string): boolean {
  try {
    return readdirSync(path, { recursive: true, encoding: "utf8" }).some((entry) => YAML_NAME_ANY_CASE.test(entry));
  } catch {
    return true;
  }
}

/** A file-system error in words; the errno code alone ('EISDIR') means little to most users. */
function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "it does not exist (or is a link to nothing)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a folder";
    case "ENOTDIR":
      return "a part of its path is not a folder";
    case "ELOOP":
      return "it is a link that loops";
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

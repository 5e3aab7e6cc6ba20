import { spawnSync } from "node:child_process";
import { makeDiagnostic } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { UsageError } from "./io.js";
import { isProjectFile, type ProjectFolder } from "./read-project-files.js";

/** Git prints whole files here; a project's policies are far below this. */
const MAX_OUTPUT = 512 * 1024 * 1024;

/**
 * Reads a project's files as they are at a git revision, without a checkout: the same files
 * `readProjectFiles` takes from the folder (`Pulumi*.yaml`, `policies/*.yaml`), listed with
 * `git ls-tree` and read with `git cat-file` from the repository holding `dir`. Paths are relative
 * to `dir`, so a project in a sub-folder of its repository works. A revision that does not exist,
 * a folder outside a repository, or a missing git is a UsageError (one line, exit code 2). A file
 * that is a symbolic link in the revision is skipped with a warning, as a special file on disk is.
 */
export function readGitFiles(dir: string, ref: string): ProjectFolder {
  // A revision is never an option: `--output=…` must not reach git as one.
  if (ref === "" || ref.startsWith("-")) throw new UsageError(`'${ref}' is not a git revision.`);
  const commit = git(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], `'${ref}' is not a commit of the git repository at '${dir}'`).toString("utf8").trim();

  // Without --full-tree, ls-tree lists the sub-tree of the folder it runs in, with paths relative to it.
  const listing = git(dir, ["ls-tree", "-r", "-z", commit], `Cannot list the files of '${ref}'`).toString("utf8");
  const blobs: Array<{ path: string; oid: string }> = [];
  const diagnostics: Diagnostic[] = [];
  for (const entry of listing.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [mode, type, oid] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (!isProjectFile(path) || type !== "blob" || oid === undefined) continue;
    if (mode === "120000") diagnostics.push(makeDiagnostic("BP112", { file: path, line: 1, column: 1 }, `a symbolic link at '${ref}'`));
    else blobs.push({ path, oid });
  }

  const files = new Map<string, string>();
  if (blobs.length === 0) return { files, diagnostics };
  const output = git(dir, ["cat-file", "--batch"], `Cannot read the files of '${ref}'`, `${blobs.map((b) => b.oid).join("\n")}\n`);
  let at = 0;
  for (const { path } of blobs) {
    // Each object is `<oid> blob <size>\n<content>\n`.
    const headerEnd = output.indexOf(0x0a, at);
    const size = Number(output.toString("utf8", at, headerEnd).split(" ")[2]);
    files.set(path, output.toString("utf8", headerEnd + 1, headerEnd + 1 + size).replace(/^\uFEFF/, ""));
    at = headerEnd + 1 + size + 1;
  }
  return { files, diagnostics };
}

/** Runs git in `dir` and returns its output; a failure is a UsageError that quotes git's first line. */
function git(dir: string, args: readonly string[], failure: string, input?: string): Buffer {
  const run = spawnSync("git", ["-C", dir, ...args], { input, maxBuffer: MAX_OUTPUT });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? "--base needs git, which is not installed (or not on PATH)." : `${failure}: ${run.error.message}.`);
  }
  if (run.status !== 0) {
    const reason = run.stderr.toString("utf8").trim().split("\n")[0];
    throw new UsageError(reason ? `${failure}: ${reason}` : `${failure}.`);
  }
  return run.stdout;
}

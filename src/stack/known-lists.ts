import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectFiles } from "../model/project.js";
import type { StackConfig } from "../model/stack.js";
import type { DeclaredList, KnownLists } from "../rules/check-list-references.js";
import type { ListKind } from "../rules/cloudflare-lists.js";
import { parseStackFile, stackFileName, stackNames } from "./parse-stack-file.js";

/** The lists raw expressions may use, and what is wrong with their declarations. */
export interface KnownListsResult {
  lists: KnownLists;
  /** Without a stack: the `bot-policy:lists` errors of every stack file (BP172–BP174). */
  diagnostics: Diagnostic[];
}

const LIST_CODES: ReadonlySet<string> = new Set(["BP172", "BP173", "BP174"]);

/**
 * The custom lists raw expressions may use: with a stack, the lists it declares; without one,
 * every list any stack of the project declares, each with the stacks (and kinds) that declare it,
 * so that `validate` without `--stack` accepts what some stack can deploy and refuses a name no
 * stack has. Without a stack, the stack files' list declarations are checked here too (with one,
 * the stack file was checked when it was read), and a stack file that is invalid for other
 * reasons still declares its well-formed lists.
 */
export function knownLists(files: ProjectFiles, stack?: StackConfig): KnownListsResult {
  const declared = new Map<string, DeclaredList[]>();
  const add = (name: string, lists: Readonly<Record<string, ListKind>>): void => {
    for (const [list, kind] of Object.entries(lists)) declared.set(list, [...(declared.get(list) ?? []), { stack: name, kind }]);
  };
  if (stack !== undefined) {
    add(stack.name, stack.lists ?? {});
    return { lists: { stack: stack.name, stacks: [stack.name], declared }, diagnostics: [] };
  }
  const diagnostics: Diagnostic[] = [];
  const stacks = stackNames(files.keys());
  for (const name of stacks) {
    const parsed = parseStackFile(name, files.get(stackFileName(name))!);
    add(name, parsed.config?.lists ?? parsed.lists ?? {});
    diagnostics.push(...parsed.diagnostics.filter((d) => LIST_CODES.has(d.code)));
  }
  return { lists: { stacks, declared }, diagnostics };
}

import { suggest } from "../diagnostics/suggest.js";
import type { Expr } from "./ast.js";
import { expressionType } from "./check-expression.js";
import { isManagedListName, LIST_KIND_ITEMS, listNameProblem, MANAGED_LISTS, type ListKind } from "./cloudflare-lists.js";
import { expressionListTests, type ListTest } from "./expression-lists.js";
import { lookupField } from "./field-catalog.js";
import type { RulesError } from "./rules-error.js";

/** A custom list a stack declares (`bot-policy:lists`), and which stack. */
export interface DeclaredList {
  stack: string;
  kind: ListKind;
}

/**
 * The custom lists raw expressions may use: those of the chosen stack, or (no stack chosen) those
 * of every stack of the project, each name with every stack that declares it. A name some stack
 * declares is known; its kind must fit the tested value in each stack that declares it.
 */
export interface KnownLists {
  /** The stack whose lists these are; `undefined`: every stack of the project (named in `stacks`). */
  stack?: string;
  /** The stacks the lists come from (the chosen one, or every stack of the project), for messages. */
  stacks: readonly string[];
  declared: ReadonlyMap<string, readonly DeclaredList[]>;
}

/** A problem with a `$list` of an expression, located at the `$name` in the text. */
export interface ListProblem extends RulesError {
  /** BP337 undeclared list, BP338 unknown managed list, BP339 kind that does not fit, BP340 redirect list. */
  code: "BP337" | "BP338" | "BP339" | "BP340";
  hint?: string;
}

/** The fields each kind of list can be tested with, besides IP lists, which take every IP value. */
const LIST_FIELDS: Readonly<Record<Exclude<ListKind, "ip" | "redirect">, readonly string[]>> = {
  asn: ["ip.src.asnum", "ip.geoip.asnum"],
  hostname: ["http.host"],
};

/**
 * Checks every `in $name` of an expression against the lists Cloudflare will know: a managed list
 * (`$cf.…`) must be one Cloudflare has; any other name must be declared by the stack (or by some
 * stack, without one), with a kind that fits the tested value (an IP list with an IP, an ASN list
 * with `ip.src.asnum`, a hostname list with `http.host`; a redirect list never). `sets` are the
 * policy's own sets: a raw expression cannot read them, which the hint then says.
 */
export function checkListReferences(expr: Expr, known: KnownLists, sets: readonly string[] = []): ListProblem[] {
  const problems: ListProblem[] = [];
  for (const node of expressionListTests(expr)) {
    const at = nameSpan(node);
    const report = (code: ListProblem["code"], message: string, hint?: string) =>
      problems.push({ code, message, ...at, ...(hint === undefined ? {} : { hint }) });
    const name = node.list;
    if (isManagedListName(name)) {
      const managed = MANAGED_LISTS.get(name);
      if (managed === undefined) {
        const closest = suggest(name, [...MANAGED_LISTS.keys()]);
        report(
          "BP338",
          `'$${name}' is not one of Cloudflare's managed lists (${[...MANAGED_LISTS.keys()].map((n) => `$${n}`).join(", ")}).`,
          closest === undefined ? "a custom list's name has no '.': declare it under bot-policy:lists" : `did you mean '$${closest}'?`,
        );
        continue;
      }
      const misfit = kindMisfit("ip", node.left);
      if (misfit !== undefined) report("BP339", `Managed list '$${name}' holds IP addresses, so it ${misfit}.`);
      continue;
    }
    const declarations = known.declared.get(name);
    if (declarations === undefined || declarations.length === 0) {
      report("BP337", undeclaredMessage(name, known), undeclaredHint(node, known, sets));
      continue;
    }
    const kinds = [...new Set(declarations.map((d) => d.kind))];
    for (const kind of kinds) {
      const where = known.stack === undefined ? ` in stack${stacksOf(declarations, kind).length > 1 ? "s" : ""} ${stacksOf(declarations, kind).join(", ")}` : "";
      if (kind === "redirect") {
        report(
          "BP340",
          `List '$${name}' is a redirect list${where}: redirect lists serve Bulk Redirects and cannot be used in a rule's expression.`,
          "use a list of IP addresses, hostnames or ASNs here",
        );
        continue;
      }
      const misfit = kindMisfit(kind, node.left);
      if (misfit !== undefined) report("BP339", `List '$${name}' holds ${LIST_KIND_ITEMS[kind]}${where}, so it ${misfit}.`);
    }
  }
  return problems;
}

/**
 * The lists of a rule that runs in the Worker (it reads a worker-only field): the Worker cannot
 * see a list's contents, so there `in $name` could never be true. Located at each `$name`.
 */
export function listsUnreadInWorker(expr: Expr): RulesError[] {
  return expressionListTests(expr).map((node) => ({
    message: `List '$${node.list}' cannot be read in the Worker, where this rule runs because it reads a worker-only field: only Cloudflare's rulesets see a list's contents. Put the condition on '$${node.list}' in an edge rule of its own.`,
    ...nameSpan(node),
  }));
}

/** The `$name` at the end of `value in $name` (the whole node when it has no span end). */
function nameSpan(node: ListTest): { start: number; end: number } {
  const end = node.span?.end ?? 0;
  return { start: Math.max(node.span?.start ?? 0, end - node.list.length - 1), end };
}

/** How a list of `kind` does not fit the tested value (`goes with …, not with …`), or `undefined`. */
function kindMisfit(kind: Exclude<ListKind, "redirect">, left: Expr): string | undefined {
  const tested = left.kind === "field" ? `'${left.name}${left.index === undefined ? "" : `[${left.index}]`}'` : "this value";
  if (kind === "ip") {
    const type = left.kind === "field" && left.index === undefined ? lookupField(left.name)?.type : expressionType(left);
    // Unknown types were reported by the type check.
    return type === undefined || type === "Ip" ? undefined : `goes with an IP address field such as 'ip.src', not with ${tested}`;
  }
  const fields = LIST_FIELDS[kind];
  if (left.kind === "field" && left.index === undefined && fields.includes(left.name)) return undefined;
  return `goes with '${fields[0]}', not with ${tested}`;
}

function stacksOf(declarations: readonly DeclaredList[], kind: ListKind): string[] {
  return declarations.filter((d) => d.kind === kind).map((d) => `'${d.stack}'`);
}

function undeclaredMessage(name: string, known: KnownLists): string {
  if (known.stack !== undefined) return `List '$${name}' is not declared in stack '${known.stack}', so Cloudflare would refuse this rule.`;
  if (known.stacks.length === 0) return `List '$${name}' is not declared: this project has no stack file to declare it in.`;
  return `List '$${name}' is declared by no stack of this project (${known.stacks.map((s) => `'${s}'`).join(", ")}), so Cloudflare would refuse this rule.`;
}

function undeclaredHint(node: ListTest, known: KnownLists, sets: readonly string[]): string {
  const name = node.list;
  // The kind the tested value asks for, for the example.
  const kind = (Object.keys(LIST_FIELDS) as Array<keyof typeof LIST_FIELDS>).find((k) => node.left.kind === "field" && LIST_FIELDS[k].includes(node.left.name)) ?? "ip";
  const file = `Pulumi.${known.stack ?? "<stack>"}.yaml`;
  if (sets.includes(name)) {
    return `'${name}' is a set of this policy: sets are written in 'when:' (e.g. when: { ip: $${name} }), while a raw expression reads only Cloudflare lists`;
  }
  const problem = listNameProblem(name);
  if (problem !== undefined) return `no Cloudflare list can be named '${name}': ${problem}`;
  const declare = `declare it under bot-policy:lists in ${file} (e.g. bot-policy:lists: { ${name}: ${kind} })`;
  const closest = suggest(name, [...known.declared.keys()]);
  return closest === undefined ? declare : `did you mean '$${closest}'? Otherwise ${declare}`;
}

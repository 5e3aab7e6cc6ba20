/**
 * Breaks generated projects the ways people and attackers do: mutations of the value tree
 * (delete, duplicate, retype, swap; boundary numbers, huge strings, unicode, lone surrogates,
 * prototype keys, deep nesting) and of the YAML text (anchors and aliases, tabs, a BOM, CRLF,
 * deleted, repeated and swapped lines, truncation, stray characters, tags, several documents).
 * Each mutation is named, so a finding says what was done to the input.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, stringify, type Node } from "yaml";
import type { GeneratedProject } from "./generate-project.js";
import type { Random } from "./random.js";

/** A project as the fuzzer feeds it to the pipeline: texts, stack configs, requests, date, and what was done. */
export interface FuzzInput {
  files: Map<string, string>;
  stacks: Array<{ name: string; config: Record<string, unknown> }>;
  requests: GeneratedProject["requests"];
  now: Date;
  mutations: string[];
}

type Path = Array<string | number>;
type Container = Record<string, unknown> | unknown[];

const BOUNDARY_NUMBERS = [0, -1, 1, 99, 100, 2 ** 31, 2 ** 32, 4294967295, 4294967296, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e309, -1e309, 0.5, -0.0, 1e-7, Number.NaN];
const STRANGE_STRINGS = [
  "",
  " ",
  "\u0000",
  "\u0007bell",
  "a\nb",
  "\r\n",
  "\u2028",
  "\u200b",
  "\u202eevil",
  "e\u0301",
  "😀",
  "\uD83D",
  "\uDE00x",
  "${x}",
  "$",
  "$ips",
  "$missing",
  '"',
  "\\",
  "'",
  "*",
  "&a",
  "- a",
  "a: b",
  "# comment",
  "null",
  "~",
  "yes",
  "1e3",
  "0x10",
  "2026-02-30",
  "1.2.3.4/33",
  "192.0.2.1/24",
  "fe80::1%eth0",
  "::ffff:1.2.3.4",
  "T13D1516H2",
  "de",
];
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const KNOWN_KEYS = ["version", "policy", "zones", "rules", "sets", "when", "expression", "action", "id", "items", "type", "value", "expires", "any", "all", "not", "path", "ip", "bot_score", "ja4", "risk", "ja4_signals", "origin_headers", "risk_intelligence", "mode", "priority", "enabled", "response", "skip", "eq", "in", "matches"];

/**
 * Applies 0–4 mutations (about 60% of projects stay as generated) and writes the YAML texts.
 * `hostile` (fuzz runs only) makes huge strings huge enough to be slow.
 */
export function mutateProject(r: Random, project: GeneratedProject, hostile = false): FuzzInput {
  const mutations: string[] = [];
  const values = project.policies.map((p) => ({ file: p.file, value: structuredClone(p.value) as Record<string, unknown> }));
  const stacks = project.stacks.map((s) => ({ name: s.name, config: structuredClone(s.config) }));
  const mutate = r.chance(0.4);
  const valueMutations = mutate ? r.int(0, 2) : 0;
  const textMutations = mutate ? r.int(valueMutations === 0 ? 1 : 0, 2) : 0;

  for (let i = 0; i < valueMutations; i++) {
    const target = r.pick(values);
    mutations.push(`${target.file}: ${mutateValue(r, target.value, hostile)}`);
  }
  if (mutate && stacks.length > 0 && r.chance(0.15)) {
    const target = r.pick(stacks);
    mutations.push(`stack ${target.name}: ${mutateValue(r, target.config, hostile)}`);
  }

  const files = new Map<string, string>();
  for (const { file, value } of values) files.set(file, writeYaml(r, value));
  for (let i = 0; i < textMutations; i++) {
    const file = r.pick([...files.keys()]);
    const [text, name] = mutateText(r, files.get(file)!);
    files.set(file, text);
    mutations.push(`${file}: ${name}`);
  }
  if (mutate && r.chance(0.03)) {
    files.clear();
    mutations.push("no policy files");
  }
  return { files, stacks, requests: project.requests, now: project.now, mutations };
}

/** Writes a value as YAML in one of several styles, so positions are tested in each. */
function writeYaml(r: Random, value: unknown): string {
  return stringify(value, {
    lineWidth: r.pick([0, 0, 40, 80]),
    defaultStringType: r.weighted([[6, "PLAIN"], [1, "QUOTE_DOUBLE"], [1, "QUOTE_SINGLE"], [1, "BLOCK_LITERAL"]] as const),
    collectionStyle: r.weighted([[8, "any"], [1, "flow"]] as const),
    indent: r.pick([2, 2, 4]),
  });
}

// ---------------------------------------------------------------------------------------------
// The value tree

/** Every path to a node of the tree (the root excluded). */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([...prefix, i]), paths(v, [...prefix, i], out)));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push([...prefix, k]), paths(v, [...prefix, k], out);
  return out;
}

function parentOf(root: Container, path: Path): Container {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  return node as Container;
}

function get(root: Container, path: Path): unknown {
  return (parentOf(root, path) as Record<string | number, unknown>)[path[path.length - 1]!];
}

/** Sets an own property, even `__proto__`, without touching any prototype. */
function put(container: Container, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

function set(root: Container, path: Path, value: unknown): void {
  put(parentOf(root, path), path[path.length - 1]!, value);
}

function objects(root: Container): Array<{ path: Path; node: Record<string, unknown> }> {
  const found = [{ path: [] as Path, node: root as Record<string, unknown> }];
  for (const path of paths(root)) {
    const node = get(root, path);
    if (node !== null && typeof node === "object" && !Array.isArray(node)) found.push({ path, node: node as Record<string, unknown> });
  }
  return found.filter((o) => !Array.isArray(o.node));
}

/** One mutation of a value tree, in place; returns its name. */
function mutateValue(r: Random, root: Container, hostile: boolean): string {
  const all = paths(root);
  if (all.length === 0) return "nothing to mutate";
  const path = r.pick(all);
  const where = path.join(".");
  const kind = r.int(0, 11);
  switch (kind) {
    case 0: {
      const parent = parentOf(root, path);
      if (Array.isArray(parent)) parent.splice(path[path.length - 1] as number, 1);
      else delete parent[path[path.length - 1] as string];
      return `delete ${where}`;
    }
    case 1: {
      const { node } = r.pick(objects(root));
      const key = r.pick(KNOWN_KEYS);
      put(node, key, structuredClone(get(root, path)));
      return `copy ${where} to key ${key}`;
    }
    case 2: {
      const current = get(root, path);
      const replacement = r.pick<unknown>([null, true, 7, "text", [], {}, [current], { value: current }, String(current)]);
      set(root, path, replacement);
      return `retype ${where} to ${JSON.stringify(replacement)?.slice(0, 40)}`;
    }
    case 3: {
      const other = r.pick(all);
      const a = structuredClone(get(root, path));
      const b = structuredClone(get(root, other));
      // Swapping a node with its own ancestor or descendant would lose one of them; skip that.
      if (other.join(".").startsWith(where) || where.startsWith(other.join("."))) return `swap ${where} with itself`;
      set(root, path, b);
      set(root, other, a);
      return `swap ${where} and ${other.join(".")}`;
    }
    case 4: {
      const number = r.pick(BOUNDARY_NUMBERS);
      set(root, path, number);
      return `number ${where} = ${number}`;
    }
    case 5: {
      const size = hostile ? r.pick([5000, 70000]) : 3000;
      set(root, path, r.pick(["x", "é", "😀", "a "]).repeat(size));
      return `huge string at ${where}`;
    }
    case 6:
    case 7: {
      const text = r.pick(STRANGE_STRINGS);
      const current = get(root, path);
      set(root, path, typeof current === "string" && r.chance(0.5) ? current + text : text);
      return `string ${where} += ${JSON.stringify(text)}`;
    }
    case 8: {
      const { node, path: at } = r.pick(objects(root));
      const key = r.pick(PROTOTYPE_KEYS);
      const value = r.chance(0.5) ? structuredClone(get(root, path)) : r.pick<unknown>(["ja4", 1, { eq: "x" }, null]);
      put(node, key, value);
      return `key ${key} in ${at.join(".") || "(root)"}`;
    }
    case 9: {
      let nested: unknown = structuredClone(get(root, path));
      const depth = r.pick([20, 130, 300]);
      const wrap = r.pick(["not", "any", "all", "list"]);
      for (let i = 0; i < depth; i++) nested = wrap === "not" ? { not: nested } : wrap === "list" ? [nested] : { [wrap]: [nested] };
      set(root, path, nested);
      return `nest ${where} ${depth} deep in ${wrap}`;
    }
    case 10: {
      const parent = parentOf(root, path);
      if (!Array.isArray(parent)) {
        const renamed = r.pick([...KNOWN_KEYS, ...PROTOTYPE_KEYS, `${path[path.length - 1]}s`, String(path[path.length - 1]).toUpperCase()]);
        const value = parent[path[path.length - 1] as string];
        delete parent[path[path.length - 1] as string];
        put(parent, renamed, value);
        return `rename ${where} to ${renamed}`;
      }
      parent.push(structuredClone(parent[path[path.length - 1] as number]));
      return `duplicate item ${where}`;
    }
    default: {
      const other = get(root, r.pick(all));
      set(root, path, structuredClone(other));
      return `copy a value over ${where}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The text

const STRAY = [":", "-", "{", "}", "[", "]", "'", '"', "#", "&", "*", "!", "|", ">", "%", "@", "`", "\t", "\r", "\n", "\u0000", "é", "\uFEFF", "\u00a0", ",", "? "];

/** One mutation of a YAML text; returns the new text and the mutation's name. */
function mutateText(r: Random, text: string): [string, string] {
  const lines = text.split("\n");
  const line = r.int(0, Math.max(0, lines.length - 2));
  switch (r.int(0, 13)) {
    case 0:
      return [`\uFEFF${text}`, "BOM"];
    case 1: {
      lines[line] = lines[line]!.replace(/^( +)/, (spaces) => (r.chance(0.5) ? "\t" : `${spaces.slice(1)}\t`));
      return [lines.join("\n"), `tab indent at line ${line + 1}`];
    }
    case 2:
      return [text.replace(/: /, ":\t"), "tab after a colon"];
    case 3:
      return aliasMutation(r, text);
    case 4:
      lines.splice(line, 1);
      return [lines.join("\n"), `delete line ${line + 1}`];
    case 5:
      lines.splice(line, 0, lines[line]!);
      return [lines.join("\n"), `repeat line ${line + 1}`];
    case 6: {
      const other = r.int(0, lines.length - 1);
      [lines[line], lines[other]] = [lines[other]!, lines[line]!];
      return [lines.join("\n"), `swap lines ${line + 1} and ${other + 1}`];
    }
    case 7: {
      const at = r.int(0, text.length);
      return [text.slice(0, at), `truncate at ${at}`];
    }
    case 8:
    case 9: {
      const at = r.int(0, text.length);
      const stray = r.pick(STRAY);
      return [text.slice(0, at) + stray + text.slice(at), `insert ${JSON.stringify(stray)} at ${at}`];
    }
    case 10:
      return [text.replace(/\n/g, "\r\n"), "CRLF"];
    case 11:
      return [r.chance(0.5) ? `${text}---\n${text}` : `---\n${text}...\n`, "documents"];
    case 12: {
      const tag = r.pick(["!!binary ", "!foo ", "!!str ", "!!int ", "!!set ", "!!omap ", "!!timestamp "]);
      return [text.replace(/: (\S)/, `: ${tag}$1`), `tag ${tag.trim()}`];
    }
    default: {
      const escape = r.pick(['"\\uD800"', '"\\uDFFF\\uD800"', '"\\U0001F600"', '"\\uD83D\\uDE00"', '"\\x00"', '"\\N"', '"\\_"', '"\\L"']);
      return [text.replace(/: ([^\s{[&*!|>][^\n]*)/, `: ${escape}`), `escape ${escape}`];
    }
  }
}

/** Anchors a random node and puts an alias to it elsewhere (or an undefined alias, or a merge key). */
function aliasMutation(r: Random, text: string): [string, string] {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isCollection(doc.contents)) return [`${text}x: *nowhere\n`, "undefined alias"];
  const nodes: Node[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) for (const pair of node.items) walk(pair.value);
    else if (isSeq(node)) for (const item of node.items) walk(item);
    if ((isScalar(node) || isCollection(node)) && node !== doc.contents) nodes.push(node as Node);
  };
  walk(doc.contents);
  if (nodes.length < 2) return [text, "no alias"];
  const anchored = r.pick(nodes);
  const replaced = r.pick(nodes);
  if (isAlias(anchored) || anchored === replaced) return [text, "no alias"];
  anchored.anchor = "a1";
  const alias = doc.createAlias(anchored as never, "a1");
  const replace = (node: unknown): boolean => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (pair.value === replaced) return (pair.value = alias), true;
        if (replace(pair.value)) return true;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        if (node.items[i] === replaced) return (node.items[i] = alias), true;
        if (replace(node.items[i])) return true;
      }
    }
    return false;
  };
  replace(doc.contents);
  if (r.chance(0.2) && isMap(anchored) && isMap(doc.contents)) {
    // A merge key: YAML 1.1's `<<`, which `yaml` reads as a plain key unless asked otherwise.
    doc.contents.set(doc.createNode("<<") as never, doc.createAlias(anchored as never, "a1") as never);
  }
  try {
    return [doc.toString({ lineWidth: 0 }), "anchor and alias"];
  } catch {
    // The alias replaced an ancestor of its own anchor: there is nothing to write.
    return [text, "no alias"];
  }
}

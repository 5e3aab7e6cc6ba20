import { Alias, Composer, type Pair, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, YAMLParseError, type CST, type Document, type Node } from "yaml";
import { makeDiagnostic, withHint, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkStrings } from "./check-strings.js";
import { NOT_PLAIN, plainValue } from "./plain-value.js";
import { QuietParser } from "./quiet-parser.js";

/** At most this many alias expansions per document: real policies need few, alias bombs need many. */
export const MAX_ALIAS_COUNT = 100;

/**
 * How deep collections may nest. Far above any real policy, low enough that neither the YAML
 * composer nor any later stage (all of which recurse) can exhaust the stack: the composer fails
 * near 800 levels, and when it does, V8 can abort the whole process while compiling a regex.
 */
export const MAX_NESTING_DEPTH = 256;

/** The byte order mark some editors put at the start of a file; it is not part of the text. */
const BOM = "\uFEFF";

/** A parsed YAML file: its text, the document with positions, and its plain value. */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

/** A path into a YAML value, as ajv's instancePath segments. */
export type ValuePath = ReadonlyArray<string | number>;

/**
 * Line starts counted from the text itself: after each LF, alone or after a CR. A lone CR ends a
 * line too (YAML 1.2, and what editors show), but a text holding one is refused at the first, and
 * no line before it is counted differently. The parser's own count misses line breaks inside
 * tokens it cannot read, which put later diagnostics past the end of their line.
 */
function countLines(text: string): LineCounter {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", end + 1)) lineCounter.addNewLine(end + 1);
  return lineCounter;
}

const LONE_CR = /\r(?!\n)/;

/**
 * Parses one YAML document, keeping positions. Syntax errors, duplicate keys, unknown tags, keys that
 * are not names, undefined aliases, alias bombs and nesting too deep become diagnostics; the value
 * is returned only when there were none. A leading byte order mark is dropped, so it shifts no
 * column (`source.text` is the text without it).
 */
export function parseYaml(file: string, input: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const text = input.startsWith(BOM) ? input.slice(BOM.length) : input;
  // The yaml library reads a lone CR as part of a key or value (`'\r sets'`), not as a line break.
  const loneCr = LONE_CR.exec(text);
  const lineCounter = countLines(text);
  const at = (offset: number, end?: number): Location => {
    // yaml may point between the CR and LF of a line break: that is the end of the line's text.
    const start = text[offset] === "\n" && text[offset - 1] === "\r" ? offset - 1 : offset;
    const { line, col } = lineCounter.linePos(start);
    return { file, line, column: col, length: Math.max(1, (end ?? start + 1) - start) };
  };
  if (loneCr !== null) return { diagnostics: [makeDiagnostic("BP115", at(loneCr.index))] };
  // What parseDocument does, split in two so that nesting is measured on the syntax tree (built
  // without recursion) before the composer, which recurses once per level, ever sees it.
  const tokens = [...new QuietParser().parse(text)];
  const tooDeep = findTooDeep(tokens);
  if (tooDeep !== undefined) return { diagnostics: [makeDiagnostic("BP111", at(tooDeep), MAX_NESTING_DEPTH)] };
  const doc = composeOne(tokens, text.length);
  const errors = [...doc.errors, ...doc.warnings];
  // Should the composer still run out of stack, it reports every level it unwinds: one diagnostic.
  const exhausted = errors.find((error) => error.code === "RESOURCE_EXHAUSTION");
  if (exhausted) return { diagnostics: [makeDiagnostic("BP111", at(exhausted.pos[0]), MAX_NESTING_DEPTH)] };
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const [start, end] = error.pos;
    const detail = error.message.split("\n")[0] ?? error.message;
    if (error.code === "DUPLICATE_KEY") {
      const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(start))?.[1] ?? text.slice(start, end);
      diagnostics.push(makeDiagnostic("BP102", at(start, start + key.length), key.replace(/^["']|["']$/g, "")));
    } else if (error.code === "MULTIPLE_DOCS") {
      diagnostics.push(makeDiagnostic("BP106", at(start, end)));
    } else if (error.code === "TAG_RESOLVE_FAILED") {
      diagnostics.push(makeDiagnostic("BP108", at(start, end), /(!\S*)/.exec(detail)?.[1] ?? detail));
    } else {
      diagnostics.push(makeDiagnostic("BP101", at(start, end), sentence(detail)));
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  if (doc.contents === null) return { diagnostics: [makeDiagnostic("BP107", { file, line: 1, column: 1 })] };
  const illFormed = checkStrings(file, text, doc, lineCounter);
  if (illFormed.length > 0) return { diagnostics: illFormed };

  // Most documents are plain trees of maps, lists and scalars: one walk checks and converts them.
  // Anything else (an alias, a complex key, a merge key, a tagged collection) takes the long way.
  const plain = plainValue(doc, MAX_NESTING_DEPTH);
  const converted = plain !== NOT_PLAIN ? { value: plain } : convertWithAliases(doc, at);
  if ("diagnostics" in converted) return converted;
  return { source: { file, text, doc, lineCounter, value: converted.value }, diagnostics: [] };
}

/**
 * The plain value of a document that may hold aliases, bad keys and anything else YAML allows:
 * aliases to no anchor, keys that cannot be names, alias bombs and values that aliases nest too
 * deep are diagnostics.
 */
function convertWithAliases(doc: Document.Parsed, at: (offset: number, end?: number) => Location): { value: unknown } | { diagnostics: Diagnostic[] } {
  const diagnostics = checkStructure(doc, at);
  if (diagnostics.length > 0) return { diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // A merge key (`<<`, YAML 1.1 or tagged `!!merge`) whose value is not a map.
    if (!(error instanceof ReferenceError)) {
      if (!(error instanceof Error)) throw error;
      const merge = findMergePair(doc.contents);
      const range = (isScalar(merge?.value) || isCollection(merge?.value) ? merge.value.range : undefined) ?? [0, 1];
      return { diagnostics: [makeDiagnostic("BP101", at(range[0], range[1]), sentence(error.message))] };
    }
    // Undefined aliases were reported above, so a ReferenceError here means too many expansions.
    const firstAlias = findFirstAlias(doc.contents);
    const offset = firstAlias?.range?.[0] ?? 0;
    return { diagnostics: [makeDiagnostic("BP103", at(offset, firstAlias?.range?.[1]), MAX_ALIAS_COUNT)] };
  }
  // Aliases can nest a value deeper than its text (or, naming an ancestor, without end): every
  // later stage recurses over the value, so it is held to the same limit as the text.
  if (!withinDepth(value, MAX_NESTING_DEPTH)) {
    const firstAlias = findFirstAlias(doc.contents);
    const tooDeep = makeDiagnostic("BP111", at(firstAlias?.range?.[0] ?? 0, firstAlias?.range?.[1]), MAX_NESTING_DEPTH);
    // Without aliases, only pairs in flow lists (`[a: 1]`, a map each) nest a value deeper than its text.
    const why = firstAlias ? "aliases count: an alias repeats its anchor's whole value, and one inside its own anchor nests without end" : "a pair inside a flow list ('[a: 1]') is a map of its own, one level more than the text shows";
    return { diagnostics: [withHint(tooDeep, why)] };
  }
  return { value };
}

/**
 * True when no path through a value nests more than `limit` maps and lists. A cycle (an alias
 * inside its own anchor) nests without end. Each shared node is measured once, so aliases cost
 * nothing extra; the recursion stops at `limit`.
 */
function withinDepth(root: unknown, limit: number): boolean {
  const depths = new Map<object, number>();
  const measure = (value: unknown, level: number): number => {
    if (value === null || typeof value !== "object") return 0;
    if (level > limit) return Infinity;
    const known = depths.get(value);
    if (known !== undefined) return known;
    // Marked while it is measured: meeting it again below means a cycle.
    depths.set(value, Infinity);
    let deepest = 0;
    for (const child of Object.values(value)) {
      deepest = Math.max(deepest, measure(child, level + 1));
      if (deepest === Infinity) return Infinity;
    }
    depths.set(value, deepest + 1);
    return deepest + 1;
  };
  return measure(root, 1) <= limit;
}

/**
 * Finds what YAML allows but a policy cannot hold, walking the document once: aliases to no anchor
 * (which `toJS` would report as a bare ReferenceError), keys that are collections or null (which
 * `toJS` would silently turn into strings such as "[ a, b ]" or ""). Its recursion is bounded by
 * MAX_NESTING_DEPTH, checked before.
 */
function checkStructure(doc: Document.Parsed, at: (offset: number, end?: number) => Location): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Anchors seen so far, in document order: an alias may only name one defined before it. (Asking
  // each alias to resolve itself would walk the whole document once per alias.)
  const anchors = new Set<string>();
  const walk = (node: unknown): void => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) diagnostics.push(makeDiagnostic("BP109", at(node.range?.[0] ?? 0, node.range?.[1]), node.source));
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor !== undefined) anchors.add(anchor);
    if (!isCollection(node)) return;
    for (const item of node.items) {
      if (!isPair(item)) {
        walk(item);
        continue;
      }
      const key = item.key as Node | null;
      const keyProblem = describeBadKey(key);
      if (keyProblem) {
        const start = key?.range?.[0] ?? (item.value as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0;
        const end = key?.range?.[1];
        diagnostics.push(withHint(makeDiagnostic("BP110", at(start, end !== undefined && end > start ? end : undefined), keyProblem), keyHint(key)));
      } else {
        walk(key);
      }
      walk(item.value);
    }
  };
  walk(doc.contents);
  return diagnostics;
}

/** Composes the first document of a token stream; a second one is a MULTIPLE_DOCS error, as in parseDocument. */
function composeOne(tokens: readonly CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: true, keepSourceTokens: false });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents."));
      break;
    }
  }
  // compose(…, forceDoc = true) yields a document even for an empty text.
  return doc!;
}

/**
 * The offset of the first collection nested deeper than MAX_NESTING_DEPTH, in document order, or
 * undefined. Walks the syntax tree with an explicit stack: no recursion, whatever the depth.
 */
function findTooDeep(tokens: readonly CST.Token[]): number | undefined {
  // Two parallel stacks (token, depth), children pushed last first: document order, few allocations.
  const stack: CST.Token[] = [];
  const depths: number[] = [];
  for (let i = tokens.length - 1; i >= 0; i--) {
    stack.push(tokens[i]!);
    depths.push(0);
  }
  while (stack.length > 0) {
    const token = stack.pop()!;
    const depth = depths.pop()!;
    if (token.type === "document") {
      if (token.value) {
        stack.push(token.value);
        depths.push(depth);
      }
    } else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      if (depth + 1 > MAX_NESTING_DEPTH) return token.offset;
      // Only collections nest: scalars (most children, in a long set) are not pushed at all.
      for (let i = token.items.length - 1; i >= 0; i--) {
        const item = token.items[i]!;
        if (item.value && isCollectionToken(item.value)) {
          stack.push(item.value);
          depths.push(depth + 1);
        }
        if ("key" in item && item.key && isCollectionToken(item.key)) {
          stack.push(item.key);
          depths.push(depth + 1);
        }
      }
    }
  }
  return undefined;
}

function isCollectionToken(token: CST.Token): boolean {
  return token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection";
}

/** Why a map key cannot name anything, or undefined when it is a usable name. */
function describeBadKey(key: Node | null): string | undefined {
  if (key === null || (isScalar(key) && key.value === null)) return "an empty (null) key";
  if (isSeq(key)) return "a list";
  if (isMap(key)) return "a map";
  return undefined;
}

function keyHint(key: Node | null): string | undefined {
  if (isScalar(key) && key.value === null && /^null$/i.test(key.source ?? "")) return `quote it ('${key.source}') if you mean the word`;
  if (isCollection(key)) return "keys are names; a '?' starts a complex key, which a policy cannot use";
  return undefined;
}

function sentence(text: string): string {
  const trimmed = text.trim().replace(/\s+at line \d+, column \d+:?$/, "");
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The first pair whose key is a merge key (`<<`). */
function findMergePair(node: unknown): Pair | undefined {
  if (isPair(node)) return isScalar(node.key) && (node.key.source === "<<" || node.key.value === "<<") ? node : findMergePair(node.value);
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const found = findMergePair(item);
      if (found) return found;
    }
  }
  return undefined;
}

function findFirstAlias(node: unknown): Alias | undefined {
  if (isAlias(node)) return node;
  if (isPair(node)) return findFirstAlias(node.key) ?? findFirstAlias(node.value);
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const found = findFirstAlias(item);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Finds where a value path points in the source: the key itself when `part` is "key" (for unknown
 * or misplaced fields), else the value. Falls back to the deepest node that exists.
 */
export function locate(source: YamlSource, path: ValuePath, part: "key" | "value" = "value"): Location {
  let node: unknown = source.doc.contents;
  let keyNode: Node | undefined;
  for (const segment of path) {
    const current = resolveAlias(source, node);
    let next: unknown;
    if (isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      next = pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      next = current.items[segment];
      keyNode = undefined;
    } else {
      break;
    }
    if (next === undefined || next === null) {
      node = keyNode;
      break;
    }
    node = next;
  }
  const target = part === "key" && keyNode ? keyNode : (resolveAlias(source, node) as Node | undefined);
  const range = target?.range ?? [0, 1];
  const { line, col } = source.lineCounter.linePos(range[0]);
  const length = isScalar(target) ? Math.max(1, range[1] - range[0]) : 1;
  return { file: source.file, line, column: col, length };
}

function resolveAlias(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

import { Alias, CST, isAlias, isCollection, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { makeDiagnostic, withHint, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** At most this many alias expansions per document: real policies need few, alias bombs need many. */
export const MAX_ALIAS_COUNT = 100;

/**
 * How deep collections may nest. Far above any real policy (and above the Rules engine's own
 * nesting limit of 128, which a deep `when` meets first), low enough that no later stage, all of
 * which recurse, can exhaust the stack.
 */
export const MAX_NESTING_DEPTH = 512;

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
 * Parses one YAML document, keeping positions. Syntax errors, duplicate keys, unknown tags, keys that
 * are not names, undefined aliases, alias bombs and nesting too deep become diagnostics; the value
 * is returned only when there were none. A leading byte order mark is dropped, so it shifts no
 * column (`source.text` is the text without it).
 */
export function parseYaml(file: string, input: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const text = input.startsWith(BOM) ? input.slice(BOM.length) : input;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const at = (offset: number, end?: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, length: Math.max(1, (end ?? offset + 1) - offset) };
  };
  const errors = [...doc.errors, ...doc.warnings];
  // The parser catches its own stack overflow and then reports every level it unwinds: one
  // diagnostic says it all.
  const exhausted = errors.find((error) => error.code === "RESOURCE_EXHAUSTION");
  if (exhausted) return { diagnostics: [makeDiagnostic("BP111", at(deepestFlowStart(text) ?? exhausted.pos[0]), MAX_NESTING_DEPTH)] };
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

  diagnostics.push(...checkStructure(doc, at));
  if (diagnostics.length > 0) return { diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // Undefined aliases were reported above, so a ReferenceError here means too many expansions.
    if (!(error instanceof ReferenceError)) throw error;
    const firstAlias = findFirstAlias(doc.contents);
    const offset = firstAlias?.range?.[0] ?? 0;
    return { diagnostics: [makeDiagnostic("BP103", at(offset, firstAlias?.range?.[1]), MAX_ALIAS_COUNT)] };
  }
  return { source: { file, text, doc, lineCounter, value }, diagnostics: [] };
}

/**
 * Finds what YAML allows but a policy cannot hold, walking the document once: aliases to no anchor
 * (which `toJS` would report as a bare ReferenceError), keys that are collections or null (which
 * `toJS` would silently turn into strings such as "[ a, b ]" or ""), and nesting beyond
 * MAX_NESTING_DEPTH. The walk stops at that depth, so it cannot overflow the stack itself.
 */
function checkStructure(doc: Document.Parsed, at: (offset: number, end?: number) => Location): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let tooDeep = false;
  const walk = (node: unknown, depth: number): void => {
    if (tooDeep) return;
    if (isAlias(node)) {
      if (node.resolve(doc) === undefined) diagnostics.push(makeDiagnostic("BP109", at(node.range?.[0] ?? 0, node.range?.[1]), node.source));
      return;
    }
    if (!isCollection(node)) return;
    if (depth > MAX_NESTING_DEPTH) {
      tooDeep = true;
      diagnostics.push(makeDiagnostic("BP111", at(node.range?.[0] ?? 0), MAX_NESTING_DEPTH));
      return;
    }
    for (const item of node.items) {
      if (!isPair(item)) {
        walk(item, depth + 1);
        continue;
      }
      const key = item.key as Node | null;
      const keyProblem = describeBadKey(key);
      if (keyProblem) {
        const start = key?.range?.[0] ?? (item.value as Node | null)?.range?.[0] ?? node.range?.[0] ?? 0;
        const end = key?.range?.[1];
        diagnostics.push(withHint(makeDiagnostic("BP110", at(start, end !== undefined && end > start ? end : undefined), keyProblem), keyHint(key)));
      } else if (isAlias(key)) {
        walk(key, depth + 1);
      }
      walk(item.value, depth + 1);
    }
  };
  walk(doc.contents, 1);
  return diagnostics;
}

/**
 * The offset of the outermost `[` or `{` of the most deeply nested flow collection. Where the
 * parser ran out of stack depends on the machine; this place does not. Lexing is iterative.
 */
function deepestFlowStart(text: string): number | undefined {
  let offset = 0;
  let depth = 0;
  let runStart = 0;
  let deepest = 0;
  let result: number | undefined;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === "flow-seq-start" || type === "flow-map-start") {
      if (depth === 0) runStart = offset;
      depth++;
      if (depth > deepest) {
        deepest = depth;
        result = runStart;
      }
    } else if ((type === "flow-seq-end" || type === "flow-map-end") && depth > 0) {
      depth--;
    }
    // Control tokens (document, scalar and flow-error markers) are not part of the text.
    if (type !== "doc-mode" && type !== "scalar" && type !== "flow-error-end") offset += token.length;
  }
  return result;
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

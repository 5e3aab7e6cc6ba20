import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { makeDiagnostic, type Location } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkStrings } from "./check-strings.js";

/** At most this many alias expansions per document: real policies need few, alias bombs need many. */
export const MAX_ALIAS_COUNT = 100;

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
 * Parses one YAML document, keeping positions. Syntax errors, duplicate keys, unknown tags and alias
 * bombs become diagnostics; the value is returned only when there were none.
 */
export function parseYaml(file: string, text: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const at = (offset: number, end?: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, length: Math.max(1, (end ?? offset + 1) - offset) };
  };
  const diagnostics: Diagnostic[] = [];
  for (const error of [...doc.errors, ...doc.warnings]) {
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

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const firstAlias = findFirstAlias(doc.contents);
    const offset = firstAlias?.range?.[0] ?? 0;
    return { diagnostics: [makeDiagnostic("BP103", at(offset, firstAlias?.range?.[1]), MAX_ALIAS_COUNT)] };
  }
  return { source: { file, text, doc, lineCounter, value }, diagnostics: [] };
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

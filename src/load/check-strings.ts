import { Scalar, visit, type Document, type LineCounter } from "yaml";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/**
 * Finds every string key and value of a parsed YAML document that is not well-formed Unicode
 * (DESIGN.md "Strings"). Such a string comes from an escape (`"\uD800"`, `"\U0000DC00"`) that
 * encodes half of a surrogate pair: it has no UTF-8 form, so the printed rule (and Cloudflare)
 * would hold U+FFFD instead of what the policy says. Each is reported at its escape.
 */
export function checkStrings(file: string, text: string, doc: Document.Parsed, lineCounter: LineCounter): Diagnostic[] {
  // A scalar holds a surrogate only when the text does, or writes a `\u`/`\U` escape (no other
  // escape reaches U+D800): most files have neither, and need no walk over every scalar.
  if (!MAY_HOLD_SURROGATE.test(text)) return [];
  const diagnostics: Diagnostic[] = [];
  const report = (node: Scalar, what: "key" | "value"): void => {
    if (typeof node.value !== "string" || !node.range) return;
    const index = loneSurrogateIndex(node.value);
    if (index < 0) return;
    const codeUnit = `U+${node.value.charCodeAt(index).toString(16).toUpperCase()}`;
    const [start, end] = loneSurrogateSpan(text, node.range[0], node.range[1]) ?? [node.range[0], node.range[1]];
    const { line, col } = lineCounter.linePos(start);
    const diagnostic = makeDiagnostic("BP130", { file, line, column: col, length: Math.max(1, end - start) }, what, codeUnit, index + 1);
    diagnostics.push(withHint(diagnostic, "write a character beyond U+FFFF as one escape ('\\U0001F600') or as its two surrogates ('\\uD83D\\uDE00')"));
  };
  visit(doc, {
    Scalar(key, node) {
      report(node, key === "key" ? "key" : "value");
    },
  });
  return diagnostics;
}

const MAY_HOLD_SURROGATE = /\\[uU]|[\uD800-\uDFFF]/;

/** The index of the first code unit that is half of a surrogate pair without its other half, or -1. */
export function loneSurrogateIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

const HIGH = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const LOW = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The source span of the first surrogate escape (`\uXXXX` or `\UXXXXXXXX`) in `text[start, end)`
 * that is not paired with the escape right next to it. Escapes are read left to right so that
 * `\\u` (an escaped backslash, then `u`) is not taken for one. Undefined when there is none.
 */
function loneSurrogateSpan(text: string, start: number, end: number): [number, number] | undefined {
  const escapes: Array<{ unit: number; from: number; to: number }> = [];
  for (let i = start; i < end; i++) {
    if (text[i] !== "\\") continue;
    const width = text[i + 1] === "u" ? 4 : text[i + 1] === "U" ? 8 : 0;
    const digits = text.slice(i + 2, i + 2 + width);
    if (width > 0 && /^[0-9a-fA-F]+$/.test(digits) && digits.length === width) {
      const unit = parseInt(digits, 16);
      if (unit >= 0xd800 && unit <= 0xdfff) escapes.push({ unit, from: i, to: i + 2 + width });
      i += 1 + width;
    } else {
      i++;
    }
  }
  for (let k = 0; k < escapes.length; k++) {
    const current = escapes[k]!;
    const next = escapes[k + 1];
    if (HIGH(current.unit) && next && LOW(next.unit) && next.from === current.to) {
      k++;
      continue;
    }
    return [current.from, current.to];
  }
  return undefined;
}

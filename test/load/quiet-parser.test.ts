import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Lexer, Parser } from "yaml";
import { QuietParser } from "../../src/load/quiet-parser.js";
import { propertyRuns } from "../setup/fast-check-seed.js";
import { arbitraryYaml } from "./arbitrary-yaml.js";

/** yaml 2.9.1's `Parser.parse`, which QuietParser.parse copies with `advance` for `next`. */
const COPIED_PARSE = `*parse(source, incomplete = false) {
  if (this.onNewLine && this.offset === 0)
    this.onNewLine(0);
  for (const lexeme of this.lexer.lex(source, incomplete))
    yield* this.next(lexeme);
  if (!incomplete)
    yield* this.end();
}`;

/** yaml 2.9.1's `Parser.step`, which QuietParser.stepInto copies. */
const COPIED_STEP = `*step() {
  const top = this.peek(1);
  if (this.type === 'doc-end' && top?.type !== 'doc-end') {
    while (this.stack.length > 0)
      yield* this.pop();
    this.stack.push({
      type: 'doc-end',
      offset: this.offset,
      source: this.source
    });
    return;
  }
  if (!top)
    return yield* this.stream();
  switch (top.type) {
    case 'document':
      return yield* this.document(top);
    case 'alias':
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
      return yield* this.scalar(top);
    case 'block-scalar':
      return yield* this.blockScalar(top);
    case 'block-map':
      return yield* this.blockMap(top);
    case 'block-seq':
      return yield* this.blockSequence(top);
    case 'flow-collection':
      return yield* this.flowCollection(top);
    case 'doc-end':
      return yield* this.documentEnd(top);
  }
  /* istanbul ignore next should not happen */
  yield* this.pop();
}`;

/** yaml 2.9.1's `Parser.next`, which QuietParser.advance copies without its first `if`. */
const COPIED_NEXT = `*next(source) {
  this.source = source;
  if (node_process.env.LOG_TOKENS)
    console.log('|', cst.prettyToken(source));
  if (this.atScalar) {
    this.atScalar = false;
    yield* this.step();
    this.offset += source.length;
    return;
  }
  const type = cst.tokenType(source);
  if (!type) {
    const message = \`Not a YAML token: \${source}\`;
    yield* this.pop({ type: 'error', offset: this.offset, message, source });
    this.offset += source.length;
  }
  else if (type === 'scalar') {
    this.atNewLine = false;
    this.atScalar = true;
    this.type = 'scalar';
  }
  else {
    this.type = type;
    yield* this.step();
    switch (type) {
      case 'newline':
        this.atNewLine = true;
        this.indent = 0;
        if (this.onNewLine)
          this.onNewLine(this.offset + source.length);
        break;
      case 'space':
        if (this.atNewLine && source[0] === ' ')
          this.indent += source.length;
        break;
      case 'explicit-key-ind':
      case 'map-value-ind':
      case 'seq-item-ind':
        if (this.atNewLine)
          this.indent += source.length;
        break;
      case 'doc-mode':
      case 'flow-error-end':
        return;
      default:
        this.atNewLine = false;
    }
    this.offset += source.length;
  }
}`;

const normalise = (source: string) => source.replace(/\s+/g, " ").trim();

/** The syntax trees a parser builds from a text and the line starts it reports, flattened. */
function parseWith(Kind: typeof Parser, text: string): string {
  const lines: number[] = [];
  const tokens = [...new Kind((offset) => lines.push(offset)).parse(text)];
  return flatten({ tokens, lines });
}

/** Every node of a tree with its depth and key, in order; without recursion, as a fixture nests thousands deep. */
function flatten(root: unknown): string {
  const out: string[] = [];
  const stack: Array<[number, string, unknown]> = [[0, "", root]];
  while (stack.length > 0) {
    const [depth, key, value] = stack.pop()!;
    const isTree = value !== null && typeof value === "object";
    out.push(`${depth} ${key} ${isTree ? (Array.isArray(value) ? "[]" : "{}") : JSON.stringify(value)}`);
    if (isTree) for (const [name, child] of Object.entries(value).reverse()) stack.push([depth + 1, name, child]);
  }
  return out.join("\n");
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? yamlFiles(join(dir, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe("QuietParser", () => {
  it("copies the Parser.parse, next and step of the yaml version installed (re-copy them when yaml changes)", () => {
    expect(normalise(Parser.prototype.parse.toString())).toBe(normalise(COPIED_PARSE));
    expect(normalise((Parser.prototype as unknown as { step: () => unknown }).step.toString())).toBe(normalise(COPIED_STEP));
    expect(normalise(Parser.prototype.next.toString())).toBe(normalise(COPIED_NEXT));
  });

  it("builds the same syntax trees as yaml's Parser from every fixture", () => {
    const files = yamlFiles(join(import.meta.dirname, "../fixtures"));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(parseWith(QuietParser, text), file).toBe(parseWith(Parser, text));
    }
  });

  it("yields from next what yaml's Parser yields, token by token", () => {
    const text = "a: [1, {b: 2}]\n---\n- x\n...\n";
    const tokensOf = (parser: Parser) => [...new Lexer().lex(text)].map((lexeme) => flatten([...parser.next(lexeme)]));
    expect(tokensOf(new QuietParser())).toEqual(tokensOf(new Parser()));
  });

  it("builds the same syntax trees as yaml's Parser from arbitrary documents and broken text", () => {
    const brokenText = fc.string({ unit: fc.constantFrom("a", "1", " ", "  ", "\n", "\r\n", "\t", ":", "- ", "? ", "[", "]", "{", "}", ",", "#", "&a", "*a", "!", "!!str", "|", ">", "'", '"', "\\", "---", "...", "%YAML 1.2"), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(arbitraryYaml, brokenText), (text) => {
        expect(parseWith(QuietParser, text)).toBe(parseWith(Parser, text));
      }),
      { numRuns: propertyRuns(400) },
    );
  });
});

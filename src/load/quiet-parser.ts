import { CST, Parser, type Lexer } from "yaml";

type Tokens = Generator<CST.Token, void>;

/** The members of yaml's Parser used here: private in its typings, plain members at run time. */
interface ParserState {
  onNewLine?: (offset: number) => void;
  atNewLine: boolean;
  atScalar: boolean;
  indent: number;
  offset: number;
  source: string;
  type: string;
  lexer: Lexer;
  peek(n: number): CST.Token | undefined;
  step(): Tokens;
  pop(error?: CST.Token): Tokens;
  stream(): Tokens;
  document(top: CST.Token): Tokens;
  scalar(top: CST.Token): Tokens;
  blockScalar(top: CST.Token): Tokens;
  blockMap(top: CST.Token): Tokens;
  blockSequence(top: CST.Token): Tokens;
  flowCollection(top: CST.Token): Tokens;
  documentEnd(top: CST.Token): Tokens;
}

/**
 * yaml's Parser, made cheaper in its three outermost methods without changing what it builds.
 * For each lexical token (510,000 in the bench policies) yaml 2.9.1's `parse` runs `next`, which
 * reads `process.env.LOG_TOKENS` (a question to the operating system's environment, about a tenth
 * of the whole parse) and runs `step`, which picks the method for the node being built; `parse`,
 * `next` and `step` are generators, three made and run per token, though most tokens complete no
 * token to yield. Here `advance` is `next` and `step` pushing what they complete onto an array:
 * the library's code line for line otherwise, with the states that build nodes left to it.
 * Lexing and parsing the bench policies takes about 70% of the CPU time yaml's Parser takes.
 * test/load/quiet-parser.test.ts pins the library's source these were copied from and checks
 * that both parsers build the same syntax trees.
 */
export class QuietParser extends Parser {
  /** Parses a YAML stream, as `Parser.parse` does. */
  override *parse(source: string, incomplete = false): Tokens {
    const self = this as unknown as ParserState;
    if (self.onNewLine && self.offset === 0) self.onNewLine(0);
    const completed: CST.Token[] = [];
    for (const lexeme of self.lexer.lex(source, incomplete)) {
      this.advance(lexeme, completed);
      if (completed.length > 0) {
        yield* completed;
        completed.length = 0;
      }
    }
    if (!incomplete) yield* this.end();
  }

  /** Advances the parser by one lexical token, as `Parser.next` does. */
  override *next(source: string): Tokens {
    const completed: CST.Token[] = [];
    this.advance(source, completed);
    yield* completed;
  }

  /** `Parser.next` without its LOG_TOKENS hook, pushing what it completes onto `completed`. */
  private advance(source: string, completed: CST.Token[]): void {
    const self = this as unknown as ParserState;
    self.source = source;
    if (self.atScalar) {
      self.atScalar = false;
      this.stepInto(completed);
      self.offset += source.length;
      return;
    }
    const type = CST.tokenType(source);
    if (!type) {
      const message = `Not a YAML token: ${source}`;
      for (const token of self.pop({ type: "error", offset: self.offset, message, source })) completed.push(token);
      self.offset += source.length;
    } else if (type === "scalar") {
      self.atNewLine = false;
      self.atScalar = true;
      self.type = "scalar";
    } else {
      self.type = type;
      this.stepInto(completed);
      switch (type) {
        case "newline":
          self.atNewLine = true;
          self.indent = 0;
          if (self.onNewLine) self.onNewLine(self.offset + source.length);
          break;
        case "space":
          if (self.atNewLine && source[0] === " ") self.indent += source.length;
          break;
        case "explicit-key-ind":
        case "map-value-ind":
        case "seq-item-ind":
          if (self.atNewLine) self.indent += source.length;
          break;
        case "doc-mode":
        case "flow-error-end":
          return;
        default:
          self.atNewLine = false;
      }
      self.offset += source.length;
    }
  }

  /** `Parser.step`, pushing what it completes onto `completed`. */
  private stepInto(completed: CST.Token[]): void {
    const self = this as unknown as ParserState;
    const top = self.peek(1);
    let tokens: Tokens;
    if (self.type === "doc-end" && top?.type !== "doc-end") {
      // The end of a document (`...`): rare, left to the library.
      tokens = self.step();
    } else if (!top) {
      tokens = self.stream();
    } else {
      switch (top.type) {
        case "document":
          tokens = self.document(top);
          break;
        case "alias":
        case "scalar":
        case "single-quoted-scalar":
        case "double-quoted-scalar":
          tokens = self.scalar(top);
          break;
        case "block-scalar":
          tokens = self.blockScalar(top);
          break;
        case "block-map":
          tokens = self.blockMap(top);
          break;
        case "block-seq":
          tokens = self.blockSequence(top);
          break;
        case "flow-collection":
          tokens = self.flowCollection(top);
          break;
        case "doc-end":
          tokens = self.documentEnd(top);
          break;
        default:
          tokens = self.pop();
      }
    }
    for (const token of tokens) completed.push(token);
  }
}

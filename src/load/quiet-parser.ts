import { CST, Parser, type Lexer } from "yaml";

/** The members of yaml's Parser used here; private in its typings, plain fields at run time. */
interface ParserState {
  onNewLine?: (offset: number) => void;
  atNewLine: boolean;
  atScalar: boolean;
  indent: number;
  offset: number;
  source: string;
  type: string;
  lexer: Lexer;
  step(): Generator<CST.Token, void>;
  pop(error?: CST.Token): Generator<CST.Token, void>;
}

/**
 * yaml's Parser, made cheaper in its two outermost methods without changing what it builds.
 * `Parser.next` (yaml 2.9.1) reads `process.env.LOG_TOKENS` once per lexical token, and each read
 * of `process.env` asks the operating system's environment: about a tenth of the whole parse of
 * the bench policies. `Parser.parse` makes a generator per lexical token to run `next`, though
 * most tokens complete nothing: `advance` gathers what a token completes into an array instead.
 * Both are the library's code, line for line, otherwise; test/load/quiet-parser.test.ts pins the
 * library's source they were copied from and checks that both parsers build the same syntax trees.
 */
export class QuietParser extends Parser {
  /** Parses a YAML stream, as `Parser.parse` does. */
  override *parse(source: string, incomplete = false): Generator<CST.Token, void> {
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
  override *next(source: string): Generator<CST.Token, void> {
    const completed: CST.Token[] = [];
    this.advance(source, completed);
    yield* completed;
  }

  /** `Parser.next`, with the tokens it would yield pushed onto `completed`. */
  private advance(source: string, completed: CST.Token[]): void {
    const self = this as unknown as ParserState;
    self.source = source;
    if (self.atScalar) {
      self.atScalar = false;
      for (const token of self.step()) completed.push(token);
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
      for (const token of self.step()) completed.push(token);
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
}

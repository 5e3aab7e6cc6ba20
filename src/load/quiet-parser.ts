import { CST, Parser } from "yaml";

/** The members of yaml's Parser that `next` uses; private in its typings, plain fields at run time. */
interface ParserState {
  onNewLine?: (offset: number) => void;
  atNewLine: boolean;
  atScalar: boolean;
  indent: number;
  offset: number;
  source: string;
  type: string;
  step(): Generator<CST.Token, void>;
  pop(error?: CST.Token): Generator<CST.Token, void>;
}

/**
 * yaml's Parser without its debugging hook. `Parser.next` (yaml 2.9.1) reads
 * `process.env.LOG_TOKENS` once per lexical token, and each read of `process.env` asks the
 * operating system's environment: on the bench policies that was about a tenth of the whole parse.
 * This `next` is the library's, line for line, without that read; test/load/quiet-parser.test.ts
 * pins the library's source it was copied from and checks that both build the same syntax trees.
 */
export class QuietParser extends Parser {
  /** Advances the parser by one lexical token, as `Parser.next` does. */
  override *next(source: string): Generator<CST.Token, void> {
    const self = this as unknown as ParserState;
    self.source = source;
    if (self.atScalar) {
      self.atScalar = false;
      yield* self.step();
      self.offset += source.length;
      return;
    }
    const type = CST.tokenType(source);
    if (!type) {
      const message = `Not a YAML token: ${source}`;
      yield* self.pop({ type: "error", offset: self.offset, message, source });
      self.offset += source.length;
    } else if (type === "scalar") {
      self.atNewLine = false;
      self.atScalar = true;
      self.type = "scalar";
    } else {
      self.type = type;
      yield* self.step();
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

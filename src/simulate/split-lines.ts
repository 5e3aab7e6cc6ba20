import { StringDecoder } from "node:string_decoder";

/** One line of a traffic file: its 1-based number and text, or the fact that it was too long to keep. */
export type TextLine = { number: number; text: string } | { number: number; tooLong: true };

/**
 * A line longer than this is not kept in memory: no Logpush line comes near it (they are a few
 * kilobytes), and a file without newlines must not make the replay hold the whole file.
 */
export const MAX_LINE_LENGTH = 1 << 20;

/**
 * Splits a stream of bytes into lines, in batches (one per chunk, so the consumer pays for one
 * promise per chunk rather than per line). `\n` and `\r\n` end a line; a byte order mark at the
 * start is dropped; blank lines are numbered but not yielded. Memory stays bounded by the chunk
 * size and `maxLength`, whatever the input: readline would keep an endless line whole.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>, maxLength = MAX_LINE_LENGTH): AsyncGenerator<TextLine[]> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let tooLong = false;
  let number = 0;
  let first = true;
  const push = (batch: TextLine[], text: string): void => {
    number += 1;
    if (tooLong || text.length > maxLength) {
      batch.push({ number, tooLong: true });
      tooLong = false;
      return;
    }
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.trim() !== "") batch.push({ number, text });
  };
  const take = (text: string): TextLine[] => {
    const batch: TextLine[] = [];
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; start = end + 1, end = text.indexOf("\n", start)) {
      push(batch, pending === "" ? text.slice(start, end) : pending + text.slice(start, end));
      pending = "";
    }
    if (tooLong) return batch;
    pending += text.slice(start);
    if (pending.length > maxLength) {
      // The rest of this line is read and thrown away; the line is reported, not kept.
      pending = "";
      tooLong = true;
    }
    return batch;
  };
  for await (const chunk of chunks) {
    const batch = take(typeof chunk === "string" ? chunk : decoder.write(chunk));
    if (batch.length > 0) yield batch;
  }
  const batch = take(decoder.end());
  if (pending !== "" || tooLong) push(batch, pending);
  if (batch.length > 0) yield batch;
}

/**
 * Newline-delimited framing (the MCP stdio transport): bytes in, one string per line out. Each
 * chunk is decoded once (a streaming decoder keeps characters split across chunks whole) and cut at
 * its newlines. A line longer than `maxLineLength` characters is never kept whole: the splitter
 * reports it once and discards it up to the next newline, so one runaway line costs bounded memory.
 */

const SAMPLE_CHARS = 200;

export interface LineSink {
  line(text: string): void;
  /** A line went over the limit; `sample` is its start. */
  oversize(sample: string): void;
}

export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #max: number;
  readonly #sink: LineSink;
  /** The start of the current line, waiting for its newline. */
  #partial = '';
  #discarding = false;

  constructor(maxLineLength: number, sink: LineSink) {
    this.#max = maxLineLength;
    this.#sink = sink;
  }

  push(chunk: Uint8Array): void {
    const text = this.#decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#end(text, start, nl);
      start = nl + 1;
    }
    if (start < text.length) this.#keep(start === 0 ? text : text.slice(start));
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest) this.#keep(rest);
    if (this.#partial && !this.#discarding) this.#end('', 0, 0);
    this.#partial = '';
    this.#discarding = false;
  }

  #keep(text: string): void {
    if (this.#discarding) return;
    const partial = this.#partial + text;
    if (partial.length > this.#max) {
      this.#oversize(partial);
      return;
    }
    this.#partial = partial;
  }

  #oversize(line: string): void {
    this.#sink.oversize(line.slice(0, SAMPLE_CHARS));
    this.#partial = '';
    this.#discarding = true;
  }

  /** The line ending at `text[end]` (exclusive), started in `text[start]` or in the kept partial. */
  #end(text: string, start: number, end: number): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    let line = text.slice(start, end);
    if (this.#partial) {
      line = this.#partial + line;
      this.#partial = '';
    }
    if (line.length > this.#max) {
      this.#oversize(line);
      this.#discarding = false;
      return;
    }
    if (line.endsWith('\r')) line = line.slice(0, -1); // tolerate CRLF
    if (line.length > 0) this.#sink.line(line);
  }
}

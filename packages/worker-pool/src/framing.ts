/**
 * Newline-delimited framing (the MCP stdio transport): bytes in, one string per line out. Each
 * chunk is decoded once (a streaming decoder keeps characters split across chunks whole) and cut at
 * its newlines. A line longer than `maxLineLength` characters is never kept whole: the splitter
 * reports it once as it goes over (`oversize`) and discards it up to the next newline, so one
 * runaway line costs bounded memory. While it is discarded, each piece of it goes by
 * `oversizeChunk` (for a reader that needs only constant memory, such as `TopLevelIdScanner`); when
 * it ends, `oversizeEnd` says how long it was and gives its first and last characters. Lines within
 * the limit never meet either.
 */

const SAMPLE_CHARS = 200;

/** A line over the limit, once it ended. */
export interface OversizeLine {
  /** Its length in characters (without the newline). */
  length: number;
  /** Its first characters. */
  head: string;
  /** Its last characters. */
  tail: string;
}

export interface LineSink {
  line(text: string): void;
  /** A line went over the limit; `sample` is its start. */
  oversize(sample: string): void;
  /**
   * The line over the limit, piece by piece as it is discarded, in order, from its first character
   * (the first piece is what went over) to its last (a CR before the newline included).
   */
  oversizeChunk?(text: string): void;
  /** The line that went over the limit ended (a newline, or the end of the stream). */
  oversizeEnd?(line: OversizeLine): void;
}

export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #max: number;
  readonly #sink: LineSink;
  /** The start of the current line, waiting for its newline. */
  #partial = '';
  #discarding = false;
  /** The line being discarded: its length so far, its start and its latest characters. */
  #dropped = 0;
  #head = '';
  #tail = '';

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
    if (this.#discarding) this.#ended();
    else if (this.#partial) this.#end('', 0, 0);
    this.#partial = '';
    this.#discarding = false;
  }

  #keep(text: string): void {
    if (this.#discarding) {
      this.#drop(text);
      return;
    }
    const partial = this.#partial + text;
    if (partial.length > this.#max) {
      this.#oversize(partial);
      return;
    }
    this.#partial = partial;
  }

  #oversize(line: string): void {
    this.#head = line.slice(0, SAMPLE_CHARS);
    this.#tail = line.slice(-SAMPLE_CHARS);
    this.#dropped = line.length;
    this.#sink.oversize(this.#head);
    this.#sink.oversizeChunk?.(line);
    this.#partial = '';
    this.#discarding = true;
  }

  #drop(text: string): void {
    this.#sink.oversizeChunk?.(text);
    this.#dropped += text.length;
    this.#tail =
      text.length >= SAMPLE_CHARS ? text.slice(-SAMPLE_CHARS) : (this.#tail + text).slice(-SAMPLE_CHARS);
  }

  /** The discarded line ended. */
  #ended(): void {
    this.#discarding = false;
    const cr = this.#tail.endsWith('\r');
    const line = {
      length: this.#dropped - (cr ? 1 : 0),
      head: this.#head,
      tail: cr ? this.#tail.slice(0, -1) : this.#tail,
    };
    this.#head = '';
    this.#tail = '';
    this.#dropped = 0;
    this.#sink.oversizeEnd?.(line);
  }

  /** The line ending at `text[end]` (exclusive), started in `text[start]` or in the kept partial. */
  #end(text: string, start: number, end: number): void {
    if (this.#discarding) {
      this.#drop(text.slice(start, end));
      this.#ended();
      return;
    }
    let line = text.slice(start, end);
    if (this.#partial) {
      line = this.#partial + line;
      this.#partial = '';
    }
    if (line.length > this.#max) {
      this.#oversize(line);
      this.#ended();
      return;
    }
    if (line.endsWith('\r')) line = line.slice(0, -1); // tolerate CRLF
    if (line.length > 0) this.#sink.line(line);
  }
}

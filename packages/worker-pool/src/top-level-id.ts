/**
 * What a JSON-RPC message too long to keep says at its top level, read from its text as it goes by
 * in pieces: whether it is an answer (a top-level `result` or `error` member and no `method`) and
 * the value of its top-level `id` member, wherever that member sits. Memory stays constant however
 * long the text: the nesting depth, whether inside a string (and after a backslash), which
 * top-level member is being read, and — bounded — the raw text of a top-level key and of the `id`'s
 * value. Nothing below the top level is read, so an `"id"` inside `result` is never taken for the
 * answer's. Each piece costs O(its length); strings, which make up most of a long answer, are
 * skipped with `indexOf`.
 *
 * Not a validator: a text that is not JSON gets some answer, never an exception. Duplicate
 * top-level ids: the last counts, as with `JSON.parse`.
 */

/** The longest top-level key read (raw, escapes included); longer keys are none we look for. */
const KEY_CHARS = 32;
/** The longest `id` value read (raw); a longer one counts as unreadable. */
const ID_CHARS = 64;

/** What the top level said, once the text ended. */
export interface TopLevelAnswer {
  /** An object with a top-level `result` or `error` member and no `method` member. */
  answer: boolean;
  /**
   * Its top-level `id` as written, when that is a number, a string or null (of at most 64
   * characters); undefined when there is no such member or it is something else (an object, a
   * boolean, too long to read).
   */
  id: number | string | null | undefined;
}

// Where the reader is inside the top-level object.
/** Before the object's `{`. */
const BEFORE = 0;
/** Waiting for a member's key (or the closing `}`). */
const KEY = 1;
/** After a key, waiting for its `:`. */
const COLON = 2;
/** After the `:`, waiting for the value. */
const VALUE = 3;
/** Inside a number, `true`, `false` or `null` at the top level. */
const PRIMITIVE = 4;
/** After a value, waiting for `,` or `}`. */
const AFTER = 5;
/** The object closed, or the text is no object: nothing more is read. */
const DONE = 6;

/** Which top-level member is being read. */
const OTHER = 0;
const ID = 1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON_CHAR = 0x3a;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class TopLevelIdScanner {
  #phase = BEFORE;
  /** Nesting depth: 1 inside the top-level object, more inside its values. */
  #depth = 0;
  #inString = false;
  /** The last piece ended inside a string, on a backslash whose escaped character is still to come. */
  #escape = false;
  /** The string being read is a top-level key (captured) rather than a value. */
  #stringIsKey = false;
  /** The raw text of the key or id value being read, while it is worth reading; undefined otherwise. */
  #capture: string | undefined;
  #captureLimit = 0;
  #overflow = false;
  #member = OTHER;
  #object = false;
  #result = false;
  #error = false;
  #method = false;
  #id: number | string | null | undefined;

  /** The next piece of the text. */
  push(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n && this.#phase !== DONE) {
      if (this.#inString) {
        i = this.#string(text, i);
      } else if (this.#depth > 1) {
        i = this.#nested(text, i);
      } else {
        this.#top(text.charCodeAt(i));
        i++;
      }
    }
  }

  /** The text ended (whole or cut short): what its top level said. */
  end(): TopLevelAnswer {
    if (this.#phase === PRIMITIVE) this.#valueEnded();
    return {
      answer: this.#object && (this.#result || this.#error) && !this.#method,
      id: this.#id,
    };
  }

  /** Inside a string from `text[i]`: to just after its closing quote, or to the piece's end. */
  #string(text: string, i: number): number {
    const n = text.length;
    let from = i;
    if (this.#escape) {
      // The character after a backslash at the end of the last piece is escaped, whatever it is.
      this.#escape = false;
      from++;
    }
    for (;;) {
      const quote = from >= n ? -1 : text.indexOf('"', from);
      if (quote === -1) {
        this.#escape = backslashesBefore(text, from, n) % 2 === 1;
        this.#take(text, i, n);
        return n;
      }
      // `from` is never an escaped position, so the run of backslashes right before the quote,
      // counted back to `from`, says whether the quote is escaped.
      if (backslashesBefore(text, from, quote) % 2 === 0) {
        this.#take(text, i, quote);
        this.#inString = false;
        this.#stringEnded();
        return quote + 1;
      }
      from = quote + 1;
    }
  }

  /** Below the top level outside strings: only brackets and the start of a string matter. */
  #nested(text: string, i: number): number {
    const n = text.length;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.#inString = true;
        this.#stringIsKey = false;
        return i + 1;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.#depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.#depth === 1) {
          this.#phase = AFTER;
          return i + 1;
        }
      }
    }
    return n;
  }

  /** One character at the top level (depth 0 or 1, outside strings). */
  #top(c: number): void {
    const phase = this.#phase;
    if (phase === BEFORE) {
      if (isSpace(c)) return;
      if (c === OPEN_BRACE) {
        this.#object = true;
        this.#depth = 1;
        this.#phase = KEY;
      } else {
        this.#phase = DONE; // an array (a batch), or not JSON: no answer to one request
      }
      return;
    }
    if (phase === PRIMITIVE && !isSpace(c) && c !== COMMA && c !== CLOSE_BRACE) {
      this.#append(String.fromCharCode(c));
      return;
    }
    if (isSpace(c)) {
      if (phase === PRIMITIVE) this.#valueEnded();
      return;
    }
    if (phase === PRIMITIVE) this.#valueEnded();
    switch (c) {
      case QUOTE:
        this.#inString = true;
        this.#stringIsKey = this.#phase === KEY;
        if (this.#stringIsKey) {
          this.#member = OTHER;
          this.#startCapture(KEY_CHARS);
        } else if (this.#phase === VALUE && this.#member === ID) {
          this.#id = undefined;
          this.#startCapture(ID_CHARS);
        } else {
          this.#capture = undefined;
        }
        return;
      case COLON_CHAR:
        if (this.#phase === COLON) this.#phase = VALUE;
        return;
      case COMMA:
        this.#phase = KEY;
        this.#member = OTHER;
        return;
      case CLOSE_BRACE:
        this.#depth = 0;
        this.#phase = DONE;
        return;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        // A structured value: an `id` that is one is none we can name.
        if (this.#member === ID) this.#id = undefined;
        this.#depth = 2;
        return;
      default:
        if (this.#phase === VALUE) {
          this.#phase = PRIMITIVE;
          if (this.#member === ID) {
            this.#id = undefined;
            this.#startCapture(ID_CHARS);
            this.#append(String.fromCharCode(c));
          } else {
            this.#capture = undefined;
          }
        }
    }
  }

  #startCapture(limit: number): void {
    this.#capture = '';
    this.#captureLimit = limit;
    this.#overflow = false;
  }

  /** Keeps `text[start, end)` of a key or id being read, up to its limit. */
  #take(text: string, start: number, end: number): void {
    if (this.#capture === undefined || this.#overflow || end <= start) return;
    const room = this.#captureLimit - this.#capture.length;
    if (end - start > room) {
      this.#overflow = true;
      return;
    }
    this.#capture += text.slice(start, end);
  }

  #append(chars: string): void {
    if (this.#capture === undefined || this.#overflow) return;
    if (this.#capture.length >= this.#captureLimit) this.#overflow = true;
    else this.#capture += chars;
  }

  #stringEnded(): void {
    if (this.#stringIsKey) {
      this.#phase = COLON;
      const name = this.#overflow ? undefined : decodeString(this.#capture ?? '');
      this.#capture = undefined;
      if (name === 'id') this.#member = ID;
      else if (name === 'result') this.#result = true;
      else if (name === 'error') this.#error = true;
      else if (name === 'method') this.#method = true;
      return;
    }
    if (this.#depth === 1) {
      this.#phase = AFTER;
      if (this.#member === ID && this.#capture !== undefined) {
        this.#id = this.#overflow ? undefined : decodeString(this.#capture);
      }
      this.#capture = undefined;
    }
  }

  /** A number, `true`, `false` or `null` at the top level ended. */
  #valueEnded(): void {
    this.#phase = AFTER;
    if (this.#member === ID && this.#capture !== undefined && !this.#overflow) {
      const value = parse(this.#capture);
      this.#id = typeof value === 'number' || value === null ? value : undefined;
    }
    this.#capture = undefined;
  }
}

/** How many backslashes stand right before `text[end]`, counting back no further than `start`. */
function backslashesBefore(text: string, start: number, end: number): number {
  let i = end;
  while (i > start && text.charCodeAt(i - 1) === BACKSLASH) i--;
  return end - i;
}

/** The value of a JSON string's raw content (between its quotes); undefined if it is not valid. */
function decodeString(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  const value = parse(`"${raw}"`);
  return typeof value === 'string' ? value : undefined;
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

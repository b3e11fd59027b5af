/**
 * A small JSON parser that also takes what people write in config files by hand: `//` and
 * `/* *\/` comments and trailing commas (JSONC, as VS Code and Zed config files are). Unlike
 * `JSON.parse` it says where a fault is (line and column, both from 1) and refuses a key given
 * twice in one object, which `JSON.parse` would settle silently by keeping the last.
 *
 * Pure: text in, value out.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A syntax fault, with its place in the text and what was expected there. */
export interface JsonSyntaxFault {
  line: number;
  column: number;
  expected: string;
  found: string;
}

export type JsoncResult = { ok: true; value: JsonValue } | { ok: false; fault: JsonSyntaxFault };

class Fault extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected}; found ${found}`);
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the file';
  return ch === '"' ? `'"'` : JSON.stringify(ch);
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skip();
    const value = this.value();
    this.skip();
    if (this.pos < this.text.length) {
      throw new Fault(this.pos, 'the end of the file', describeChar(this.text[this.pos]));
    }
    return value;
  }

  /** Whitespace and comments. */
  private skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') {
        this.pos++;
      } else if (ch === '/' && t[this.pos + 1] === '/') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else if (ch === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end < 0) throw new Fault(this.pos, 'the end of a /* comment', 'the end of the file');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private value(): JsonValue {
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    throw new Fault(this.pos, 'a value', describeChar(ch));
  }

  private object(): JsonValue {
    const out: Record<string, JsonValue> = {};
    const seen = new Set<string>();
    this.pos++; // {
    this.skip();
    while (this.text[this.pos] !== '}') {
      if (this.text[this.pos] !== '"') {
        throw new Fault(this.pos, 'a key in double quotes or "}"', describeChar(this.text[this.pos]));
      }
      const keyAt = this.pos;
      const key = this.string();
      if (seen.has(key)) throw new Fault(keyAt, 'each key once in an object', `${JSON.stringify(key)} again`);
      seen.add(key);
      this.skip();
      if (this.text[this.pos] !== ':') {
        throw new Fault(this.pos, '":" after a key', describeChar(this.text[this.pos]));
      }
      this.pos++;
      this.skip();
      // defineProperty, so a key named "__proto__" is data, not a prototype.
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.afterItem('}');
    }
    this.pos++; // }
    return out;
  }

  /** After a member or element: a comma (a trailing one is fine), or the closing bracket. */
  private afterItem(close: '}' | ']'): void {
    this.skip();
    if (this.text[this.pos] === ',') {
      this.pos++;
      this.skip();
    } else if (this.text[this.pos] !== close) {
      throw new Fault(this.pos, `"," or "${close}"`, describeChar(this.text[this.pos]));
    }
  }

  private array(): JsonValue {
    const out: JsonValue[] = [];
    this.pos++; // [
    this.skip();
    while (this.text[this.pos] !== ']') {
      out.push(this.value());
      this.afterItem(']');
    }
    this.pos++; // ]
    return out;
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // "
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) throw new Fault(start, 'a string closed by "', 'the end of the file');
      if (ch === '"') break;
      if (ch < ' ')
        throw new Fault(this.pos, 'a closing " before the line ends (or \\n)', JSON.stringify(ch));
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex))
            throw new Fault(this.pos, 'four hex digits after \\u', JSON.stringify(hex));
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        const decoded = esc === undefined ? undefined : ESCAPES[esc];
        if (decoded === undefined)
          throw new Fault(
            this.pos,
            'an escape of JSON (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)',
            `\\${esc ?? ''}`,
          );
        out += decoded;
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    this.pos++; // "
    return out;
  }

  private number(): number {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.pos, this.pos + 64),
    );
    if (!match) throw new Fault(this.pos, 'a number', describeChar(this.text[this.pos + 1]));
    this.pos += match[0].length;
    return Number(match[0]);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parse JSON or JSONC; a fault comes back with its line and column rather than as a throw. */
export function parseJsonc(text: string): JsoncResult {
  try {
    return { ok: true, value: new Parser(text).parseDocument() };
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return {
      ok: false,
      fault: { ...lineAndColumn(text, error.offset), expected: error.expected, found: error.found },
    };
  }
}

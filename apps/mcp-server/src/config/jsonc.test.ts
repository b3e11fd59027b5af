import { describe, expect, it } from 'vitest';
import { parseJsonc } from './jsonc.ts';

describe('parseJsonc', () => {
  it('parses plain JSON like JSON.parse', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"], "b": {}}';
    expect(parseJsonc(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('takes // and /* */ comments and trailing commas', () => {
    const text = `{
      // a line comment
      "a": 1, /* a block
      comment */
      "b": [1, 2,],
    }`;
    expect(parseJsonc(text)).toEqual({ ok: true, value: { a: 1, b: [1, 2] } });
  });

  it('leaves // inside strings alone', () => {
    expect(parseJsonc('{"url": "https://x.test/a"}')).toEqual({
      ok: true,
      value: { url: 'https://x.test/a' },
    });
  });

  it('says the line and column of a missing comma', () => {
    const result = parseJsonc('{\n  "a": 1\n  "b": 2\n}');
    expect(result).toEqual({
      ok: false,
      fault: { line: 3, column: 3, expected: '"," or "}"', found: `'"'` },
    });
  });

  it('refuses a key given twice, at the second', () => {
    const result = parseJsonc('{"a": 1,\n "a": 2}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fault).toMatchObject({ line: 2, column: 2, found: '"a" again' });
  });

  it('reports an unclosed string, comment and document', () => {
    expect(parseJsonc('{"a": "b')).toMatchObject({ ok: false, fault: { found: 'the end of the file' } });
    expect(parseJsonc('{ /* x')).toMatchObject({ ok: false, fault: { expected: 'the end of a /* comment' } });
    expect(parseJsonc('{"a": 1')).toMatchObject({ ok: false, fault: { expected: '"," or "}"' } });
    expect(parseJsonc('{} x')).toMatchObject({
      ok: false,
      fault: { expected: 'the end of the file', column: 4 },
    });
  });

  it('keeps __proto__ as data', () => {
    const result = parseJsonc('{"__proto__": {"polluted": true}}');
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.value as object)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});

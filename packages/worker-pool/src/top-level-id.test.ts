import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TopLevelAnswer, TopLevelIdScanner } from './top-level-id.ts';

/** Scans `text` cut at `cuts` (positions, any order, any count). */
function scan(text: string, cuts: readonly number[] = []): TopLevelAnswer {
  const s = new TopLevelIdScanner();
  let from = 0;
  for (const at of [...cuts].sort((a, b) => a - b)) {
    s.push(text.slice(from, at));
    from = at;
  }
  s.push(text.slice(from));
  return s.end();
}

/** Scans `text` one character at a time. */
const byChar = (text: string): TopLevelAnswer =>
  scan(
    text,
    Array.from(text, (_, i) => i),
  );

describe('TopLevelIdScanner', () => {
  it('reads the top-level id first, last or in the middle, and tells answers from other messages', () => {
    const cases: [string, TopLevelAnswer][] = [
      ['{"jsonrpc":"2.0","id":3,"result":{"x":1}}', { answer: true, id: 3 }],
      ['{"result":{"content":[]},"jsonrpc":"2.0","id":12}', { answer: true, id: 12 }],
      ['{"jsonrpc":"2.0","result":{"a":"b"},"id":7,"x":1}', { answer: true, id: 7 }],
      ['{"error":{"code":-1,"message":"m"},"id":4,"jsonrpc":"2.0"}', { answer: true, id: 4 }],
      [' { "result" : 1 , "id" : "abc" } ', { answer: true, id: 'abc' }],
      ['{"error":{"code":-32700},"id":null}', { answer: true, id: null }],
      ['{"jsonrpc":"2.0","id":0,"method":"x","params":{"result":1}}', { answer: false, id: 0 }],
      ['{"jsonrpc":"2.0","method":"n","result":1}', { answer: false, id: undefined }],
      ['[{"jsonrpc":"2.0","id":1,"result":1}]', { answer: false, id: undefined }],
      ['not json at all', { answer: false, id: undefined }],
    ];
    for (const [text, expected] of cases) {
      expect(scan(text), text).toEqual(expected);
      expect(byChar(text), text).toEqual(expected);
    }
  });

  it('never takes an id nested in the result, or written inside a string, for the answer’s', () => {
    const cases: [string, TopLevelAnswer][] = [
      ['{"result":{"content":[{"id":9}],"id":8},"jsonrpc":"2.0"}', { answer: true, id: undefined }],
      ['{"result":{"id":9},"id":2,"_meta":{"id":10,"x":[{"id":11}]}}', { answer: true, id: 2 }],
      ['{"result":"\\"id\\":5,","id":6}', { answer: true, id: 6 }],
      ['{"result":"}\\\\","note":"\\"id\\":1","id":6}', { answer: true, id: 6 }],
      ['{"re\\"sult":1,"id":1}', { answer: false, id: 1 }],
    ];
    for (const [text, expected] of cases) {
      expect(scan(text), text).toEqual(expected);
      expect(byChar(text), text).toEqual(expected);
    }
  });

  it('reads escaped keys and ids, and an id it cannot name as undefined', () => {
    expect(byChar('{"\\u0069d":5,"r\\u0065sult":1}')).toEqual({ answer: true, id: 5 });
    expect(byChar('{"result":1,"id":"a\\"b\\\\"}')).toEqual({ answer: true, id: 'a"b\\' });
    expect(byChar('{"result":1,"id":{"n":1}}')).toEqual({ answer: true, id: undefined });
    expect(byChar('{"result":1,"id":[1]}')).toEqual({ answer: true, id: undefined });
    expect(byChar('{"result":1,"id":true}')).toEqual({ answer: true, id: undefined });
    expect(byChar(`{"result":1,"id":"${'x'.repeat(65)}"}`)).toEqual({ answer: true, id: undefined });
    expect(byChar(`{"result":1,"id":${'1'.repeat(65)}}`)).toEqual({ answer: true, id: undefined });
    // The last of duplicate ids counts, as with JSON.parse.
    expect(byChar('{"id":1,"result":1,"id":2}')).toEqual({ answer: true, id: 2 });
    expect(byChar('{"id":1,"result":1,"id":{}}')).toEqual({ answer: true, id: undefined });
    // A long key is read no further than needed.
    expect(byChar(`{"${'k'.repeat(100)}":1,"result":1,"id":3}`)).toEqual({ answer: true, id: 3 });
  });

  it('reads what it can of a line cut short', () => {
    expect(byChar('{"jsonrpc":"2.0","id":42')).toEqual({ answer: false, id: 42 });
    expect(byChar('{"id":42,"result":{"text":"aaa')).toEqual({ answer: true, id: 42 });
    expect(byChar('')).toEqual({ answer: false, id: undefined });
  });

  it('finds exactly the top-level id of any object, wherever it sits and however the text is cut', () => {
    const key = fc.oneof(
      fc.constantFrom('id', 'result', 'error', 'jsonrpc', 'method', 'Id', 'ids', '__proto__', ''),
      fc.string({ maxLength: 8, unit: 'binary' }),
    );
    const leaf = fc.oneof(
      fc.string({ maxLength: 20, unit: 'binary' }),
      fc.constantFrom('"id":1', '\\', '\\"', '{"id":2}', '}', ']'),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    // Nested values, with "id" keys among their own.
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }));
    const topId = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 10, unit: 'binary' }),
      fc.constant(null),
    );
    const members = fc.uniqueArray(fc.tuple(key, value), {
      maxLength: 6,
      selector: ([k]) => k,
    });
    const space = fc.constantFrom('', ' ', '\t', '\r\n  ');
    fc.assert(
      fc.property(
        members,
        fc.option(topId, { nil: undefined }),
        fc.nat(),
        space,
        fc.array(fc.nat(), { maxLength: 12 }),
        (all, id, at, ws, cuts) => {
          const others = all.filter(([k]) => k !== 'id');
          const list: [string, unknown][] = [...others];
          if (id !== undefined) list.splice(at % (others.length + 1), 0, ['id', id]);
          const text = `${ws}{${list
            .map(([k, v]) => `${ws}${JSON.stringify(k)}${ws}:${ws}${JSON.stringify(v)}${ws}`)
            .join(',')}}${ws}`;
          const parsed = JSON.parse(text) as Record<string, unknown>;
          const keys = new Set(list.map(([k]) => k));
          const expected: TopLevelAnswer = {
            answer: (keys.has('result') || keys.has('error')) && !keys.has('method'),
            id: id === undefined ? undefined : (parsed.id as TopLevelAnswer['id']),
          };
          const got = scan(
            text,
            cuts.map((c) => c % (text.length + 1)),
          );
          expect(got).toEqual(expected);
          if (id !== undefined) expect(Object.is(got.id, parsed.id)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads past a long string full of escapes, whole or cut in many pieces', () => {
    const body = `{"result":{"text":"${'a\\"b\\\\'.repeat(10_000)}"},"id":77,"jsonrpc":"2.0"}`;
    const cuts = Array.from({ length: 1000 }, (_, i) => i * 97);
    expect(scan(body)).toEqual({ answer: true, id: 77 });
    expect(scan(body, cuts)).toEqual({ answer: true, id: 77 });
  });
});

import { describe, expect, it } from 'vitest';
import { jsonBytesAtMost } from './json-size-bound.ts';
import { utf8ByteLength } from './parse.ts';

const exact = (v: unknown) => utf8ByteLength(JSON.stringify(v));

describe('jsonBytesAtMost', () => {
  const samples: unknown[] = [
    {},
    [],
    { name: 'builtin__echo', arguments: { text: 'hello' } },
    { a: [1, -2.5e-300, true, false, null, 'x'], b: { c: { d: [] } } },
    { text: '\u0000\u0001\u001f"\\\n\t' },
    { 'kéy\u2028': 'héllo wörld ✓ 😀', more: '\ud800 lone' },
    { n: Number.MAX_VALUE, m: -Number.MIN_VALUE, big: 1.5e25 },
    Array.from({ length: 50 }, (_, i) => ({ i, s: 'x'.repeat(i) })),
  ];

  it('is never below the exact size', () => {
    for (const v of samples) expect(jsonBytesAtMost(v, 1e9)).toBeGreaterThanOrEqual(exact(v));
  });

  it('skips undefined members as JSON does, and still bounds the rest', () => {
    const v = { a: undefined, b: 'x' };
    expect(jsonBytesAtMost(v, 1e9)).toBeGreaterThanOrEqual(exact(v));
  });

  it('is Infinity once the bound passes the limit', () => {
    expect(jsonBytesAtMost({ text: 'x'.repeat(100) }, 100)).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost({ text: 'x'.repeat(10) }, 1000)).toBeLessThan(1000);
  });

  it('gives up on what is not plain JSON data, or nested too deep', () => {
    expect(jsonBytesAtMost({ when: new Date(0) }, 1e9)).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytesAtMost({ n: 1n }, 1e9)).toBe(Number.POSITIVE_INFINITY);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(jsonBytesAtMost(deep, 1e9)).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts an object without a prototype like a plain one', () => {
    const v = Object.assign(Object.create(null), { a: 'b' });
    expect(jsonBytesAtMost(v, 1e9)).toBeGreaterThanOrEqual(exact(v));
  });
});

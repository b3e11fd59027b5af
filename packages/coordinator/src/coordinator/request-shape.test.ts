import { describe, expect, it } from 'vitest';
import { malformedField, nestsDeeper } from './request-shape.ts';

/** `n` levels of objects (n = 1: `{}`), or of arrays. */
const objects = (n: number): unknown => (n <= 1 ? {} : { a: 1, next: objects(n - 1) });
const arrays = (n: number): unknown => (n <= 1 ? [] : [1, arrays(n - 1)]);

describe('nestsDeeper', () => {
  it('counts an object or array as one level, scalars as none', () => {
    expect(nestsDeeper('text', 0)).toBe(false);
    expect(nestsDeeper(null, 0)).toBe(false);
    expect(nestsDeeper({}, 0)).toBe(true);
    expect(nestsDeeper({}, 1)).toBe(false);
    expect(nestsDeeper({ a: 'x', b: 2, c: null }, 1)).toBe(false);
    expect(nestsDeeper({ a: {} }, 1)).toBe(true);
    expect(nestsDeeper([[]], 1)).toBe(true);
    expect(nestsDeeper([1, 'x', null], 1)).toBe(false);
  });

  it('is true exactly past the bound, for objects, arrays and a mix', () => {
    for (const limit of [1, 2, 5, 64]) {
      expect(nestsDeeper(objects(limit), limit)).toBe(false);
      expect(nestsDeeper(objects(limit + 1), limit)).toBe(true);
      expect(nestsDeeper(arrays(limit), limit)).toBe(false);
      expect(nestsDeeper(arrays(limit + 1), limit)).toBe(true);
    }
    const mixed = { list: [{ deep: [{}] }] }; // 5 levels
    expect(nestsDeeper(mixed, 5)).toBe(false);
    expect(nestsDeeper(mixed, 4)).toBe(true);
  });

  it('finds the deep branch among wide shallow ones, and walks far past any call stack', () => {
    const wide = { a: {}, b: [], c: { d: {} }, e: { f: { g: { h: {} } } } }; // e→f→g→h: 5 levels
    expect(nestsDeeper(wide, 5)).toBe(false);
    expect(nestsDeeper(wide, 4)).toBe(true);
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeper(deep, 64)).toBe(true);
    expect(nestsDeeper(deep, 200_000)).toBe(false);
  });

  it('walks own keys only (a JSON "__proto__" key is an own key)', () => {
    const parsed = JSON.parse('{"__proto__": {"x": {}}}') as unknown;
    expect(nestsDeeper(parsed, 2)).toBe(true);
    expect(nestsDeeper(parsed, 3)).toBe(false);
  });
});

describe('malformedField', () => {
  it('refuses arguments nested past the bound with -32602 naming it', () => {
    const request = {
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { name: 't', arguments: objects(4) as Record<string, unknown> },
    };
    expect(malformedField(request, 4)).toBeUndefined();
    expect(JSON.stringify(malformedField(request, 3))).toContain(
      'params.arguments nests deeper than 3 levels',
    );
  });
});

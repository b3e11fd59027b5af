import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.ts';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('nestsDeeperThan', () => {
  it('clears an ordinary message and one nested exactly to the limit', () => {
    const message = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'x', arguments: { a: [1, { b: 2 }] } },
    });
    expect(nestsDeeperThan(message, 5)).toBe(false);
    expect(nestsDeeperThan(message, 4)).toBe(true);
    expect(nestsDeeperThan(nested(128), 128)).toBe(false);
    expect(nestsDeeperThan(`{"a":${nested(127)}}`, 128)).toBe(false);
  });

  it('refuses one level past the limit, in arrays and in objects', () => {
    expect(nestsDeeperThan(nested(129), 128)).toBe(true);
    expect(nestsDeeperThan(`${'{"a":'.repeat(129)}1${'}'.repeat(129)}`, 128)).toBe(true);
  });

  it('does not count brackets inside strings (more brackets than the limit, none nesting)', () => {
    const text = JSON.stringify({ text: '{['.repeat(500), escaped: '\\"[[[[' });
    expect(nestsDeeperThan(text, 128)).toBe(false);
    // Many brackets side by side nest only one deep.
    expect(nestsDeeperThan(JSON.stringify(Array.from({ length: 300 }, () => [])), 128)).toBe(false);
  });

  it('finds the depth of a deep value after a string full of brackets', () => {
    expect(nestsDeeperThan(`[${JSON.stringify('['.repeat(300))},${nested(128)}]`, 128)).toBe(true);
  });
});

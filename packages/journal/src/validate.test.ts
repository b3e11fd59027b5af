import { describe, expect, it } from 'vitest';
import { utf8Length } from './validate.ts';

describe('utf8Length', () => {
  it('agrees with TextEncoder, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const text of [
      '',
      'ascii',
      'é',
      '€',
      '🚀',
      '\ud800',
      '\ud800x',
      'x\udc00',
      '\udc00\ud800',
      'a🚀b\ud83d',
    ]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).length);
    }
  });
});

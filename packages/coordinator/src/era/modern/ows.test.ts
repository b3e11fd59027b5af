import { describe, expect, it } from 'vitest';
import { trimOws } from './ows.ts';

describe('trimOws', () => {
  it.each([
    ['2026-07-28', '2026-07-28'],
    ['  2026-07-28', '2026-07-28'],
    ['2026-07-28\t ', '2026-07-28'],
    [' \t a b \t ', 'a b'],
    ['   ', ''],
    ['', ''],
    ['\u00a0x\u00a0', '\u00a0x\u00a0'],
  ])('%j → %j', (raw, trimmed) => {
    expect(trimOws(raw)).toBe(trimmed);
  });

  it('gives back the very string when there is nothing to trim', () => {
    const value = 'tools/call';
    expect(trimOws(value)).toBe(value);
  });
});

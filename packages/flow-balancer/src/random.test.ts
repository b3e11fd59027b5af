import { describe, expect, it } from 'vitest';
import { defaultRandom, mulberry32 } from './random.ts';

describe('mulberry32', () => {
  it('repeats the same sequence for the same seed and another for another seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
  });

  it('stays in [0, 1) and spreads evenly', () => {
    const r = mulberry32(7);
    const bins = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      if (!(x >= 0 && x < 1)) outside++;
      else bins[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    for (const n of bins) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('rejects a seed that is not a finite number', () => {
    expect(() => mulberry32(Number.NaN)).toThrow(TypeError);
    expect(() => mulberry32('1' as never)).toThrow(/seed/);
  });

  it('defaultRandom is Math.random', () => {
    expect(defaultRandom).toBe(Math.random);
  });
});

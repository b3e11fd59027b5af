import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import type { Candidate } from './candidate.ts';
import { P2CPicker } from './p2c.ts';

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('P2CPicker', () => {
  it('of the two drawn, takes the one with fewer outstanding', () => {
    const cs = [
      { id: 'a', outstanding: 5 },
      { id: 'b', outstanding: 1 },
      { id: 'c', outstanding: 9 },
    ];
    // first draw picks index ⌊r × 3⌋, second ⌊r × 2⌋ among the other two
    expect(new P2CPicker({ random: sequence(0, 0) }).pick(cs)?.id).toBe('b');
    expect(new P2CPicker({ random: sequence(0, 0.99) }).pick(cs)?.id).toBe('a');
    expect(new P2CPicker({ random: sequence(0.99, 0) }).pick(cs)?.id).toBe('a');
  });

  it('never draws the same candidate twice', () => {
    const cs = [
      { id: 'idle', outstanding: 0 },
      { id: 'busy', outstanding: 100 },
    ];
    // Both draws at the same position would make "busy" compete with itself.
    expect(new P2CPicker({ random: sequence(0.9, 0.9) }).pick(cs)?.id).toBe('idle');
  });

  it('weighs outstanding by latency: (outstanding + 1) × latency ÷ weight', () => {
    const cs: Candidate[] = [
      { id: 'fast-busy', outstanding: 3, latencyMs: 10 }, // 4 × 10 = 40
      { id: 'slow-idle', outstanding: 0, latencyMs: 50 }, // 1 × 50 = 50
    ];
    expect(new P2CPicker({ random: sequence(0, 0) }).pick(cs)?.id).toBe('fast-busy');
    const weighted: Candidate[] = [cs[0]!, { ...cs[1]!, weight: 2 }]; // 50 ÷ 2 = 25
    expect(new P2CPicker({ random: sequence(0, 0) }).pick(weighted)?.id).toBe('slow-idle');
  });

  it('without latency on both (and no default) compares outstanding alone; a default fills the gap', () => {
    const cs: Candidate[] = [
      { id: 'measured', outstanding: 1, latencyMs: 1 },
      { id: 'new', outstanding: 0 },
    ];
    expect(new P2CPicker({ random: sequence(0, 0) }).pick(cs)?.id).toBe('new');
    // with a pessimistic default the measured one is cheaper: 2 × 1 < 1 × 100
    expect(new P2CPicker({ random: sequence(0, 0), defaultLatencyMs: 100 }).pick(cs)?.id).toBe('measured');
  });

  it('sends most picks to the less loaded candidates over many random draws', () => {
    const picker = new P2CPicker({ random: mulberry32(3) });
    const cs = Array.from({ length: 10 }, (_, i) => ({ id: `w${i}`, outstanding: i }));
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = picker.pick(cs)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // The most loaded is never the cheaper of two distinct; the least loaded wins every draw it is in (~20%).
    expect(counts.get('w9') ?? 0).toBe(0);
    expect(counts.get('w0')!).toBeGreaterThan(1700);
    expect(counts.get('w0')!).toBeGreaterThan(counts.get('w5')!);
  });

  it('handles 0 and 1 candidates without drawing', () => {
    const picker = new P2CPicker({
      random: () => {
        throw new Error('should not draw');
      },
    });
    expect(picker.pick([])).toBeUndefined();
    expect(picker.pick([{ id: 'only', outstanding: 9 }])?.id).toBe('only');
  });

  it('rejects bad input', () => {
    const cs = [
      { id: 'a', outstanding: 0 },
      { id: 'b', outstanding: 0, latencyMs: Number.NaN },
    ];
    expect(() => new P2CPicker({ random: sequence(0, 0) }).pick(cs)).toThrow(
      /candidate "b" has latencyMs NaN/,
    );
    expect(() => new P2CPicker({ random: () => 1 }).pick(cs)).toThrow(/random source returned 1/);
    expect(() => new P2CPicker({ defaultLatencyMs: -1 })).toThrow(/"defaultLatencyMs"/);
    expect(() => new P2CPicker({ random: 0.5 as never })).toThrow(/"random" must be a function/);
  });
});

import { describe, expect, it } from 'vitest';
import { LeastOutstandingPicker } from './least-outstanding.ts';

describe('LeastOutstandingPicker', () => {
  it('picks the candidate with the fewest outstanding requests', () => {
    const picker = new LeastOutstandingPicker();
    const cs = [
      { id: 'a', outstanding: 3 },
      { id: 'b', outstanding: 1 },
      { id: 'c', outstanding: 2 },
    ];
    for (let i = 0; i < 5; i++) expect(picker.pick(cs)?.id).toBe('b');
  });

  it('counts outstanding per unit of weight', () => {
    const picker = new LeastOutstandingPicker();
    const cs = [
      { id: 'small', outstanding: 2, weight: 1 },
      { id: 'big', outstanding: 3, weight: 4 },
    ];
    expect(picker.pick(cs)?.id).toBe('big');
  });

  it('spreads picks over tied candidates', () => {
    const picker = new LeastOutstandingPicker();
    const cs = ['a', 'b', 'c', 'd'].map((id) => ({ id, outstanding: 0 }));
    const seen = new Set(Array.from({ length: 4 }, () => picker.pick(cs)!.id));
    expect(seen.size).toBe(4);
  });

  it('returns undefined for no candidates and rejects bad candidate fields', () => {
    const picker = new LeastOutstandingPicker();
    expect(picker.pick([])).toBeUndefined();
    expect(() => picker.pick([{ id: 'x', outstanding: Number.NaN }])).toThrow(
      /LeastOutstandingPicker: candidate "x" has outstanding NaN; expected a finite number ≥ 0/,
    );
    expect(() => picker.pick([{ id: 'x', outstanding: -1 }])).toThrow(RangeError);
    expect(() => picker.pick([{ id: 'x', outstanding: 0, weight: 0 }])).toThrow(/has weight 0/);
  });
});

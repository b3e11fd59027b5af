import { describe, expect, it } from 'vitest';
import { RoundRobinPicker } from './round-robin.ts';

describe('RoundRobinPicker', () => {
  it('takes each candidate in turn and copes with the list changing size', () => {
    const picker = new RoundRobinPicker();
    const cs = ['a', 'b', 'c'].map((id) => ({ id, outstanding: 0 }));
    expect(Array.from({ length: 7 }, () => picker.pick(cs)?.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(picker.pick(cs.slice(0, 1))?.id).toBe('a');
    expect(picker.pick([])).toBeUndefined();
  });
});

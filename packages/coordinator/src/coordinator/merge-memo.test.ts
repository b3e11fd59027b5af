import { describe, expect, it } from 'vitest';
import { MergeMemo } from './merge-memo.ts';

describe('MergeMemo', () => {
  const naming = {};
  const a = [{ name: 'x' }];
  const b = [{ name: 'y' }];

  it('gives back the merge made from the very same inputs and naming', () => {
    const memo = new MergeMemo<string>();
    memo.set('tools', naming, [a, b], 'merged');
    expect(memo.get('tools', naming, [a, b])).toBe('merged');
  });

  it('misses when any input is another array (a list fetched again), even an equal one', () => {
    const memo = new MergeMemo<string>();
    memo.set('tools', naming, [a, b], 'merged');
    expect(memo.get('tools', naming, [a, [{ name: 'y' }]])).toBeUndefined();
    expect(memo.get('tools', naming, [a])).toBeUndefined();
  });

  it('misses under another naming, another key, and after clear()', () => {
    const memo = new MergeMemo<string>();
    memo.set('tools', naming, [a, b], 'merged');
    expect(memo.get('tools', {}, [a, b])).toBeUndefined();
    expect(memo.get('prompts', naming, [a, b])).toBeUndefined();
    memo.clear();
    expect(memo.get('tools', naming, [a, b])).toBeUndefined();
  });
});

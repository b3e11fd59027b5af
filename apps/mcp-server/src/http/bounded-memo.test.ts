import { describe, expect, it } from 'vitest';
import { BoundedMemo } from './bounded-memo.ts';

describe('BoundedMemo', () => {
  it('gives back what was set, and holds at most max keys (emptied when full)', () => {
    const memo = new BoundedMemo<number>(3);
    expect(memo.get('a')).toBeUndefined();
    expect(memo.set('a', 1)).toBe(1);
    memo.set('b', 2);
    memo.set('c', 3);
    expect([memo.get('a'), memo.get('b'), memo.get('c'), memo.size]).toEqual([1, 2, 3, 3]);
    memo.set('d', 4);
    expect(memo.size).toBe(1);
    expect([memo.get('a'), memo.get('d')]).toEqual([undefined, 4]);
    memo.set('d', 5); // a key set again replaces its value
    expect(memo.get('d')).toBe(5);
  });
});

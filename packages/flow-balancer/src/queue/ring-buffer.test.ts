import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { RingBuffer } from './ring-buffer.ts';

describe('RingBuffer', () => {
  it('is a FIFO with shift and a LIFO with pop, across wrap-around and growth', () => {
    const rb = new RingBuffer<number>(4);
    expect(rb.capacity).toBe(4);
    for (let i = 0; i < 3; i++) rb.push(i);
    expect(rb.shift()).toBe(0);
    for (let i = 3; i < 10; i++) rb.push(i); // wraps, then grows
    expect(rb.capacity).toBeGreaterThanOrEqual(16);
    expect(rb.length).toBe(9);
    expect(rb.toArray()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rb.pop()).toBe(9);
    expect(rb.shift()).toBe(1);
    expect(rb.peekFirst()).toBe(2);
    expect(rb.peekLast()).toBe(8);
    expect([...rb]).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('matches an array model under a long random mix of operations', () => {
    const rb = new RingBuffer<number>(2);
    const model: number[] = [];
    const r = mulberry32(1);
    for (let i = 0; i < 5000; i++) {
      const op = r();
      if (op < 0.4) {
        rb.push(i);
        model.push(i);
      } else if (op < 0.5) {
        rb.unshift(i);
        model.unshift(i);
      } else if (op < 0.8) {
        expect(rb.shift()).toBe(model.shift());
      } else {
        expect(rb.pop()).toBe(model.pop());
      }
      expect(rb.length).toBe(model.length);
    }
    expect(rb.toArray()).toEqual(model);
    expect(rb.at(0)).toBe(model[0]);
    expect(rb.at(-1)).toBe(model.at(-1));
  });

  it('returns undefined when empty and for out-of-range indexes', () => {
    const rb = new RingBuffer<string>();
    expect(rb.shift()).toBeUndefined();
    expect(rb.pop()).toBeUndefined();
    expect(rb.peekFirst()).toBeUndefined();
    expect(rb.peekLast()).toBeUndefined();
    rb.push('a');
    expect(rb.at(1)).toBeUndefined();
    expect(rb.at(-2)).toBeUndefined();
    expect(rb.at(0.5)).toBeUndefined();
  });

  it('gives memory back after a burst', () => {
    const rb = new RingBuffer<number>(16);
    for (let i = 0; i < 100_000; i++) rb.push(i);
    expect(rb.capacity).toBe(131_072);
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) if (rb.shift() !== i) wrong++;
    expect(wrong).toBe(0);
    expect(rb.capacity).toBe(16);
  });

  it('retain keeps matching items in order', () => {
    const rb = new RingBuffer<number>(4);
    for (let i = 0; i < 3; i++) rb.push(i);
    rb.shift();
    for (let i = 3; i < 12; i++) rb.push(i);
    rb.retain((x) => x % 3 === 0);
    expect(rb.toArray()).toEqual([3, 6, 9]);
    rb.push(12);
    expect(rb.toArray()).toEqual([3, 6, 9, 12]);
    rb.clear();
    expect(rb.length).toBe(0);
  });

  it('rejects a bad initial capacity', () => {
    expect(() => new RingBuffer(0)).toThrow(/"initialCapacity" must be an integer ≥ 1/);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
    expect(() => new RingBuffer('8' as never)).toThrow(TypeError);
  });
});

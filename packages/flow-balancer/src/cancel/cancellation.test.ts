import { describe, expect, test } from 'vitest';
import { DeadlineQueue } from '../queue/deadline-queue.ts';
import { Cancellation, type CancelSignal } from './cancellation.ts';

describe('Cancellation', () => {
  test('abort fires each listener once, in order, with the reason readable', () => {
    const c = new Cancellation();
    const heard: string[] = [];
    c.signal.addEventListener('abort', () => heard.push(`a:${String(c.signal.reason)}`));
    c.signal.addEventListener('abort', () => heard.push('b'));
    c.signal.addEventListener('abort', () => heard.push('c'));
    expect(c.signal.aborted).toBe(false);
    c.abort('stop');
    c.abort('again');
    expect(heard).toEqual(['a:stop', 'b', 'c']);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe('stop');
  });

  test('a removed listener is not called; the first removed leaves the others', () => {
    const c = new Cancellation();
    const heard: string[] = [];
    const a = () => heard.push('a');
    const b = () => heard.push('b');
    const d = () => heard.push('d');
    c.addEventListener('abort', a);
    c.addEventListener('abort', b);
    c.addEventListener('abort', d);
    c.removeEventListener('abort', a);
    c.removeEventListener('abort', d);
    c.abort();
    expect(heard).toEqual(['b']);
  });

  test('without a reason it aborts with an AbortError, as AbortController does', () => {
    const c = new Cancellation();
    c.abort();
    expect(c.reason).toBeInstanceOf(Error);
    expect((c.reason as Error).name).toBe('AbortError');
  });

  test('a listener added after the abort is not called', () => {
    const c = new Cancellation();
    c.abort('x');
    let called = false;
    c.addEventListener('abort', () => {
      called = true;
    });
    expect(called).toBe(false);
  });

  test('an AbortSignal is a CancelSignal', () => {
    const signal: CancelSignal = new AbortController().signal;
    expect(signal.aborted).toBe(false);
  });

  test('DeadlineQueue drops an item whose Cancellation aborts, and detaches from one shifted', () => {
    const dropped: string[] = [];
    const q = new DeadlineQueue<string>({ capacity: 4, onDrop: (item) => dropped.push(item) });
    const a = new Cancellation();
    const b = new Cancellation();
    q.push('a', { signal: a.signal });
    q.push('b', { signal: b.signal });
    a.abort();
    expect(dropped).toEqual(['a']);
    expect(q.shift()).toBe('b');
    b.abort();
    expect(dropped).toEqual(['a']);
  });
});

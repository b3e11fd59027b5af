import { describe, expect, it } from 'vitest';
import { MessageStream } from './message-stream.ts';

async function drain<T>(s: MessageStream<T>): Promise<T[]> {
  s.end();
  const out: T[] = [];
  for await (const item of s) out.push(item);
  return out;
}

describe('MessageStream', () => {
  it('keeps at most maxBuffered unread items, dropping the oldest and counting them', async () => {
    const s = new MessageStream<number>(undefined, 3);
    for (let i = 1; i <= 5; i++) s.push(i);
    expect(s.size).toBe(3);
    expect(s.dropped).toBe(2);
    expect(await drain(s)).toEqual([3, 4, 5]);
  });

  it('pushOnce keeps one unread item per key, and takes the key again once it was read', async () => {
    const s = new MessageStream<{ m: string }>();
    s.pushOnce({ m: 'tools' }, 'tools');
    s.pushOnce({ m: 'tools' }, 'tools');
    s.pushOnce({ m: 'prompts' }, 'prompts');
    expect(s.size).toBe(2);
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ m: 'tools' });
    s.pushOnce({ m: 'tools' }, 'tools');
    expect(s.size).toBe(2);
    expect(await drain(s)).toEqual([{ m: 'prompts' }, { m: 'tools' }]);
  });

  it('a key whose item was dropped for room can be pushed again', async () => {
    const s = new MessageStream<string>(undefined, 1);
    s.pushOnce('a', 'k');
    s.push('b');
    expect(s.dropped).toBe(1);
    s.pushOnce('a2', 'k');
    expect(await drain(s)).toEqual(['a2']);
  });

  it('an item handed straight to a waiting reader holds no key', async () => {
    const s = new MessageStream<string>();
    const it = s[Symbol.asyncIterator]();
    const next = it.next();
    s.pushOnce('x', 'k');
    expect((await next).value).toBe('x');
    s.pushOnce('y', 'k');
    expect(s.size).toBe(1);
  });

  it('mapItems: the reader sees each item mapped, those waiting and those handed straight over; return() still abandons', async () => {
    let abandoned = 0;
    const s = new MessageStream<string>(() => abandoned++);
    s.push('a');
    s.mapItems((x) => x.toUpperCase());
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe('A');
    const next = it.next();
    s.push('b');
    expect((await next).value).toBe('B');
    await it.return?.();
    expect(abandoned).toBe(1);
  });
});

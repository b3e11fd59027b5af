import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { ReadDeadlines } from './read-deadlines.ts';

describe('ReadDeadlines', () => {
  it('expires a read exactly at its deadline, and only one that has not ended', () => {
    const clock = new FakeClock();
    const deadlines = new ReadDeadlines(1_000, clock);
    const expired: string[] = [];
    const endA = deadlines.start(() => expired.push('a'));
    clock.advance(300);
    deadlines.start(() => expired.push('b'));
    clock.advance(200);
    const endC = deadlines.start(() => expired.push('c'));
    endA();
    expect(deadlines.pending).toBe(2);
    clock.advance(799);
    expect(expired).toEqual([]);
    clock.advance(1); // b started at 300
    expect(expired).toEqual(['b']);
    endC();
    clock.advance(10_000);
    expect(expired).toEqual(['b']);
    expect(deadlines.pending).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps one timer however many reads are in flight', () => {
    const clock = new FakeClock();
    const deadlines = new ReadDeadlines(50, clock);
    const ends = Array.from({ length: 100 }, () => deadlines.start(() => {}));
    expect(clock.pendingTimers).toBe(1);
    for (const end of ends) end();
    expect(deadlines.pending).toBe(0);
  });

  it('an end after the expiry, or a second end, changes nothing', () => {
    const clock = new FakeClock();
    const deadlines = new ReadDeadlines(10, clock);
    let calls = 0;
    const end = deadlines.start(() => calls++);
    clock.advance(10);
    end();
    end();
    expect(calls).toBe(1);
    expect(deadlines.pending).toBe(0);
    const again = deadlines.start(() => calls++);
    again();
    again();
    expect(deadlines.pending).toBe(0);
    clock.advance(100);
    expect(calls).toBe(1);
  });

  it('a slow read at the head does not hold the reads behind it: they are compacted, and expire in order', () => {
    const clock = new FakeClock();
    const deadlines = new ReadDeadlines(1_000, clock);
    const expired: number[] = [];
    deadlines.start(() => expired.push(-1)); // the slow one
    for (let i = 0; i < 5_000; i++) {
      const end = deadlines.start(() => expired.push(i));
      if (i % 1_000 !== 999) end();
    }
    expect(deadlines.pending).toBe(6);
    expect((deadlines as unknown as { queue: unknown[] }).queue.length).toBeLessThan(2_100);
    clock.advance(1_000);
    expect(expired).toEqual([-1, 999, 1999, 2999, 3999, 4999]);
    expect(deadlines.pending).toBe(0);
  });

  it('close stops the timer', () => {
    const clock = new FakeClock();
    const deadlines = new ReadDeadlines(10, clock);
    let calls = 0;
    deadlines.start(() => calls++);
    deadlines.close();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100);
    expect(calls).toBe(0);
  });
});

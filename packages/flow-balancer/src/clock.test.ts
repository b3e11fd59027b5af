import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from './clock.ts';

describe('FakeClock', () => {
  it('fires due timers in due-time order, ties in the order they were set, with now() at each due time', () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.advance(25);
    expect(fired).toEqual(['a@110', 'b1@120', 'b2@120']);
    expect(clock.now()).toBe(125);
    clock.advance(5);
    expect(fired.at(-1)).toBe('c@130');
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires a timer set by a firing timer within the same advance when it falls due in it', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(9);
    expect(fired).toEqual([5]);
    clock.advance(1);
    expect(fired).toEqual([5, 10]);
  });

  it('does not fire a cleared timer, and treats a negative delay as 0', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const h = clock.setTimeout(() => fired.push('cleared'), 1);
    clock.setTimeout(() => fired.push('negative'), -50);
    clock.clearTimeout(h);
    clock.clearTimeout('not a handle');
    expect(clock.pendingTimers).toBe(1);
    clock.advance(0);
    expect(fired).toEqual(['negative']);
    clock.advance(10);
    expect(fired).toEqual(['negative']);
  });

  it('keeps its heap small when many timers are set and cleared', () => {
    const clock = new FakeClock();
    for (let i = 0; i < 10_000; i++) clock.clearTimeout(clock.setTimeout(() => {}, 1000));
    expect(clock.pendingTimers).toBe(0);
    let fired = 0;
    clock.setTimeout(() => fired++, 1);
    clock.advance(2000);
    expect(fired).toBe(1);
  });

  it('rejects bad input with a clear error', () => {
    const clock = new FakeClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(/"ms" must be a finite number ≥ 0; found NaN/);
    expect(() => clock.setTimeout(() => {}, Number.NaN)).toThrow(RangeError);
    expect(() => clock.setTimeout(undefined as never, 1)).toThrow(TypeError);
    expect(() => new FakeClock(Number.POSITIVE_INFINITY)).toThrow(/startMs/);
  });
});

describe('systemClock', () => {
  it('reads a monotonic time and runs a real timer', async () => {
    const t0 = systemClock.now();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 2));
    expect(systemClock.now()).toBeGreaterThan(t0);
    let fired = false;
    const h = systemClock.setTimeout(() => {
      fired = true;
    }, 1);
    systemClock.clearTimeout(h);
    await new Promise((r) => setTimeout(r, 5));
    expect(fired).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isLoadShedError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
import { LoadShedder } from './load-shedder.ts';

describe('LoadShedder', () => {
  it('estimates the wait as queue length × service time ÷ concurrency', () => {
    const shedder = new LoadShedder({ targetDelayMs: 100, initialServiceTimeMs: 20 });
    expect(shedder.estimateDelayMs(10, 4)).toBe(50);
    expect(shedder.estimateDelayMs(0)).toBe(0);
  });

  it('sheds nothing at or below the target and everything at or past maxDelayMs', () => {
    const shedder = new LoadShedder({
      targetDelayMs: 100,
      maxDelayMs: 200,
      initialServiceTimeMs: 10,
      random: () => 0,
    });
    expect(shedder.check(10)).toBeUndefined(); // 100 ms: at target
    const always = new LoadShedder({
      targetDelayMs: 100,
      maxDelayMs: 200,
      initialServiceTimeMs: 10,
      random: () => 0.999,
    });
    const e = always.check(20); // 200 ms
    expect(isLoadShedError(e)).toBe(true);
    expect(e!.retryAfterMs).toBe(200);
    expect(e!.estimatedDelayMs).toBe(200);
  });

  it('sheds with a probability rising linearly between target and max', () => {
    const shedder = new LoadShedder({
      targetDelayMs: 100,
      maxDelayMs: 200,
      initialServiceTimeMs: 1,
      random: mulberry32(9),
    });
    let shed = 0;
    for (let i = 0; i < 10_000; i++) if (shedder.check(125)) shed++; // 125 ms → p = 0.25
    expect(shed / 10_000).toBeGreaterThan(0.22);
    expect(shed / 10_000).toBeLessThan(0.28);
  });

  it('learns the service time from observations', () => {
    const shedder = new LoadShedder({ targetDelayMs: 10, smoothing: 0.5 });
    expect(shedder.check(1000)).toBeUndefined(); // nothing observed yet
    shedder.observe(8);
    shedder.observe(8);
    expect(shedder.serviceTimeMs).toBe(6);
    expect(shedder.check(100)).toBeDefined(); // 600 ms ≫ 40 ms max
  });

  it('rejects bad options and input', () => {
    expect(() => new LoadShedder({ targetDelayMs: 0 })).toThrow(
      /LoadShedder: "targetDelayMs" must be a finite number > 0; found 0/,
    );
    expect(() => new LoadShedder({ targetDelayMs: 10, maxDelayMs: 10 })).toThrow(
      /"maxDelayMs" must be a finite number > 10/,
    );
    expect(() => new LoadShedder({ targetDelayMs: 10, smoothing: 0 })).toThrow(/"smoothing"/);
    expect(() => new LoadShedder(undefined as never)).toThrow(TypeError);
    const shedder = new LoadShedder({ targetDelayMs: 10 });
    expect(() => shedder.observe(Number.NaN)).toThrow(/"serviceTimeMs"/);
    expect(() => shedder.check(-1)).toThrow(/"queueLength"/);
    expect(() => shedder.check(1.5)).toThrow(RangeError);
    expect(() => shedder.check(1, 0)).toThrow(/"concurrency"/);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.ts';
import { OutlierDetector } from './outlier-detector.ts';

function setup(options: { maxEjectionPercent?: number; ejectionDecayMs?: number } = {}) {
  const clock = new FakeClock();
  const ejections: [string, number, number][] = [];
  const detector = new OutlierDetector({
    baseEjectionMs: 1000,
    maxEjectionMs: 2500,
    maxEjectionPercent: 50,
    clock,
    onEject: (id, until, n) => ejections.push([id, until, n]),
    ...options,
  });
  const failTimes = (id: string, n: number) => {
    for (let i = 0; i < n; i++) detector.record(id, 'failure');
  };
  return { clock, detector, ejections, failTimes };
}

describe('OutlierDetector', () => {
  it('ejects after 5 consecutive failures (default strategy) and lets it back after baseEjectionMs', () => {
    const { clock, detector, failTimes } = setup();
    for (const id of ['a', 'b', 'c', 'd']) detector.add(id);
    failTimes('a', 4);
    expect(detector.isEjected('a')).toBe(false);
    failTimes('a', 1);
    expect(detector.isEjected('a')).toBe(true);
    expect(detector.state('a')).toEqual({ kind: 'ejected', until: 1000, ejections: 1 });
    const cs = ['a', 'b', 'c'].map((id) => ({ id, outstanding: 0 }));
    expect(detector.available(cs).map((c) => c.id)).toEqual(['b', 'c']);
    clock.advance(1000);
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.available(cs)).toBe(cs);
  });

  it('ejects for longer each time: base × count, capped at maxEjectionMs', () => {
    const { clock, detector, ejections, failTimes } = setup({ ejectionDecayMs: Number.POSITIVE_INFINITY });
    detector.add('b');
    for (let round = 0; round < 4; round++) {
      failTimes('a', 5);
      clock.advance(5000);
    }
    expect(ejections.map(([, until, n]) => [until, n])).toEqual([
      [1000, 1],
      [7000, 2],
      [12_500, 3], // 3000 capped at 2500
      [17_500, 4],
    ]);
  });

  it('the ejection count decays while the candidate stays in', () => {
    const { clock, detector, ejections, failTimes } = setup({ ejectionDecayMs: 10_000 });
    detector.add('b');
    failTimes('a', 5);
    clock.advance(1000);
    failTimes('a', 5);
    expect(ejections.at(-1)![2]).toBe(2);
    clock.advance(2000 + 20_000); // back at 3000, then 20 s in: count 2 − 2 = 0
    failTimes('a', 5);
    expect(ejections.at(-1)![2]).toBe(1);
  });

  it('never ejects more than maxEjectionPercent of the known candidates', () => {
    const { detector, failTimes } = setup({ maxEjectionPercent: 50 });
    for (const id of ['a', 'b', 'c', 'd']) detector.add(id);
    failTimes('a', 5);
    failTimes('b', 5);
    failTimes('c', 5);
    failTimes('d', 5);
    expect(detector.ejectedCount).toBe(2);
    expect(['a', 'b', 'c', 'd'].filter((id) => detector.isEjected(id))).toEqual(['a', 'b']);
  });

  it('ejects at least one when the percentage rounds down to 0, none at 0%', () => {
    const some = setup({ maxEjectionPercent: 10 });
    some.detector.add('b');
    some.failTimes('a', 5);
    expect(some.detector.isEjected('a')).toBe(true);
    const none = setup({ maxEjectionPercent: 0 });
    none.failTimes('a', 50);
    expect(none.detector.isEjected('a')).toBe(false);
  });

  it('a tripped candidate held in by the cap is ejected once room frees up', () => {
    const { clock, detector, failTimes } = setup({ maxEjectionPercent: 50 });
    detector.add('b');
    failTimes('a', 5);
    failTimes('b', 5);
    expect(detector.isEjected('b')).toBe(false);
    clock.advance(1000);
    detector.record('b', 'failure');
    expect(detector.isEjected('b')).toBe(true);
  });

  it('a success resets the count; outcomes while ejected and dropped outcomes are not counted', () => {
    const { detector, failTimes } = setup();
    detector.add('b');
    failTimes('a', 4);
    detector.record('a', 'success');
    failTimes('a', 4);
    detector.record('a', 'dropped');
    expect(detector.isEjected('a')).toBe(false);
    failTimes('a', 1);
    expect(detector.isEjected('a')).toBe(true);
  });

  it('remove forgets a candidate', () => {
    const { detector, failTimes } = setup();
    detector.add('b');
    failTimes('a', 5);
    detector.remove('a');
    expect(detector.isEjected('a')).toBe(false);
    expect(detector.state('a')).toBeUndefined();
    expect(detector.size).toBe(1);
  });

  it('rejects bad options and input', () => {
    expect(() => new OutlierDetector({ maxEjectionPercent: 101 })).toThrow(
      /"maxEjectionPercent" must be a finite number ≥ 0 ≤ 100/,
    );
    expect(() => new OutlierDetector({ baseEjectionMs: -1 })).toThrow(/"baseEjectionMs"/);
    expect(() => new OutlierDetector({ baseEjectionMs: 100, maxEjectionMs: 10 })).toThrow(/"maxEjectionMs"/);
    expect(() => new OutlierDetector({ strategy: 5 as never })).toThrow(/"strategy" must be a function/);
    const detector = new OutlierDetector();
    expect(() => detector.record('a', 'bad' as never)).toThrow(/"outcome" must be one of/);
    expect(() => detector.record(7 as never, 'failure')).toThrow(/candidate id must be a string/);
  });
});

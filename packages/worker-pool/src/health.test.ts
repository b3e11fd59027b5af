import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { HealthMonitor } from './health.ts';
import type { WorkerSlot } from './worker-slot.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('HealthMonitor', () => {
  it('probes ready workers each interval; a rejection or a probe past its deadline fails', async () => {
    const clock = new FakeClock();
    const a = { id: 1, state: 'ready' } as WorkerSlot;
    const b = { id: 2, state: 'ready' } as WorkerSlot;
    const c = { id: 3, state: 'starting' } as WorkerSlot;
    const probed: number[] = [];
    const passed: number[] = [];
    const failed: [number, string][] = [];
    const m = new HealthMonitor({
      clock,
      intervalMs: 100,
      timeoutMs: 50,
      workers: () => [a, b, c],
      probe: (w) => {
        probed.push(w.id);
        if (w.id === 1) return Promise.resolve();
        return new Promise(() => {}); // b never answers
      },
      onPass: (w) => passed.push(w.id),
      onFail: (w, e) => failed.push([w.id, e]),
    });
    m.start();
    clock.advance(99);
    await flush();
    expect(probed).toEqual([]);
    clock.advance(1);
    await flush();
    expect(probed).toEqual([1, 2]);
    expect(passed).toEqual([1]);
    clock.advance(50);
    await flush();
    expect(failed).toEqual([[2, 'no answer within 50 ms']]);
    m.stop();
    clock.advance(1000);
    await flush();
    expect(probed).toEqual([1, 2]);
  });

  it('does not probe a worker twice at once', async () => {
    const clock = new FakeClock();
    const a = { id: 1, state: 'ready' } as WorkerSlot;
    let probes = 0;
    const m = new HealthMonitor({
      clock,
      intervalMs: 10,
      timeoutMs: 1000,
      workers: () => [a],
      probe: () => {
        probes++;
        return new Promise(() => {});
      },
      onPass: () => {},
      onFail: () => {},
    });
    m.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      await flush();
    }
    expect(probes).toBe(1);
    m.stop();
  });
});

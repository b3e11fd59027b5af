/** Sizing set while running: `resize()` (a tier manager moving a backend) and `canStart` (a budget). */
import { describe, expect, it } from 'vitest';
import type { ThreadPoolOptions } from '../src/index.ts';
import { fixture, nextEvent, poolMaker, until } from './helpers.ts';

const pool = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts'), min: 0, max: 3 });

describe('resize and canStart', () => {
  it('resize starts the workers missing to the new min, and lets the idle ones above it go', async () => {
    const p = pool({ idleTimeoutMs: 20 });
    p.resize({ min: 2 });
    await until(() => p.stats().workers.ready === 2, 'two ready');
    p.resize({ min: 0 });
    await nextEvent(p, 'worker-recycled', (e) => e.reason === 'idle');
    await until(() => p.stats().workers.total === 0, 'none left');
    expect(() => p.resize({ min: 4 })).toThrow(/max \(3\) must be ≥ min \(4\)/);
    expect(() => p.resize({ min: -1 })).toThrow(RangeError);
  });

  it('canStart holds back the starts the pool makes on its own until refill(), not startWorker()', async () => {
    let room = 0;
    const asked: number[] = [];
    const p = pool({
      canStart: () => {
        asked.push(room);
        if (room === 0) return false;
        room--;
        return true;
      },
    });
    p.resize({ min: 2 });
    expect(p.stats().workers.total).toBe(0);
    const requested = p.startWorker(); // its caller decided
    expect(p.stats().workers.total).toBe(1);
    room = 5;
    p.refill();
    // min counts unreserved workers: the one requested is one of the two.
    expect(p.stats().workers.total).toBe(2);
    expect(room).toBe(4);
    await until(() => p.stats().workers.ready === 2, 'two ready');
    expect(p.workers().map((w) => w.id)).toContain(requested.id);
    expect(asked.length).toBeGreaterThan(0);
  });

  it('replaces a crashed worker to keep min, asking canStart', async () => {
    let allowed = true;
    const p = pool({ min: 1, canStart: () => allowed, restart: { baseDelayMs: 0, maxDelayMs: 0 } });
    await p.start();
    const [first] = p.workers();
    allowed = false;
    const exited = nextEvent(p, 'worker-exited');
    await p.run('exitThread', 1).catch(() => {});
    expect(await exited).toMatchObject({ workerId: first!.id, expected: false });
    expect(p.stats().workers.total).toBe(0); // held back
    allowed = true;
    p.refill();
    await nextEvent(p, 'worker-ready');
    expect(p.workers().map((w) => w.id)).not.toContain(first!.id);
  });
});

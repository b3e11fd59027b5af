/**
 * Idle eviction by tier on the manager's FakeClock, with real workers: the backend pool stops idle
 * workers by the knobs the tier set — warm spares of a per-session backend kept while it is used,
 * gone one TTL after its last demand — and the tier manager names each stop as before.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { fixture, isAlive, managerMaker, until } from './helpers.ts';

const make = managerMaker();

describe('idle eviction by the pool, per tier', () => {
  it('warm per-session: the spare is kept while the backend is used within the TTL, then goes (idle-ttl); the bound worker stays', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: {
        w: fixture([], { tier: 'warm', isolation: 'per-session', spares: 1, idleTtlMs: 1000 }),
      },
    });
    await m.manager.start();
    expect(m.manager.stats().backends.w!.workers.total).toBe(0); // no demand yet: no spare
    const lease = await m.manager.acquire('w', { session: 's' });
    const bound = lease.workerId;
    lease.release();
    // Demand: the tier keeps a spare now, started in the background.
    await until(() => m.of('worker-ready').some((e) => e.workerId !== bound), 'the spare ready');
    const spare = m.of('worker-ready').find((e) => e.workerId !== bound)!;
    expect(m.of('worker-starting').at(-1)).toMatchObject({ workerId: spare.workerId, reason: 'spare' });
    clock.advance(500);
    (await m.manager.acquire('w', { session: 's' })).release(); // demand at t = 500
    clock.advance(999);
    expect(m.of('worker-stopped')).toEqual([]);
    clock.advance(1);
    expect(m.of('worker-stopped')).toMatchObject([
      { backend: 'w', workerId: spare.workerId, reason: 'idle-ttl' },
    ]);
    await until(() => !isAlive(spare.pid!), 'the spare to exit');
    // The session's own worker is a reservation: never stopped for idleness.
    clock.advance(60_000);
    expect(m.of('worker-stopped')).toHaveLength(1);
    expect(m.manager.stats().backends.w!.workers.total).toBe(1);
    expect(m.of('worker-starting')).toHaveLength(2); // no spare started again without new demand
  });

  it('a spare left when its backend is demoted to cold goes at once (unclaimed)', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      auto: {
        intervalMs: 1000,
        rateWindowMs: 10_000,
        hotThresholdMsPerSec: 10,
        minDwellMs: 0,
        initialTier: 'hot',
      },
      backends: {
        a: fixture([], { tier: 'auto', isolation: 'per-session', spares: 1, idleTtlMs: 600_000 }),
      },
    });
    await m.manager.start(); // hot: its spare is ready
    const [spare] = m.of('worker-ready');
    expect(m.manager.stats().backends.a).toMatchObject({ effectiveTier: 'hot', workers: { spare: 1 } });
    for (let i = 0; i < 10 && m.manager.stats().backends.a!.effectiveTier !== 'cold'; i++)
      clock.advance(1000);
    expect(m.of('tier-changed').at(-1)).toMatchObject({ backend: 'a', to: 'cold', direction: 'demotion' });
    // Long before its idle TTL: cold keeps no spare, and an idle one goes when the tier says so.
    expect(m.of('worker-stopped')).toMatchObject([
      { backend: 'a', workerId: spare!.workerId, reason: 'unclaimed' },
    ]);
    await until(() => !isAlive(spare!.pid!), 'the spare to exit');
  });
});

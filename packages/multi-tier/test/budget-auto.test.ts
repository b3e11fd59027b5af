/**
 * The global budget with real workers: eviction order and refusal; and the auto policy applied by
 * the manager on a FakeClock (promotion, demotion, admission under the budget).
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { type BudgetExceededError, isBudgetExceededError } from '../src/index.ts';
import { fixture, isAlive, managerMaker, rejectionOf, until } from './helpers.ts';

const make = managerMaker();

describe('the global budget', () => {
  it('evicts the idle worker whose loss costs least, never a configured hot one, and refuses when none is idle', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      budget: { maxWorkers: 3 },
      backends: {
        hot: fixture([], { tier: 'hot' }), // never used: the cheapest to lose, but protected
        busy: fixture([], { tier: 'warm' }),
        rare: fixture([], { tier: 'warm' }),
        newcomer: fixture([], { tier: 'warm' }),
      },
    });
    await m.manager.start();
    for (let i = 0; i < 10; i++) (await m.manager.acquire('busy')).release();
    clock.advance(100);
    const rare = await m.manager.acquire('rare');
    const rarePid = rare.pid!;
    rare.release();
    expect(m.manager.stats().workers).toBe(3);

    const newcomer = await m.manager.acquire('newcomer');
    const [eviction] = m.of('eviction');
    expect(eviction).toMatchObject({ backend: 'rare', forBackend: 'newcomer' });
    expect(eviction!.reason).toMatch(
      /^budget full \(3\/3 workers, .*least costly idle worker — losing it costs [\d.]+ ms\/s/,
    );
    expect(eviction!.figures.valueMsPerSec).toBeLessThan(
      m.manager.stats().backends.busy!.demand.valueMsPerSec,
    );
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'rare', reason: 'evicted' }]);
    await until(() => !isAlive(rarePid), 'the evicted worker to exit');
    expect(m.manager.stats()).toMatchObject({
      workers: 3,
      backends: { rare: { evictions: 1 }, hot: { workers: { ready: 1 } } },
    });

    // Everything left is leased or protected: a start is refused with the figures.
    const busy = await m.manager.acquire('busy');
    const e = (await rejectionOf(m.manager.acquire('rare'))) as BudgetExceededError;
    expect(isBudgetExceededError(e)).toBe(true);
    // What a start of `rare` would hold: what its evicted worker was measured to hold (VmRSS).
    const rareMb = m.manager.stats().backends.rare!.workerMemoryMb;
    expect(rareMb).toBeGreaterThan(0);
    expect(e).toMatchObject({
      backend: 'rare',
      figures: { workers: 3, maxWorkers: 3, neededMemoryMb: rareMb },
    });
    busy.release();
    newcomer.release();
  });
});

describe('the budget, when room comes free', () => {
  it('lets a start held back for want of room go ahead', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      budget: { maxWorkers: 2 },
      backends: {
        ps: fixture([], { tier: 'hot', isolation: 'per-session', spares: 1 }),
        w: fixture([], { tier: 'warm', idleTtlMs: 1000 }),
      },
    });
    await m.manager.start();
    const w = await m.manager.acquire('w');
    const a = await m.manager.acquire('ps', { session: 'a' }); // takes the spare; no room for another
    await Bun.sleep(50);
    expect(m.of('worker-starting').filter((e) => e.backend === 'ps')).toHaveLength(1);
    expect(m.manager.stats()).toMatchObject({ workers: 2, backends: { ps: { workers: { spare: 0 } } } });
    w.release();
    clock.advance(1000); // the warm worker goes: room for the spare
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'w', reason: 'idle-ttl' }]);
    await until(() => m.manager.stats().backends.ps!.workers.spare === 1, 'the spare to be started');
    expect(m.of('worker-starting').at(-1)).toMatchObject({ backend: 'ps', reason: 'hot' });
    a.release();
  });
});

describe('auto tiers', () => {
  it('promotes a backend in demand to hot and demotes it when demand fades, each an event with figures', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      auto: { intervalMs: 1000, rateWindowMs: 10_000, hotThresholdMsPerSec: 10, minDwellMs: 0 },
      backends: { x: fixture([], { tier: 'auto', idleTtlMs: 1000 }) },
    });
    await m.manager.start();
    expect(m.manager.stats().backends.x).toMatchObject({ tier: 'auto', effectiveTier: 'cold' });
    for (let i = 0; i < 2; i++) {
      const lease = await m.manager.acquire('x');
      expect(lease.warmHit).toBe(false);
      lease.release(); // cold: stopped at once
    }
    expect(m.of('worker-stopped').map((e) => e.reason)).toEqual(['released', 'released']);
    const ready = m.next('worker-ready');
    clock.advance(1000);
    const [promotion] = m.of('tier-changed');
    expect(promotion).toMatchObject({ backend: 'x', from: 'cold', to: 'hot', direction: 'promotion' });
    expect(promotion!.figures.valueMsPerSec).toBeGreaterThanOrEqual(10);
    expect(promotion!.figures.startCostMs).toBe(m.manager.stats().backends.x!.demand.startCostMs);
    expect(promotion!.reason).toMatch(/^saves [\d.]+ ms\/s of waiting/);
    expect(m.of('worker-starting').at(-1)).toMatchObject({ tier: 'hot', reason: 'hot' });
    await ready;
    const hotLease = await m.manager.acquire('x');
    expect(hotLease.warmHit).toBe(true);
    hotLease.release();

    clock.advance(120_000); // no more demand
    const changes = m.of('tier-changed');
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(changes.at(-1)).toMatchObject({ backend: 'x', to: 'cold', direction: 'demotion' });
    expect(changes.at(-1)!.figures.valueMsPerSec).toBeLessThan(10);
    expect(m.manager.stats().backends.x).toMatchObject({
      effectiveTier: 'cold',
      promotions: 1,
      workers: { ready: 0 },
    });
    expect(m.manager.stats().backends.x!.demotions).toBeGreaterThanOrEqual(1);
    expect(m.of('worker-stopped').at(-1)!.reason).toMatch(/released|idle-ttl/);
  });

  it('admits to hot only what the budget holds, highest value first', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      budget: { maxWorkers: 1 },
      auto: { intervalMs: 1000, rateWindowMs: 10_000, hotThresholdMsPerSec: 1, minDwellMs: 0 },
      backends: {
        often: fixture([], { tier: 'auto', idleTtlMs: 1000 }),
        seldom: fixture([], { tier: 'auto', idleTtlMs: 1000 }),
      },
    });
    await m.manager.start();
    (await m.manager.acquire('seldom')).release();
    for (let i = 0; i < 6; i++) (await m.manager.acquire('often')).release();
    clock.advance(1000);
    const s = m.manager.stats().backends;
    expect(s.often!.effectiveTier).toBe('hot');
    expect(s.seldom!.effectiveTier).not.toBe('hot');
    expect(
      m
        .of('tier-changed')
        .filter((e) => e.to === 'hot')
        .map((e) => e.backend),
    ).toEqual(['often']);
  });
});

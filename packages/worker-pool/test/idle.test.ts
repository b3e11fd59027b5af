/**
 * The pool's idle rules, on an injected idle clock (`idleClock`: a FakeClock) with real threads
 * underneath: holds, stop at release (timeout 0), a `min` held by demand and the demand floor, the
 * idle workers a budget may take, and reservations left alone.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import type { PoolEvent, PoolWorker, ProcessPoolOptions, ThreadPoolOptions } from '../src/index.ts';
import { fixture, poolMaker, record, until } from './helpers.ts';

const pool = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts'), min: 0, max: 4 });

const idleStops = (events: PoolEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'worker-recycled' && e.reason === 'idle' ? [e.workerId] : []));

const ready = (w: PoolWorker): Promise<void> => until(() => w.state === 'ready', `worker ${w.id} ready`);

describe('idle rules', () => {
  it('a held worker is busy: it goes one timeout after its last unhold, not before', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, idleTimeoutMs: 1000 });
    const events = record(p);
    const w = p.startWorker();
    await ready(w);
    expect(p.hold(w.id)).toBe(true);
    expect(p.hold(w.id)).toBe(true);
    idleClock.advance(5000);
    p.unhold(w.id);
    idleClock.advance(2000);
    expect(idleStops(events)).toEqual([]);
    p.unhold(w.id); // idle from here (t = 7 000)
    p.unhold(w.id); // one too many: nothing
    idleClock.advance(999);
    expect(idleStops(events)).toEqual([]);
    idleClock.advance(1);
    expect(idleStops(events)).toEqual([w.id]);
    await until(() => p.workers().length === 0, 'the idle worker to exit');
    expect(p.hold(w.id)).toBe(false); // gone
  });

  it('timeout 0: a worker above min goes at its last release, at once; a held one stays', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, idleTimeoutMs: 0 });
    const events = record(p);
    const w = p.startWorker();
    p.hold(w.id); // held from birth: not stopped as it becomes ready
    await ready(w);
    expect(await p.run('inc', 1)).toBe(2);
    expect(idleStops(events)).toEqual([]);
    p.unhold(w.id);
    expect(idleStops(events)).toEqual([w.id]); // synchronously, at the release
    // A worker kept by min is never stopped for idleness.
    p.resize({ min: 1 });
    await until(() => p.workers().some((x) => x.state === 'ready'), 'the min worker');
    expect(await p.run('inc', 1)).toBe(2);
    expect(idleStops(events)).toEqual([w.id]);
    // Lowering min to 0 with timeout 0: the idle one goes at once (a tier demoted to cold).
    const kept = p.workers().find((x) => x.state === 'ready')!;
    p.resize({ min: 0 });
    expect(idleStops(events)).toEqual([w.id, kept.id]);
  });

  it('a shorter idle timeout set by resize applies at once to workers already idle', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, idleTimeoutMs: 60_000 });
    const events = record(p);
    const w = p.startWorker();
    await ready(w);
    idleClock.advance(1000);
    p.resize({ idleTimeoutMs: 2000 });
    expect(idleStops(events)).toEqual([]);
    idleClock.advance(1000);
    expect(idleStops(events)).toEqual([w.id]);
    expect(() => p.resize({ idleTimeoutMs: -1 })).toThrow(/idleTimeoutMs must be ≥ 0/);
  });

  it('a min held by demand keeps its spares while used within the timeout; idle time counts from the demand', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, min: 2, idleTimeoutMs: 1000, minHeldByDemand: true });
    const events = record(p);
    await p.start(); // no demand yet: nothing kept
    expect(p.workers()).toHaveLength(0);
    p.demand();
    p.refill();
    expect(p.workers()).toHaveLength(2);
    await Promise.all(p.workers().map(ready));
    idleClock.advance(500);
    p.demand(); // the spares count as used now, and min holds until t = 1 500
    idleClock.advance(999);
    expect(idleStops(events)).toEqual([]);
    expect(p.workers()).toHaveLength(2);
    idleClock.advance(1);
    expect(idleStops(events)).toHaveLength(2);
    await until(() => p.workers().length === 0, 'the spares to exit');
    p.refill(); // min lapsed: none started again until new demand
    expect(p.workers()).toHaveLength(0);
  });

  it('without demand on it, a worker idles from its own last use (a pool of shared workers)', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, idleTimeoutMs: 1000 });
    const events = record(p);
    const w = p.startWorker();
    await ready(w);
    idleClock.advance(600);
    expect(await p.run('inc', 1)).toBe(2); // used at t = 600
    idleClock.advance(999);
    expect(idleStops(events)).toEqual([]);
    idleClock.advance(1);
    expect(idleStops(events)).toEqual([w.id]);
  });

  it('idleWorkers: longest idle first; beyondMin leaves min; reserved lists the reserved; a held one is not idle', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, min: 1, idleTimeoutMs: 60_000 });
    await p.start();
    const [a] = p.workers();
    const b = p.startWorker();
    const k = p.startWorker({ key: 'k' });
    await Promise.all([a!, b, k].map(ready));
    idleClock.advance(10);
    p.hold(a!.id);
    p.unhold(a!.id); // a last used at t = 10, b at 0
    const ids = (ws: PoolWorker[]) => ws.map((w) => w.id);
    expect(ids(p.idleWorkers())).toEqual([b.id, a!.id]);
    expect(ids(p.idleWorkers({ beyondMin: true }))).toEqual([b.id]);
    expect(ids(p.idleWorkers({ reserved: true }))).toEqual([k.id]);
    p.hold(b.id);
    expect(ids(p.idleWorkers())).toEqual([a!.id]);
    expect(ids(p.idleWorkers({ beyondMin: true }))).toEqual([a!.id]);
    p.hold(k.id);
    expect(ids(p.idleWorkers({ reserved: true }))).toEqual([]);
  });

  it('never stops a reserved worker for idleness, even with timeout 0', async () => {
    const idleClock = new FakeClock();
    const p = pool({ idleClock, idleTimeoutMs: 0 });
    const events = record(p);
    const k = p.startWorker({ key: 'k' });
    await ready(k);
    expect(await p.run('inc', 1, { key: 'k' })).toBe(2);
    p.resize({ min: 0 });
    idleClock.advance(60_000);
    expect(idleStops(events)).toEqual([]);
    expect(p.reserved('k')?.state).toBe('ready');
  });
});

describe('idle rules, process workers', () => {
  const processes = poolMaker<ProcessPoolOptions>({
    kind: 'process',
    command: process.execPath,
    args: [fixture('rpc-server.ts')],
    min: 0,
    max: 2,
  });

  it('a health probe is not use: a probed worker still goes one timeout after its last task', async () => {
    const idleClock = new FakeClock();
    let probes = 0;
    const p = processes({
      idleClock,
      idleTimeoutMs: 1000,
      health: {
        probe: (w) => {
          probes++;
          return w.request('ping');
        },
        intervalMs: 20,
        timeoutMs: 5000,
      },
    });
    const events = record(p);
    const w = p.startWorker();
    await ready(w);
    idleClock.advance(600);
    const seen = probes;
    await until(() => probes >= seen + 2, 'two probes answered at t = 600');
    idleClock.advance(400);
    expect(idleStops(events)).toEqual([w.id]);
  });
});

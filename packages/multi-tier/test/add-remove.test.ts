/**
 * Changing the backends of a running manager (the gateway's config hot reload): `addBackend()` and
 * `removeBackend()` with real processes — the new backend's workers, the checks of its spec, the
 * drain of a removed backend's leases, the budget it frees, and the other backends left alone.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import {
  type BackendExistsError,
  isBackendExistsError,
  isBackendRemovedError,
  isManagerClosedError,
  isRemoteBackendNotSupportedError,
  isUnknownBackendError,
  type Lease,
} from '../src/index.ts';
import { fixture, isAlive, managerMaker, rejectionOf, tool, until } from './helpers.ts';

const make = managerMaker();

/** The pid of the worker a lease of `backend` gets (released at once). */
async function pidOf(m: ReturnType<typeof make>, backend: string): Promise<number> {
  const lease = await m.manager.acquire(backend);
  const pid = lease.pid!;
  lease.release();
  return pid;
}

describe('addBackend', () => {
  it('adds a hot backend to a running manager: ready when it resolves, leased at once, the others untouched', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    const aPid = await pidOf(m, 'a');

    await m.manager.addBackend('b', fixture([], { tier: 'hot' }));
    expect(m.of('backend-added')).toEqual([
      { type: 'backend-added', backend: 'b', tier: 'hot', isolation: 'shared' },
    ]);
    expect(m.manager.backends).toEqual(['a', 'b']);
    expect(m.manager.stats().backends.b).toMatchObject({ state: 'ok', workers: { ready: 1 } });
    const lease = await m.manager.acquire('b');
    expect(lease.warmHit).toBe(true); // started by addBackend, before the acquire
    expect(await tool(lease, 'echo', { text: 'new' })).toBe('new');
    const bPid = lease.pid!;
    expect(isAlive(bPid)).toBe(true);
    lease.release();

    expect(await pidOf(m, 'a')).toBe(aPid);
    expect(m.of('worker-starting').filter((e) => e.backend === 'a')).toHaveLength(1);
    expect(m.of('worker-stopped')).toEqual([]);
  });

  it('checks the spec as the constructor does, naming the key, and starts nothing for a bad one', async () => {
    const m = make({ budget: { maxWorkers: 2 }, backends: { a: fixture([], { tier: 'hot' }) } });
    await m.manager.start();

    expect(await rejectionOf(m.manager.addBackend('bad', fixture([], { replicas: { min: -1 } })))).toEqual(
      new RangeError('backends.bad.replicas.min must be an integer ≥ 0, got -1'),
    );
    const noCommand = { kind: 'stdio', tier: 'hot' } as unknown as Parameters<typeof m.manager.addBackend>[1];
    expect(await rejectionOf(m.manager.addBackend('bad', noCommand))).toEqual(
      new TypeError('backends.bad.command must be a non-empty string, got undefined'),
    );
    expect(
      await rejectionOf(m.manager.addBackend('bad', fixture([], { tier: 'lukewarm' as 'hot' }))),
    ).toEqual(
      new TypeError(`backends.bad.tier must be one of 'hot', 'warm', 'cold', 'auto', got "lukewarm"`),
    );
    const remote = await rejectionOf(
      m.manager.addBackend('far', { kind: 'remote', url: 'https://example.com/mcp' }),
    );
    expect(isRemoteBackendNotSupportedError(remote)).toBe(true);
    // What hot backends keep must fit in the budget, the new one included.
    expect(
      await rejectionOf(
        m.manager.addBackend('big', fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } })),
      ),
    ).toEqual(new RangeError('budget.maxWorkers (2) is below what hot backends keep (3 with backends.big)'));

    const dup = (await rejectionOf(
      m.manager.addBackend('a', fixture([], { tier: 'hot' })),
    )) as BackendExistsError;
    expect(isBackendExistsError(dup)).toBe(true);
    expect(dup).toMatchObject({ backend: 'a', removing: false });
    expect(dup.message).toBe('backend "a" already exists: remove it first to replace it');

    expect(m.manager.backends).toEqual(['a']);
    expect(Object.keys(m.manager.stats().backends)).toEqual(['a']);
    expect(m.of('backend-added')).toEqual([]);
    expect(m.of('worker-starting').map((e) => e.backend)).toEqual(['a']);
  });

  it('resolves for a hot backend that cannot start; it shows failed in stats, as at start', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    await m.manager.addBackend('crashing', fixture(['--exit-at-start'], { tier: 'hot' }));
    expect(m.manager.stats().backends.crashing).toMatchObject({
      state: 'failed',
      failure: { reason: 'exit code 1' },
    });
    expect(m.of('backend-failed')).toMatchObject([{ backend: 'crashing' }]);
    await m.manager.removeBackend('crashing'); // a failed backend goes like any other
    expect(m.manager.backends).toEqual(['a']);
  });

  it('before start(), the backend just joins and start() starts it', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'warm' }) } });
    await m.manager.addBackend('h', fixture([], { tier: 'hot' }));
    expect(m.manager.state).toBe('created');
    expect(m.of('worker-starting')).toEqual([]);
    const report = await m.manager.start();
    expect(report).toEqual({ ready: ['h'], failed: [] });
    expect(m.manager.stats().backends.h).toMatchObject({ workers: { ready: 1 } });
  });

  it('puts an added auto backend under the auto policy', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      auto: { intervalMs: 1000, rateWindowMs: 10_000, hotThresholdMsPerSec: 10, minDwellMs: 0 },
      backends: { a: fixture([], { tier: 'warm' }) },
    });
    await m.manager.start();
    await m.manager.addBackend('x', fixture([], { tier: 'auto', idleTtlMs: 1000 }));
    expect(m.manager.stats().backends.x).toMatchObject({ tier: 'auto', effectiveTier: 'cold' });
    for (let i = 0; i < 2; i++) (await m.manager.acquire('x')).release();
    const ready = m.next('worker-ready', (e) => e.backend === 'x');
    clock.advance(1000);
    expect(m.of('tier-changed')).toMatchObject([{ backend: 'x', from: 'cold', to: 'hot' }]);
    await ready;
    expect(m.manager.stats().backends.x).toMatchObject({ effectiveTier: 'hot', workers: { ready: 1 } });
  });
});

describe('removeBackend', () => {
  it('refuses new acquires at once, waits for a lease out, then every process of it has exited', async () => {
    const m = make({
      backends: {
        a: fixture([], { tier: 'hot' }),
        b: fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } }),
      },
    });
    await m.manager.start();
    const aPid = await pidOf(m, 'a');
    const lease = await m.manager.acquire('b');
    const leasedPid = lease.pid!;
    const bPids = m
      .of('worker-ready')
      .filter((e) => e.backend === 'b')
      .map((e) => e.pid!);
    expect(bPids).toHaveLength(2);
    const idlePid = bPids.find((p) => p !== leasedPid)!;

    let removed = false;
    const removal = m.manager.removeBackend('b', { timeoutMs: 10_000 }).then(() => {
      removed = true;
    });
    expect(m.of('backend-removing')).toEqual([
      { type: 'backend-removing', backend: 'b', leases: 1, timeoutMs: 10_000 },
    ]);
    // No new acquires, at once; gone from the names and the per-backend stats.
    const refused = await rejectionOf(m.manager.acquire('b'));
    expect(isBackendRemovedError(refused)).toBe(true);
    expect(isUnknownBackendError(refused)).toBe(true);
    expect((refused as Error).message).toBe('backend "b" was removed (known: a)');
    expect(m.manager.backends).toEqual(['a']);
    expect(Object.keys(m.manager.stats().backends)).toEqual(['a']);
    expect(m.manager.stats()).toMatchObject({ removing: ['b'], workers: 2 }); // a's, and the leased one
    // The idle worker goes at once; the leased one serves its lease.
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'b', reason: 'backend-removed' }]);
    await until(() => !isAlive(idlePid), 'the idle worker to exit');
    await Bun.sleep(200);
    expect(removed).toBe(false);
    expect(isAlive(leasedPid)).toBe(true);
    expect(await tool(lease, 'echo', { text: 'still here' })).toBe('still here');

    const releasedAt = Date.now();
    lease.release();
    await removal;
    expect(Date.now() - releasedAt).toBeLessThan(5000);
    expect(isAlive(leasedPid)).toBe(false);
    expect(m.of('backend-removed')).toEqual([{ type: 'backend-removed', backend: 'b', leasesCut: 0 }]);
    expect(m.manager.stats()).toMatchObject({ removing: [], workers: 1 });
    const gone = await rejectionOf(m.manager.acquire('b'));
    expect(isUnknownBackendError(gone) && !isBackendRemovedError(gone)).toBe(true);
    // The other backend's worker is the same process throughout.
    expect(await pidOf(m, 'a')).toBe(aPid);
    expect(m.of('worker-starting').filter((e) => e.backend === 'a')).toHaveLength(1);
    expect(m.of('worker-stopped').filter((e) => e.backend === 'a')).toEqual([]);
  });

  it('cuts a lease still out when its timeout ends; a second call gives the same promise', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }), b: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    const lease: Lease = await m.manager.acquire('b');
    const pid = lease.pid!;
    const started = Date.now();
    const removal = m.manager.removeBackend('b', { timeoutMs: 300 });
    expect(m.manager.removeBackend('b')).toBe(removal);
    await removal;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(isAlive(pid)).toBe(false);
    expect(m.of('backend-removed')).toMatchObject([{ backend: 'b', leasesCut: 1 }]);
    await expect(lease.request('tools/list')).rejects.toThrow();
    lease.release(); // late, harmless
    expect(m.manager.stats()).toMatchObject({ workers: 1, removing: [] });
    // The name is free again: remove then add replaces a backend.
    await m.manager.addBackend('b', fixture([], { tier: 'hot' }));
    const again = await m.manager.acquire('b');
    expect(again.pid).not.toBe(pid);
    again.release();
  });

  it('refuses to add a name still being removed, and fails an acquire waiting for its start', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }), c: fixture([], { tier: 'cold' }) } });
    await m.manager.start();
    const waiting = m.manager.acquire('c'); // a cold start under way
    const removal = m.manager.removeBackend('c');
    const e = await rejectionOf(waiting);
    expect(isBackendRemovedError(e)).toBe(true);
    const dup = (await rejectionOf(m.manager.addBackend('c', fixture()))) as BackendExistsError;
    expect(dup).toMatchObject({ backend: 'c', removing: true });
    await removal;
    const cPids = m
      .of('worker-starting')
      .filter((s) => s.backend === 'c')
      .map((s) => s.pid!);
    expect(cPids).toHaveLength(1);
    expect(isAlive(cPids[0]!)).toBe(false);
    expect(isUnknownBackendError(await rejectionOf(m.manager.removeBackend('nope')))).toBe(true);
  });

  it('frees room in the budget: a start held back elsewhere goes ahead', async () => {
    const m = make({
      budget: { maxWorkers: 2 },
      backends: {
        ps: fixture([], { tier: 'hot', isolation: 'per-session', spares: 1 }),
        h: fixture([], { tier: 'hot' }), // a configured hot backend is never evicted
      },
    });
    await m.manager.start();
    const a = await m.manager.acquire('ps', { session: 'a' }); // takes the spare; no room for another
    await Bun.sleep(50);
    expect(m.manager.stats()).toMatchObject({ workers: 2, backends: { ps: { workers: { spare: 0 } } } });
    await m.manager.removeBackend('h');
    await until(() => m.manager.stats().backends.ps!.workers.spare === 1, 'the held-back spare to start');
    expect(m.of('worker-starting').at(-1)).toMatchObject({ backend: 'ps', reason: 'hot' });
    a.release();
  });

  it('ends its drain when the manager stops', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }), b: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    const lease = await m.manager.acquire('b');
    const removal = m.manager.removeBackend('b', { timeoutMs: 60_000 });
    const started = Date.now();
    await m.manager.stop();
    await removal;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(isAlive(lease.pid!)).toBe(false);
    expect(m.of('backend-removed')).toMatchObject([{ backend: 'b', leasesCut: 1 }]);
    lease.release();
  });
});

describe('after stop', () => {
  it('addBackend and removeBackend are refused with ManagerClosedError', async () => {
    const m = make({ backends: { a: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    await m.manager.stop();
    expect(isManagerClosedError(await rejectionOf(m.manager.addBackend('b', fixture())))).toBe(true);
    expect(isManagerClosedError(await rejectionOf(m.manager.removeBackend('a')))).toBe(true);
    expect(m.manager.backends).toEqual(['a']);
    expect(m.of('backend-added')).toEqual([]);
  });
});

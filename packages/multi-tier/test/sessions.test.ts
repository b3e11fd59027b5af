/**
 * Sessions: per-session workers (spares, state isolation, a dead worker is an error and not a
 * silent move, end of session) and affinity on shared backends.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { isSessionWorkerLostError, type SessionWorkerLostError } from '../src/index.ts';
import { fixture, isAlive, managerMaker, rejectionOf, tool, until } from './helpers.ts';

const make = managerMaker();

describe('per-session backends', () => {
  it('hand a new session a ready spare without waiting, and replenish the spare in the background', async () => {
    const m = make({ backends: { ps: fixture([], { tier: 'hot', isolation: 'per-session', spares: 1 }) } });
    await m.manager.start();
    const spare = m.of('worker-ready')[0]!;
    expect(m.manager.stats().backends.ps!.workers).toMatchObject({ ready: 1, spare: 1 });
    const lease = await m.manager.acquire('ps', { session: 'a' });
    // Handed the worker that was already initialized: no start was waited for.
    expect(lease).toMatchObject({ warmHit: true, workerId: spare.workerId, pid: spare.pid, session: 'a' });
    expect(m.of('session-bound')).toMatchObject([{ session: 'a', workerId: spare.workerId, spare: true }]);
    // The binding is a reservation in the backend's pool: the worker is the session's key's.
    expect(lease.worker.key).toBe('a');
    const replenished = await m.next('worker-ready', (e) => e.workerId !== spare.workerId);
    expect(m.of('worker-starting').at(-1)).toMatchObject({ backend: 'ps', reason: 'hot' });
    expect(m.manager.stats().backends.ps!.workers).toMatchObject({ ready: 2, spare: 1, leased: 1 });
    // The next session gets the replenished spare, also without waiting.
    const other = await m.manager.acquire('ps', { session: 'b' });
    expect(other).toMatchObject({ warmHit: true, workerId: replenished.workerId });
    expect(other.worker.key).toBe('b');
    lease.release();
    other.release();
  });

  it('keep each session’s state in its own worker', async () => {
    const m = make({ backends: { ps: fixture([], { tier: 'hot', isolation: 'per-session' }) } });
    await m.manager.start();
    const a = await m.manager.acquire('ps', { session: 'a' });
    const b = await m.manager.acquire('ps', { session: 'b' });
    expect(a.pid).not.toBe(b.pid);
    await tool(a, 'remember', { key: 'k', value: 'from a' });
    await tool(b, 'remember', { key: 'k', value: 'from b' });
    a.release();
    b.release();
    const a2 = await m.manager.acquire('ps', { session: 'a' });
    const b2 = await m.manager.acquire('ps', { session: 'b' });
    expect(a2.pid).toBe(a.pid);
    expect(await tool(a2, 'recall', { key: 'k' })).toBe('from a');
    expect(await tool(b2, 'recall', { key: 'k' })).toBe('from b');
    a2.release();
    b2.release();
  });

  it('give a session whose worker died a typed error on its next acquire, not another worker', async () => {
    const m = make({ backends: { ps: fixture([], { tier: 'hot', isolation: 'per-session' }) } });
    await m.manager.start();
    const a = await m.manager.acquire('ps', { session: 'a' });
    const b = await m.manager.acquire('ps', { session: 'b' });
    await tool(a, 'remember', { key: 'k', value: 'v' });
    a.release();
    const lost = m.next('session-lost');
    process.kill(a.pid!, 'SIGKILL');
    expect(await lost).toMatchObject({ backend: 'ps', session: 'a', workerId: a.workerId });
    expect(a.alive).toBe(false);
    const e = await rejectionOf(m.manager.acquire('ps', { session: 'a' }));
    expect(isSessionWorkerLostError(e)).toBe(true);
    expect(e as SessionWorkerLostError).toMatchObject({ backend: 'ps', session: 'a', reason: 'crashed' });
    // Again: the error stays until the session is ended; it is never silently moved.
    expect(isSessionWorkerLostError(await rejectionOf(m.manager.acquire('ps', { session: 'a' })))).toBe(true);
    // Other sessions are untouched.
    expect(await tool(b, 'whoami')).toContain(`"pid":${b.pid}`);
    b.release();
    // Ending the session lets the name start afresh, with empty state.
    m.manager.endSession('a');
    const fresh = await m.manager.acquire('ps', { session: 'a' });
    expect(fresh.pid).not.toBe(a.pid);
    expect(await tool(fresh, 'recall', { key: 'k' })).toBe('');
    fresh.release();
  });

  it('warm: start a session’s worker on demand, keep a spare while used, stop it after the idle TTL', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: { ps: fixture([], { tier: 'warm', isolation: 'per-session', idleTtlMs: 5000 }) },
    });
    await m.manager.start();
    expect(m.manager.stats().backends.ps!.workers.total).toBe(0);
    const first = await m.manager.acquire('ps', { session: 'a' });
    expect(first.warmHit).toBe(false);
    // The spare was started in the background right after the session was bound.
    const spare = m.of('worker-starting').find((e) => e.reason === 'spare')!;
    expect(spare).toMatchObject({ backend: 'ps', tier: 'warm' });
    await until(() => m.of('worker-ready').some((e) => e.workerId === spare.workerId), 'the spare');
    const second = await m.manager.acquire('ps', { session: 'b' });
    expect(second).toMatchObject({ warmHit: true, workerId: spare.workerId });
    // The spare handed out is replaced spareRefillDelayMs (default 100) later, not at once.
    const starts = m.of('worker-starting').length;
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(99);
    expect(m.of('worker-starting')).toHaveLength(starts);
    const refilled = m.next('worker-starting', (e) => e.reason === 'spare');
    clock.advance(1);
    const nextSpare = await refilled;
    await m.next('worker-ready', (e) => e.workerId === nextSpare.workerId);
    clock.advance(4999); // the new spare was ready at t=100: its idle TTL runs from then
    expect(m.of('worker-stopped')).toHaveLength(0);
    clock.advance(1);
    expect(m.of('worker-stopped')).toMatchObject([{ workerId: nextSpare.workerId, reason: 'idle-ttl' }]);
    // The sessions keep their own workers until they end.
    expect(m.manager.stats().backends.ps!.workers).toMatchObject({ total: 2, spare: 0 });
    first.release();
    second.release();
    m.manager.endSession('a');
    m.manager.endSession('b');
    expect(m.of('worker-stopped').map((e) => e.reason)).toEqual(['idle-ttl', 'session-end', 'session-end']);
  });

  it('stop a session’s worker when the session ends, after its last lease (cold: no spares)', async () => {
    const m = make({ backends: { ps: fixture([], { tier: 'cold', isolation: 'per-session' }) } });
    await m.manager.start();
    expect(m.manager.stats().backends.ps!.workers.total).toBe(0);
    const lease = await m.manager.acquire('ps', { session: 's' });
    expect(lease.warmHit).toBe(false);
    const pid = lease.pid!;
    lease.release();
    expect(isAlive(pid)).toBe(true); // the session still owns it
    const again = await m.manager.acquire('ps', { session: 's' });
    expect(again.pid).toBe(pid);
    m.manager.endSession('s');
    expect(m.of('worker-stopped')).toHaveLength(0); // a lease is still out
    expect(await tool(again, 'echo', { text: 'last words' })).toBe('last words');
    again.release();
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'ps', reason: 'session-end' }]);
    await until(() => !isAlive(pid), 'the session worker to exit');
    expect(m.manager.stats().backends.ps!.workers.total).toBe(0);
    expect(m.of('worker-starting')).toHaveLength(1);
  });

  it('show saturated when every worker it may have is bound, and not once a session ends', async () => {
    const m = make({
      backends: { ps: fixture([], { tier: 'cold', isolation: 'per-session', replicas: { min: 0, max: 2 } }) },
    });
    await m.manager.start();
    expect(m.manager.stats().backends.ps).toMatchObject({ maxWorkers: 2, saturated: false });
    const a = await m.manager.acquire('ps', { session: 'a' });
    expect(m.manager.stats().backends.ps!.saturated).toBe(false);
    const b = await m.manager.acquire('ps', { session: 'b' });
    a.release();
    b.release();
    expect(m.manager.stats().backends.ps).toMatchObject({ sessions: 2, saturated: true });
    expect(await rejectionOf(m.manager.acquire('ps', { session: 'c' }))).toBeInstanceOf(Error);
    m.manager.endSession('a');
    await until(() => !m.manager.stats().backends.ps!.saturated, 'the backend to have room again');
    const c = await m.manager.acquire('ps', { session: 'c' });
    c.release();
  });

  it('share one start among concurrent acquires of one session', async () => {
    const m = make({
      backends: { ps: fixture(['--ready-delay-ms', '200'], { tier: 'cold', isolation: 'per-session' }) },
    });
    const leases = await Promise.all([1, 2, 3].map(() => m.manager.acquire('ps', { session: 's' })));
    expect(new Set(leases.map((l) => l.pid)).size).toBe(1);
    expect(m.of('worker-starting')).toHaveLength(1);
    for (const l of leases) l.release();
  });
});

describe('shared backends', () => {
  it('keep a session on its worker while it lives, and rebind it when the worker dies', async () => {
    const m = make({ backends: { sh: fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } }) } });
    await m.manager.start();
    const first = await m.manager.acquire('sh', { session: 's' });
    const other = await m.manager.acquire('sh'); // the least busy worker: the other one
    expect(other.workerId).not.toBe(first.workerId);
    first.release();
    other.release();
    for (let i = 0; i < 3; i++) {
      const l = await m.manager.acquire('sh', { session: 's' });
      expect(l.workerId).toBe(first.workerId);
      l.release();
    }
    process.kill(first.pid!, 'SIGKILL');
    await m.next('worker-died');
    const rebound = await m.manager.acquire('sh', { session: 's' });
    expect(rebound.workerId).not.toBe(first.workerId);
    expect(await tool(rebound, 'echo', { text: 'ok' })).toBe('ok');
    rebound.release();
  });

  it('sticky: false keeps a session to no worker of a shared backend: the least busy one serves it', async () => {
    const m = make({ backends: { sh: fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } }) } });
    await m.manager.start();
    const first = await m.manager.acquire('sh', { session: 'loose', sticky: false });
    // Still holding the first: the same session goes to the other, idle, worker.
    const second = await m.manager.acquire('sh', { session: 'loose', sticky: false });
    expect(second.workerId).not.toBe(first.workerId);
    second.release();
    // With the default (sticky), the session would have stayed on its worker however busy.
    const bound = await m.manager.acquire('sh', { session: 'bound' });
    const again = await m.manager.acquire('sh', { session: 'bound' });
    expect(again.workerId).toBe(bound.workerId);
    for (const l of [first, bound, again]) l.release();
  });

  it('spread new sessions over the workers when none is busy (each session’s first lease is brief)', async () => {
    const m = make({ backends: { sh: fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } }) } });
    await m.manager.start();
    const bound: number[] = [];
    for (let i = 0; i < 6; i++) {
      const l = await m.manager.acquire('sh', { session: `s${i}` });
      bound.push(l.workerId);
      l.release();
    }
    const counts = [...new Set(bound)].map((id) => bound.filter((b) => b === id).length);
    expect(counts).toEqual([3, 3]);
    // They alternate; ending s0, s2, s4 empties the first worker, so the next two sessions go there.
    expect(bound).toEqual([bound[0], bound[1], bound[0], bound[1], bound[0], bound[1]]);
    for (const s of ['s0', 's2', 's4']) m.manager.endSession(s);
    const next = [];
    for (const session of ['n1', 'n2']) {
      const l = await m.manager.acquire('sh', { session });
      next.push(l.workerId);
      l.release();
    }
    expect(next).toEqual([bound[0], bound[0]]);
  });

  it('share one start among concurrent acquires (one spawn)', async () => {
    const m = make({ backends: { w: fixture(['--ready-delay-ms', '200'], { tier: 'warm' }) } });
    const leases = await Promise.all(
      ['a', 'b', undefined, undefined, 'c'].map((session) => m.manager.acquire('w', { session })),
    );
    expect(new Set(leases.map((l) => l.pid)).size).toBe(1);
    expect(m.of('worker-starting')).toHaveLength(1);
    expect(leases.every((l) => !l.warmHit)).toBe(true);
    for (const l of leases) l.release();
  });
});

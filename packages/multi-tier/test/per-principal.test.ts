/**
 * Per-principal backends: one worker per principal, shared by that principal's sessions, on the
 * per-session machinery (spares, replicas.max, a dead worker is an error and not a silent move);
 * `endPrincipal` ends it, `endSession` does not; at replicas.max the least recently served idle
 * principal's worker makes room for a new principal; `authorize` is asked before a principal's
 * worker starts.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import {
  type BackendAtCapacityError,
  isAcquireAbortedError,
  isAcquireTimeoutError,
  isBackendAtCapacityError,
  isSessionWorkerLostError,
  type SessionWorkerLostError,
} from '../src/index.ts';
import { fixture, isAlive, managerMaker, rejectionOf, tool, until } from './helpers.ts';

const make = managerMaker();

describe('per-principal backends', () => {
  it('bind one worker per principal, shared by its sessions and kept apart from other principals', async () => {
    const m = make({ backends: { pp: fixture([], { tier: 'hot', isolation: 'per-principal' }) } });
    await m.manager.start();
    expect(m.manager.stats().backends.pp).toMatchObject({
      isolation: 'per-principal',
      workers: { ready: 1, spare: 1 },
    });
    const a1 = await m.manager.acquire('pp', { session: 's1', principal: 'alice' });
    const a2 = await m.manager.acquire('pp', { session: 's2', principal: 'alice' });
    const b1 = await m.manager.acquire('pp', { session: 's3', principal: 'bob' });
    expect(a2.workerId).toBe(a1.workerId);
    expect(a2.pid).toBe(a1.pid);
    expect(b1.pid).not.toBe(a1.pid);
    // The lease names the caller's session; the binding is the principal's.
    expect([a1.session, a2.session, b1.session]).toEqual(['s1', 's2', 's3']);
    expect(m.of('session-bound').map((e) => e.principal)).toEqual(['alice', 'bob']);
    // State written through one of alice's sessions is seen by her other one, not by bob.
    await tool(a1, 'remember', { key: 'k', value: 'alice’s' });
    expect(await tool(a2, 'recall', { key: 'k' })).toBe('alice’s');
    expect(await tool(b1, 'recall', { key: 'k' })).toBe('');
    // Bound workers count as sessions' do: two principals, each with its worker, plus a spare.
    const stats = m.manager.stats().backends.pp!;
    expect(stats.sessions).toBe(2);
    await until(() => m.manager.stats().backends.pp!.workers.spare === 1, 'the spare replaced');
    expect(m.manager.stats().backends.pp!.workers.total).toBe(3);
    for (const l of [a1, a2, b1]) l.release();
  });

  it('treat no principal as the empty-string principal: one worker for all of them', async () => {
    const m = make({ backends: { pp: fixture([], { tier: 'cold', isolation: 'per-principal' }) } });
    const x = await m.manager.acquire('pp', { session: 'x' });
    const y = await m.manager.acquire('pp', { session: 'y' });
    const empty = await m.manager.acquire('pp', { principal: '' });
    expect(new Set([x.pid, y.pid, empty.pid]).size).toBe(1);
    const named = await m.manager.acquire('pp', { session: 'z', principal: 'carol' });
    expect(named.pid).not.toBe(x.pid);
    for (const l of [x, y, empty, named]) l.release();
  });

  it('keep the worker through endSession; endPrincipal stops it after its last lease', async () => {
    const m = make({ backends: { pp: fixture([], { tier: 'cold', isolation: 'per-principal' }) } });
    const lease = await m.manager.acquire('pp', { session: 's1', principal: 'alice' });
    const pid = lease.pid!;
    lease.release();
    m.manager.endSession('s1');
    // Ending a session (even one whose id looks like a principal) leaves the principal's worker.
    m.manager.endSession('alice');
    expect(m.of('worker-stopped')).toHaveLength(0);
    expect(isAlive(pid)).toBe(true);
    const again = await m.manager.acquire('pp', { session: 's2', principal: 'alice' });
    expect(again.pid).toBe(pid);
    m.manager.endPrincipal('bob'); // another principal: nothing of alice's stops
    m.manager.endPrincipal('alice');
    expect(m.of('worker-stopped')).toHaveLength(0); // a lease is still out
    expect(await tool(again, 'echo', { text: 'last words' })).toBe('last words');
    again.release();
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'pp', reason: 'session-end' }]);
    await until(() => !isAlive(pid), 'the principal’s worker to exit');
    expect(m.manager.stats().backends.pp!.workers.total).toBe(0);
    // The principal comes back: a fresh worker, with fresh state.
    const fresh = await m.manager.acquire('pp', { session: 's3', principal: 'alice' });
    expect(fresh.pid).not.toBe(pid);
    fresh.release();
  });

  it('leave per-session and shared workers alone on endPrincipal', async () => {
    const m = make({
      backends: {
        ps: fixture([], { tier: 'cold', isolation: 'per-session' }),
        sh: fixture([], { tier: 'warm' }),
      },
    });
    const ps = await m.manager.acquire('ps', { session: 'alice', principal: 'alice' });
    const sh = await m.manager.acquire('sh', { session: 'alice', principal: 'alice' });
    ps.release();
    sh.release();
    m.manager.endPrincipal('alice');
    expect(m.of('worker-stopped')).toHaveLength(0);
    // The per-session backend ignored the principal: its session still owns its worker.
    const again = await m.manager.acquire('ps', { session: 'alice', principal: 'bob' });
    expect(again.pid).toBe(ps.pid);
    again.release();
  });

  it('bound the principals’ workers by replicas.max with a typed refusal', async () => {
    const m = make({
      backends: { pp: fixture([], { tier: 'cold', isolation: 'per-principal', replicas: { max: 2 } }) },
    });
    const a = await m.manager.acquire('pp', { principal: 'alice' });
    const b = await m.manager.acquire('pp', { principal: 'bob' });
    const e = await rejectionOf(m.manager.acquire('pp', { principal: 'carol' }));
    expect(isBackendAtCapacityError(e)).toBe(true);
    expect(e as BackendAtCapacityError).toMatchObject({ backend: 'pp', max: 2 });
    // A principal that has its worker is still served.
    const a2 = await m.manager.acquire('pp', { session: 'other', principal: 'alice' });
    expect(a2.pid).toBe(a.pid);
    a.release();
    a2.release();
    b.release();
    m.manager.endPrincipal('bob');
    expect(m.of('worker-stopped')).toMatchObject([{ workerId: b.workerId, reason: 'session-end' }]);
    const c = await m.manager.acquire('pp', { principal: 'carol' });
    expect(c.pid).not.toBe(b.pid);
    c.release();
  });

  it('at replicas.max, end the least recently served idle principal’s worker (by the manager’s clock) for a new principal', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: { pp: fixture([], { tier: 'cold', isolation: 'per-principal', replicas: { max: 2 } }) },
    });
    const a = await m.manager.acquire('pp', { session: 'sa', principal: 'alice' });
    const b = await m.manager.acquire('pp', { session: 'sb', principal: 'bob' });
    // Both leased: nobody to make room, the typed refusal names principals.
    const busy = await rejectionOf(m.manager.acquire('pp', { principal: 'carol' }));
    expect(isBackendAtCapacityError(busy)).toBe(true);
    expect(busy as BackendAtCapacityError).toMatchObject({ max: 2, boundTo: 'principals' });
    expect((busy as Error).message).toContain('all bound to principals and in use');
    expect(m.manager.stats().backends.pp!.saturated).toBe(true);
    // bob released first, alice a second later (alice was bound first): bob's is the least
    // recently served idle worker.
    b.release();
    clock.advance(1_000);
    a.release();
    expect(m.manager.stats().backends.pp!.saturated).toBe(false);
    const c = await m.manager.acquire('pp', { session: 'sc', principal: 'carol' });
    expect(m.of('worker-stopped')).toMatchObject([
      { backend: 'pp', workerId: b.workerId, reason: 'made-room' },
    ]);
    await until(() => !isAlive(b.pid!), 'bob’s worker to exit');
    expect(c.pid).not.toBe(b.pid);
    // alice keeps her worker; bob comes back to a fresh one (alice's is idle: it makes room now, c is leased).
    clock.advance(1_000);
    const a2 = await m.manager.acquire('pp', { session: 'sa', principal: 'alice' });
    expect(a2.pid).toBe(a.pid);
    a2.release();
    const b2 = await m.manager.acquire('pp', { session: 'sb', principal: 'bob' });
    expect(b2.pid).not.toBe(b.pid);
    expect(m.of('worker-stopped').map((e) => [e.workerId, e.reason])).toEqual([
      [b.workerId, 'made-room'],
      [a.workerId, 'made-room'],
    ]);
    b2.release();
    c.release();
  });

  it('ask authorize before a principal’s worker starts: a refusal fails that acquire alone', async () => {
    const asked: string[] = [];
    const m = make({
      backends: {
        pp: fixture([], {
          tier: 'cold',
          isolation: 'per-principal',
          authorize: async (principal) => {
            asked.push(principal);
            if (principal === 'mallory') throw new Error('mallory has no credentials');
          },
        }),
      },
    });
    const refused = await rejectionOf(m.manager.acquire('pp', { session: 's1', principal: 'mallory' }));
    expect((refused as Error).message).toBe('mallory has no credentials');
    expect(m.of('worker-starting')).toHaveLength(0);
    expect(m.manager.stats().backends.pp).toMatchObject({ state: 'ok', startFailures: 0 });
    const a = await m.manager.acquire('pp', { session: 's2', principal: 'alice' });
    const again = await m.manager.acquire('pp', { session: 's3', principal: 'alice' });
    expect(again.pid).toBe(a.pid);
    // Asked once per new binding, not per acquire.
    expect(asked).toEqual(['mallory', 'alice']);
    a.release();
    again.release();
  });

  it('bound authorize by the acquire’s deadline and signal (on the manager’s clock)', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: {
        pp: fixture([], {
          tier: 'cold',
          isolation: 'per-principal',
          authorize: () => new Promise<void>(() => {}), // an exchange that never answers
        }),
      },
    });
    const late = m.manager.acquire('pp', { principal: 'alice', timeoutMs: 5_000 });
    clock.advance(5_000);
    const e = await rejectionOf(late);
    expect(isAcquireTimeoutError(e)).toBe(true);
    const ac = new AbortController();
    const left = m.manager.acquire('pp', { principal: 'bob', signal: ac.signal });
    ac.abort(new Error('the caller left'));
    expect(isAcquireAbortedError(await rejectionOf(left))).toBe(true);
    expect(m.of('worker-starting')).toHaveLength(0);
  });

  it('give a principal whose worker died a typed error naming the principal, until endPrincipal', async () => {
    const m = make({ backends: { pp: fixture([], { tier: 'cold', isolation: 'per-principal' }) } });
    const a = await m.manager.acquire('pp', { session: 's1', principal: 'alice' });
    a.release();
    const lost = m.next('session-lost');
    process.kill(a.pid!, 'SIGKILL');
    expect(await lost).toMatchObject({ backend: 'pp', principal: 'alice', workerId: a.workerId });
    const e = await rejectionOf(m.manager.acquire('pp', { session: 's2', principal: 'alice' }));
    expect(isSessionWorkerLostError(e)).toBe(true);
    expect(e as SessionWorkerLostError).toMatchObject({
      backend: 'pp',
      principal: 'alice',
      session: 's2',
      reason: 'crashed',
    });
    expect((e as Error).message).toContain('the worker of principal "alice" on backend "pp" is gone');
    // endSession does not clear it; endPrincipal does.
    m.manager.endSession('s1');
    expect(isSessionWorkerLostError(await rejectionOf(m.manager.acquire('pp', { principal: 'alice' })))).toBe(
      true,
    );
    m.manager.endPrincipal('alice');
    const fresh = await m.manager.acquire('pp', { principal: 'alice' });
    expect(fresh.pid).not.toBe(a.pid);
    fresh.release();
  });
});

/**
 * Hot, warm and cold with real fixture processes: what is running when, for shared backends, and
 * that stop() leaves no process behind.
 */
import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { isManagerClosedError } from '../src/index.ts';
import { fixture, isAlive, managerMaker, rejectionOf, tool, until } from './helpers.ts';

const make = managerMaker();

describe('hot', () => {
  it('has min workers started and initialized before start() resolves', async () => {
    const m = make({ backends: { h: fixture([], { tier: 'hot', replicas: { min: 2, max: 2 } }) } });
    expect(m.manager.stats().backends.h!.workers.total).toBe(0);
    const report = await m.manager.start();
    expect(report).toEqual({ ready: ['h'], failed: [] });
    const s = m.manager.stats().backends.h!;
    expect(s.workers).toMatchObject({ ready: 2, starting: 0, total: 2 });
    expect(s.starts).toMatchObject({ hot: 2, total: 2 });
    expect(s.startLatency.count).toBe(2);
    expect(s.startLatency.p50).toBeGreaterThan(0);
    expect(m.of('worker-ready')).toHaveLength(2);
    // Ready means initialized: the first request is served at once, by an initialized server.
    const lease = await m.manager.acquire('h');
    expect(lease.warmHit).toBe(true);
    expect(await tool(lease, 'echo', { text: 'hi' })).toBe('hi');
    lease.release();
  });

  it('replaces a worker that dies, at once', async () => {
    const m = make({ backends: { h: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    const lease = await m.manager.acquire('h');
    const pid = lease.pid!;
    lease.release();
    const replaced = m.next('worker-starting');
    process.kill(pid, 'SIGKILL');
    const died = await m.next('worker-died');
    expect(died).toMatchObject({ backend: 'h', pid });
    const starting = await replaced;
    expect(starting).toMatchObject({ backend: 'h', reason: 'hot', tier: 'hot' });
    await m.next('worker-ready', (e) => e.workerId === starting.workerId);
    const again = await m.manager.acquire('h');
    expect(again.pid).not.toBe(pid);
    expect(again.warmHit).toBe(true);
    expect(await tool(again, 'add', { a: 2, b: 3 })).toBe('5');
    again.release();
    expect(m.manager.stats().backends.h).toMatchObject({ crashes: 1, state: 'ok', workers: { ready: 1 } });
  });
});

describe('acquireNow', () => {
  it('hands a ready shared worker at once (no promise), a cold start or a per-session worker in a promise', async () => {
    const m = make({
      backends: {
        h: fixture([], { tier: 'hot' }),
        c: fixture([], { tier: 'cold' }),
        s: fixture([], { tier: 'hot', isolation: 'per-session' }),
      },
    });
    await m.manager.start();
    const now = m.manager.acquireNow('h', { session: 'a' });
    expect(now).not.toBeInstanceOf(Promise);
    const lease = now as Exclude<typeof now, Promise<unknown>>;
    expect(lease.warmHit).toBe(true);
    expect(await tool(lease, 'echo', { text: 'now' })).toBe('now');
    lease.release();
    const cold = m.manager.acquireNow('c');
    expect(cold).toBeInstanceOf(Promise);
    const started = await cold;
    expect(await tool(started, 'echo', { text: 'cold' })).toBe('cold');
    started.release();
    const bound = m.manager.acquireNow('s', { session: 'a' });
    expect(bound).toBeInstanceOf(Promise);
    (await bound).release();
    const unknown = m.manager.acquireNow('nope');
    expect(unknown).toBeInstanceOf(Promise);
    await expect(unknown).rejects.toThrow(/nope/);
  });
});

describe('leases', () => {
  it('send requests to their worker, forward callers’ requests, and deliver the worker’s own messages', async () => {
    const m = make({ backends: { h: fixture([], { tier: 'hot' }) } });
    await m.manager.start();
    const lease = await m.manager.acquire('h');
    const progress: unknown[] = [];
    lease.onMessage((msg) => {
      if ('method' in msg && msg.method === 'notifications/progress') progress.push(msg.params);
    });
    const slept = (await lease.request('tools/call', {
      name: 'sleep',
      arguments: { ms: 60 },
      _meta: { progressToken: 'p' },
    })) as { content: { text: string }[] };
    expect(slept.content[0]!.text).toBe('slept 60 ms');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ progressToken: 'p', total: 60 });
    const answer = await lease.forward({ jsonrpc: '2.0', id: 'caller-7', method: 'tools/list' });
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: 'caller-7', result: { tools: expect.any(Array) } });
    const missing = await lease.forward({ jsonrpc: '2.0', id: 8, method: 'no/such/method' });
    expect(missing).toMatchObject({ id: 8, error: { code: -32601 } });
    expect(lease.worker.pid).toBe(lease.pid);
    lease.release();
    expect(lease.released).toBe(true);
    // Released: its listeners are gone.
    const before = progress.length;
    const other = await m.manager.acquire('h');
    await other.request('tools/call', {
      name: 'sleep',
      arguments: { ms: 30 },
      _meta: { progressToken: 'q' },
    });
    expect(progress.length).toBe(before);
    other.release();
  });
});

describe('warm', () => {
  it('starts on first acquire, keeps the worker for the idle TTL after its last use, then stops it', async () => {
    const clock = new FakeClock();
    const m = make({ clock, backends: { w: fixture([], { tier: 'warm', idleTtlMs: 10_000 }) } });
    await m.manager.start();
    expect(m.manager.stats().backends.w!.workers.total).toBe(0);
    const first = await m.manager.acquire('w');
    expect(first.warmHit).toBe(false);
    expect(m.of('worker-starting')).toMatchObject([{ backend: 'w', tier: 'warm', reason: 'demand' }]);
    const pid = first.pid!;
    first.release();
    clock.advance(6_000);
    const second = await m.manager.acquire('w');
    expect(second).toMatchObject({ warmHit: true, pid });
    second.release(); // the TTL counts from here
    second.release(); // idempotent
    clock.advance(9_999);
    expect(m.of('worker-stopped')).toHaveLength(0);
    expect(isAlive(pid)).toBe(true);
    clock.advance(1);
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'w', reason: 'idle-ttl' }]);
    await until(() => !isAlive(pid), 'the warm worker to exit');
    expect(m.manager.stats().backends.w!.workers.total).toBe(0);
    // The next use starts it again.
    const third = await m.manager.acquire('w');
    expect(third.warmHit).toBe(false);
    expect(third.pid).not.toBe(pid);
    third.release();
    expect(m.manager.stats().backends.w!.starts).toMatchObject({ warm: 2, total: 2 });
  });
});

describe('warm, busy', () => {
  it('a worker leased longer than its idle TTL still goes one TTL after its last release, not before', async () => {
    const clock = new FakeClock();
    const m = make({ clock, backends: { w: fixture([], { tier: 'warm', idleTtlMs: 1_000 }) } });
    await m.manager.start();
    const long = await m.manager.acquire('w');
    const pid = long.pid!;
    // Many short leases while one is held: none of these releases leaves the worker idle.
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      (await m.manager.acquire('w')).release();
    }
    expect(m.of('worker-stopped')).toHaveLength(0);
    long.release(); // idle from here (t = 5 000)
    clock.advance(999);
    expect(m.of('worker-stopped')).toHaveLength(0);
    expect(isAlive(pid)).toBe(true);
    clock.advance(1);
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'w', reason: 'idle-ttl' }]);
  });
});

describe('cold', () => {
  it('starts a shared worker for a need and stops it when the last lease is released', async () => {
    const m = make({ backends: { c: fixture([], { tier: 'cold' }) } });
    await m.manager.start();
    const [a, b] = await Promise.all([m.manager.acquire('c'), m.manager.acquire('c')]);
    expect(a!.pid).toBe(b!.pid);
    const pid = a!.pid!;
    a!.release();
    expect(m.of('worker-stopped')).toHaveLength(0);
    expect(await tool(b!, 'echo', { text: 'still here' })).toBe('still here');
    b!.release();
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'c', reason: 'released' }]);
    await until(() => !isAlive(pid), 'the cold worker to exit');
    expect(m.manager.stats().backends.c).toMatchObject({ starts: { cold: 1 }, workers: { total: 0 } });
  });
});

describe('module backends (threads)', () => {
  it('runs in-process tools on a thread made ready by the hook', async () => {
    const m = make({
      backends: {
        tools: {
          kind: 'module',
          module: new URL('./fixtures/tools.ts', import.meta.url),
          tier: 'hot',
          ready: (w) => w.request('init'),
        },
      },
    });
    await m.manager.start();
    const lease = await m.manager.acquire('tools');
    expect(lease.pid).toBeUndefined();
    expect(await lease.request('echo', 'hello')).toEqual({ text: 'hello', initialized: true });
    lease.release();
  });
});

describe('stop', () => {
  it('stops every worker of every backend and tier; nothing is left running', async () => {
    const m = make({
      backends: {
        hot: fixture([], { tier: 'hot' }),
        warm: fixture([], { tier: 'warm' }),
        sessions: fixture([], { tier: 'hot', isolation: 'per-session', spares: 2 }),
        slow: fixture(['--ready-delay-ms', '5000'], { tier: 'warm' }),
      },
    });
    await m.manager.start();
    const leases = await Promise.all([
      m.manager.acquire('warm'),
      m.manager.acquire('sessions', { session: 's1' }),
      m.manager.acquire('sessions', { session: 's2' }),
    ]);
    const starting = rejectionOf(m.manager.acquire('slow')); // still starting when stop() comes
    await until(() => m.manager.stats().backends.slow!.workers.starting === 1, 'the slow start');
    const pids = [...leases.map((l) => l.pid!), ...m.pids];
    await m.manager.stop();
    expect(isManagerClosedError(await starting)).toBe(true);
    expect(m.manager.state).toBe('stopped');
    expect(m.manager.stats().workers).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(m.pids.size).toBeGreaterThanOrEqual(5); // hot, warm, s1, s2, slow (+ spares)
    expect(isManagerClosedError(await rejectionOf(m.manager.acquire('hot')))).toBe(true);
  });
});

/**
 * Pinning inside the pool: workers started on request, reserved for a key (a session, a
 * principal), tasks pinned to one worker waiting in its own line, one worker stopped with a drain,
 * and the per-worker records and events a tier manager reads.
 */
import { describe, expect, it } from 'vitest';
import {
  isNoSuchWorkerError,
  isPoolAtCapacityError,
  isPoolClosedError,
  isTaskAbortedError,
  isTaskTimeoutError,
  isWorkerCrashedError,
  type ProcessPoolOptions,
  type ThreadPoolOptions,
  type WorkerPoolManager,
} from '../src/index.ts';
import { fixture, isAlive, nextEvent, poolMaker, rejectionOf, until } from './helpers.ts';

const threads = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts'), min: 0, max: 3 });
const makeProcess = poolMaker<ProcessPoolOptions>({
  kind: 'process',
  command: process.execPath,
  min: 0,
  max: 2,
  stopGraceMs: 500,
  killGraceMs: 500,
});
const processes = (options: Partial<ProcessPoolOptions> = {}, flags: string[] = []): WorkerPoolManager =>
  makeProcess({ args: [fixture('rpc-server.ts'), ...flags], ...options });

describe('pinning: startWorker and workerId', () => {
  it('starts a worker on request (never past max), and runs tasks pinned to it', async () => {
    const p = threads({ max: 2 });
    const a = p.startWorker();
    const b = p.startWorker();
    expect([a.state, b.state]).toEqual(['starting', 'starting']);
    let refused: unknown;
    try {
      p.startWorker();
    } catch (e) {
      refused = e;
    }
    expect(isPoolAtCapacityError(refused)).toBe(true);
    // Pinned tasks wait for their worker to be ready, then run on it only.
    const onB = await Promise.all(Array.from({ length: 6 }, () => p.run('whoami', null, { workerId: b.id })));
    expect(new Set(onB)).toEqual(new Set([b.id]));
    expect(await p.run('whoami', null, { workerId: a.id })).toBe(a.id);
    const none = await rejectionOf(p.run('whoami', null, { workerId: 99 }));
    expect(isNoSuchWorkerError(none)).toBe(true);
  });

  it('queues a pinned task in its worker’s own line past the concurrency, bounded by timeout and signal', async () => {
    const p = threads({ concurrency: 1 });
    const w = p.startWorker();
    await nextEvent(p, 'worker-ready');
    const first = p.run('sleep', 150, { workerId: w.id });
    const second = p.run('inc', 1, { workerId: w.id });
    const late = p.run('inc', 2, { workerId: w.id, timeoutMs: 20 });
    const ac = new AbortController();
    const aborted = p.run('inc', 3, { workerId: w.id, signal: ac.signal });
    expect(p.workerStats()[0]).toMatchObject({ id: w.id, outstanding: 1, waiting: 3 });
    ac.abort(new Error('caller left'));
    const abortError = await rejectionOf(aborted);
    expect(isTaskAbortedError(abortError) && abortError.phase).toBe('queued');
    const timeoutError = await rejectionOf(late);
    expect(isTaskTimeoutError(timeoutError) && timeoutError.phase).toBe('queued');
    expect(await first).toBe('slept');
    expect(await second).toBe(2);
    expect(p.workerStats()[0]).toMatchObject({ outstanding: 0, waiting: 0 });
  });
});

describe('pinning: reserve a worker for a key', () => {
  it('hands a key an idle spare, keeps min spares unreserved, and never gives a reserved worker shared tasks', async () => {
    const p = threads({ min: 1, max: 3 });
    await p.start();
    const [spare] = p.workers();
    const w = p.reserve('session-a');
    expect(w.id).toBe(spare!.id);
    expect(w.key).toBe('session-a');
    expect(p.reserve('session-a')).toBe(w); // the same worker while reserved
    expect(p.reserved('session-a')).toBe(w);
    // The pool replaces the spare it gave away (min counts unreserved workers).
    const replacement = await nextEvent(p, 'worker-ready', (e) => e.workerId !== w.id);
    expect(replacement.key).toBeUndefined();
    const shared = await Promise.all(Array.from({ length: 8 }, () => p.run('whoami')));
    expect(shared).not.toContain(w.id);
    expect(await p.run('whoami', null, { key: 'session-a' })).toBe(w.id);
    const missing = await rejectionOf(p.run('whoami', null, { key: 'nobody' }));
    expect(isNoSuchWorkerError(missing)).toBe(true);
  });

  it('starts a new worker for a key when no spare is idle, up to max, and refuses past it', async () => {
    const p = threads({ min: 0, max: 2 });
    const a = p.reserve('a');
    const b = p.reserve('b');
    expect(a.id).not.toBe(b.id);
    let refused: unknown;
    try {
      p.reserve('c');
    } catch (e) {
      refused = e;
    }
    expect(isPoolAtCapacityError(refused)).toBe(true);
    expect(await p.run('whoami', null, { key: 'b' })).toBe(b.id);
    expect(p.workerStats().map((s) => s.key)).toEqual(['a', 'b']);
    // Without a spare, `start: false` reserves nothing.
    expect(p.reserve('d', { start: false })).toBeUndefined();
    expect(p.reserved('d')).toBeUndefined();
  });

  it('unreserve with stop ends the worker after its pinned tasks; without, it rejoins the shared workers', async () => {
    const p = threads({ min: 0, max: 2 });
    const a = p.reserve('a');
    const b = p.reserve('b');
    const running = p.run('sleep', 100, { key: 'a' });
    await until(() => a.outstanding === 1, 'the task on a');
    const exited = nextEvent(p, 'worker-exited', (e) => e.workerId === a.id);
    expect(p.unreserve('a', { stop: true })).toBe(true);
    expect(p.reserved('a')).toBeUndefined();
    expect(await running).toBe('slept'); // finished before the stop
    expect(await exited).toMatchObject({ expected: true, wasReady: true, key: 'a' });
    expect(p.unreserve('a')).toBe(false);
    // b goes back to the shared workers: unpinned tasks reach it.
    await until(() => b.state === 'ready', 'b ready');
    expect(p.unreserve('b')).toBe(true);
    expect(b.key).toBeUndefined();
    expect(await p.run('whoami')).toBe(b.id);
  });

  it('leaves reserved workers alone in the idle sweep, and reaps the unreserved ones', async () => {
    const p = threads({ min: 0, max: 2, idleTimeoutMs: 20 });
    const kept = p.reserve('k');
    const loose = p.startWorker();
    const recycled = await nextEvent(p, 'worker-recycled', (e) => e.reason === 'idle');
    expect(recycled.workerId).toBe(loose.id);
    await nextEvent(p, 'worker-exited', (e) => e.workerId === loose.id);
    expect(p.workers().map((w) => w.id)).toEqual([kept.id]);
    expect(await p.run('inc', 1, { key: 'k' })).toBe(2);
  });
});

describe('pinning: stopping one worker, and what the tier manager reads', () => {
  it('stopWorker drains for up to timeoutMs, then cuts off what is left (PoolClosedError)', async () => {
    const p = threads({ concurrency: 1 });
    const w = p.startWorker({ key: 'x' });
    const other = p.startWorker();
    const running = p.run('hang', null, { key: 'x' });
    const waiting = p.run('inc', 1, { key: 'x' });
    const cutOff = rejectionOf(running);
    const neverRun = rejectionOf(waiting);
    await until(() => w.outstanding === 1, 'the hang running');
    await p.stopWorker(w.id, { timeoutMs: 30 });
    const cut = await cutOff;
    expect(isPoolClosedError(cut) && cut.delivered).toBe(true);
    const notRun = await neverRun;
    expect(isPoolClosedError(notRun) && notRun.delivered).toBe(false);
    expect(p.reserved('x')).toBeUndefined();
    expect(p.workers().map((x) => x.id)).toEqual([other.id]);
    expect(p.state).toBe('running');
  });

  it('tells a reserved worker’s crash with its key, detail and stderr, and fails its pinned tasks', async () => {
    const p = processes({ concurrency: 1 });
    const w = p.reserve('s1');
    await nextEvent(p, 'worker-ready', (e) => e.workerId === w.id);
    const info = p.workerStats()[0]!;
    expect(info).toMatchObject({ id: w.id, kind: 'process', key: 's1', state: 'ready' });
    expect(info.startupMs).toBeGreaterThanOrEqual(0);
    expect(info.rssBytes).toBeGreaterThan(0); // Linux: VmRSS of the process
    await p.run('stderr', { lines: ['about to go'] }, { key: 's1' });
    const exited = nextEvent(p, 'worker-exited', (e) => e.workerId === w.id);
    const dying = rejectionOf(p.run('exit', { code: 3 }, { key: 's1' }));
    const queued = rejectionOf(p.run('echo', 1, { key: 's1' }));
    const e = await exited;
    expect(e).toMatchObject({ expected: false, wasReady: true, key: 's1', detail: 'exit code 3' });
    expect(e.stderrTail).toContain('about to go');
    expect(isWorkerCrashedError(await dying)).toBe(true);
    const never = await queued;
    expect(isWorkerCrashedError(never) && never.delivered).toBe(false);
    expect(p.reserved('s1')).toBeUndefined();
    expect(p.workers()).toEqual([]); // a reserved worker is not replaced: its key's state is gone
  });

  it('tells a worker that failed to start (wasReady false), with why', async () => {
    // With a ready hook (MCP: the initialize handshake) a process is ready once it has answered.
    const p = processes({ ready: (w) => w.request('ping') }, ['--exit-at-start']);
    const w = p.startWorker();
    const e = await nextEvent(p, 'worker-exited', (x) => x.workerId === w.id);
    expect(e).toMatchObject({ expected: false, wasReady: false });
    expect(e.detail).toMatch(/exit code 7|ready hook failed/);
    expect(e.stderrTail.join('\n')).toContain('fatal: cannot start');
    if (w.pid !== undefined) expect(isAlive(w.pid)).toBe(false);
  });

  it('tells a ready hook’s failure at once (worker-failed, before the exit)', async () => {
    const p = processes({ ready: () => Promise.reject(new Error('no handshake')) });
    const w = p.startWorker({ key: 'k' });
    const order: string[] = [];
    p.on('worker-failed', (e) => order.push(`failed:${e.reason}:${e.wasReady}:${e.key}:${e.detail}`));
    p.on('worker-exited', () => order.push('exited'));
    await nextEvent(p, 'worker-exited', (x) => x.workerId === w.id);
    expect(order).toEqual(['failed:startup:false:k:ready hook failed: no handshake', 'exited']);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cancellation } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import {
  isPoolClosedError,
  isPoolFailedError,
  isPoolQueueFullError,
  isTaskAbortedError,
  isTaskFailedError,
  isTaskTimeoutError,
  isUnknownHandlerError,
  isWorkerCrashedError,
  type TaskFailedError,
  type ThreadPoolOptions,
  type WorkerCrashedError,
} from '../src/index.ts';
import { fixture, nextEvent, poolMaker, record, rejectionOf, until } from './helpers.ts';

const pool = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts'), min: 1, max: 2 });

describe('thread pool: tasks', () => {
  it('runs handlers by name, many in flight per worker, on several workers', async () => {
    const p = pool({ min: 2, max: 2, concurrency: 8 });
    await p.start();
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => p.run<number>('inc', i)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const ids = new Set(await Promise.all(Array.from({ length: 64 }, () => p.run('whoami'))));
    expect(ids.size).toBe(2);
    const s = p.stats();
    expect(s.completed).toBe(564);
    expect(s.failed).toBe(0);
    expect(s.workers.ready).toBe(2);
    expect(s.runTime.count).toBe(564);
    expect(s.waitTime.count).toBe(564);
    expect(s.runTime.p99).toBeGreaterThanOrEqual(s.runTime.p50);
  });

  it('hands a running task’s own messages (ctx.notify) on as worker-message, in order; none after it settled', async () => {
    const p = pool({ min: 1, max: 1 });
    await p.start();
    const seen: unknown[] = [];
    p.on('worker-message', (e) => seen.push(e.message));
    expect(await p.run<number>('chatter', 3)).toBe(3);
    expect(seen.map((m) => (m as { params: { progress: number } }).params.progress)).toEqual([1, 2, 3]);
    // The note sent after the task settled is dropped: another task's round trip passes it.
    await p.run('inc', 1);
    await p.run('inc', 1);
    expect(seen).toHaveLength(3);
  });

  it('tells no resident memory for a thread worker: it shares the pool’s process', async () => {
    const p = pool({ min: 1, max: 1 });
    await p.start();
    expect(p.workers()[0]!.rssBytes()).toBeUndefined();
  });

  it('starts on the first task when start() was not called', async () => {
    const p = pool({ min: 0 });
    expect(p.state).toBe('created');
    expect(await p.run('inc', 1)).toBe(2);
    expect(p.state).toBe('running');
  });

  it('rejects with TaskFailedError when a handler throws, sync or async, and keeps working', async () => {
    const p = pool({ max: 1 });
    const e = (await rejectionOf(p.run('fail', 'bad input'))) as TaskFailedError;
    expect(isTaskFailedError(e)).toBe(true);
    expect(e.message).toBe('bad input');
    expect(e.remoteName).toBe('RangeError');
    expect(e.code).toBe('E_FIXTURE');
    expect(e.remoteStack).toContain('fail');
    const later = (await rejectionOf(p.run('failLater', 'later'))) as TaskFailedError;
    expect(later.remoteName).toBe('TypeError');
    expect(await p.run('inc', 1)).toBe(2);
    expect(p.stats().crashes).toBe(0);
  });

  it('rejects an unknown handler name with UnknownHandlerError', async () => {
    const p = pool();
    const e = await rejectionOf(p.run('noSuchHandler', 1));
    expect(isUnknownHandlerError(e)).toBe(true);
    expect((e as Error).message).toContain('noSuchHandler');
  });

  it('moves transferables both ways', async () => {
    const p = pool();
    const buffer = new ArrayBuffer(1024);
    const r = await p.run<{ size: number; back: ArrayBuffer }>('bytes', buffer, { transfer: [buffer] });
    expect(buffer.byteLength).toBe(0); // detached: moved, not copied
    expect(r.size).toBe(1024);
    expect(new Uint8Array(r.back)[2047]).toBe(7);
  });

  it('fails only the task whose payload cannot be cloned, not the others sent with it', async () => {
    const p = pool({ max: 1 });
    await p.start();
    const [a, bad, b] = await Promise.allSettled([p.run('inc', 1), p.run('inc', () => 1), p.run('inc', 2)]);
    expect(a).toEqual({ status: 'fulfilled', value: 2 });
    expect(b).toEqual({ status: 'fulfilled', value: 3 });
    expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(TypeError);
    expect(p.stats().inFlight).toBe(0);
  });

  it('passes env to the threads', async () => {
    const p = pool({ env: { SWITCHYARD_FIXTURE: 'yes' } });
    expect(await p.run('envOf', 'SWITCHYARD_FIXTURE')).toBe('yes');
  });
});

describe('thread pool: timeouts and cancellation', () => {
  it('times out a hanging task, aborting its handler, and frees its slot', async () => {
    const p = pool({ max: 1, concurrency: 1 });
    // The thread started and ready first: on a busy machine its start alone can outlast 100 ms,
    // and the timeout would then fire while the task is still queued.
    expect(await p.run('inc', 0)).toBe(1);
    const e = await rejectionOf(p.run('sleep', 60_000, { timeoutMs: 100 }));
    expect(isTaskTimeoutError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'running', timeoutMs: 100 });
    // the handler saw its signal abort; the one slot is free again
    await until(() => true);
    expect(await p.run('abortsSeen')).toEqual(['timeout']);
    const hang = await rejectionOf(p.run('hang', null, { timeoutMs: 50 }));
    expect(isTaskTimeoutError(hang)).toBe(true);
    expect(await p.run('inc', 1)).toBe(2);
  });

  it('cancels before a task starts: it never reaches a worker', async () => {
    const p = pool();
    const ac = new AbortController();
    ac.abort(new Error('changed my mind'));
    const e = await rejectionOf(p.run('inc', 1, { signal: ac.signal }));
    expect(isTaskAbortedError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'queued' });
    expect(p.stats().runTime.count).toBe(0);
  });

  it('cancels a queued task when its signal aborts', async () => {
    const p = pool({ max: 1, concurrency: 1 });
    await p.start();
    const first = p.run('sleep', 200);
    const ac = new AbortController();
    const second = p.run('inc', 1, { signal: ac.signal });
    expect(p.stats().queued).toBe(1);
    ac.abort();
    const e = await rejectionOf(second);
    expect(isTaskAbortedError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'queued' });
    expect(p.stats().queued).toBe(0);
    expect(await first).toBe('slept');
  });

  it('cancels a running task: the handler sees its AbortSignal fire', async () => {
    const p = pool({ max: 1 });
    await p.start();
    const ac = new AbortController();
    const task = p.run('sleep', 60_000, { signal: ac.signal });
    expect(p.stats().inFlight).toBe(1);
    await Bun.sleep(20);
    ac.abort(new Error('stop now'));
    const e = await rejectionOf(task);
    expect(isTaskAbortedError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'running' });
    await until(() => p.stats().inFlight === 0);
    expect(await p.run('abortsSeen')).toEqual(['stop now']);
  });

  it("takes flow-balancer's Cancellation as its signal: queued and running tasks cancel as with an AbortSignal", async () => {
    const p = pool({ max: 1, concurrency: 1 });
    await p.start();
    const running = new Cancellation();
    const queued = new Cancellation();
    const first = p.run('sleep', 60_000, { signal: running.signal });
    const second = p.run('inc', 1, { signal: queued.signal });
    expect(p.stats().queued).toBe(1);
    queued.abort(new Error('not this one'));
    expect(await rejectionOf(second)).toMatchObject({ phase: 'queued' });
    await until(() => p.stats().inFlight === 1);
    running.abort(new Error('stop the sleep'));
    const e = await rejectionOf(first);
    expect(isTaskAbortedError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'running' });
    await until(() => p.stats().inFlight === 0);
    expect(await p.run('abortsSeen')).toEqual(['stop the sleep']);
    // A task that ends first detaches from its switch: aborting it later changes nothing.
    const done = new Cancellation();
    expect(await p.run('inc', 41, { signal: done.signal })).toBe(42);
    done.abort();
    expect(await p.run('inc', 1)).toBe(2);
  });
});

describe('thread pool: sending', () => {
  it('fails a task whose payload cannot be sent, alone on an idle worker or in a batch, and keeps the worker', async () => {
    const p = pool({ min: 1, max: 1, concurrency: 8 });
    await p.start();
    // Alone: an idle worker gets its task without waiting for a batch.
    const alone = await rejectionOf(p.run('inc', () => 1));
    expect(alone).toBeInstanceOf(TypeError);
    expect((alone as Error).message).toMatch(/could not be sent to the worker/);
    // In a batch: only the task at fault fails.
    const settled = await Promise.allSettled([p.run('inc', 1), p.run('inc', Symbol('x')), p.run('inc', 2)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await p.run('inc', 41)).toBe(42);
    expect(p.stats().workers.ready).toBe(1);
  });

  it('serves tasks one at a time after a cancelled task whose handler never answers', async () => {
    const p = pool({ min: 1, max: 1, concurrency: 4 });
    await p.start();
    const ac = new AbortController();
    const hanging = p.run('hang', undefined, { signal: ac.signal });
    ac.abort(new Error('enough'));
    expect(isTaskAbortedError(await rejectionOf(hanging))).toBe(true);
    for (let i = 0; i < 20; i++) expect(await p.run<number>('inc', i)).toBe(i + 1);
    const both = await Promise.all([p.run<number>('inc', 1), p.run<number>('inc', 2)]);
    expect(both).toEqual([2, 3]);
  });
});

describe('thread pool: queueing', () => {
  it('refuses tasks past maxQueue with PoolQueueFullError', async () => {
    const p = pool({ max: 1, concurrency: 1, maxQueue: 2 });
    await p.start();
    const running = p.run('sleep', 100);
    const queued = [p.run('inc', 1), p.run('inc', 2)];
    const e = await rejectionOf(p.run('inc', 3));
    expect(isPoolQueueFullError(e)).toBe(true);
    expect(await Promise.all([running, ...queued])).toEqual(['slept', 2, 3]);
  });

  it('drops a task whose deadline passes while queued', async () => {
    const p = pool({ max: 1, concurrency: 1 });
    await p.start();
    const running = p.run('sleep', 300);
    const late = p.run('inc', 1, { timeoutMs: 50 });
    const e = await rejectionOf(late);
    expect(isTaskTimeoutError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'queued' });
    expect(await running).toBe('slept');
  });

  it('scales up under queue pressure, then down to min after idling', async () => {
    const p = pool({ min: 1, max: 3, concurrency: 1, idleTimeoutMs: 150 });
    await p.start();
    const events = record(p);
    const tasks = Array.from({ length: 6 }, () => p.run('sleep', 150));
    await until(() => p.stats().workers.ready === 3, '3 ready workers', 10_000);
    expect(await Promise.all(tasks)).toEqual(Array(6).fill('slept'));
    await until(() => p.stats().workers.total === 1, 'scale-down to 1', 10_000);
    const idle = events.filter((e) => e.type === 'worker-recycled' && e.reason === 'idle');
    expect(idle).toHaveLength(2);
    expect(events.filter((e) => e.type === 'worker-started')).toHaveLength(2);
  });
});

describe('thread pool: crashes and health', () => {
  it('rejects every task on a thread that exits, with delivered: true, and replaces it', async () => {
    const p = pool({ min: 1, max: 1, concurrency: 4, restart: { baseDelayMs: 10 } });
    await p.start();
    const bystander = p.run('sleep', 5_000);
    await Bun.sleep(20);
    const e = (await rejectionOf(p.run('exitThread', 3))) as WorkerCrashedError;
    expect(isWorkerCrashedError(e)).toBe(true);
    expect(e.delivered).toBe(true);
    expect(e.reason).toBe('exit');
    const b = (await rejectionOf(bystander)) as WorkerCrashedError;
    expect(isWorkerCrashedError(b)).toBe(true);
    expect(b.delivered).toBe(true);
    expect(await p.run('inc', 41)).toBe(42);
    const s = p.stats();
    expect(s.crashes).toBe(1);
    expect(s.restarts).toBe(1);
    expect(s.inFlight).toBe(0);
  });

  it('treats an uncaught exception in the thread as a crash with its message', async () => {
    const p = pool({ max: 1, restart: { baseDelayMs: 10 } });
    await p.start();
    const exited = nextEvent(p, 'worker-exited');
    const hang = p.run('hang');
    expect(await p.run('throwUncaught', 'kaboom')).toBe('thrown later');
    const e = (await rejectionOf(hang)) as WorkerCrashedError;
    expect(isWorkerCrashedError(e)).toBe(true);
    expect(e.message).toContain('kaboom');
    expect((await exited).expected).toBe(false);
  });

  it('recycles a thread whose event loop stops answering the heartbeat', async () => {
    const p = pool({ max: 1, health: { intervalMs: 50, timeoutMs: 100 }, restart: { baseDelayMs: 10 } });
    await p.start();
    const failed = nextEvent(p, 'health-failed');
    const e = (await rejectionOf(p.run('spin', 2_000))) as WorkerCrashedError;
    expect(isWorkerCrashedError(e)).toBe(true);
    expect(e.reason).toBe('unhealthy');
    expect((await failed).error).toContain('no answer');
    expect(await p.run('inc', 1)).toBe(2);
  });

  it('leaves long synchronous work alone when the heartbeat is off', async () => {
    const p = pool({ max: 1, health: { heartbeat: false, intervalMs: 20, timeoutMs: 50 } });
    await p.start();
    expect(await p.run<number>('spin', 300)).toBeGreaterThan(0);
    expect(p.stats()).toMatchObject({ crashes: 0, started: 1 });
  });

  it('puts the pool in the failed state after a crash loop, and can be reset', async () => {
    const p = pool({
      module: fixture('broken.ts'),
      min: 1,
      max: 1,
      restart: { baseDelayMs: 1, maxDelayMs: 5, maxCrashes: 3, windowMs: 10_000 },
    });
    const states = record(p);
    const e = await rejectionOf(p.start());
    expect(isPoolFailedError(e)).toBe(true);
    expect(p.state).toBe('failed');
    expect((e as Error).message).toContain('broken module (fixture)');
    expect(isPoolFailedError(await rejectionOf(p.run('inc', 1)))).toBe(true);
    expect(states.filter((x) => x.type === 'worker-started')).toHaveLength(3);
    expect(states.some((x) => x.type === 'pool-state' && x.to === 'failed')).toBe(true);
    expect(p.stats().crashes).toBe(3);
    expect(isPoolFailedError(await rejectionOf(p.reset()))).toBe(true);
  });

  it('reset() leaves the failed state once the cause is gone', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'wp-')), 'broken');
    writeFileSync(marker, '');
    const p = pool({
      module: fixture('flaky.ts'),
      env: { FLAKY_MARKER: marker },
      restart: { baseDelayMs: 1, maxCrashes: 2 },
    });
    expect(isPoolFailedError(await rejectionOf(p.start()))).toBe(true);
    rmSync(marker);
    await p.reset();
    expect(p.state).toBe('running');
    expect(await p.run('ok')).toBe('ok');
  });

  it('fails fast when the module cannot be found at all', async () => {
    const p = pool({ module: fixture('missing.ts'), restart: { baseDelayMs: 1, maxCrashes: 2 } });
    expect(isPoolFailedError(await rejectionOf(p.start()))).toBe(true);
  });
});

describe('thread pool: recycling', () => {
  it('retires a worker after maxTasksPerWorker tasks and carries on with a new one', async () => {
    const p = pool({ min: 1, max: 1, concurrency: 1, maxTasksPerWorker: 3 });
    const recycled: number[] = [];
    p.on('worker-recycled', (e) => {
      expect(e.reason).toBe('max-tasks');
      recycled.push(e.workerId);
    });
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push(await p.run<number>('whoami'));
    expect(ids).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(recycled).toEqual([1, 2]);
    expect(p.stats().crashes).toBe(0);
  });

  it('retires a worker older than maxAgeMs', async () => {
    const p = pool({ min: 1, max: 1, maxAgeMs: 100 });
    await p.start();
    const recycled = await nextEvent(p, 'worker-recycled');
    expect(recycled.reason).toBe('max-age');
    expect(await p.run<number>('whoami')).toBeGreaterThan(1);
  });
});

describe('thread pool: drain and stop', () => {
  it('lets tasks in flight and queued finish, refusing new ones, then stops', async () => {
    const p = pool({ max: 1, concurrency: 1 });
    await p.start();
    const inflight = p.run('sleep', 100);
    const queued = p.run('inc', 1);
    const stopped = p.stop({ timeoutMs: 5_000 });
    expect(p.state).toBe('draining');
    expect(isPoolClosedError(await rejectionOf(p.run('inc', 2)))).toBe(true);
    expect(await inflight).toBe('slept');
    expect(await queued).toBe(2);
    await stopped;
    expect(p.state).toBe('stopped');
    expect(p.stats().workers.total).toBe(0);
  });

  it('cuts off what has not finished by the drain deadline', async () => {
    const p = pool({ max: 1, concurrency: 1 });
    await p.start();
    const running = rejectionOf(p.run('hang'));
    const queued = rejectionOf(p.run('inc', 1));
    await p.stop({ timeoutMs: 50 });
    const r = await running;
    expect(isPoolClosedError(r)).toBe(true);
    expect(r).toMatchObject({ delivered: true });
    const q = await queued;
    expect(isPoolClosedError(q)).toBe(true);
    expect(q).toMatchObject({ delivered: false });
  });
});

describe('thread pool: built entry', () => {
  it('runs from dist/ as well as from src/', async () => {
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const mod = (await import(dist)) as typeof import('../src/index.ts');
    const p = new mod.WorkerPoolManager({ kind: 'thread', module: fixture('tasks.ts'), min: 1, max: 1 });
    try {
      expect(await p.run('inc', 9)).toBe(10);
    } finally {
      await p.stop();
    }
  });
});

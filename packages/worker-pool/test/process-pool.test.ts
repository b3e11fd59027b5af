import { describe, expect, it } from 'vitest';
import {
  isPoolFailedError,
  isProtocolFaultError,
  isTaskAbortedError,
  isTaskFailedError,
  isTaskTimeoutError,
  isWorkerCrashedError,
  mcpCancelMessage,
  type ProcessPoolOptions,
  type TaskFailedError,
  type WorkerCrashedError,
  type WorkerPoolManager,
} from '../src/index.ts';
import { fixture, isAlive, nextEvent, poolMaker, record, rejectionOf, until } from './helpers.ts';

const make = poolMaker<ProcessPoolOptions>({
  kind: 'process',
  command: process.execPath,
  min: 1,
  max: 1,
  stopGraceMs: 500,
  killGraceMs: 500,
});
const pool = (options: Partial<ProcessPoolOptions> = {}, flags: string[] = []): WorkerPoolManager =>
  make({ args: [fixture('rpc-server.ts'), ...flags], ...options });

describe('process pool: requests', () => {
  it('pipelines many JSON-RPC requests on one process, matched by id', async () => {
    const p = pool({ concurrency: 64 });
    await p.start();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => p.run('echo', { i })));
    expect(results).toEqual(Array.from({ length: 300 }, (_, i) => ({ i })));
    expect(p.stats().completed).toBe(300);
  });

  it('rejects a JSON-RPC error with TaskFailedError carrying code and data', async () => {
    const p = pool();
    const e = (await rejectionOf(p.run('nope'))) as TaskFailedError;
    expect(isTaskFailedError(e)).toBe(true);
    expect(e.code).toBe(-32601);
    expect(e.data).toBe('nope');
    expect(e.message).toBe('no method nope');
  });

  it('rejects params that are not JSON with a TypeError, leaving nothing in flight', async () => {
    const p = pool();
    expect(await rejectionOf(p.run('echo', { n: 1n }))).toBeInstanceOf(TypeError);
    expect(p.stats().inFlight).toBe(0);
    expect(await p.run('echo', 2)).toBe(2);
  });

  it('forward(): two callers with the same request id each get their own answer, with their id', async () => {
    const p = pool({ concurrency: 8 });
    const [a, b, c] = await Promise.all([
      p.forward({ jsonrpc: '2.0', id: 1, method: 'sleep', params: { ms: 80 } }),
      p.forward({ jsonrpc: '2.0', id: 1, method: 'echo', params: 'second' }),
      p.forward({ jsonrpc: '2.0', id: 'x', method: 'nope' }),
    ]);
    expect(a).toEqual({ jsonrpc: '2.0', id: 1, result: 'slept' });
    expect(b).toEqual({ jsonrpc: '2.0', id: 1, result: 'second' });
    expect(c).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32601, message: 'no method nope', data: 'nope' },
    });
  });

  it('surfaces notifications and server-to-client requests, and sends the answer back', async () => {
    const p = pool();
    const messages: unknown[] = [];
    p.on('worker-message', (e) => {
      messages.push(e.message);
      if ('id' in e.message && 'method' in e.message) {
        p.send(e.workerId, { jsonrpc: '2.0', id: e.message.id, result: { answered: true } });
      }
    });
    expect(await p.run('notify')).toEqual({ answered: true });
    expect(messages).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'hi' } },
      { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} },
    ]);
  });
});

describe('process pool: protocol faults', () => {
  it('reports garbage lines as protocol faults, skips them and keeps the worker', async () => {
    const p = pool();
    const faults = record(p);
    expect(await p.run('garbage')).toBe('after-garbage');
    const kinds = faults.flatMap((e) => (e.type === 'protocol-fault' ? [e.kind] : []));
    expect(kinds).toEqual(['invalid-json', 'invalid-message']);
    expect(p.stats().protocolFaults).toBe(2);
    expect(p.stats().crashes).toBe(0);
  });

  it('fails a request whose answer is malformed with ProtocolFaultError, at once', async () => {
    const p = pool();
    const e = await rejectionOf(p.run('broken-answer', undefined, { timeoutMs: 10_000 }));
    expect(isProtocolFaultError(e)).toBe(true);
    expect(e).toMatchObject({ kind: 'invalid-message', workerId: 1 });
    expect(await p.run('echo', 1)).toBe(1);
  });

  it('reports a line over maxLineLength without buffering it, and goes on', async () => {
    const p = pool({ maxLineLength: 1024 });
    const fault = nextEvent(p, 'protocol-fault');
    expect(await p.run('long', { bytes: 200_000 })).toBe('after-long');
    const f = await fault;
    expect(f.kind).toBe('line-too-long');
    expect(f.sample.length).toBeLessThanOrEqual(200);
    expect(await p.run('echo', 1)).toBe(1);
  });
});

describe('process pool: an answer over maxLineLength', () => {
  it('fails its task at once naming the size and the limit, whether the id comes first or last', async () => {
    const p = pool({ maxLineLength: 1024, concurrency: 4 });
    for (const idLast of [false, true]) {
      const e = await rejectionOf(p.run('long-answer', { bytes: 5000, idLast }, { timeoutMs: 60_000 }));
      expect(isProtocolFaultError(e)).toBe(true);
      expect(e).toMatchObject({ kind: 'line-too-long', size: { limit: 1024 } });
      expect((e as Error).message).toMatch(/a line of \d+ characters, over the limit of 1024/);
    }
    // The worker goes on serving, others' tasks in flight meanwhile included.
    const [slow, big] = await Promise.allSettled([
      p.run('sleep', { ms: 50 }),
      p.run('long-answer', { bytes: 5000, idLast: true }, { timeoutMs: 60_000 }),
    ]);
    expect(slow).toEqual({ status: 'fulfilled', value: 'slept' });
    expect(big.status).toBe('rejected');
    expect(await p.run('echo', 1)).toBe(1);
    expect(p.stats().crashes).toBe(0);
  });
});

describe('process pool: an over-long answer whose id sits among its other members', () => {
  it('fails its own task at once while others are in flight; ids nested in it name no task', async () => {
    const p = pool({ maxLineLength: 1024, concurrency: 4 });
    await p.start();
    const settled: string[] = [];
    const note = <T>(name: string, task: Promise<T>): Promise<T> => task.finally(() => settled.push(name));
    // The answer to `big` nests the ids of the requests sent just before and after it (±1).
    const before = note('before', p.run('sleep', { ms: 1_000 }));
    const big = note('big', p.run('long-answer', { bytes: 5000, layout: 'middle' }, { timeoutMs: 5_000 }));
    const after = note('after', p.run('sleep', { ms: 1_000 }));
    const e = await rejectionOf(big);
    expect(isProtocolFaultError(e)).toBe(true);
    expect(e).toMatchObject({ kind: 'line-too-long', size: { limit: 1024 } });
    // At once: neither neighbour had its answer yet.
    expect(settled).toEqual(['big']);
    expect(await Promise.all([before, after])).toEqual(['slept', 'slept']);
    expect(p.stats().crashes).toBe(0);
  });

  it('an over-long answer without a readable id fails the only task in flight', async () => {
    const p = pool({ maxLineLength: 1024 });
    const e = await rejectionOf(p.run('long-answer', { bytes: 5000, layout: 'no-id' }, { timeoutMs: 5_000 }));
    expect(isProtocolFaultError(e)).toBe(true);
    expect(e).toMatchObject({ kind: 'line-too-long' });
    expect(await p.run('echo', 1)).toBe(1);
  });
});

describe('process pool: timeouts and cancellation', () => {
  it('times out a request that is never answered and sends the cancel message with the wire id', async () => {
    const p = pool({ cancelMessage: mcpCancelMessage, concurrency: 4 });
    const e = await rejectionOf(p.run('never', undefined, { timeoutMs: 100 }));
    expect(isTaskTimeoutError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'running' });
    expect(await p.run('cancelled')).toEqual([1]);
  });

  it('cancels before delivery (nothing sent) and during (cancel message sent)', async () => {
    const p = pool({ cancelMessage: mcpCancelMessage, concurrency: 4 });
    await p.start();
    const before = new AbortController();
    before.abort();
    expect(isTaskAbortedError(await rejectionOf(p.run('echo', 1, { signal: before.signal })))).toBe(true);
    const during = new AbortController();
    const task = p.run('sleep', { ms: 5_000 }, { signal: during.signal });
    await Bun.sleep(30);
    during.abort('user cancelled');
    const e = await rejectionOf(task);
    expect(isTaskAbortedError(e)).toBe(true);
    expect(e).toMatchObject({ phase: 'running', reason: 'user cancelled' });
    expect(await p.run('cancelled')).toEqual([1]);
  });
});

describe('process pool: crashes', () => {
  it('rejects every request in flight on a process that dies, delivered: true, and replaces it', async () => {
    const p = pool({ concurrency: 8, restart: { baseDelayMs: 10 } });
    await p.start();
    const pid1 = await p.run<number>('pid');
    const slow = p.run('sleep', { ms: 5_000 });
    const dying = p.run('exit', { code: 9 });
    for (const t of [slow, dying]) {
      const e = (await rejectionOf(t)) as WorkerCrashedError;
      expect(isWorkerCrashedError(e)).toBe(true);
      expect(e.delivered).toBe(true);
      expect(e.reason).toBe('exit');
      expect(e.message).toContain('exit code 9');
    }
    const pid2 = await p.run<number>('pid');
    expect(pid2).not.toBe(pid1);
    expect(isAlive(pid1)).toBe(false);
    expect(p.stats()).toMatchObject({ crashes: 1, restarts: 1, inFlight: 0 });
  });

  it('fails the pool when the process exits at start-up in a loop, with the stderr tail', async () => {
    const p = pool(
      { ready: (w) => w.request('ping'), restart: { baseDelayMs: 5, maxCrashes: 3, windowMs: 30_000 } },
      ['--exit-at-start'],
    );
    const starts: number[] = [];
    p.on('worker-started', (e) => starts.push(e.workerId));
    const e = await rejectionOf(p.start());
    expect(isPoolFailedError(e)).toBe(true);
    expect(p.state).toBe('failed');
    expect(p.failure?.stderrTail).toContain('fatal: cannot start (fixture)');
    // The tail is a field; the message (which callers may show to whoever sent the task) names the exit.
    expect((e as Error).message).not.toContain('fatal: cannot start');
    expect((e as Error).message).toMatch(
      /^pool failed: 3 worker crashes within 30000 ms \(last: exit code \d+\)$/,
    );
    expect(starts).toEqual([1, 2, 3]);
    const late = await rejectionOf(p.run('echo', 1));
    expect(isPoolFailedError(late)).toBe(true);
  });

  it('without a ready hook, fails the pool too: tasks sent to the dying processes are rejected', async () => {
    const p = pool({ restart: { baseDelayMs: 5, maxCrashes: 3, windowMs: 30_000 } }, ['--exit-at-start']);
    const e = await rejectionOf(p.run('echo', 1));
    expect(isWorkerCrashedError(e) || isPoolFailedError(e)).toBe(true);
    await until(() => p.state === 'failed', 'the failed state', 10_000);
    expect(p.failure?.crashes).toBe(3);
    expect(p.stats().workers.total).toBe(0);
  });

  it('fails the pool when the command does not exist', async () => {
    const p = pool({
      command: '/nonexistent/switchyard-fixture',
      restart: { baseDelayMs: 1, maxCrashes: 2 },
    });
    const e = await rejectionOf(p.start());
    expect(isPoolFailedError(e)).toBe(true);
    expect((e as Error).message).toContain('spawn failed');
  });

  it('keeps the last stderr lines of a worker for diagnostics', async () => {
    const p = pool({ stderrLines: 2, restart: { baseDelayMs: 10 } });
    await p.run('stderr', { lines: ['one', 'two', 'three'] });
    expect(p.workers()[0]?.stderrTail()).toEqual(['two', 'three']);
    await rejectionOf(p.run('exit', { code: 1 }));
    expect(p.stats().stderrTail).toEqual(['two', 'three']);
  });
});

describe('process pool: health and recycling', () => {
  it('recycles a worker that fails its health probe', async () => {
    const p = pool(
      {
        health: { probe: (w) => w.request('ping'), intervalMs: 50, timeoutMs: 100 },
        restart: { baseDelayMs: 10 },
      },
      ['--no-ping'],
    );
    await p.start();
    const before = p.workers()[0]!.pid!;
    const failed = await nextEvent(p, 'health-failed');
    expect(failed.error).toContain('no answer within 100 ms');
    await until(() => p.workers().some((w) => w.state === 'ready' && w.pid !== before));
    await until(() => !isAlive(before), 'the unhealthy process to exit', 5_000);
  });

  it('keeps a worker that passes its health probe', async () => {
    let probes = 0;
    const p = pool({
      health: {
        probe: async (w) => {
          probes++;
          await w.request('ping');
        },
        intervalMs: 30,
        // Generous: on a loaded 2-core CI machine a ping can take hundreds of ms; a probe that
        // answers at all must not recycle the worker.
        timeoutMs: 5_000,
      },
    });
    await p.start();
    await until(() => probes >= 3);
    expect(p.stats()).toMatchObject({ crashes: 0, started: 1 });
  });

  it('recycles a process past its memory ceiling', async () => {
    const p = pool({ maxRssBytes: 150 * 1024 * 1024, memoryCheckIntervalMs: 20 });
    const recycled = nextEvent(p, 'worker-recycled');
    expect(await p.run('alloc', { mb: 200 })).toBe('ok');
    const e = await recycled;
    expect(e.reason).toBe('memory');
    expect(e.detail).toContain('RSS');
  });

  it('tells a worker’s resident memory (rssBytes), which grows with what the process holds', async () => {
    const p = pool();
    await p.start();
    const w = p.workers()[0]!;
    const before = w.rssBytes();
    expect(before).toBeGreaterThan(0);
    expect(await p.run('alloc', { mb: 100 })).toBe('ok');
    expect(w.rssBytes()! - before!).toBeGreaterThan(90 * 1024 * 1024);
  });

  it('recycles after maxTasksPerWorker with a fresh process', async () => {
    const p = pool({ maxTasksPerWorker: 2, concurrency: 1 });
    const pids = [];
    for (let i = 0; i < 5; i++) pids.push(await p.run<number>('pid'));
    expect(new Set(pids).size).toBe(3);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
  });

  it('runs the ready hook before a worker takes tasks', async () => {
    const order: string[] = [];
    const p = pool({
      ready: async (w) => {
        order.push(`ready:${await w.request('echo', 'init')}`);
      },
    });
    p.on('worker-ready', () => order.push('worker-ready'));
    order.push(`task:${await p.run('echo', 'task')}`);
    expect(order).toEqual(['ready:init', 'worker-ready', 'task:task']);
  });
});

describe('process pool: stop', () => {
  it('drains, then stops: no child process survives stop(), even one ignoring SIGTERM', async () => {
    const polite = pool({ min: 2, max: 2 });
    // the ready hook makes sure the script has set its SIGTERM handler before we stop it
    const stubborn = pool(
      { min: 1, max: 1, stopGraceMs: 100, killGraceMs: 100, ready: (w) => w.request('ping') },
      ['--ignore-term'],
    );
    await Promise.all([polite.start(), stubborn.start()]);
    const pids = [...polite.workers(), ...stubborn.workers()].map((w) => w.pid!);
    expect(pids).toHaveLength(3);
    expect(pids.every(isAlive)).toBe(true);
    const inflight = polite.run('sleep', { ms: 100 });
    const exits = record(stubborn);
    await Promise.all([polite.stop(), stubborn.stop()]);
    expect(await inflight).toBe('slept');
    expect(pids.filter(isAlive)).toEqual([]);
    const exit = exits.find((e) => e.type === 'worker-exited');
    expect(exit).toMatchObject({ signal: 'SIGKILL', expected: true });
    expect(polite.state).toBe('stopped');
  });
});

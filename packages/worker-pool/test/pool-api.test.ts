/** The pool's surface: events, stats, misuse. */
import { mulberry32, RendezvousPicker } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { type PoolEvent, type ThreadPoolOptions, WorkerPoolManager } from '../src/index.ts';
import { fixture, poolMaker, rejectionOf } from './helpers.ts';

const pool = poolMaker<ThreadPoolOptions>({ kind: 'thread', module: fixture('tasks.ts'), min: 1, max: 1 });

describe('pool API', () => {
  it('emits typed task events with their outcome, only to listeners, and stops on unsubscribe', async () => {
    const p = pool();
    const seen: PoolEvent[] = [];
    const off = p.on('task-settled', (e) => seen.push(e));
    const started: number[] = [];
    p.on('task-started', (e) => started.push(e.taskId));
    await p.run('inc', 1);
    await rejectionOf(p.run('fail', 'x'));
    await rejectionOf(p.run('hang', null, { timeoutMs: 30 }));
    off();
    await p.run('inc', 2);
    expect(seen.map((e) => e.type === 'task-settled' && e.outcome)).toEqual(['ok', 'error', 'timeout']);
    expect(started).toHaveLength(4);
    const first = seen[0]!;
    expect(first).toMatchObject({ type: 'task-settled', workerId: 1 });
  });

  it('reports pool state changes and workers by state', async () => {
    const p = pool({ min: 2, max: 2 });
    const states: string[] = [];
    p.on('pool-state', (e) => states.push(`${e.from}->${e.to}`));
    expect(p.stats().workers).toEqual({ starting: 0, ready: 0, retiring: 0, stopping: 0, total: 0 });
    const started = p.start();
    expect(p.stats().workers.starting).toBe(2);
    await started;
    expect(p.stats().workers).toMatchObject({ ready: 2, total: 2 });
    expect(p.workers().map((w) => [w.kind, w.state])).toEqual([
      ['thread', 'ready'],
      ['thread', 'ready'],
    ]);
    await p.stop();
    expect(states).toEqual(['created->running', 'running->draining', 'draining->stopped']);
    expect(isClosed(await rejectionOf(p.start()))).toBe(true);
  });

  it('refuses misuse with TypeError / RangeError', async () => {
    const p = pool();
    expect(await rejectionOf(p.run('inc', 1, { timeoutMs: -5 }))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(p.run(42 as unknown as string))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(p.forward({ jsonrpc: '2.0', id: 1, method: 'inc' }))).toBeInstanceOf(TypeError);
    expect(() => p.send(99, { jsonrpc: '2.0', method: 'x' })).toThrow(RangeError);
    await p.start();
    expect(() => p.send(1, { jsonrpc: '2.0', method: 'x' })).toThrow(TypeError);
    expect(() => new WorkerPoolManager({ kind: 'thread', module: '' })).toThrow(/module/);
  });

  it('routes by affinity key with a rendezvous picker, and balances with p2c', async () => {
    const p = pool({ min: 3, max: 3, concurrency: 8, picker: new RendezvousPicker() });
    await p.start();
    for (const key of ['alice', 'bob', 'carol']) {
      const ids = await Promise.all(
        Array.from({ length: 5 }, () => p.run('whoami', null, { affinityKey: key })),
      );
      expect(new Set(ids).size).toBe(1);
    }
    const q = pool({ min: 2, max: 2, picker: 'p2c', random: mulberry32(7) });
    await q.start();
    const ids = await Promise.all(Array.from({ length: 40 }, () => q.run<number>('whoami')));
    expect(new Set(ids).size).toBe(2);
  });

  it('lets a worker be asked directly, outside the queue', async () => {
    const p = pool({ concurrency: 1 });
    await p.start();
    const busy = p.run('sleep', 100);
    const w = p.workers()[0]!;
    expect(await w.request('inc', 5)).toBe(6); // not stuck behind the full worker
    expect(await busy).toBe('slept');
    expect(p.stats().completed).toBe(1); // direct requests are not counted as tasks
  });
});

function isClosed(e: unknown): boolean {
  return (e as Error).name === 'PoolClosedError';
}

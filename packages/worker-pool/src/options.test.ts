import { describe, expect, it } from 'vitest';
import { defaultConcurrency, resolveOptions, type WorkerPoolOptions } from './options.ts';

const thread = { kind: 'thread', module: '/tmp/x.ts' } as const;

describe('resolveOptions', () => {
  it('fills defaults and turns a module path into a file URL', () => {
    const o = resolveOptions({ ...thread, min: 2 });
    expect(o.min).toBe(2);
    expect(o.max).toBeGreaterThanOrEqual(2);
    expect(o.concurrency).toBe(4);
    expect(o.thread?.module).toBe('file:///tmp/x.ts');
    expect(resolveOptions({ kind: 'process', command: 'cat' }).concurrency).toBe(16);
    // The same defaults other packages read (multi-tier's admission places, worker choice).
    expect([
      defaultConcurrency('thread'),
      defaultConcurrency('process'),
      defaultConcurrency('remote'),
    ]).toEqual([4, 16, 16]);
  });

  it.each([
    [{ ...thread, min: -1 }, RangeError, /min/],
    [{ ...thread, min: 3, max: 2 }, RangeError, /max/],
    [{ ...thread, concurrency: 0 }, RangeError, /concurrency/],
    [{ ...thread, concurrency: 1.5 }, RangeError, /concurrency/],
    [{ ...thread, maxQueue: '5' }, TypeError, /maxQueue/],
    [{ ...thread, taskTimeoutMs: 0 }, RangeError, /taskTimeoutMs/],
    [{ ...thread, restart: { jitter: 2 } }, RangeError, /restart\.jitter/],
    [{ ...thread, health: { intervalMs: 0 } }, RangeError, /health\.intervalMs/],
    [{ ...thread, health: { probe: 'ping' } }, TypeError, /health\.probe/],
    [{ ...thread, picker: 'random' }, TypeError, /picker/],
    [{ kind: 'thread' }, TypeError, /module/],
    [{ kind: 'fiber' }, TypeError, /kind/],
    [{ kind: 'process' }, TypeError, /command/],
    [{ kind: 'process', command: 'x', args: [1] }, TypeError, /args/],
    [{ kind: 'process', command: 'x', maxLineLength: 10 }, RangeError, /maxLineLength/],
  ])('rejects %o', (options, type, message) => {
    expect(() => resolveOptions(options as unknown as WorkerPoolOptions)).toThrow(type);
    expect(() => resolveOptions(options as unknown as WorkerPoolOptions)).toThrow(message);
  });
});

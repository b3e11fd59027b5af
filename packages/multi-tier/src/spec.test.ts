import { describe, expect, it } from 'vitest';
import { isRemoteBackendNotSupportedError } from './errors.ts';
import { type BackendSpec, resolveOptions } from './spec.ts';

const stdio = (extra: Record<string, unknown> = {}): BackendSpec =>
  ({ kind: 'stdio', command: 'bun', ...extra }) as BackendSpec;
const one = (spec: unknown) => resolveOptions({ backends: { foo: spec as BackendSpec } });

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const [b] = one(stdio()).backends;
    expect(b).toMatchObject({
      name: 'foo',
      tier: 'warm',
      isolation: 'shared',
      min: 0,
      max: 1,
      spares: 0,
      memoryMb: 64,
      idleTtlMs: 60_000,
      source: { kind: 'process', command: 'bun', args: [] },
    });
    expect(one(stdio({ tier: 'hot' })).backends[0]).toMatchObject({ min: 1, max: 1 });
    expect(one(stdio({ isolation: 'per-session' })).backends[0]).toMatchObject({
      min: 0,
      max: 16,
      spares: 1,
    });
    expect(one(stdio({ isolation: 'per-principal' })).backends[0]).toMatchObject({
      isolation: 'per-principal',
      min: 0,
      max: 16,
      spares: 1,
    });
    expect(one({ kind: 'module', module: './tools.ts' }).backends[0]).toMatchObject({
      memoryMb: 16,
      source: { kind: 'thread', module: './tools.ts' },
    });
  });

  it('names the bad option, what it must be and what it got', () => {
    expect(() => one(stdio({ replicas: { min: -1 } }))).toThrow(
      new RangeError('backends.foo.replicas.min must be an integer ≥ 0, got -1'),
    );
    expect(() => one(stdio({ replicas: { min: 1.5 } }))).toThrow(RangeError);
    expect(() => one(stdio({ replicas: { min: 3, max: 2 } }))).toThrow(
      'backends.foo.replicas.max (2) must be ≥ backends.foo.replicas.min (3)',
    );
    expect(() => one(stdio({ tier: 'hot', replicas: { min: 0 } }))).toThrow(
      'backends.foo.replicas.min must be ≥ 1 for a hot shared backend, got 0',
    );
    expect(() => one(stdio({ tier: 'lukewarm' }))).toThrow(
      new TypeError(`backends.foo.tier must be one of 'hot', 'warm', 'cold', 'auto', got "lukewarm"`),
    );
    expect(() => one(stdio({ isolation: 'solo' }))).toThrow(
      new TypeError(
        "backends.foo.isolation must be one of 'shared', 'per-principal', 'per-session', got \"solo\"",
      ),
    );
    expect(() => one(stdio({ command: '' }))).toThrow(
      'backends.foo.command must be a non-empty string, got ""',
    );
    expect(() => one(stdio({ args: [1] }))).toThrow('backends.foo.args must be an array of strings');
    expect(() => one(stdio({ ready: 'yes' }))).toThrow(
      new TypeError('backends.foo.ready must be a function'),
    );
    expect(() => one(stdio({ memoryMb: -5 }))).toThrow('backends.foo.memoryMb must be ≥ 0, got -5');
    expect(() => one(stdio({ retry: { jitter: 2 } }))).toThrow(
      'backends.foo.retry.jitter must be between 0 and 1, got 2',
    );
    expect(() => one(stdio({ isolation: 'per-session', spares: 4, replicas: { max: 2 } }))).toThrow(
      'backends.foo.spares (4) must be ≤ replicas.max (2)',
    );
    expect(() => one(stdio({ spares: 1 }))).toThrow(/spares is for per-session and per-principal backends/);
    expect(() => one({ command: 'x' })).toThrow(/backends\.foo\.kind must be one of/);
    expect(() => one('stdio')).toThrow('backends.foo must be an object, got "stdio"');
    expect(resolveOptions({ backends: {} }).backends).toEqual([]);
    expect(() => resolveOptions({ backends: { a: stdio() }, auto: { warmProbability: 1.5 } })).toThrow(
      'auto.warmProbability must be between 0 and 1, got 1.5',
    );
  });

  it('refuses what the budget could never hold', () => {
    expect(() =>
      resolveOptions({
        backends: { a: stdio({ tier: 'hot', replicas: { min: 3, max: 3 } }) },
        budget: { maxWorkers: 2 },
      }),
    ).toThrow('budget.maxWorkers (2) is below what hot backends keep (3)');
    expect(() =>
      resolveOptions({ backends: { a: stdio({ tier: 'hot' }) }, budget: { maxMemoryMb: 10 } }),
    ).toThrow('budget.maxMemoryMb (10) is below what hot backends keep (64 MB)');
  });

  it('measures memory every 5 s unless told otherwise; 0 turns measuring off', () => {
    expect(resolveOptions({ backends: {} }).budget).toEqual({
      maxWorkers: Number.POSITIVE_INFINITY,
      maxMemoryMb: Number.POSITIVE_INFINITY,
      sampleIntervalMs: 5000,
    });
    expect(resolveOptions({ backends: {}, budget: { sampleIntervalMs: 0 } }).budget.sampleIntervalMs).toBe(0);
    expect(() => resolveOptions({ backends: {}, budget: { sampleIntervalMs: -1 } })).toThrow(
      'budget.sampleIntervalMs must be ≥ 0, got -1',
    );
  });

  it('refuses remote backends with a typed error: not supported by this package yet', () => {
    let error: unknown;
    try {
      one({ kind: 'remote', url: 'https://mcp.example.com/mcp' });
    } catch (e) {
      error = e;
    }
    expect(isRemoteBackendNotSupportedError(error)).toBe(true);
    expect(error).toMatchObject({ backend: 'foo', url: 'https://mcp.example.com/mcp' });
    expect(() => one({ kind: 'remote' })).toThrow(
      'backends.foo.url must be a non-empty string, got undefined',
    );
  });
});

/**
 * The budget counts what workers really hold: real processes holding a known amount of memory
 * (`fixtures/hold-memory.ts`), measured (VmRSS) as they become ready and on the sampling timer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BudgetExceededError, isBudgetExceededError, type StdioBackendSpec } from '../src/index.ts';
import { initialize, managerMaker, rejectionOf, until } from './helpers.ts';

const make = managerMaker();

const holdMemory = fileURLToPath(new URL('./fixtures/hold-memory.ts', import.meta.url));

/** A warm stdio backend running the hold-memory fixture (estimate: the default 64 MB). */
function holder(spec: Partial<StdioBackendSpec> = {}): StdioBackendSpec {
  return {
    kind: 'stdio',
    command: process.execPath,
    args: [holdMemory],
    ready: initialize,
    tier: 'warm',
    stopGraceMs: 500,
    killGraceMs: 500,
    ...spec,
  };
}

/** VmRSS of `pid`, MiB, read here independently of the manager. */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

describe('the budget counts measured memory', () => {
  it('refuses a second worker that fits on the estimates but not on what the first really holds; evicts it for room; a new start counts its backend’s last measure', async () => {
    const m = make({
      budget: { maxMemoryMb: 150, sampleIntervalMs: 50 },
      backends: { a: holder(), b: holder() },
    });
    const a = await m.manager.acquire('a');
    // Measured as it became ready: a bare process, well under the 64 MB estimate.
    const atReady = m.manager.stats().backends.a!;
    expect(atReady).toMatchObject({ measuredWorkers: 1, workers: { total: 1 } });
    expect(atReady.memoryMb).toBeGreaterThan(0);
    expect(atReady.memoryMb).toBeLessThan(100);

    // It grows by 100 MB: the sampling timer sees it.
    expect(await a.request('hold', { mb: 100 })).toEqual({ heldMb: 100 });
    await until(() => m.manager.stats().backends.a!.memoryMb >= 100, 'the growth to be measured');
    const measured = m.manager.stats().backends.a!.memoryMb;
    // The same figure as VmRSS read here (the process may have moved a little since the sample).
    const rss = rssMb(a.pid!);
    expect(measured).toBeGreaterThan(rss * 0.8);
    expect(measured).toBeLessThan(rss * 1.2);
    expect(m.manager.stats()).toMatchObject({
      workers: 1,
      memoryMb: measured,
      budget: { maxMemoryMb: 150, sampleIntervalMs: 50 },
    });

    // On the estimates (64 + 64 ≤ 150) b would start; measured (≥ 100 + 64) it does not, and `a`
    // is leased, so nothing may be evicted for it.
    const e = (await rejectionOf(m.manager.acquire('b'))) as BudgetExceededError;
    expect(isBudgetExceededError(e)).toBe(true);
    expect(e.figures).toMatchObject({ workers: 1, maxMemoryMb: 150, neededMemoryMb: 64 });
    expect(e.figures.memoryMb).toBeGreaterThanOrEqual(100);
    expect(m.of('worker-starting').map((s) => s.backend)).toEqual(['a']);

    // `a` idle: it is evicted to make room for b.
    a.release();
    const b = await m.manager.acquire('b');
    expect(m.of('eviction')).toMatchObject([{ backend: 'a', forBackend: 'b' }]);
    // The reason gives the measured use (sampled again meanwhile, so give or take a MiB).
    const used = Number(/, (\d+)\/150 MB\)/.exec(m.of('eviction')[0]!.reason)![1]);
    expect(used).toBeGreaterThanOrEqual(100);
    expect(m.of('worker-stopped')).toMatchObject([{ backend: 'a', reason: 'evicted' }]);
    const bMb = m.manager.stats().backends.b!.memoryMb;
    expect(bMb).toBeLessThan(100);

    // `a` has no worker now, but its next start counts what its last one held, not the estimate:
    // its estimate beside b would fit (64 + bMb ≤ 150), its measure does not.
    expect(64 + bMb).toBeLessThanOrEqual(150);
    const aStats = m.manager.stats().backends.a!;
    expect(aStats).toMatchObject({ workers: { total: 0 }, memoryMb: 0, measuredWorkers: 0 });
    expect(aStats.workerMemoryMb).toBeGreaterThanOrEqual(100);
    const again = (await rejectionOf(m.manager.acquire('a'))) as BudgetExceededError;
    expect(isBudgetExceededError(again)).toBe(true);
    expect(again.figures.neededMemoryMb).toBe(aStats.workerMemoryMb);
    expect(again.figures.memoryMb).toBeLessThan(100);
    b.release();
  });

  it('counts the estimates when memory is not measured (sampleIntervalMs 0): both start', async () => {
    const m = make({
      budget: { maxMemoryMb: 150, sampleIntervalMs: 0 },
      backends: { a: holder({ args: [holdMemory, '--hold-mb', '100'] }), b: holder() },
    });
    const a = await m.manager.acquire('a');
    const b = await m.manager.acquire('b');
    expect(rssMb(a.pid!)).toBeGreaterThan(100); // it does hold the memory
    expect(m.manager.stats()).toMatchObject({
      workers: 2,
      memoryMb: 128,
      backends: { a: { memoryMb: 64, measuredWorkers: 0 }, b: { memoryMb: 64, measuredWorkers: 0 } },
    });
    expect(m.of('eviction')).toEqual([]);
    a.release();
    b.release();
  });

  it('keeps a thread worker at its estimate: it shares the gateway’s process', async () => {
    const m = make({
      budget: { sampleIntervalMs: 20 },
      backends: {
        tools: {
          kind: 'module',
          module: new URL('./fixtures/tools.ts', import.meta.url),
          ready: (w) => w.request('init'),
        },
        p: holder(),
      },
    });
    const t = await m.manager.acquire('tools');
    const p = await m.manager.acquire('p');
    await p.request('hold', { mb: 50 });
    // The process's growth shows the sampler has run since; the thread still counts 16.
    await until(() => m.manager.stats().backends.p!.memoryMb >= 50, 'the process to be measured');
    expect(m.manager.stats().backends.tools).toMatchObject({
      memoryMb: 16,
      workerMemoryMb: 16,
      measuredWorkers: 0,
      workers: { total: 1 },
    });
    t.release();
    p.release();
  });
});

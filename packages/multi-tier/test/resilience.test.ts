/**
 * Resilience with real worker processes (the flaky fixture server): a worker of a shared backend
 * whose calls fail is ejected from the choice while another serves, and comes back after its
 * ejection time; a backend whose calls all fail opens its circuit breaker (acquires fail fast),
 * and after the cooldown a probe closes it once the backend recovers. Time is a fake clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '@switchyard/flow-balancer';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendCircuitOpenError,
  isBackendCircuitOpenError,
  type Lease,
  type StdioBackendSpec,
} from '../src/index.ts';
import { initialize, managerMaker, rejectionOf } from './helpers.ts';

const make = managerMaker();
const flakyServer = fileURLToPath(new URL('../../../tooling/fixtures/mcp/flaky-server.ts', import.meta.url));

function flaky(args: string[], spec: Partial<StdioBackendSpec> = {}): StdioBackendSpec {
  return {
    kind: 'stdio',
    command: process.execPath,
    args: [flakyServer, ...args],
    ready: initialize,
    stopGraceMs: 500,
    killGraceMs: 500,
    ...spec,
  };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-resilience-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One `pid` call on the lease's worker, reported as the gateway does: an error answer is a failure. */
async function call(lease: Lease): Promise<{ pid: number; ok: boolean }> {
  try {
    const r = (await lease.request('tools/call', { name: 'pid', arguments: {} })) as {
      content: { text: string }[];
    };
    lease.report('success');
    return { pid: Number(r.content[0]!.text), ok: true };
  } catch {
    lease.report('failure');
    return { pid: lease.pid!, ok: false };
  }
}

/** Two leases held at once (so both workers are chosen while both are in), one call each. */
async function round(acquire: () => Promise<Lease>): Promise<{ pid: number; ok: boolean }[]> {
  const leases = [await acquire(), await acquire()];
  const results = await Promise.all(leases.map(call));
  for (const l of leases) l.release();
  return results;
}

describe('outlier ejection of a shared backend’s workers', () => {
  it('after consecutiveFailures failures calls go only to the healthy worker; the ejected one returns after ejectionMs', async () => {
    const clock = new FakeClock();
    const claim = join(tempDir(), 'claim');
    const m = make({
      clock,
      backends: {
        two: flaky(['--fail', 'all', '--fail-claim', claim], {
          tier: 'hot',
          replicas: { min: 2, max: 2 },
          outlier: { consecutiveFailures: 3, ejectionMs: 1000 },
          breaker: false,
        }),
      },
    });
    await m.manager.start();
    const acquire = () => m.manager.acquire('two');

    // Both workers serve while both are in: one always fails.
    const early = [];
    for (let i = 0; i < 3; i++) early.push(...(await round(acquire)));
    const bad = early.find((r) => !r.ok)!.pid;
    const good = early.find((r) => r.ok)!.pid;
    expect(bad).not.toBe(good);
    expect(early.filter((r) => r.pid === bad).every((r) => !r.ok)).toBe(true);
    const ejected = m.of('worker-ejected');
    expect(ejected).toHaveLength(1);
    expect(ejected[0]).toMatchObject({ backend: 'two', until: 1000, ejections: 1 });
    expect(m.manager.stats().backends.two!).toMatchObject({
      ejectedWorkers: 1,
      ejections: 1,
      callFailures: 3,
    });

    // Ejected: every call goes to the healthy worker, two at a time included.
    const during = [];
    for (let i = 0; i < 3; i++) during.push(...(await round(acquire)));
    expect(during.map((r) => r.pid)).toEqual(Array(6).fill(good));
    expect(during.every((r) => r.ok)).toBe(true);

    // Its ejection time is up: it is chosen again (and fails again).
    clock.advance(1000);
    expect(m.manager.stats().backends.two!.ejectedWorkers).toBe(0);
    const after = await round(acquire);
    expect(after.map((r) => r.pid).sort()).toEqual([bad, good].sort());
  });

  it('never ejects the last worker: with every worker failing, at most maxEjectionPercent are out and acquires are served', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: {
        broken: flaky(['--fail', 'all'], {
          tier: 'hot',
          replicas: { min: 2, max: 2 },
          outlier: { consecutiveFailures: 2, ejectionMs: 1000, maxEjectionPercent: 50 },
          breaker: false,
        }),
      },
    });
    await m.manager.start();
    for (let i = 0; i < 4; i++) await round(() => m.manager.acquire('broken'));
    expect(m.of('worker-ejected')).toHaveLength(1);
    expect(m.manager.stats().backends.broken!.ejectedWorkers).toBe(1);
    // A session bound to the ejected worker moves; with no other worker the ejected one still serves.
    const lease = await m.manager.acquire('broken', { session: 's1' });
    expect(lease.alive).toBe(true);
    lease.release();
  });

  it('a result the tool marks isError is not a failure: the worker stays in', async () => {
    const m = make({
      backends: {
        two: flaky([], { tier: 'hot', replicas: { min: 2, max: 2 }, outlier: { consecutiveFailures: 2 } }),
      },
    });
    await m.manager.start();
    for (let i = 0; i < 4; i++) {
      const lease = await m.manager.acquire('two');
      const r = (await lease.request('tools/call', { name: 'oops', arguments: {} })) as { isError?: boolean };
      expect(r.isError).toBe(true);
      lease.report('success'); // what the gateway reports for a result: it is the tool's own answer
      lease.release();
    }
    expect(m.of('worker-ejected')).toHaveLength(0);
    expect(m.manager.stats().backends.two!).toMatchObject({ ejectedWorkers: 0, callFailures: 0 });
  });
});

describe('the circuit breaker of a backend', () => {
  it('opens when calls fail at a high rate, fails fast, lets a probe through after the cooldown, and closes when the backend recovers', async () => {
    const clock = new FakeClock();
    const healed = join(tempDir(), 'healed');
    const m = make({
      clock,
      backends: {
        down: flaky(['--fail', 'all', '--heal-marker', healed], {
          tier: 'hot',
          breaker: { failureRate: 0.5, minimumCalls: 4, windowMs: 10_000, cooldownMs: 5000 },
        }),
      },
    });
    await m.manager.start();
    expect(m.manager.stats().backends.down!.breaker).toBe('closed');
    for (let i = 0; i < 4; i++) {
      const lease = await m.manager.acquire('down');
      expect((await call(lease)).ok).toBe(false);
      lease.release();
    }
    expect(m.manager.stats().backends.down!).toMatchObject({
      breaker: 'open',
      breakerRetryAt: 5000,
      breakerOpens: 1,
    });
    expect(m.of('breaker-state').map((e) => e.state)).toEqual(['open']);

    // Open: acquires fail fast, with the time left.
    clock.advance(2000);
    expect(m.manager.stats().backends.down!.breakerRetryInMs).toBe(3000);
    const e = (await rejectionOf(m.manager.acquire('down'))) as BackendCircuitOpenError;
    expect(isBackendCircuitOpenError(e)).toBe(true);
    expect(e).toMatchObject({ backend: 'down', state: 'open', retryAfterMs: 3000, retryAt: 5000 });
    expect(e.message).toContain('backend "down": circuit open, retry after 3 s');

    // Half-open: one probe; it fails, so the breaker opens again, for twice the cooldown.
    clock.advance(3000);
    expect(m.manager.stats().backends.down!.breaker).toBe('half-open');
    const probe = await m.manager.acquire('down');
    const busy = (await rejectionOf(m.manager.acquire('down'))) as BackendCircuitOpenError;
    expect(busy).toMatchObject({ state: 'half-open', retryAfterMs: 1000 });
    expect((await call(probe)).ok).toBe(false);
    probe.release();
    expect(m.manager.stats().backends.down!).toMatchObject({ breaker: 'open', breakerRetryAt: 15_000 });

    // The backend recovers; after the cooldown the probe succeeds and closes the breaker.
    writeFileSync(healed, 'ok\n');
    clock.advance(10_000);
    const second = await m.manager.acquire('down');
    expect((await call(second)).ok).toBe(true);
    second.release();
    expect(m.manager.stats().backends.down!.breaker).toBe('closed');
    const lease = await m.manager.acquire('down');
    expect((await call(lease)).ok).toBe(true);
    lease.release();
    expect(m.of('breaker-state').map((e) => e.state)).toEqual([
      'open',
      'half-open',
      'open',
      'half-open',
      'closed',
    ]);
  });

  it('a probe released without an outcome frees the probe slot', async () => {
    const clock = new FakeClock();
    const m = make({
      clock,
      backends: {
        down: flaky(['--fail', 'all'], {
          tier: 'hot',
          breaker: { minimumCalls: 2, cooldownMs: 1000 },
        }),
      },
    });
    await m.manager.start();
    for (let i = 0; i < 2; i++) {
      const lease = await m.manager.acquire('down');
      await call(lease);
      lease.release();
    }
    clock.advance(1000);
    const probe = await m.manager.acquire('down');
    probe.release(); // no call made
    const next = await m.manager.acquire('down'); // the next acquire is the probe
    next.release();
    expect(m.manager.stats().backends.down!.breaker).toBe('half-open');
  });
});

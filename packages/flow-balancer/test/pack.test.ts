/**
 * The package installs from its npm tarball into a fresh project and runs there under Node (it
 * promises to run on Node ≥ 20, not only Bun): a limiter, a rate limiter, a bulkhead and pickers,
 * imported by name from the installed dist/.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallAndRun, rootLicense, tarballProblems } from '../../../tooling/testing/pack.ts';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

const script = `
import {
  Bulkhead, FakeClock, FixedLimiter, KeyedRateLimiter, P2CPicker, RendezvousPicker,
  isQueueFullError, mulberry32,
} from '@switchyard/flow-balancer';

const clock = new FakeClock();
const limiter = new FixedLimiter({ limit: 2 });
const a = limiter.tryAcquire();
const b = limiter.tryAcquire();
const third = limiter.tryAcquire();
a.release({ latencyMs: 3, outcome: 'success' });

const rate = new KeyedRateLimiter({ ratePerSecond: 10, burst: 1, clock });
const takes = [rate.tryTake('alice'), rate.tryTake('alice'), rate.tryTake('bob')];

const bulkhead = new Bulkhead({ limiter: new FixedLimiter({ limit: 1 }), queueCapacity: 1, clock });
const held = await bulkhead.acquire();
const waiting = bulkhead.acquire();
const full = await bulkhead.acquire().catch((e) => isQueueFullError(e));
held.release({ latencyMs: 1, outcome: 'success' });
await waiting;

const workers = [
  { id: 'w0', outstanding: 4 },
  { id: 'w1', outstanding: 0 },
  { id: 'w2', outstanding: 9 },
];
const p2c = new P2CPicker({ random: mulberry32(1) }).pick(workers.slice(0, 2)).id;
const rendezvous = new RendezvousPicker();
const sticky = new Set(Array.from({ length: 5 }, () => rendezvous.pick(workers, 'session-42').id)).size;

console.log(JSON.stringify({
  inFlight: limiter.inFlight, third: third === undefined, takes, full, bulkheadInFlight: bulkhead.inFlight, p2c, sticky,
  node: process.release.name,
}));
`;

describe('pack', () => {
  it('installs from the tarball and runs under Node from dist/', { timeout: 120_000 }, () => {
    const { stdout, files, license } = packInstallAndRun(pkgDir, script, 'node');
    expect(tarballProblems(files)).toEqual([]);
    expect(license).toBe(rootLicense);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out).toEqual({
      inFlight: 1,
      third: true,
      takes: [{ ok: true }, { ok: false, retryAfterMs: 100 }, { ok: true }],
      full: true,
      bulkheadInFlight: 1,
      p2c: 'w1',
      sticky: 1,
      node: 'node',
    });
  });
});

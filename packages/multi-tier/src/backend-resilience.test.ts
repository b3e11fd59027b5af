import { FakeClock } from '@switchyard/flow-balancer';
import { describe, expect, it } from 'vitest';
import { BackendResilience } from './backend-resilience.ts';
import { isBackendCircuitOpenError } from './errors.ts';
import { EventHub, type MultiTierEvent } from './events.ts';
import type { Lease } from './lease.ts';
import { type BackendSpec, resolveOptions } from './spec.ts';

/** A resolved spec (nothing is started: the resilience only reads its settings). */
const backend = (extra: Record<string, unknown>) =>
  resolveOptions({ backends: { fx: { kind: 'stdio', command: 'bun', ...extra } as BackendSpec } })
    .backends[0]!;

/** Leases only as identities: the probe is told apart from other calls by its lease. */
const lease = () => ({}) as Lease;

function setup(extra: Record<string, unknown>) {
  const clock = new FakeClock(1000);
  const events = new EventHub();
  const seen: MultiTierEvent[] = [];
  events.on('*', (e) => seen.push(e));
  return { clock, seen, resilience: new BackendResilience(backend(extra), { clock, events }) };
}

describe('BackendResilience', () => {
  it('ejects a worker after consecutiveFailures, until ejectionMs has passed; a gone worker is forgotten', () => {
    const { clock, seen, resilience } = setup({
      replicas: { max: 2 },
      outlier: { consecutiveFailures: 2, ejectionMs: 500 },
      breaker: false,
    });
    resilience.workerReady(1);
    resilience.workerReady(2);
    expect(resilience.ejecting).toBe(false);
    resilience.report(1, lease(), 'failure');
    resilience.report(1, lease(), 'dropped'); // not counted
    expect(resilience.isEjected(1, clock.now())).toBe(false);
    resilience.report(1, lease(), 'failure');
    expect(resilience.isEjected(1, clock.now())).toBe(true);
    expect(resilience.isEjected(2, clock.now())).toBe(false);
    expect(seen).toContainEqual({
      type: 'worker-ejected',
      backend: 'fx',
      workerId: 1,
      until: 1500,
      ejections: 1,
    });
    expect(resilience.stats()).toMatchObject({
      breaker: 'off',
      ejectedWorkers: 1,
      ejections: 1,
      callFailures: 2,
    });
    clock.advance(500);
    expect(resilience.isEjected(1, clock.now())).toBe(false);
    expect(resilience.stats().ejectedWorkers).toBe(0);
    // A late outcome of a gone worker counts for the backend only.
    resilience.report(undefined, lease(), 'failure');
    expect(resilience.stats().callFailures).toBe(3);
    resilience.workerGone(1);
    expect(resilience.ejecting).toBe(false);
  });

  it('no outlier ejection for a backend of one worker, or per-session', () => {
    for (const extra of [{ replicas: { max: 1 } }, { isolation: 'per-session' }]) {
      const { clock, resilience } = setup({ ...extra, outlier: { consecutiveFailures: 1 } });
      resilience.workerReady(1);
      resilience.report(1, lease(), 'failure');
      expect(resilience.isEjected(1, clock.now())).toBe(false);
      expect(resilience.stats().ejections).toBe(0);
    }
  });

  it('the breaker opens at its failure rate, refuses with BackendCircuitOpenError, then lets one probe through', async () => {
    const { clock, seen, resilience } = setup({
      breaker: { failureRate: 0.5, minimumCalls: 4, windowMs: 10_000, cooldownMs: 2000 },
    });
    expect(resilience.admit(clock.now())).toBeUndefined();
    for (const outcome of ['success', 'failure', 'success', 'failure'] as const) {
      resilience.report(undefined, lease(), outcome);
    }
    expect(resilience.stats()).toMatchObject({ breaker: 'open', breakerOpens: 1, breakerRetryInMs: 2000 });
    let refusal: unknown;
    try {
      resilience.admit(clock.now());
    } catch (e) {
      refusal = e;
    }
    expect(isBackendCircuitOpenError(refusal)).toBe(true);
    expect(refusal).toMatchObject({ backend: 'fx', state: 'open', retryAfterMs: 2000, retryAt: 3000 });

    clock.advance(2000);
    const probe = resilience.admit(clock.now());
    expect(probe).toBeDefined();
    expect(() => resilience.admit(clock.now())).toThrow(/a probe call is in flight/);
    const probeLease = lease();
    await expect(resilience.probing(probe!, Promise.resolve(probeLease))).resolves.toBe(probeLease);
    // Released without an outcome: the next acquire is the probe.
    resilience.released(probeLease);
    const again = resilience.admit(clock.now());
    expect(again).toBeDefined();
    // A probe acquire that gets no lease frees the slot too.
    await expect(resilience.probing(again!, Promise.reject(new Error('no worker')))).rejects.toThrow(
      'no worker',
    );
    const third = resilience.admit(clock.now())!;
    const thirdLease = lease();
    await resilience.probing(third, Promise.resolve(thirdLease));
    resilience.report(undefined, thirdLease, 'success');
    expect(resilience.stats().breaker).toBe('closed');
    expect(seen.filter((e) => e.type === 'breaker-state').map((e) => (e as { state: string }).state)).toEqual(
      ['open', 'half-open', 'closed'],
    );
  });
});

/**
 * `/readyz`: ready when every hot backend has a ready worker and none has failed; otherwise the
 * reasons, one per backend. Warm and cold backends start on demand, so they do not hold
 * readiness back (a failed one is listed with its reason); a failed hot backend does. A
 * per-session backend with every worker bound (a per-principal one: bound and in use — an idle one
 * makes room for a new principal) is listed as `saturated` (readiness
 * stays: the node still serves its sessions and other backends). A backend whose circuit breaker is
 * open (its calls failed at a high rate) or half-open is listed with `breaker` and a reason;
 * readiness stays too (the breaker fails its calls fast and probes it by itself).
 */
import type { Gateway } from './gateway.ts';

export interface Readiness {
  ready: boolean;
  backends: {
    name: string;
    tier: string;
    ready: number;
    state: string;
    reason?: string;
    /** A per-session / per-principal backend whose workers are all bound: new sessions are refused. */
    saturated?: true;
    /** The circuit breaker, when not closed: its calls fail fast (`open`) or one probe goes (`half-open`). */
    breaker?: 'open' | 'half-open';
    /** Workers of a shared backend left out of the choice for failing their calls. */
    ejectedWorkers?: number;
  }[];
}

export function readiness(gateway: Gateway): Readiness {
  const stats = gateway.manager.stats();
  let ready = stats.state === 'ready';
  const backends: Readiness['backends'] = [];
  for (const status of gateway.backends) {
    const s = stats.backends[status.name];
    if (!s) {
      backends.push({
        name: status.name,
        tier: 'none',
        ready: 0,
        state: 'not served',
        reason: 'not known to the tier manager',
      });
      continue;
    }
    const entry: Readiness['backends'][number] = {
      name: status.name,
      tier: s.effectiveTier,
      ready: s.workers.ready,
      state: s.state,
    };
    if (s.state === 'failed') entry.reason = s.failure?.reason ?? 'failed';
    else if (s.breaker === 'open' || s.breaker === 'half-open') {
      entry.breaker = s.breaker;
      const inS = Math.max(1, Math.ceil((s.breakerRetryInMs ?? 0) / 1000));
      entry.reason =
        s.breaker === 'open'
          ? `circuit open: its calls failed at a high rate; a probe call in ${inS} s`
          : 'circuit half-open: a probe call decides';
    } else if (s.saturated) {
      entry.saturated = true;
      entry.reason =
        s.isolation === 'per-principal'
          ? `all ${s.maxWorkers} workers bound to principals and in use (replicas.max); a new principal is refused until one is free`
          : `all ${s.maxWorkers} workers bound to sessions (replicas.max); a new one is refused until one ends`;
    } else if (s.effectiveTier === 'hot' && s.workers.ready === 0) entry.reason = 'no ready worker yet';
    if (s.ejectedWorkers > 0) entry.ejectedWorkers = s.ejectedWorkers;
    if (s.effectiveTier === 'hot' && (s.state === 'failed' || s.workers.ready === 0)) ready = false;
    backends.push(entry);
  }
  return { ready, backends };
}

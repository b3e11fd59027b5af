/**
 * One backend's resilience, fed by `Lease.report`: per-worker outlier ejection (shared backends
 * of more than one worker: a worker failing `consecutiveFailures` calls in a row is left out of
 * the choice for a while) and the backend's circuit breaker (its calls failing at a high rate:
 * acquires fail fast with `BackendCircuitOpenError` for a cooldown, then one probe goes through).
 * Both are flow-balancer's (`OutlierDetector`, `CircuitBreaker` on a `FailureRate`).
 *
 * The controller asks it whether an acquire may go ahead (`admit`) and whether a worker is ejected
 * (`isEjected`); it tells it which workers serve (`workerReady` / `workerGone`), how calls ended
 * (`report`) and what became of the half-open probe's acquire (`probing`, `released`).
 */
import {
  type BreakerState,
  CircuitBreaker,
  type Clock,
  ConsecutiveFailures,
  FailureRate,
  OutlierDetector,
  type Permit,
  type ReleaseResult,
} from '@switchyard/flow-balancer';
import { BackendCircuitOpenError } from './errors.ts';
import type { EventHub } from './events.ts';
import type { CallOutcome, Lease } from './lease.ts';
import type { ResolvedBackend } from './spec.ts';
import type { ResilienceStats } from './stats.ts';

export interface ResilienceDeps {
  clock: Clock;
  events: EventHub;
}

/** Outcomes as the breaker takes them (frozen: no allocation per report). */
const SUCCESS: ReleaseResult = Object.freeze({ latencyMs: 0, outcome: 'success' });
const FAILURE: ReleaseResult = Object.freeze({ latencyMs: 0, outcome: 'failure' });
const DROPPED: ReleaseResult = Object.freeze({ latencyMs: 0, outcome: 'dropped' });
/** While half-open with its probe in flight, callers are told to come back after this. */
const PROBE_BUSY_RETRY_MS = 1000;

export class BackendResilience {
  readonly #name: string;
  readonly #deps: ResilienceDeps;
  /** Shared backends of more than one worker: per-worker outlier ejection (undefined when off). */
  readonly #outlier: OutlierDetector | undefined;
  /** The backend's circuit breaker (undefined when off). */
  readonly #breaker: CircuitBreaker | undefined;
  /**
   * Workers ejected at some time, by id: left out of the choice until this time (the manager's
   * clock). An entry stays once the time has passed (cheaper than a timer) and goes with its worker.
   */
  readonly #ejectedUntil = new Map<number, number>();
  /** Half-open: the permit of the one probe let through, and its lease once it has one. */
  #probe: Permit | undefined;
  #probeLease: Lease | undefined;
  #ejections = 0;
  #breakerOpens = 0;
  #callFailures = 0;

  constructor(spec: ResolvedBackend, deps: ResilienceDeps) {
    this.#name = spec.name;
    this.#deps = deps;
    const o = spec.outlier;
    if (o !== false && spec.isolation === 'shared' && spec.max > 1) {
      this.#outlier = new OutlierDetector({
        strategy: () => new ConsecutiveFailures(o.consecutiveFailures),
        baseEjectionMs: o.ejectionMs,
        maxEjectionMs: o.maxEjectionMs,
        maxEjectionPercent: o.maxEjectionPercent,
        clock: deps.clock,
        onEject: (key, until, ejections) => this.#onEject(Number(key), until, ejections),
      });
    }
    const b = spec.breaker;
    if (b !== false) {
      this.#breaker = new CircuitBreaker({
        strategy: new FailureRate({
          threshold: b.failureRate,
          minimumRequests: b.minimumCalls,
          windowMs: b.windowMs,
        }),
        openMs: b.cooldownMs,
        maxOpenMs: b.maxCooldownMs,
        clock: deps.clock,
        onStateChange: (state) => this.#onBreakerState(state),
      });
    }
  }

  // ── the breaker: admission ────────────────────────────────────────────────────────────────

  /**
   * Before an acquire, at `now`: throws `BackendCircuitOpenError` while the breaker is open (or
   * half-open with its probe out). Returns the probe's permit when this acquire is the half-open
   * probe (pass it and the lease's promise to `probing`), undefined when the breaker is closed.
   */
  admit(now: number): Permit | undefined {
    const breaker = this.#breaker;
    if (breaker === undefined || breaker.state.kind === 'closed') return undefined;
    // Open: fail fast. Half-open: one acquire is the probe; the others fail fast meanwhile.
    const state = breaker.state;
    const probe = state.kind === 'half-open' && this.#probe === undefined ? breaker.tryAcquire() : undefined;
    if (probe === undefined) {
      const retryAfterMs =
        state.kind === 'open' ? Math.max(1, Math.ceil(state.until - now)) : PROBE_BUSY_RETRY_MS;
      throw new BackendCircuitOpenError(
        this.#name,
        state.kind === 'open' ? 'open' : 'half-open',
        retryAfterMs,
        now + retryAfterMs,
      );
    }
    this.#probe = probe;
    this.#probeLease = undefined;
    return probe;
  }

  /** The probe's acquire: its lease is the probe's; without a lease, the next acquire probes. */
  probing(permit: Permit, leased: Promise<Lease>): Promise<Lease> {
    return leased.then(
      (lease) => {
        if (this.#probe === permit) this.#probeLease = lease;
        return lease;
      },
      (e: unknown) => {
        this.#dropProbe(permit);
        throw e;
      },
    );
  }

  /** A lease was released: if it was the probe's and nothing was reported, the next acquire probes. */
  released(lease: Lease): void {
    if (lease === this.#probeLease) this.#dropProbe();
  }

  /** The probe ended without an outcome (no lease, or released unreported): the next acquire probes. */
  #dropProbe(permit: Permit | undefined = this.#probe): void {
    if (permit === undefined || this.#probe !== permit) return;
    this.#probe = undefined;
    this.#probeLease = undefined;
    permit.release(DROPPED);
  }

  // ── outcomes ──────────────────────────────────────────────────────────────────────────────

  /**
   * A call on `lease` ended: feeds the worker's outlier detection and the backend's breaker.
   * `workerId` is undefined when the worker is gone (or going): its late outcomes count for the
   * backend only.
   */
  report(workerId: number | undefined, lease: Lease, outcome: CallOutcome): void {
    if (outcome === 'failure') this.#callFailures++;
    if (this.#outlier !== undefined && workerId !== undefined)
      this.#outlier.record(String(workerId), outcome);
    const breaker = this.#breaker;
    if (breaker === undefined) return;
    const probe = this.#probe;
    if (probe !== undefined) {
      // Half-open: the first outcome decides (a dropped one only when it is the probe's own).
      if (outcome === 'dropped') {
        if (lease === this.#probeLease) this.#dropProbe(probe);
        return;
      }
      this.#probe = undefined;
      this.#probeLease = undefined;
      probe.release(outcome === 'success' ? SUCCESS : FAILURE);
      return;
    }
    if (outcome !== 'dropped') breaker.record(outcome === 'success' ? SUCCESS : FAILURE);
  }

  // ── workers: outlier ejection ─────────────────────────────────────────────────────────────

  /** A worker became ready: it counts toward `maxEjectionPercent`. */
  workerReady(workerId: number): void {
    this.#outlier?.add(String(workerId));
  }

  /** A worker is gone: forgotten. */
  workerGone(workerId: number): void {
    this.#outlier?.remove(String(workerId));
    this.#ejectedUntil.delete(workerId);
  }

  /** Some worker was ejected once (false: no worker is ejected, without reading the clock). */
  get ejecting(): boolean {
    return this.#ejectedUntil.size > 0;
  }

  /** The worker is left out of the choice at `now` (the manager's clock). */
  isEjected(workerId: number, now: number): boolean {
    const until = this.#ejectedUntil.get(workerId);
    return until !== undefined && until > now;
  }

  #onEject(workerId: number, until: number, ejections: number): void {
    // Only a ready worker of this backend is recorded (`report`), so it is one of the controller's.
    this.#ejectedUntil.set(workerId, until);
    this.#ejections++;
    this.#deps.events.emit({ type: 'worker-ejected', backend: this.#name, workerId, until, ejections });
    // Sessions bound to it move to another worker at their next acquire.
  }

  #onBreakerState(state: BreakerState): void {
    if (state.kind === 'open') this.#breakerOpens++;
    // A probe's permit belongs to the state it was granted in.
    if (state.kind !== 'half-open') {
      this.#probe = undefined;
      this.#probeLease = undefined;
    }
    this.#deps.events.emit({
      type: 'breaker-state',
      backend: this.#name,
      state: state.kind,
      ...(state.kind === 'open' && { retryAt: state.until }),
    });
  }

  stats(): ResilienceStats {
    const clock = this.#deps.clock;
    let ejectedWorkers = 0;
    if (this.#outlier !== undefined && this.#ejectedUntil.size > 0) {
      const now = clock.now();
      for (const until of this.#ejectedUntil.values()) if (until > now) ejectedWorkers++;
    }
    const b = this.#breaker?.state;
    return {
      breaker: b === undefined ? 'off' : b.kind,
      ...(b?.kind === 'open' && {
        breakerRetryAt: b.until,
        breakerRetryInMs: Math.max(0, b.until - clock.now()),
      }),
      breakerOpens: this.#breakerOpens,
      ejectedWorkers,
      ejections: this.#ejections,
      callFailures: this.#callFailures,
    };
  }
}

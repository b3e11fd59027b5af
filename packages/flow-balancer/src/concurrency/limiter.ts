/**
 * The contract of every concurrency limiter, and the permit bookkeeping they share. A limiter
 * grants at most `limit` permits at once; each permit is released with the request's latency and
 * outcome, which adaptive limiters learn from.
 *
 * Releasing a permit a second time is a no-op: `inFlight` never goes below the true count and a
 * sample is never learnt twice (a release in a `finally` after an earlier one is harmless).
 */
import { checkOneOf } from '../internal/validate.ts';

/**
 * How the request ended:
 * - `success`: it completed; its latency is a sample of the service's speed.
 * - `failure`: it failed for a reason not tied to load (a bad request, a tool error); adaptive
 *   limiters ignore it.
 * - `dropped`: it was given up because of load (timed out, shed, refused downstream); adaptive
 *   limiters treat it as a sign of overload.
 */
export type Outcome = 'success' | 'failure' | 'dropped';

export interface ReleaseResult {
  /** How long the request held the permit, in milliseconds (finite, ≥ 0). */
  latencyMs: number;
  outcome: Outcome;
}

export interface Permit {
  /** Gives the slot back. A second call is a no-op. */
  release(result: ReleaseResult): void;
}

export interface ConcurrencyLimiter {
  /** Permits that may be held at once right now (adaptive limiters move it). */
  readonly limit: number;
  /** Permits held now. */
  readonly inFlight: number;
  /** A permit, or undefined when `inFlight ≥ limit`. */
  tryAcquire(): Permit | undefined;
}

const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'dropped'];

/** Throws a clear error for a malformed release result. */
export function checkReleaseResult(owner: string, result: ReleaseResult): void {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError(`${owner}.release: expected { latencyMs, outcome }; found ${String(result)}`);
  }
  const { latencyMs, outcome } = result;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new RangeError(
      `${owner}.release: "latencyMs" must be a finite number ≥ 0; found ${String(latencyMs)}`,
    );
  }
  if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'dropped') {
    checkOneOf(`${owner}.release`, 'outcome', outcome, OUTCOMES);
  }
}

/**
 * In-flight accounting and permits for the limiters of this package. `sample` is told each
 * valid release with the in-flight count the permit saw when it was granted.
 */
export abstract class BaseLimiter implements ConcurrencyLimiter {
  #inFlight = 0;
  protected abstract readonly owner: string;
  abstract get limit(): number;

  get inFlight(): number {
    return this.#inFlight;
  }

  tryAcquire(): Permit | undefined {
    if (this.#inFlight >= this.limit) return undefined;
    this.#inFlight++;
    return new LimiterPermit(this, this.#inFlight);
  }

  /** Learns from one release; `inFlightAtAcquire` includes the request itself. */
  protected abstract sample(result: ReleaseResult, inFlightAtAcquire: number, permit: LimiterPermit): void;

  /** @internal called once per permit */
  settle(permit: LimiterPermit, result: ReleaseResult): void {
    this.#inFlight--;
    // The slot is back even if the result is malformed; then the caller hears about it.
    checkReleaseResult(this.owner, result);
    this.sample(result, permit.inFlightAtAcquire, permit);
  }
}

/** A permit whose first release counts; any later one is a no-op. */
export abstract class OncePermit implements Permit {
  #released = false;

  release(result: ReleaseResult): void {
    if (this.#released) return;
    this.#released = true;
    this.settle(result);
  }

  /** Called once, with the first release's result. */
  protected abstract settle(result: ReleaseResult): void;
}

export class LimiterPermit extends OncePermit {
  /** Free for the limiter's own use (e.g. the probe epoch the permit was granted in). */
  tag = 0;

  constructor(
    private readonly limiter: BaseLimiter,
    readonly inFlightAtAcquire: number,
  ) {
    super();
  }

  protected settle(result: ReleaseResult): void {
    this.limiter.settle(this, result);
  }
}

/**
 * Whether a backend can start, and when to try again. A failed start (bad command, exit at start,
 * ready hook failing, not ready in time) or a crash loop (`maxCrashes` deaths of ready workers
 * within `windowMs`) marks the backend `failed` with the reason and the stderr tail; the next try
 * comes after a delay doubling with each failure in a row (`baseDelayMs` … `maxDelayMs`, a share
 * `jitter` of it random). A start that succeeds clears the count. Time is given, not read.
 */
import { Backoff, type RandomSource } from '@switchyard/flow-balancer';
import type { ResolvedRetry } from './spec.ts';

export type HealthState =
  | { state: 'ok' }
  | {
      state: 'failed';
      reason: string;
      stderrTail: readonly string[];
      /** Failures in a row. */
      failures: number;
      since: number;
      /** When the next start may be tried. */
      retryAt: number;
    };

export class BackendHealth {
  readonly #retry: ResolvedRetry;
  /** The retry delay, doubling with each failure in a row. */
  readonly #backoff: Backoff;
  #failures = 0;
  #crashTimes: number[] = [];
  #state: HealthState = { state: 'ok' };

  constructor(retry: ResolvedRetry, random: RandomSource) {
    this.#retry = retry;
    const { baseDelayMs, maxDelayMs, jitter } = retry;
    this.#backoff = new Backoff({ baseDelayMs, maxDelayMs, jitter, random });
  }

  get current(): HealthState {
    return this.#state;
  }

  get failed(): boolean {
    return this.#state.state === 'failed';
  }

  /** A start failed: the backend is failed until the returned delay (ms) has passed. */
  startFailed(now: number, reason: string, stderrTail: readonly string[]): number {
    this.#failures++;
    const delay = this.#backoff.next();
    this.#state = {
      state: 'failed',
      reason,
      stderrTail,
      failures: this.#failures,
      since: now,
      retryAt: now + delay,
    };
    return delay;
  }

  /**
   * A ready worker died. Returns the retry delay when this makes a crash loop (the backend is now
   * failed), or undefined when the worker should simply be replaced.
   */
  crashed(now: number, reason: string, stderrTail: readonly string[]): number | undefined {
    const { maxCrashes, windowMs } = this.#retry;
    this.#crashTimes = this.#crashTimes.filter((t) => t > now - windowMs);
    this.#crashTimes.push(now);
    if (this.#crashTimes.length < maxCrashes) return undefined;
    this.#crashTimes = [];
    return this.startFailed(
      now,
      `crash loop: ${maxCrashes} crashes within ${windowMs} ms (last: ${reason})`,
      stderrTail,
    );
  }

  /** The retry time came: starts may be tried again (a failure doubles the next delay). */
  retry(): void {
    if (this.#state.state === 'failed') this.#state = { state: 'ok' };
  }

  /** A worker became ready. Returns true when this ends a run of failures. */
  started(): boolean {
    const recovered = this.#failures > 0;
    this.#failures = 0;
    this.#backoff.reset();
    this.#state = { state: 'ok' };
    return recovered;
  }
}

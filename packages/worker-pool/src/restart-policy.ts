/**
 * When to replace a crashed worker, and when to give up. Each crash doubles the delay before the
 * next start (from `baseDelayMs` up to `maxDelayMs`), a share `jitter` of it randomised so that
 * pools crashing together do not restart in step; a worker that proves itself (finishes a task or
 * a health check) resets the doubling. `maxCrashes` crashes within `windowMs` is a crash loop: the
 * pool fails.
 */
import { Backoff, type Clock } from '@switchyard/flow-balancer';

export interface RestartPolicyOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: number;
  maxCrashes: number;
  windowMs: number;
}

export type RestartDecision =
  | { kind: 'restart'; delayMs: number; crashes: number }
  | { kind: 'fail'; crashes: number };

export class RestartPolicy {
  readonly #options: RestartPolicyOptions;
  readonly #clock: Clock;
  /** The delay doubling with each crash since the last stable worker. */
  readonly #backoff: Backoff;
  /** Times of the crashes still inside the window, oldest first. */
  #crashes: number[] = [];
  #notBefore = 0;

  constructor(options: RestartPolicyOptions, clock: Clock, random: () => number) {
    this.#options = options;
    this.#clock = clock;
    const { baseDelayMs, maxDelayMs, jitter } = options;
    this.#backoff = new Backoff({ baseDelayMs, maxDelayMs, jitter, random });
  }

  onCrash(): RestartDecision {
    const now = this.#clock.now();
    const { windowMs, maxCrashes } = this.#options;
    this.#crashes.push(now);
    while (this.#crashes.length > 0 && this.#crashes[0]! <= now - windowMs) this.#crashes.shift();
    const crashes = this.#crashes.length;
    if (crashes >= maxCrashes) return { kind: 'fail', crashes };
    const delayMs = this.#backoff.next();
    this.#notBefore = now + delayMs;
    return { kind: 'restart', delayMs, crashes };
  }

  /** A worker proved itself: the next crash starts the doubling again. */
  onStable(): void {
    this.#backoff.reset();
  }

  /** How long until a new worker may start (0: now). */
  waitMs(): number {
    return Math.max(0, this.#notBefore - this.#clock.now());
  }

  /** Forget every crash (after the pool is reset). */
  reset(): void {
    this.#crashes = [];
    this.#backoff.reset();
    this.#notBefore = 0;
  }
}

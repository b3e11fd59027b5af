/** When a breaker (or the outlier detector) should trip: a strategy over successes and failures. */
export interface BreakerStrategy {
  /** A call succeeded at `now` (clock milliseconds). */
  success(now: number): void;
  /** A call failed at `now`; returns true when the breaker should open. */
  failure(now: number): boolean;
  /** Forgets all history (the breaker closed again, or opened). */
  reset(): void;
}

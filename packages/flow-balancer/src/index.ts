/**
 * @switchyard/flow-balancer — admission and choice, as small parts the caller composes.
 * Pure logic: no I/O, no runtime-specific API; time and randomness are injected.
 */

export type { BreakerState, CircuitBreakerOptions } from './breaker/circuit-breaker.ts';
export { CircuitBreaker } from './breaker/circuit-breaker.ts';
export { ConsecutiveFailures } from './breaker/consecutive-failures.ts';
export type { FailureRateOptions } from './breaker/failure-rate.ts';
export { FailureRate } from './breaker/failure-rate.ts';
export type { OutlierDetectorOptions, OutlierState } from './breaker/outlier-detector.ts';
export { OutlierDetector } from './breaker/outlier-detector.ts';
// breakers and outlier ejection
export type { BreakerStrategy } from './breaker/strategy.ts';
export type { AcquireOptions, BulkheadOptions } from './bulkhead.ts';
export { Bulkhead } from './bulkhead.ts';
// cancellation
export { Cancellation, type CancelSignal } from './cancel/cancellation.ts';
// time and randomness
export { type Clock, FakeClock, systemClock } from './clock.ts';
export type { AimdLimiterOptions } from './concurrency/aimd-limiter.ts';
export { AimdLimiter } from './concurrency/aimd-limiter.ts';
export type { FixedLimiterOptions } from './concurrency/fixed-limiter.ts';
export { FixedLimiter } from './concurrency/fixed-limiter.ts';
export type { GradientLimiterOptions, GradientState } from './concurrency/gradient-limiter.ts';
export { GradientLimiter } from './concurrency/gradient-limiter.ts';
export type { LimitRangeOptions } from './concurrency/limit-range.ts';
// concurrency limits
export type { ConcurrencyLimiter, Outcome, Permit, ReleaseResult } from './concurrency/limiter.ts';
// errors
export {
  AbortedError,
  CircuitOpenError,
  DeadlineExceededError,
  FlowBalancerError,
  isAbortedError,
  isCircuitOpenError,
  isDeadlineExceededError,
  isFlowBalancerError,
  isLoadShedError,
  isQueueFullError,
  LoadShedError,
  QueueFullError,
} from './errors.ts';
export type { KeyedBulkheadOptions, KeyedBulkheadStats, KeyStats } from './keyed-bulkhead.ts';
export { KeyedBulkhead } from './keyed-bulkhead.ts';
// worker choice
export type { Candidate, Picker } from './pick/candidate.ts';
export { LeastOutstandingPicker } from './pick/least-outstanding.ts';
export type { P2CPickerOptions } from './pick/p2c.ts';
export { P2CPicker } from './pick/p2c.ts';
export type { PeakEwmaOptions } from './pick/peak-ewma.ts';
export { PeakEwma } from './pick/peak-ewma.ts';
export type { RendezvousPickerOptions } from './pick/rendezvous.ts';
export { RendezvousPicker } from './pick/rendezvous.ts';
export { RoundRobinPicker } from './pick/round-robin.ts';
export type { DeadlineQueueOptions, DropReason, PushOptions, QueueOrder } from './queue/deadline-queue.ts';
export { DeadlineQueue } from './queue/deadline-queue.ts';
// queues and admission
export { RingBuffer } from './queue/ring-buffer.ts';
export { defaultRandom, mulberry32, type RandomSource } from './random.ts';
export type { KeyedRateLimiterOptions } from './rate/keyed-rate-limiter.ts';
export { KeyedRateLimiter } from './rate/keyed-rate-limiter.ts';
export type { TakeResult, TokenBucketOptions } from './rate/token-bucket.ts';
// rate limits
export { TokenBucket } from './rate/token-bucket.ts';
// retries
export { Backoff, type BackoffOptions, backoffDelay } from './retry/backoff.ts';
export type { LoadShedderOptions } from './shed/load-shedder.ts';
export { LoadShedder } from './shed/load-shedder.ts';

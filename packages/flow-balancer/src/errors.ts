/**
 * The errors flow-balancer gives callers. Each class carries a brand, a `Symbol.for(...)` property
 * that is the same in every realm, so `isXxxError(e)` answers correctly for an error made by
 * another copy of this package (two installed versions, a worker thread, a vm context), where
 * `instanceof` would not. Every error also carries the shared `Symbol.for('switchyard.flow-balancer')`
 * brand, tested by `isFlowBalancerError`.
 */

const FAMILY = Symbol.for('switchyard.flow-balancer');
const QUEUE_FULL = Symbol.for('switchyard.flow-balancer.QueueFullError');
const DEADLINE_EXCEEDED = Symbol.for('switchyard.flow-balancer.DeadlineExceededError');
const ABORTED = Symbol.for('switchyard.flow-balancer.AbortedError');
const LOAD_SHED = Symbol.for('switchyard.flow-balancer.LoadShedError');
const CIRCUIT_OPEN = Symbol.for('switchyard.flow-balancer.CircuitOpenError');

function branded(e: unknown, brand: symbol): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** Puts the brand on the prototype: no cost per instance, invisible to the type declarations. */
function brand(ctor: abstract new (...args: never[]) => Error, symbol: symbol): void {
  Object.defineProperty(ctor.prototype, symbol, { value: true });
}

/** The common base: every error this package throws or hands to a callback on purpose. */
export abstract class FlowBalancerError extends Error {}

/** A bounded queue had no room: the caller should refuse the work at once (e.g. HTTP 503). */
export class QueueFullError extends FlowBalancerError {
  override readonly name = 'QueueFullError';
  constructor(readonly capacity: number) {
    super(`queue is full (capacity ${capacity})`);
  }
}

/** Waiting work reached its deadline before it could start. */
export class DeadlineExceededError extends FlowBalancerError {
  override readonly name = 'DeadlineExceededError';
  /**
   * @param deadline the absolute deadline, in the clock's milliseconds
   * @param now the clock's time when the deadline was found passed
   */
  constructor(
    readonly deadline: number,
    readonly now: number,
  ) {
    super(`deadline exceeded (deadline ${deadline}, now ${now})`);
  }
}

/** Waiting work was cancelled by its `AbortSignal`; `cause` is the signal's reason. */
export class AbortedError extends FlowBalancerError {
  override readonly name = 'AbortedError';
  constructor(reason?: unknown) {
    super('aborted', reason === undefined ? undefined : { cause: reason });
  }
}

/** Refused at once because the system is overloaded; try again after `retryAfterMs`. */
export class LoadShedError extends FlowBalancerError {
  override readonly name = 'LoadShedError';
  constructor(
    readonly retryAfterMs: number,
    readonly estimatedDelayMs: number,
  ) {
    super(
      `load shed: estimated queue delay ${Math.round(estimatedDelayMs)} ms; retry after ${retryAfterMs} ms`,
    );
  }
}

/** A circuit breaker is open; it lets calls through again (half-open) after `retryAfterMs`. */
export class CircuitOpenError extends FlowBalancerError {
  override readonly name = 'CircuitOpenError';
  constructor(readonly retryAfterMs: number) {
    super(`circuit open; retry after ${retryAfterMs} ms`);
  }
}

brand(FlowBalancerError, FAMILY);
brand(QueueFullError, QUEUE_FULL);
brand(DeadlineExceededError, DEADLINE_EXCEEDED);
brand(AbortedError, ABORTED);
brand(LoadShedError, LOAD_SHED);
brand(CircuitOpenError, CIRCUIT_OPEN);

export function isFlowBalancerError(e: unknown): e is FlowBalancerError {
  return branded(e, FAMILY);
}
export function isQueueFullError(e: unknown): e is QueueFullError {
  return branded(e, QUEUE_FULL);
}
export function isDeadlineExceededError(e: unknown): e is DeadlineExceededError {
  return branded(e, DEADLINE_EXCEEDED);
}
export function isAbortedError(e: unknown): e is AbortedError {
  return branded(e, ABORTED);
}
export function isLoadShedError(e: unknown): e is LoadShedError {
  return branded(e, LOAD_SHED);
}
export function isCircuitOpenError(e: unknown): e is CircuitOpenError {
  return branded(e, CIRCUIT_OPEN);
}

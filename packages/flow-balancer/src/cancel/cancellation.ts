/**
 * Cancellation for the hot path: a `CancelSignal` is the part of an `AbortSignal` that a queue or a
 * pool reads (`aborted`, `reason`, one `'abort'` listener per waiter), and `Cancellation` is a plain
 * object that gives one. Any `AbortSignal` is a `CancelSignal`, so callers who have one pass it;
 * a caller that makes a signal per request (a gateway forwarding each call) makes a `Cancellation`:
 * in Bun an `AbortController` with one listener costs several microseconds of CPU and garbage
 * collection per request (`bench thread-post`'s pool figures), a `Cancellation` next to nothing.
 */

/** What `DeadlineQueue`, `Bulkhead`-style waiters and worker-pool read of a signal. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A cancel switch in plain JavaScript, shaped like an `AbortController` (`signal`, `abort()`). */
export class Cancellation implements CancelSignal {
  #aborted = false;
  #reason: unknown;
  /** One listener is the common case: kept without an array. */
  #first: (() => void) | undefined;
  #more: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** The signal to hand out: this object itself (it has no other state to hide). */
  get signal(): CancelSignal {
    return this;
  }

  /**
   * Fires the listeners once, in the order they were added; later calls do nothing. `reason`
   * defaults to an `Error` named `AbortError`, as `AbortController.abort()` gives.
   */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? abortError() : reason;
    const first = this.#first;
    const more = this.#more;
    this.#first = undefined;
    this.#more = undefined;
    first?.();
    if (more) for (const listener of more) listener();
  }

  /** Listeners run once (every listener is `once`: the signal fires at most once). */
  addEventListener(type: 'abort', listener: () => void): void {
    if (type !== 'abort' || this.#aborted) return;
    if (this.#first === undefined) this.#first = listener;
    else if (this.#more === undefined) this.#more = [listener];
    else this.#more.push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    if (type !== 'abort') return;
    if (this.#first === listener) {
      this.#first = this.#more?.shift();
      return;
    }
    const more = this.#more;
    const at = more ? more.indexOf(listener) : -1;
    if (at >= 0) more!.splice(at, 1);
  }
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

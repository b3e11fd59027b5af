/**
 * Waiting for a starting worker on behalf of one acquire, bounded by the acquire's signal and
 * deadline (on the manager's clock). The lease is made inside the ready callback — synchronously,
 * before anything else can see the worker idle (a cold backend would stop it).
 */
import type { CancelSignal, Clock } from '@switchyard/flow-balancer';
import { AcquireAbortedError, AcquireTimeoutError } from './errors.ts';
import type { Lease } from './lease.ts';
import type { Replica, ReplicaWaiter } from './replica.ts';

export interface WaitOptions {
  /** The acquire's end: the call's signal, else its AbortSignal. */
  signal?: CancelSignal | undefined;
  /** The acquire's AbortSignal, for a hook that needs a real one (`authorize`). */
  hook?: AbortSignal | undefined;
  /** Absolute, on the manager's clock. */
  deadline?: number | undefined;
}

export function waitForReady(
  replica: Replica,
  clock: Clock,
  options: WaitOptions,
  claim: (replica: Replica) => Lease,
  /** Called when the wait ends without a lease (timeout, abort). */
  gaveUp: () => void,
): Promise<Lease> {
  const { signal, deadline } = options;
  const backend = replica.backend;
  const since = clock.now();
  if (signal?.aborted) return Promise.reject(new AcquireAbortedError(backend, signal.reason));
  if (deadline !== undefined && deadline <= since) return Promise.reject(new AcquireTimeoutError(backend, 0));
  return new Promise<Lease>((resolve, reject) => {
    let timer: unknown;
    const done = (): void => {
      replica.waiters.delete(waiter);
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const waiter: ReplicaWaiter = {
      ready: (r) => {
        done();
        resolve(claim(r));
      },
      failed: (e) => {
        done();
        reject(e);
      },
    };
    const onAbort = (): void => {
      done();
      reject(new AcquireAbortedError(backend, signal?.reason));
      gaveUp();
    };
    replica.waiters.add(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline !== undefined && deadline !== Number.POSITIVE_INFINITY) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        done();
        reject(new AcquireTimeoutError(backend, clock.now() - since));
        gaveUp();
      }, deadline - since);
    }
  });
}

/**
 * `work` (a step of one acquire before any worker is chosen, e.g. its `authorize` hook), bounded by
 * the acquire's AbortSignal and deadline like a wait for a worker: the acquire fails with
 * AcquireAbortedError / AcquireTimeoutError and `work` is left to settle on its own.
 */
export function within<T>(work: Promise<T>, backend: string, clock: Clock, options: WaitOptions): Promise<T> {
  const { signal, deadline } = options;
  if (!signal && (deadline === undefined || deadline === Number.POSITIVE_INFINITY)) return work;
  const since = clock.now();
  return new Promise<T>((resolve, reject) => {
    let timer: unknown;
    const done = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new AcquireAbortedError(backend, signal?.reason));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline !== undefined && deadline !== Number.POSITIVE_INFINITY) {
      timer = clock.setTimeout(
        () => {
          timer = undefined;
          done();
          reject(new AcquireTimeoutError(backend, clock.now() - since));
        },
        Math.max(0, deadline - since),
      );
    }
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/**
 * A lease on one ready worker: what a caller uses to talk to that worker, until `release()`.
 * Requests go through its backend's pool, pinned to this worker (its own line past its concurrency
 * limit, timeouts and cancellation); messages the worker sends on its own (notifications,
 * server-to-client requests) reach `onMessage` listeners, which are removed at release.
 */
import type {
  JsonRpcMessage,
  JsonRpcRequest,
  JsonRpcResponse,
  PoolWorker,
  RunOptions,
  WorkerPoolManager,
} from '@switchyard/worker-pool';
import type { BackendGate } from './backend-gate.ts';
import type { Replica } from './replica.ts';

/**
 * How one call on a worker ended, for outlier ejection and the circuit breaker: `failure` is an
 * error answer, a timeout or a crash; `success` is an answer (a tool result with `isError: true` is
 * the tool's own answer: a success here); `dropped` (cancelled) is not counted.
 */
export type CallOutcome = 'success' | 'failure' | 'dropped';

/** @internal — where a lease's reports go (its backend's controller). */
export interface OutcomeSink {
  report(replica: Replica, lease: Lease, outcome: CallOutcome): void;
}

export class Lease implements Disposable {
  readonly #replica: Replica;
  readonly #pool: WorkerPoolManager;
  readonly #worker: PoolWorker;
  /** The pool's id of the worker: what requests are pinned to. */
  readonly #pinned: RunOptions;
  readonly #onRelease: (lease: Lease) => void;
  readonly #outcomes: OutcomeSink | undefined;
  /** Made on the first `on()`: most leases (one per call) never subscribe. */
  #unsubscribe: (() => void)[] | undefined;
  #released = false;
  /** The backend's admission place this lease holds (a call's), given back at release. */
  #place: BackendGate | undefined;
  /** The backend's name. */
  readonly backend: string;
  /** The session it was acquired for, if any. */
  readonly session: string | undefined;
  /** True when the worker was ready before the acquire (no start was waited for). */
  readonly warmHit: boolean;

  /** @internal — leases are made by the manager. */
  constructor(
    replica: Replica,
    session: string | undefined,
    warmHit: boolean,
    onRelease: (l: Lease) => void,
    outcomes?: OutcomeSink,
  ) {
    this.#replica = replica;
    this.#outcomes = outcomes;
    this.#pool = replica.pool!;
    this.#worker = replica.worker!;
    this.#pinned = { workerId: this.#worker.id };
    this.#onRelease = onRelease;
    this.backend = replica.backend;
    this.session = session;
    this.warmHit = warmHit;
  }

  /** The manager's id of the worker (stable for its life; sessions are bound to it). */
  get workerId(): number {
    return this.#replica.id;
  }

  /** The worker-pool worker: `request()` straight to it, `post()`, `stderrTail()`, `pid`. */
  get worker(): PoolWorker {
    return this.#worker;
  }

  get pid(): number | undefined {
    return this.#worker.pid;
  }

  /** The worker is still ready (it has not died or been stopped). */
  get alive(): boolean {
    return this.#replica.state === 'ready';
  }

  get released(): boolean {
    return this.#released;
  }

  /**
   * Send a request to this worker and resolve with its result: a JSON-RPC request to a process
   * (an error answer rejects with worker-pool's `TaskFailedError`), a handler call on a thread.
   */
  request<T = unknown>(method: string, params?: unknown, options?: RunOptions): Promise<T> {
    return this.#pool.run<T>(method, params, this.#pin(options));
  }

  /**
   * Processes: forward a caller's JSON-RPC request (its id is remapped on the wire and restored on
   * the answer); resolves with the response, error responses included.
   */
  forward(request: JsonRpcRequest, options?: RunOptions): Promise<JsonRpcResponse> {
    return this.#pool.forward(request, this.#pin(options));
  }

  /** `options` for this lease's worker. */
  #pin(options: RunOptions | undefined): RunOptions {
    if (options === undefined) return this.#pinned;
    return { ...options, workerId: this.#worker.id };
  }

  /** Processes: send a notification, or the answer to the worker's own request. */
  post(message: JsonRpcMessage): void {
    this.#worker.post(message);
  }

  /** Messages the worker sends on its own; the listener is removed at release. */
  onMessage(listener: (message: JsonRpcMessage) => void): () => void {
    const id = this.#worker.id;
    const off = this.#pool.on('worker-message', (e) => {
      if (e.workerId === id) listener(e.message);
    });
    this.#unsubscribe ??= [];
    this.#unsubscribe.push(off);
    return off;
  }

  /**
   * How a call made on this lease's worker ended: feeds the worker's outlier ejection and the
   * backend's circuit breaker. May be called after `release()` (the call outlived the lease) and
   * once per call; `request()` and `forward()` do not report on their own — the caller knows what
   * an answer means (an MCP error answer is a failure, a tool's `isError` result is not).
   */
  report(outcome: CallOutcome): void {
    this.#outcomes?.report(this.#replica, this, outcome);
  }

  /** @internal — the manager: this lease holds a place of its backend's admission. */
  hold(place: BackendGate): void {
    if (this.#released) place.leave();
    else this.#place = place;
  }

  /**
   * @internal — the manager, for a call going on on another worker: the place this lease holds, now
   * the new lease's (this one's release no longer gives it back).
   */
  takePlace(): BackendGate | undefined {
    const place = this.#place;
    this.#place = undefined;
    return place;
  }

  /** Give the worker back (and the call's admission place, after it: the next call sees the worker free). Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const offs = this.#unsubscribe;
    this.#unsubscribe = undefined;
    if (offs) for (const off of offs) off();
    this.#onRelease(this);
    const place = this.#place;
    if (place !== undefined) {
      this.#place = undefined;
      place.leave();
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

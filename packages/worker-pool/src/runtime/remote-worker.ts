/**
 * Remote worker runtime: a connection to a remote JSON-RPC server (for MCP: a Streamable HTTP or
 * SSE session) as a worker of the pool, beside threads and processes. The pool does not open the
 * connection itself: `connect(workerId, key)` gives it a transport of the MCP SDK's `Transport` shape
 * (`start`, `send`, `close`, `onmessage`, `onclose`, `onerror`), so an SDK client transport can be
 * passed as it is, and this package stays free of HTTP and of the SDK.
 *
 * Requests carry pool-assigned numeric ids, so many can be in flight at once. A message that is
 * not JSON-RPC is a protocol fault (reported, skipped); one that names a request of ours fails it.
 * A `send` that rejects (the server refused, the network broke) fails that request. The worker is
 * ready once the transport has started; it is gone when the transport closes (a crash, unless the
 * pool stopped it — its last error, if it said one, is the reason) or could not start. A transport
 * that finds its connection gone says so by closing. The transport's errors are kept, bounded, as
 * the worker's "stderr" tail for diagnostics. A remote worker has no pid and no resident memory of
 * its own.
 */
import type { CancelMessageFn, JsonRpcMessage } from '../jsonrpc.ts';
import { StderrTail } from '../stderr-tail.ts';
import { deliverMessage } from './deliver.ts';
import type { RuntimeSink, WorkerRuntime } from './types.ts';

/** The MCP SDK's `Transport`, as far as a pool needs it. */
export interface RemoteTransport {
  start(): Promise<void>;
  send(message: JsonRpcMessage): Promise<void>;
  close(): Promise<void>;
  onmessage?: ((message: JsonRpcMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
}

export interface RemoteWorkerOptions {
  /**
   * A new transport for worker `workerId` (not started: the pool starts it); `key` is the key the
   * worker is reserved for from birth (`startWorker({ key })`), so a connection can carry its
   * owner's identity. Undefined for an unreserved worker.
   */
  connect: (workerId: number, key: string | undefined) => RemoteTransport | Promise<RemoteTransport>;
  cancelMessage: CancelMessageFn | undefined;
  /** Transport errors kept per worker. */
  errorLines: number;
}

export class RemoteWorker implements WorkerRuntime {
  readonly pid = undefined;
  readonly #sink: RuntimeSink;
  readonly #options: RemoteWorkerOptions;
  readonly #errors: StderrTail;
  #transport: RemoteTransport | undefined;
  #open = false;
  #exited = false;
  #stopping = false;
  /** The transport's last error: why it closed, when it closes on its own. */
  #lastError: string | undefined;
  readonly #gone: Promise<void>;
  #markGone!: () => void;

  constructor(
    options: RemoteWorkerOptions,
    readonly workerId: number,
    sink: RuntimeSink,
    /** The key it is reserved for from birth, told to `connect`. */
    readonly key?: string,
  ) {
    this.#sink = sink;
    this.#options = options;
    this.#errors = new StderrTail(options.errorLines);
    this.#gone = new Promise((resolve) => {
      this.#markGone = resolve;
    });
    void this.#connect();
  }

  async #connect(): Promise<void> {
    let transport: RemoteTransport;
    try {
      transport = await this.#options.connect(this.workerId, this.key);
      this.#transport = transport;
      transport.onmessage = (message) => deliverMessage(this.#sink, this.workerId, message);
      transport.onerror = (error) => {
        this.#lastError = error?.message ?? String(error);
        this.#errors.push(this.#lastError);
      };
      transport.onclose = () => this.#closed(undefined);
      if (this.#stopping) throw new Error('stopped while connecting');
      await transport.start();
    } catch (e) {
      const error = `connect failed: ${e instanceof Error ? e.message : String(e)}`;
      this.#errors.push(error);
      this.#closed(error);
      return;
    }
    if (this.#exited) return;
    this.#open = true;
    this.#sink.onReady();
  }

  #closed(error: string | undefined): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#open = false;
    const last = error ?? (this.#stopping ? undefined : (this.#lastError ?? 'the connection closed'));
    this.#sink.onExit({ code: null, signal: null, ...(last !== undefined && { error: last }) });
    this.#markGone();
  }

  #send(message: JsonRpcMessage, wireId: number | undefined): void {
    const transport = this.#transport;
    if (!this.#open || !transport) {
      if (wireId !== undefined) {
        const error = new Error('the connection is closed');
        queueMicrotask(() => this.#sink.onSettle(wireId, false, error));
      }
      return;
    }
    let sent: Promise<void>;
    try {
      sent = transport.send(message);
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent.catch((e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      this.#errors.push(`send failed: ${error.message}`);
      if (wireId !== undefined) this.#sink.onSettle(wireId, false, error);
    });
  }

  send(wireId: number, method: string, params: unknown): void {
    const request = { jsonrpc: '2.0' as const, id: wireId, method, ...(params !== undefined && { params }) };
    this.#send(request as JsonRpcMessage, wireId);
  }

  cancel(wireId: number, reason: string): void {
    const message = this.#options.cancelMessage?.(wireId, reason);
    if (message) this.#send(message, undefined);
  }

  ping(): void {
    // No built-in heartbeat: the pool's health probe speaks the server's protocol.
  }

  post(message: JsonRpcMessage): void {
    this.#send(message, undefined);
  }

  /** Close the connection (waiting up to `killGraceMs` for the transport); resolves when gone. */
  async stop(_graceMs: number, killGraceMs: number): Promise<void> {
    if (this.#exited) return;
    this.#stopping = true;
    this.#open = false;
    const transport = this.#transport;
    // Still connecting (no transport yet): it ends when `connect` settles — or, at the latest, now + killGraceMs.
    const closed = transport
      ? transport.close().catch((e: unknown) => {
          this.#errors.push(`close failed: ${e instanceof Error ? e.message : String(e)}`);
        })
      : this.#gone;
    await settledWithin(closed, killGraceMs);
    // A transport that does not call `onclose` on its own close is gone all the same.
    this.#closed(undefined);
    await this.#gone;
  }

  stderrTail(): string[] {
    return this.#errors.lines();
  }

  rssBytes(): number | undefined {
    return undefined;
  }
}

/** Wait for `p`, but no longer than `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    p,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The `TierPort` over `@switchyard/multi-tier`'s `MultiTierPoolManager` (types only: this file
 * calls no runtime API, the manager is handed in).
 *
 * - Handshake: give each backend `port.readyHook` as its `ready`; it runs `backendHandshake` once
 *   per worker and keeps the result by worker id, so the coordinator never repeats it.
 * - Requests go through `Lease.forward` (the worker's own queue, concurrency limit and wire ids);
 *   a `notifications/cancelled` the coordinator sends aborts that forward (worker-pool then cancels
 *   on the wire with its own id and drops the late reply itself).
 * - Worker messages (progress, list_changed, resource updates, requests to the client) arrive
 *   through the manager's `worker-message` events, lease or no lease; a worker that dies or is
 *   stopped closes its channel.
 * - A forward that fails because the worker died or its pool closed closes the channel (the
 *   coordinator answers every request on it with an error naming the backend); other failures
 *   (the pool's task timeout) answer that request with an error.
 * - Each forwarded request's outcome is reported on the lease (`Lease.report`), for the worker's
 *   outlier ejection and the backend's circuit breaker: an error answer, a failed forward (the
 *   pool's timeout, a crash) or the coordinator's own timeout is a failure; an answer — a tool
 *   result with `isError: true` included, and errors that blame the request (invalid params,
 *   unknown method) — is a success; a cancelled one is not counted.
 * - Module backends (thread workers) speak MCP through one exported handler, `mcp(request, ctx)`,
 *   which takes a JSON-RPC request as JSON text and returns its JSON-RPC response as JSON text
 *   (`MODULE_MCP_HANDLER`; Bun's `postMessage` clones a string about 4× faster than an object);
 *   notifications other than cancellation are not delivered to threads (they have no use for them).
 */
import { Cancellation, type CancelSignal } from '@switchyard/flow-balancer';
import type { Lease, MultiTierPoolManager, ReadyContext, ReadyHook } from '@switchyard/multi-tier';
import type { Implementation } from '../aggregate/initialize.ts';
import { bridgeOf } from '../era/bridge/modern-channel.ts';
import { INTERNAL_ERROR } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  isRequestId,
  JSONRPC_VERSION,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../jsonrpc/types.ts';
import { type BackendEraSetting, backendHandshake, type HandshakeTransport } from './handshake.ts';
import type { AcquireOptions, BackendHandshake, TierPort, WorkerChannel, WorkerLease } from './port.ts';

type ReadyWorker = Parameters<ReadyHook>[0];
type Manager = Pick<MultiTierPoolManager, 'acquire' | 'endSession' | 'endPrincipal' | 'on'> &
  Partial<Pick<MultiTierPoolManager, 'acquireNow'>>;

const WORKER_GONE = /WorkerCrashed|PoolClosed|PoolFailed|ManagerClosed/;

/** JSON-RPC errors that blame the request, not the worker: they count as answers, not failures. */
function blamesRequest(code: number): boolean {
  return code === -32700 || code === -32600 || code === -32601 || code === -32602;
}

/** A forwarded request's answer as an outcome for outlier ejection and the circuit breaker. */
function outcomeOf(response: JsonRpcResponse): 'success' | 'failure' {
  return 'error' in response && !blamesRequest(response.error.code) ? 'failure' : 'success';
}

/** The handler a module backend's thread module exports: JSON-RPC request in, response out, as JSON text. */
export const MODULE_MCP_HANDLER = 'mcp';

/** One request to a module backend's thread, in the handler's wire form (JSON text both ways). */
async function moduleCall(
  worker: Pick<Lease, 'request'>,
  request: JsonRpcRequest,
  signal?: CancelSignal,
): Promise<JsonRpcResponse> {
  const text = await worker.request<string>(
    MODULE_MCP_HANDLER,
    JSON.stringify(request),
    signal && { signal },
  );
  return JSON.parse(text) as JsonRpcResponse;
}

/** How a request reaches a worker: forwarded on a process's wire, or handed to a thread's handler. */
function forward(lease: Lease, request: JsonRpcRequest, signal: CancelSignal): Promise<JsonRpcResponse> {
  if (lease.worker.kind === 'thread') return moduleCall(lease, request, signal);
  return lease.forward(request as Parameters<Lease['forward']>[0], { signal }) as Promise<JsonRpcResponse>;
}

/** The handshake's two moves on a worker of either kind. */
function handshakeTransportOf(worker: ReadyWorker): HandshakeTransport {
  if (worker.kind === 'thread') {
    let seq = 0;
    return {
      request: async (method, params) => {
        const request: JsonRpcRequest = {
          jsonrpc: JSONRPC_VERSION,
          id: `handshake-${++seq}`,
          method,
          params,
        };
        const response = await moduleCall(worker, request);
        if ('error' in response) throw new Error(`${method} failed: ${response.error.message}`);
        return response.result;
      },
      notify: () => {},
    };
  }
  return {
    request: (method, params, options) => worker.request(method, params, options),
    notify: (method) => worker.post({ jsonrpc: JSONRPC_VERSION, method }),
  };
}

/** A worker's channel and the face the coordinator sees (bridged to its era). */
interface Channel {
  readonly leased: LeasedChannel;
  readonly facade: WorkerChannel;
}

class LeasedChannel implements WorkerChannel {
  private readonly listeners = new Set<(m: JsonRpcMessage) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly leases = new Set<Lease>();
  /** Each forward's cancel switch (a plain `Cancellation`: an `AbortController` per call cost µs of CPU and GC). */
  private readonly forwards = new Map<RequestId, Cancellation>();
  private closedReason: string | undefined;

  constructor(
    readonly id: string,
    readonly initialized: BackendHandshake | undefined,
  ) {}

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  add(lease: Lease): void {
    this.leases.add(lease);
  }

  remove(lease: Lease): void {
    this.leases.delete(lease);
  }

  send(message: JsonRpcMessage): void {
    const lease = this.leases.values().next().value;
    if (!lease || this.closedReason !== undefined) return;
    if ('method' in message && 'id' in message && isRequestId(message.id)) {
      const request = message;
      const abort = new Cancellation();
      this.forwards.set(request.id, abort);
      forward(lease, request, abort.signal).then(
        (response) => {
          this.forwards.delete(request.id);
          lease.report(outcomeOf(response));
          this.emit(response as JsonRpcMessage);
        },
        (e: unknown) => {
          this.forwards.delete(request.id);
          if (abort.signal.aborted) return; // cancelled (or timed out: reported at the cancel)
          lease.report('failure');
          const error = e instanceof Error ? e : new Error(String(e));
          if (WORKER_GONE.test(error.name) || !lease.alive) this.close(error.message);
          else this.emit(errorResponse(request.id, { code: INTERNAL_ERROR, message: error.message }));
        },
      );
      return;
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      const forward = isRequestId(requestId) ? this.forwards.get(requestId) : undefined;
      if (forward !== undefined) {
        // The coordinator's (or its own request's) timeout is the worker's failure; a cancel is not.
        const reason = message.params?.reason;
        if (typeof reason === 'string' && reason.endsWith('timed out')) lease.report('failure');
        forward.abort();
      }
      return;
    }
    if (lease.worker.kind !== 'thread') lease.post(message as Parameters<Lease['post']>[0]);
  }

  /** Writes a message on a process's wire or a remote connection, outside the request queue (long-lived listens). */
  post(message: JsonRpcMessage): void {
    const lease = this.leases.values().next().value;
    if (!lease || this.closedReason !== undefined || lease.worker.kind === 'thread') return;
    lease.post(message as Parameters<Lease['post']>[0]);
  }

  onMessage(listener: (m: JsonRpcMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** A message from the worker (an answer, or one it sent on its own). */
  emit(message: JsonRpcMessage): void {
    for (const l of this.listeners) l(message);
  }

  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const abort of this.forwards.values()) abort.abort();
    this.forwards.clear();
    for (const l of this.closeListeners) l(reason);
  }
}

/** What a worker does before it is handed out, beyond the handshake. */
export interface ReadyOptions {
  /**
   * A tool (the backend's own name) called once on each new worker, its answer ignored: the first
   * call a server answers costs it more (its code paths are cold), and this pays that before a
   * session waits. A failed call fails the worker's start. 2025-era workers only.
   */
  warmup?: { tool: string; arguments?: Record<string, unknown> };
}

/** The coordinator's lease: the worker's channel, and the manager's lease (a retried call's place goes on with it). */
class HeldLease implements WorkerLease {
  constructor(
    private readonly channel: Channel,
    readonly lease: Lease,
  ) {}

  get worker(): WorkerChannel {
    return this.channel.facade;
  }

  release(): void {
    this.channel.leased.remove(this.lease);
    this.lease.release();
  }
}

export class MultiTierPort implements TierPort {
  private manager: Manager | undefined;
  private readonly handshakes = new Map<string, BackendHandshake>();
  private readonly channels = new Map<string, Channel>();
  /** The same channels by the pool's worker object, for the lease path. */
  private readonly byWorker = new WeakMap<object, Channel>();
  /** The era each backend was found to speak (by its first worker's handshake). */
  private readonly eras = new Map<string, 'legacy' | 'modern'>();

  /** `clientInfo`: how the gateway introduces itself to backends. */
  constructor(private readonly clientInfo: Implementation) {}

  /** The `ready` hook of a 2025-era backend: `initialize`, once per worker. */
  readonly readyHook: ReadyHook = this.readyHookFor('2025');

  /**
   * The `ready` hook to give a backend spec: the opening exchange in the configured era, once per
   * worker. With `auto` the first worker finds out (`server/discover`, else `initialize`) and the
   * backend's later workers go straight to that era. Thread workers (module backends) speak 2025.
   */
  readyHookFor(era: BackendEraSetting, options: ReadyOptions = {}): ReadyHook {
    return async (worker: ReadyWorker, context: ReadyContext) => {
      const known = this.eras.get(context.backend);
      const effective: BackendEraSetting =
        worker.kind === 'thread'
          ? '2025'
          : era === 'auto' && known
            ? known === 'modern'
              ? '2026'
              : '2025'
            : era;
      const handshake = await backendHandshake(handshakeTransportOf(worker), this.clientInfo, {
        era: effective,
      });
      this.eras.set(context.backend, handshake.era ?? 'legacy');
      const warmup = options.warmup;
      if (warmup && handshake.era !== 'modern') {
        // A call that fails (an error, or a result with isError: an unknown tool, say) fails the
        // start with its reason: a warmup that does not run its tool warms nothing.
        const failed = (why: string) => new Error(`warmup call of ${warmup.tool} failed: ${why}`);
        const result = await handshakeTransportOf(worker)
          .request('tools/call', { name: warmup.tool, arguments: warmup.arguments ?? {} })
          .catch((e: unknown) => {
            throw failed(e instanceof Error ? e.message : String(e));
          });
        if (isJsonObject(result) && result.isError === true) {
          const content = Array.isArray(result.content) ? result.content : [];
          const text = content
            .map((c) => (isJsonObject(c) && typeof c.text === 'string' ? c.text : ''))
            .join(' ');
          throw failed(text || 'the tool answered isError');
        }
      }
      this.handshakes.set(key(context.backend, context.workerId), handshake);
      return handshake;
    };
  }

  /** The era a backend speaks, once one of its workers has been made ready. */
  eraOf(backend: string): 'legacy' | 'modern' | undefined {
    return this.eras.get(backend);
  }

  /**
   * The manager to lease from (built with `readyHook` in its backends). What a worker sends on
   * its own reaches its channel whether or not a lease is held; a worker gone closes it.
   */
  use(manager: Manager): this {
    this.manager = manager;
    manager.on('worker-message', (e) =>
      this.channels.get(key(e.backend, e.workerId))?.leased.emit(e.message as JsonRpcMessage),
    );
    manager.on('worker-died', (e) => this.channels.get(key(e.backend, e.workerId))?.leased.close(e.detail));
    manager.on('worker-stopped', (e) =>
      this.channels.get(key(e.backend, e.workerId))?.leased.close(`stopped (${e.reason})`),
    );
    return this;
  }

  acquire(backend: string, options: AcquireOptions): Promise<WorkerLease> {
    const got = this.acquireNow(backend, options);
    return got instanceof Promise ? got : Promise.resolve(got);
  }

  /** A lease on a worker ready now comes at once; otherwise (a wait, a refusal) in a promise. */
  acquireNow(backend: string, options: AcquireOptions): WorkerLease | Promise<WorkerLease> {
    const manager = this.manager;
    if (!manager) return Promise.reject(new Error('MultiTierPort: call use(manager) first'));
    const acquireOptions: Parameters<Manager['acquire']>[1] = { session: options.session };
    if (options.sticky === false) acquireOptions.sticky = false;
    if (options.principal !== undefined) acquireOptions.principal = options.principal;
    if (options.signal) acquireOptions.signal = options.signal;
    if (options.timeoutMs !== undefined) acquireOptions.timeoutMs = options.timeoutMs;
    if (options.admit === true) {
      acquireOptions.admit = true;
      if (options.continues instanceof HeldLease) acquireOptions.continues = options.continues.lease;
      if (options.callSignal !== undefined) acquireOptions.callSignal = options.callSignal;
    }
    const got = manager.acquireNow
      ? manager.acquireNow(backend, acquireOptions)
      : manager.acquire(backend, acquireOptions);
    if (got instanceof Promise) return got.then((lease) => this.held(backend, lease));
    try {
      return this.held(backend, got);
    } catch (e) {
      got.release();
      return Promise.reject(e);
    }
  }

  /** The coordinator's lease on `lease`'s worker: its channel, and the release of both. */
  private held(backend: string, lease: Lease): WorkerLease {
    // The worker's channel by the worker itself (no key string made per call), else by its key.
    let channel = this.byWorker.get(lease.worker);
    if (!channel || channel.leased.isClosed) channel = this.channelOf(backend, lease);
    channel.leased.add(lease);
    return new HeldLease(channel, lease);
  }

  /** The live channel of the lease's worker, made on its first lease (or after it closed). */
  private channelOf(backend: string, lease: Lease): Channel {
    const id = key(backend, lease.workerId);
    let channel = this.channels.get(id);
    if (!channel || channel.leased.isClosed) {
      const handshake = this.handshakes.get(id);
      const leased = new LeasedChannel(id, handshake);
      const made = { leased, facade: bridgeOf(leased, handshake, this.clientInfo) };
      channel = made;
      this.channels.set(id, made);
      leased.onClose(() => {
        if (this.channels.get(id) === made) this.channels.delete(id);
        this.handshakes.delete(id);
      });
    }
    this.byWorker.set(lease.worker, channel);
    return channel;
  }

  async endSession(session: string): Promise<void> {
    this.manager?.endSession(session);
  }

  async endPrincipal(principal: string): Promise<void> {
    this.manager?.endPrincipal(principal);
  }
}

function key(backend: string, workerId: number): string {
  return `${backend}#${workerId}`;
}

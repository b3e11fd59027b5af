/**
 * One backend worker as the coordinator drives it: every request to it — the clients' and the
 * coordinator's own (handshake, list fetches) — goes through its `IdRemapper`, so any number of
 * front sessions share the worker without their ids meeting. Replies and progress go back to the
 * sink of the request that owns them; late replies (after a cancel) are counted and dropped.
 */
import { IdRemapper } from '../ids/id-remapper.ts';
import { INTERNAL_ERROR } from '../jsonrpc/codes.ts';
import { errorResponse, resultResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  isJsonRpcErrorResponse,
  isRequestId,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../jsonrpc/types.ts';
import { type BackendHandshake, RELATED_REQUEST, type SendContext, type WorkerChannel } from './port.ts';

/** Where the messages of one request to the worker go. */
export interface CallSink {
  /** `notifications/progress` for this request, with the client's token. */
  progress(message: JsonRpcNotification): void;
  /** The reply, with the client's id. */
  response(message: JsonRpcResponse): void;
  /** The worker went away before replying. */
  closed(reason: string): void;
  /** A request of the worker's own (sampling, elicitation, roots) made while this request runs. */
  serverRequest?(message: JsonRpcRequest): void;
  /** The request stands alone (a 2026 client's): it is not to be confused with others of its session. */
  exclusive?: boolean;
  /** The request waits for its client's input (2026): a new request of the worker is not its. */
  isParked?(): boolean;
}

export interface WorkerEvents {
  /** A notification not tied to a request (list_changed, logging …). */
  notification(worker: BackendWorker, message: JsonRpcNotification): void;
  /** A reply that came after its request was settled (cancelled, timed out, session closed). */
  late(worker: BackendWorker): void;
  closed(worker: BackendWorker, reason: string): void;
}

/** The session key of the coordinator's own requests; front session ids never contain NUL. */
const INTERNAL = '\u0000coordinator';

/** A failed request of the coordinator's own. */
export class BackendRequestError extends Error {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend "${backend}": ${reason}`);
  }
}

export class BackendWorker {
  readonly remapper = new IdRemapper();
  private readonly sinks = new Map<number, { session: string; sink: CallSink }>();
  private readonly unsubscribe: (() => void)[] = [];
  private nextInternalId = 1;
  private closedReason: string | undefined;
  /** Set once by the coordinator; shared by every session that leases this worker. */
  handshake: Promise<BackendHandshake> | undefined;
  /** The front sessions that lease this worker (until they end), with their principals. */
  private readonly users = new Map<string, string | null>();
  /** Every principal that ever leased this worker: a message of it may belong to any of them. */
  private readonly principalsSeen = new Set<string | null>();
  /**
   * The list-cache key of this worker's lists: its backend for a shared worker; the backend and
   * the session or principal it is bound to for an isolated one. Set by the fleet on first lease.
   */
  scope: string | undefined;

  constructor(
    readonly backend: string,
    readonly channel: WorkerChannel,
    private readonly events: WorkerEvents,
  ) {
    if (channel.initialized) this.handshake = Promise.resolve(channel.initialized);
    this.unsubscribe.push(
      channel.onMessage((m) => this.receive(m)),
      channel.onClose((reason) => this.close(reason)),
    );
  }

  get id(): string {
    return this.channel.id;
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** `session` (of `principal`) holds a lease on this worker. */
  use(session: string, principal: string | null): void {
    if (this.users.has(session)) return;
    this.users.set(session, principal);
    this.principalsSeen.add(principal);
  }

  /**
   * The principal every message of this worker belongs to, when only one ever leased it (always so
   * for a per-session or per-principal worker); `undefined` when several did or none yet, so the
   * owner of an unsolicited message cannot be known.
   */
  get soleOwner(): { principal: string | null } | undefined {
    if (this.principalsSeen.size !== 1) return undefined;
    const [principal] = this.principalsSeen;
    return { principal: principal as string | null };
  }

  /** The live front sessions that lease (or leased) this worker. */
  sessions(): IterableIterator<string> {
    return this.users.keys();
  }

  /** Sends a client's request (already carrying the client's id) for `sessionKey`; returns the backend id. */
  call(sessionKey: string, request: JsonRpcRequest, sink: CallSink, context?: SendContext): number {
    if (this.closedReason !== undefined) {
      sink.closed(this.closedReason);
      return -1;
    }
    const out = this.remapper.outbound(sessionKey, request);
    this.sinks.set(out.id as number, { session: sessionKey, sink });
    this.channel.send(out, context);
    return out.id as number;
  }

  /** The client cancelled: the worker is told (with its own id); a reply after this is dropped. */
  cancel(sessionKey: string, clientId: RequestId, reason?: string): boolean {
    const abandoned = this.remapper.cancel(sessionKey, clientId, reason);
    if (!abandoned) return false;
    this.sinks.delete(abandoned.origin.backendId);
    if (this.closedReason === undefined) this.channel.send(abandoned.cancel);
    return true;
  }

  /** The session ended: its requests in flight are cancelled on the worker. */
  closeSession(sessionKey: string): void {
    this.users.delete(sessionKey);
    for (const abandoned of this.remapper.closeSession(sessionKey)) {
      this.sinks.delete(abandoned.origin.backendId);
      if (this.closedReason === undefined) this.channel.send(abandoned.cancel);
    }
  }

  /** A request of the coordinator's own; resolves with the result, rejects with `BackendRequestError`. */
  request(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const id = this.nextInternalId++;
      const request: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id, method };
      if (params !== undefined) request.params = params;
      const timer = setTimeout(() => {
        this.cancel(INTERNAL, id, 'timed out');
        reject(new BackendRequestError(this.backend, `${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.call(INTERNAL, request, {
        progress: () => {},
        response: (message) => {
          clearTimeout(timer);
          if (isJsonRpcErrorResponse(message)) {
            reject(new BackendRequestError(this.backend, `${method} failed: ${message.error.message}`));
          } else {
            resolve(message.result);
          }
        },
        closed: (reason) => {
          clearTimeout(timer);
          reject(new BackendRequestError(this.backend, reason));
        },
      });
    });
  }

  notify(method: string, params?: JsonObject): void {
    if (this.closedReason !== undefined) return;
    const message: JsonRpcNotification = { jsonrpc: JSONRPC_VERSION, method };
    if (params !== undefined) message.params = params;
    this.channel.send(message);
  }

  private receive(message: JsonRpcMessage): void {
    if (!isJsonObject(message)) return;
    if ('method' in message && typeof message.method === 'string') {
      if ('id' in message && isRequestId(message.id)) {
        this.receiveRequest(message as JsonRpcRequest);
        return;
      }
      this.receiveNotification(message as JsonRpcNotification);
      return;
    }
    const route = this.remapper.inbound(message as JsonRpcResponse);
    if (route.kind === 'deliver') {
      const entry = this.sinks.get(route.origin.backendId);
      this.sinks.delete(route.origin.backendId);
      entry?.sink.response(route.message);
    } else if (route.kind === 'late') {
      this.events.late(this);
    }
  }

  /**
   * A server-to-client request. When the channel made it (a 2026 backend's `input_required`) it
   * names its call and goes to that call's sink. Otherwise nothing on the wire says which client
   * request caused it: it goes to the newest request in flight only when the owner is certain —
   * exactly one front session has requests in flight on this worker (a 2026 request counts as a
   * session of its own, one parked for its client's input does not) AND only one principal ever
   * leased the worker (a request of a finished or cancelled call of another principal must never
   * reach this one). Otherwise the worker is told it cannot be relayed; per-principal or
   * per-session isolation makes the owner certain.
   */
  private receiveRequest(message: JsonRpcRequest): void {
    // A backend's ping is the gateway's to answer, in or out of a request.
    if (message.method === 'ping') {
      this.channel.send(resultResponse(message.id, {}));
      return;
    }
    // A request the channel made up knows which call it belongs to.
    const related = (message as { [RELATED_REQUEST]?: unknown })[RELATED_REQUEST];
    const owner = typeof related === 'number' ? this.sinks.get(related) : undefined;
    if (owner?.sink.serverRequest && owner.session !== INTERNAL) {
      owner.sink.serverRequest(message);
      return;
    }
    const waiting = [...this.sinks.values()].filter(
      (e) => e.session !== INTERNAL && e.sink.serverRequest && !e.sink.isParked?.(),
    );
    const sessions = new Set<unknown>(waiting.map((e) => (e.sink.exclusive ? e.sink : e.session)));
    const newest = waiting.at(-1);
    const sole = this.soleOwner;
    const certain =
      sessions.size === 1 && sole !== undefined && sole.principal === this.users.get(newest!.session);
    if (certain && newest?.sink.serverRequest) {
      newest.sink.serverRequest(message);
      return;
    }
    this.channel.send(
      errorResponse(message.id, {
        code: INTERNAL_ERROR,
        message:
          sessions.size === 0
            ? `no client request is in flight to relay ${message.method} to`
            : sessions.size > 1
              ? `cannot tell which of ${sessions.size} sessions ${message.method} is for; use per-principal or per-session isolation`
              : `cannot tell which client ${message.method} is for: this worker serves several principals; use per-principal or per-session isolation`,
      }),
    );
  }

  private receiveNotification(message: JsonRpcNotification): void {
    if (message.method === 'notifications/progress') {
      const routed = this.remapper.progress(message);
      if (routed) this.sinks.get(routed.origin.backendId)?.sink.progress(routed.message);
      return;
    }
    if (message.method === 'notifications/cancelled') return;
    this.events.notification(this, message);
  }

  private close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const stop of this.unsubscribe) stop();
    const entries = [...this.sinks.values()];
    this.sinks.clear();
    for (const { sink } of entries) sink.closed(reason);
    this.events.closed(this, reason);
  }
}

/**
 * JSON-RPC id remapping for one backend worker.
 *
 * Many front sessions share one worker, and each picks its own request ids (two sessions both
 * sending `id: 1` at once is normal). Before a request goes to the worker, `outbound` gives it a
 * fresh integer id — unique on this worker, increasing, never reused — and remembers who asked;
 * `inbound` turns the worker's reply back into the client's id and names the session it belongs to.
 * Progress tokens travel the same way: the client's `_meta.progressToken` becomes the backend id
 * (unique among the worker's live requests, as the spec requires), and `progress` maps the
 * worker's `notifications/progress` back.
 *
 * Exactly once, never misdelivered: an entry is removed when its reply is routed, when the client
 * cancels, when it times out (`expire` / `expireDue`) or when its session closes. A reply that comes
 * after that is `late` and must be dropped; because ids are never reused, no late reply can ever
 * match a newer request, even after the remapper has forgotten why the old one ended. A bounded
 * record (`maxSettled`, oldest first out) keeps the reason for recent ones, for logs.
 *
 * The same class serves the other direction (a worker's `sampling/createMessage` or
 * `elicitation/create` to a client): one remapper per front session, keyed by worker.
 * No timers here: the caller passes deadlines and calls `expireDue(now)` from its own clock.
 */
import { DuplicateRequestIdError, TooManyPendingError } from '../errors.ts';
import {
  isJsonObject,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type ProgressToken,
  type RequestId,
} from '../jsonrpc/types.ts';

/** Why a request stopped waiting for its reply. */
export type SettledReason = 'completed' | 'cancelled' | 'timeout' | 'session-closed';

/** Who is waiting for a backend id. */
export interface PendingOrigin {
  sessionKey: string;
  clientId: RequestId;
  backendId: number;
  method: string;
  /** The client's own progress token, when it asked for progress. */
  clientProgressToken?: ProgressToken;
  /** When the request times out, on the caller's clock (see `expireDue`). */
  deadline?: number;
}

/** What to do with a reply from the worker. */
export type ReplyRoute =
  /** Send `message` (carrying the client's id) to `origin.sessionKey`. */
  | { kind: 'deliver'; origin: PendingOrigin; message: JsonRpcResponse }
  /** The request was already settled; drop. `reason` is undefined once the record is forgotten. */
  | { kind: 'late'; backendId: number; reason: SettledReason | undefined }
  /** An id this remapper never issued (or none at all); drop. */
  | { kind: 'unknown'; backendId: RequestId | undefined };

/** A request given up on before its reply: tell the worker with `cancel`. */
export interface Abandoned {
  origin: PendingOrigin;
  reason: SettledReason;
  /** The `notifications/cancelled` to send to the worker (with the backend id). */
  cancel: JsonRpcNotification;
}

export interface IdRemapperOptions {
  /** The most requests in flight at once; `outbound` throws `TooManyPendingError` past it. Default 10,000. */
  maxPending?: number;
  /** How many settled ids keep their reason for `late` routes. Default 1,024. */
  maxSettled?: number;
}

export class IdRemapper {
  readonly maxPending: number;
  readonly maxSettled: number;
  private nextId = 1;
  private readonly byBackendId = new Map<number, PendingOrigin>();
  private readonly bySession = new Map<string, Map<RequestId, number>>();
  /**
   * The latest `maxSettled` settled ids and their reasons, as a ring (`settledNext` is where the
   * next one goes): one write per settled request. (A `Map` evicting its oldest key cost about a
   * microsecond and a half per request in JSC — `keys().next()` walks the deleted entries at its
   * head — for a lookup made only when a late reply comes.)
   */
  private readonly settledIds: number[] = [];
  private readonly settledReasons: SettledReason[] = [];
  private settledNext = 0;

  constructor(options: IdRemapperOptions = {}) {
    this.maxPending = options.maxPending ?? 10_000;
    this.maxSettled = options.maxSettled ?? 1024;
    if (!(this.maxPending >= 1) || !(this.maxSettled >= 0)) {
      throw new RangeError('IdRemapper: maxPending must be at least 1 and maxSettled at least 0');
    }
  }

  /** Requests in flight. */
  get pendingCount(): number {
    return this.byBackendId.size;
  }

  /** Settled ids whose reason is still remembered. */
  get settledCount(): number {
    return this.settledIds.length;
  }

  /**
   * Registers `request` from `sessionKey` and returns the copy to send to the worker: the backend
   * id in place of the client's, and the backend progress token in place of the client's. A
   * progress token that is neither a string nor a number is removed (the client gets no progress).
   */
  outbound(sessionKey: string, request: JsonRpcRequest, options: { deadline?: number } = {}): JsonRpcRequest {
    let ids = this.bySession.get(sessionKey);
    if (ids?.has(request.id)) throw new DuplicateRequestIdError(sessionKey, request.id);
    if (this.byBackendId.size >= this.maxPending) throw new TooManyPendingError(this.maxPending);
    const backendId = this.nextId++;
    const origin: PendingOrigin = { sessionKey, clientId: request.id, backendId, method: request.method };
    if (options.deadline !== undefined) origin.deadline = options.deadline;
    const out: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id: backendId, method: request.method };
    if (request.params !== undefined) {
      out.params = this.rewriteProgressToken(request.params, origin);
    }
    if (!ids) {
      ids = new Map();
      this.bySession.set(sessionKey, ids);
    }
    ids.set(request.id, backendId);
    this.byBackendId.set(backendId, origin);
    return out;
  }

  /** Routes a reply from the worker: deliver it (once) with the client's id, or drop it. */
  inbound(response: JsonRpcResponse): ReplyRoute {
    const id = response.id;
    if (typeof id !== 'number') return { kind: 'unknown', backendId: id };
    const origin = this.byBackendId.get(id);
    if (!origin) return this.notPending(id);
    this.settle(origin, 'completed');
    const message: JsonRpcResponse =
      'result' in response
        ? { jsonrpc: JSONRPC_VERSION, id: origin.clientId, result: response.result }
        : { jsonrpc: JSONRPC_VERSION, id: origin.clientId, error: response.error };
    return { kind: 'deliver', origin, message };
  }

  /**
   * Maps a worker's `notifications/progress` back to the session that asked for it, with the
   * client's token; `undefined` (drop it) when the token is not one of a pending request.
   */
  progress(
    notification: JsonRpcNotification,
  ): { origin: PendingOrigin; message: JsonRpcNotification } | undefined {
    const params = notification.params;
    const token = params?.progressToken;
    if (typeof token !== 'number') return undefined;
    const origin = this.byBackendId.get(token);
    if (!origin || origin.clientProgressToken === undefined) return undefined;
    return {
      origin,
      message: {
        jsonrpc: JSONRPC_VERSION,
        method: notification.method,
        params: { ...params, progressToken: origin.clientProgressToken },
      },
    };
  }

  /** The backend id of a pending client request. */
  backendIdOf(sessionKey: string, clientId: RequestId): number | undefined {
    return this.bySession.get(sessionKey)?.get(clientId);
  }

  /** The client cancelled `clientId`: forget it and say what to tell the worker. */
  cancel(sessionKey: string, clientId: RequestId, reason?: string): Abandoned | undefined {
    const backendId = this.backendIdOf(sessionKey, clientId);
    return backendId === undefined ? undefined : this.abandon(backendId, 'cancelled', reason);
  }

  /** The same, from the client's `notifications/cancelled` itself. */
  cancelFromClient(sessionKey: string, notification: JsonRpcNotification): Abandoned | undefined {
    const requestId = notification.params?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return undefined;
    const reason = notification.params?.reason;
    return this.cancel(sessionKey, requestId, typeof reason === 'string' ? reason : undefined);
  }

  /** `backendId` timed out: forget it; the caller answers the client and cancels on the worker. */
  expire(backendId: number): Abandoned | undefined {
    return this.byBackendId.has(backendId)
      ? this.abandon(backendId, 'timeout', 'request timed out')
      : undefined;
  }

  /** Expires every pending request whose deadline is at or before `now`. */
  expireDue(now: number): Abandoned[] {
    const due: number[] = [];
    for (const [backendId, origin] of this.byBackendId) {
      if (origin.deadline !== undefined && origin.deadline <= now) due.push(backendId);
    }
    return due.map((backendId) => this.abandon(backendId, 'timeout', 'request timed out'));
  }

  /** The front session ended: abandon each of its pending requests. */
  closeSession(sessionKey: string): Abandoned[] {
    const ids = this.bySession.get(sessionKey);
    if (!ids) return [];
    return [...ids.values()].map((backendId) => this.abandon(backendId, 'session-closed', 'session closed'));
  }

  private abandon(backendId: number, reason: SettledReason, words?: string): Abandoned {
    const origin = this.byBackendId.get(backendId)!;
    this.settle(origin, reason);
    const params: JsonObject = { requestId: backendId };
    if (words !== undefined) params.reason = words;
    return {
      origin,
      reason,
      cancel: { jsonrpc: JSONRPC_VERSION, method: 'notifications/cancelled', params },
    };
  }

  private settle(origin: PendingOrigin, reason: SettledReason): void {
    this.byBackendId.delete(origin.backendId);
    const ids = this.bySession.get(origin.sessionKey);
    ids?.delete(origin.clientId);
    if (ids?.size === 0) this.bySession.delete(origin.sessionKey);
    if (this.maxSettled === 0) return;
    // A backend id is settled at most once (it leaves byBackendId here), so the ring holds no repeats.
    this.settledIds[this.settledNext] = origin.backendId;
    this.settledReasons[this.settledNext] = reason;
    this.settledNext = (this.settledNext + 1) % this.maxSettled;
  }

  private notPending(id: number): ReplyRoute {
    if (Number.isSafeInteger(id) && id >= 1 && id < this.nextId) {
      return { kind: 'late', backendId: id, reason: this.settledReason(id) };
    }
    return { kind: 'unknown', backendId: id };
  }

  /** The reason `backendId` settled, while the ring still holds it (a late reply's rare path: a scan). */
  private settledReason(backendId: number): SettledReason | undefined {
    const at = this.settledIds.indexOf(backendId);
    return at === -1 ? undefined : this.settledReasons[at];
  }

  private rewriteProgressToken(params: JsonObject, origin: PendingOrigin): JsonObject {
    const meta = params._meta;
    if (!isJsonObject(meta) || !('progressToken' in meta)) return params;
    const { progressToken, ...rest } = meta;
    if (typeof progressToken !== 'string' && typeof progressToken !== 'number') {
      return { ...params, _meta: rest };
    }
    origin.clientProgressToken = progressToken;
    return { ...params, _meta: { ...rest, progressToken: origin.backendId } };
  }
}

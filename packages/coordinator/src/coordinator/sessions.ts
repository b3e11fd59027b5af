/**
 * Front sessions of 2025-era clients: random, unguessable ids, each bound to the principal that
 * created it — for anyone else the session does not exist.
 */
import type { Implementation } from '../aggregate/initialize.ts';
import type { LegacyProtocolVersion } from '../era/legacy-versions.ts';
import type { JsonObject, JsonRpcMessage, JsonRpcResponse, RequestId } from '../jsonrpc/types.ts';
import type { BackendWorker } from './backend-worker.ts';
import { MessageStream } from './message-stream.ts';

/** A request of the session in flight on a worker. */
export interface InFlight {
  worker?: BackendWorker;
  /** Ends it for the client at once (cancel, session close, timeout), with `message` if given. */
  abandon(outcome: 'cancelled' | 'timeout' | 'rejected', reason: string, message?: JsonRpcResponse): void;
}

export interface FrontSession {
  readonly id: string;
  readonly principal: string | null;
  readonly protocolVersion: LegacyProtocolVersion;
  readonly clientInfo: Implementation | undefined;
  /** For a 2026 client, those of its latest request (each request declares them). */
  clientCapabilities: JsonObject;
  /** `modern`: the stand-in session of 2026-07-28 requests with one affinity key (no handshake, never ended by the client). */
  readonly era: 'legacy' | 'modern';
  initialized: boolean;
  /** Set by `logging/setLevel`; backends' log messages at or above it reach `outbound`. */
  logLevel: string | undefined;
  /** Server-initiated messages (list_changed, log messages) for this session. */
  readonly outbound: MessageStream<JsonRpcMessage>;
  readonly inflight: Map<RequestId, InFlight>;
  /** Server-to-client requests relayed to this client, by the id the client sees. */
  readonly serverRequests: Map<RequestId, { worker: BackendWorker; backendRequestId: RequestId }>;
  /** Numbers the ids of relayed server-to-client requests. */
  serverRequestSeq: number;
  /** The last time the client was heard from (ms, the coordinator's clock). */
  lastSeenAt: number;
  /** When this process took the session up — created it, or restored it from the journal (ms). */
  readonly openedAt: number;
  /** `resources/subscribe`d URIs: the backend's URI (`backend` + NUL + uri) → the URI the client used. */
  readonly subscriptions: Map<string, string>;
  /** Per-session / per-principal backends this session has called (recorded in the journal once each). */
  readonly isolatedUsed: Set<string>;
  /**
   * Restored after a restart: the isolated backends whose worker (and the state it kept for this
   * session) ended with the previous process. The first call to each is told so, once.
   */
  readonly stateLost: Set<string>;
}

/** What a session restored from the journal brings besides what `add` takes. */
export interface RestoredFields {
  initialized: boolean;
  logLevel: string | undefined;
  stateLost: Iterable<string>;
}

/**
 * Why a session left this process: `deleted` (the client's DELETE, or the gateway ended it),
 * `expired` (idle past `sessionIdleMs`), `shutdown` (the coordinator closed; the journal keeps
 * it for the next process), `relinquished` (another node owns it now, or ended it).
 */
export type SessionEndReason = 'deleted' | 'expired' | 'shutdown' | 'relinquished';

/** A session's end, as `MCPCoordinatorOptions.onSessionEnd` is told of it. */
export interface SessionEnd {
  readonly id: string;
  readonly era: 'legacy' | 'modern';
  readonly protocolVersion: string;
  /** When this process took it up, and when it let it go (ms, the coordinator's clock). */
  readonly openedAt: number;
  readonly endedAt: number;
  readonly reason: SessionEndReason;
}

export type RandomBytes = (length: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

const NONE: ReadonlySet<FrontSession> = new Set();

export class SessionTable {
  private readonly byId = new Map<string, FrontSession>();
  /** Live sessions of each principal. */
  private readonly perPrincipal = new Map<string | null, Set<FrontSession>>();
  /** The sessions subscribed to each backend resource (`backend` + NUL + its URI). */
  private readonly subscribers = new Map<string, Set<FrontSession>>();

  /** `outboundMax`: the most server messages a session keeps unread (no stream open to take them). */
  constructor(
    private readonly randomBytes: RandomBytes,
    private readonly outboundMax = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** A fresh id: 128 random bits as 32 hex digits (visible ASCII, as `Mcp-Session-Id` requires). */
  newId(): string {
    for (;;) {
      const bytes = this.randomBytes(16);
      if (bytes.length < 16) throw new RangeError('randomBytes gave fewer than 16 bytes');
      const id = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
      if (!this.byId.has(id)) return id;
    }
  }

  add(
    session: Omit<
      FrontSession,
      | 'outbound'
      | 'inflight'
      | 'initialized'
      | 'logLevel'
      | 'serverRequests'
      | 'serverRequestSeq'
      | 'subscriptions'
      | 'isolatedUsed'
      | 'stateLost'
      | 'openedAt'
    >,
    restored?: RestoredFields,
  ): FrontSession {
    const full: FrontSession = {
      ...session,
      openedAt: session.lastSeenAt,
      initialized: restored?.initialized ?? false,
      logLevel: restored?.logLevel,
      isolatedUsed: new Set(restored?.stateLost),
      stateLost: new Set(restored?.stateLost),
      outbound: new MessageStream(undefined, this.outboundMax),
      inflight: new Map(),
      serverRequests: new Map(),
      serverRequestSeq: 0,
      subscriptions: new Map(),
    };
    this.byId.set(full.id, full);
    const mine = this.perPrincipal.get(full.principal);
    if (mine) mine.add(full);
    else this.perPrincipal.set(full.principal, new Set([full]));
    return full;
  }

  /** The session, only for the principal that created it. */
  get(id: string, principal: string | null): FrontSession | undefined {
    const s = this.byId.get(id);
    return s && s.principal === principal ? s : undefined;
  }

  /** The session of this id, whoever its principal (for routing a backend's messages to it). */
  find(id: string): FrontSession | undefined {
    return this.byId.get(id);
  }

  /** How many live sessions `principal` has. */
  countOf(principal: string | null): number {
    return this.perPrincipal.get(principal)?.size ?? 0;
  }

  /** The live sessions of `principal`. */
  ofPrincipal(principal: string | null): ReadonlySet<FrontSession> {
    return this.perPrincipal.get(principal) ?? NONE;
  }

  /** `session` subscribed to the backend resource `key` under the URI it used, `frontUri`. */
  subscribe(session: FrontSession, key: string, frontUri: string): void {
    session.subscriptions.set(key, frontUri);
    const set = this.subscribers.get(key);
    if (set) set.add(session);
    else this.subscribers.set(key, new Set([session]));
  }

  unsubscribe(session: FrontSession, key: string): void {
    session.subscriptions.delete(key);
    const set = this.subscribers.get(key);
    set?.delete(session);
    if (set?.size === 0) this.subscribers.delete(key);
  }

  /** The sessions subscribed to the backend resource `key`. */
  subscribersOf(key: string): readonly FrontSession[] {
    return [...(this.subscribers.get(key) ?? [])];
  }

  delete(id: string): void {
    const session = this.byId.get(id);
    if (!session) return;
    this.byId.delete(id);
    const mine = this.perPrincipal.get(session.principal);
    mine?.delete(session);
    if (mine?.size === 0) this.perPrincipal.delete(session.principal);
    for (const key of [...session.subscriptions.keys()]) this.unsubscribe(session, key);
  }

  all(): IterableIterator<FrontSession> {
    return this.byId.values();
  }
}

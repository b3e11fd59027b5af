/**
 * Session ownership at the front door (issue #20): a 2025 session is owned by one node (its lease in
 * the journal's Redis); a request for it on another node is forwarded to the owner over HTTP, the
 * answer (JSON or SSE) streamed back, the caller passed along signed (`signature.ts`). When the owner
 * cannot be reached (connection refused: it is gone), this node takes the session over — compare-and-
 * set on the lease, so of two nodes one wins — and restores it from the journal as after a restart.
 * A session no node owns is restored here and claimed. A held session whose lease another node took
 * (this node was paused, or lost a race) is let go here — at the next renewal, or at once when the
 * journal refused one of its writes for the lease's newer epoch (the write fence).
 *
 * A 2026-07-28 request has no session and is served on whichever node it reaches, but for one: the
 * retry of a multi-round-trip call, whose `requestState` names the node that parked the call
 * (`request-state.ts`); it is forwarded there (when that node is alive; else it is answered here,
 * as a `requestState` no longer known). Likewise a 2026 `tasks/*` request, whose `taskId` names the
 * node running the task (tagged as a `requestState` is): forwarded there while it lives; else
 * answered here from the journal (outcome unknown). And a call of a `per-session` backend made with an affinity
 * key: the key's stand-in session holds that backend's worker, so the first node to serve it leases
 * the stand-in like a 2025 session, and the key's later calls of such a backend go to that node.
 */
import { hostname } from 'node:os';
import { type MCPCoordinator, SESSION_STORE_UNAVAILABLE, standInId } from '@switchyard/coordinator';
import {
  isJournalInvalidInputError,
  isJournalUnavailableError,
  type LeaseNode,
  type SessionLeases,
} from '@switchyard/journal';
import { rpcError } from '../http/answers.ts';
import { type Caller, SESSION_HEADER } from '../http/mcp-front.ts';
import { nodeOfRequestState } from './request-state.ts';
import { FORWARDED_HEADER, type ForwardSigner } from './signature.ts';

/** Headers that describe one connection, not the message: not passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
  'content-encoding',
]);
/** How long the owner may take to answer a forwarded request's headers before it is given up. */
const HEADERS_TIMEOUT_MS = 10_000;
const RETRY_AFTER = { 'retry-after': '1' };
/** `route`'s answer for a request served here, and `served`'s when nothing is to be done: made once. */
const HERE: Promise<undefined> = Promise.resolve(undefined);
const DONE: Promise<void> = Promise.resolve();

type Coordinator = Pick<MCPCoordinator, 'holds' | 'heldSessionIds' | 'relinquish'>;

/**
 * The start of the ids of the stand-in sessions of 2026 callers (one per principal and affinity key,
 * per node): those are no shared sessions and take no lease — two nodes serving one principal's
 * 2026 requests each keep their own, and neither lets its own go for the other's.
 */
const STAND_IN = `${standInId(null, null).split(':')[0]}:`;
const isShared = (sessionId: string) => !sessionId.startsWith(STAND_IN);

export interface ForwarderOptions {
  leases: SessionLeases;
  coordinator: Coordinator;
  signer: ForwardSigner;
  /** This node's id (default: host name, process id, a random part). */
  nodeId?: string;
  /** This node's `/mcp` URL as the others reach it; read when first needed (after listening). */
  url: () => string;
  leaseMs: number;
  /** The `/mcp` URL of a live node by its id (its heartbeat), for 2026 retries of calls parked there. */
  locate?: (nodeId: string) => Promise<string | undefined>;
  /** A 2026 request's affinity key (as the front door reads it). */
  affinityKey?: (request: Request, principal: string | null) => string | null;
  /** Whether the tool or prompt a client names (`Mcp-Name`) may be a `per-session` backend's. */
  perSession?: (frontName: string) => boolean;
  /** How long a node that refused a connection counts as gone (default 15 s: its heartbeat's lapse). */
  goneMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

export class SessionForwarder {
  readonly nodeId: string;
  #node: LeaseNode | undefined;
  /** Sessions this node claimed (held and leased); others held are claimed at their next request. */
  readonly #claimed = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #offFenced: (() => void) | undefined;
  readonly #fetch: typeof fetch;
  /** Nodes that refused a forwarded request's connection, and when (their heartbeat may not have lapsed yet). */
  readonly #refused = new Map<string, number>();
  readonly #now: () => number;

  constructor(private readonly options: ForwarderOptions) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  get node(): LeaseNode {
    this.#node ??= { id: this.nodeId, url: this.options.url() };
    return this.#node;
  }

  /** Renews this node's leases every third of `leaseMs`; lets go of sessions another node took. */
  start(): void {
    if (this.#timer) return;
    this.#offFenced = this.options.leases.onFenced((id) => void this.#fencedOff(id));
    this.#timer = setInterval(() => void this.renew(), Math.max(250, this.options.leaseMs / 3));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops renewing and gives up every lease held, so other nodes take the sessions at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#offFenced?.();
    this.#offFenced = undefined;
    const held = [...this.#claimed];
    this.#claimed.clear();
    await Promise.all(held.map((id) => this.options.leases.release(id, this.node).catch(() => undefined)));
  }

  /** One renewal pass (also run on the timer). */
  async renew(): Promise<void> {
    // Stand-ins are leased only when they hold a per-session worker (claimed for it).
    const held = this.options.coordinator
      .heldSessionIds()
      .filter((id) => isShared(id) || this.#claimed.has(id));
    // Claims of sessions no longer held go (a set: linear in the sessions, not quadratic).
    const holding = new Set(held);
    for (const id of this.#claimed) if (!holding.has(id)) this.#claimed.delete(id);
    if (held.length === 0) return;
    let lost: string[];
    try {
      lost = await this.options.leases.renew(held, this.node, this.options.leaseMs);
    } catch (error) {
      this.options.warn?.({ err: error }, 'session leases could not be renewed');
      return;
    }
    await Promise.all(lost.map((id) => this.#claimOrLetGo(id)));
  }

  /**
   * Before a request of session `sessionId` is served here: its answer from the owner when another
   * node owns the session, a 503 when that cannot be known, or `undefined` to serve it here.
   *
   * The common cases are answered from memory, with no Redis round trip and no async frame: a
   * session held and leased here (every request behind a sticky balancer), a request another node
   * forwarded, and a 2026 request that neither retries a parked call nor calls a per-session backend.
   */
  route(request: Request, caller: Caller, body?: string): Promise<Response | undefined> {
    // Forwarded to this node by another: served here, never forwarded again.
    if (request.headers.has(FORWARDED_HEADER)) return HERE;
    const sessionId = request.headers.get(SESSION_HEADER);
    if (sessionId === null) {
      if (body === undefined) return HERE;
      const retry = this.options.locate !== undefined && body.includes('requestState');
      if (this.options.locate !== undefined && isTaskRequest(request))
        return this.#routeTask(request, caller, body);
      if (!retry && !this.#mayBeBound(request)) return HERE;
      return this.#routeSessionless(request, caller, body);
    }
    if (this.#claimed.has(sessionId) && this.options.coordinator.holds(sessionId)) return HERE;
    return this.#routeSession(request, caller, sessionId, body);
  }

  async #routeSessionless(request: Request, caller: Caller, body: string): Promise<Response | undefined> {
    return (await this.#routeRetry(request, caller, body)) ?? this.#routeBound(request, caller, body);
  }

  /** Whether a 2026 request calls a tool or prompt that may be a `per-session` backend's. */
  #mayBeBound(request: Request): boolean {
    const method = request.headers.get('mcp-method');
    if (method !== 'tools/call' && method !== 'prompts/get') return false;
    const name = request.headers.get('mcp-name');
    return name !== null && this.options.perSession?.(name) === true;
  }

  /**
   * A 2026 call of a `per-session` backend with an affinity key: routed as the key's stand-in
   * session — to the node that leases it, or leased here (`undefined`: served here).
   */
  async #routeBound(request: Request, caller: Caller, body: string): Promise<Response | undefined> {
    if (!this.#mayBeBound(request)) return undefined;
    const key = this.options.affinityKey?.(request, caller.principal) ?? null;
    if (key === null) return undefined;
    const standIn = standInId(caller.principal, key);
    let answer: Response | undefined;
    try {
      answer = await this.#routeSession(request, caller, standIn, body);
    } catch (error) {
      // A principal or key the lease store cannot name (past 256 characters, not visible ASCII):
      // served here, unleased.
      if (isJournalInvalidInputError(error)) return undefined;
      throw error;
    }
    // Not forwarded: served here, so leased here (at once, before the worker is bound).
    if (answer === undefined && !this.#claimed.has(standIn)) await this.#claimOrLetGo(standIn, false);
    return answer;
  }

  /** A request of a session (or a leased stand-in): its owner's answer, or `undefined` to serve it here. */
  async #routeSession(
    request: Request,
    caller: Caller,
    sessionId: string,
    body: string | undefined,
  ): Promise<Response | undefined> {
    if (this.options.coordinator.holds(sessionId) && this.#claimed.has(sessionId)) return undefined;
    let lease: Awaited<ReturnType<SessionLeases['get']>>;
    try {
      lease = await this.options.leases.get(sessionId, this.node);
    } catch (error) {
      if (isJournalUnavailableError(error)) return unavailable();
      throw error;
    }
    if (lease === undefined || lease.mine) return undefined;
    const answer = await this.#forward(request, lease.owner, caller, body);
    if (answer !== 'unreachable') return answer;
    // The owner is gone: take the session over (one node wins), then serve it here.
    let taken: Awaited<ReturnType<SessionLeases['claim']>>;
    try {
      taken = await this.options.leases.claim(sessionId, this.node, this.options.leaseMs, lease.owner.id);
    } catch (error) {
      if (isJournalUnavailableError(error)) return unavailable();
      throw error;
    }
    if (taken.mine) {
      this.options.warn?.(
        { session: sessionId.slice(0, 8), from: lease.owner.id },
        'took over a session whose node cannot be reached',
      );
      this.#claimed.add(sessionId);
      return undefined;
    }
    const again = await this.#forward(request, taken.owner, caller, body);
    return again === 'unreachable'
      ? rpcError(503, SESSION_STORE_UNAVAILABLE, "the session's node cannot be reached; retry shortly", {
          headers: RETRY_AFTER,
        })
      : again;
  }

  /**
   * A 2026 request (no session): forwarded only when it retries a call parked on another live node
   * (its `requestState` says which); else `undefined`, served here.
   */
  async #routeRetry(request: Request, caller: Caller, body: string): Promise<Response | undefined> {
    if (this.options.locate === undefined || !body.includes('requestState')) return undefined;
    let state: unknown;
    try {
      state = (JSON.parse(body) as { params?: { requestState?: unknown } } | null)?.params?.requestState;
    } catch {
      return undefined;
    }
    if (typeof state !== 'string') return undefined;
    return this.#routeToNode(request, caller, body, nodeOfRequestState(state));
  }

  /**
   * A 2026 `tasks/*` request (no session): forwarded to the node that runs the task (its id names
   * it: `request-state.ts`) when that node is alive; else `undefined`, answered here from the journal
   * (a task whose node is gone failed with it: outcome unknown).
   */
  async #routeTask(request: Request, caller: Caller, body: string): Promise<Response | undefined> {
    let taskId: unknown;
    try {
      taskId = (JSON.parse(body) as { params?: { taskId?: unknown } } | null)?.params?.taskId;
    } catch {
      return undefined;
    }
    if (typeof taskId !== 'string') return undefined;
    return this.#routeToNode(request, caller, body, nodeOfRequestState(taskId));
  }

  /**
   * Asks the node running task `taskId` to cancel it for `principal` (a 2025 session here asked): a
   * 2026 `tasks/cancel` sent there signed as that principal; true when that node answered it.
   */
  async cancelTask(taskId: string, principal: string | null): Promise<boolean> {
    const nodeId = nodeOfRequestState(taskId);
    if (nodeId === undefined || nodeId === this.nodeId || this.refusedLately(nodeId)) return false;
    let url: string | undefined;
    try {
      url = await this.options.locate?.(nodeId);
    } catch (error) {
      this.options.warn?.({ err: error }, "a task's node could not be looked up");
      return false;
    }
    if (url === undefined) return false;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 'switchyard-relayed-cancel',
      method: 'tasks/cancel',
      params: {
        taskId,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {
            extensions: { 'io.modelcontextprotocol/tasks': {} },
          },
        },
      },
    });
    const request = new Request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tasks/cancel',
        'mcp-name': taskId,
      },
      body,
    });
    const answer = await this.#forward(request, { id: nodeId, url }, { principal }, body);
    if (answer === 'unreachable') return false;
    try {
      const reply = (await answer.json()) as unknown;
      return answer.ok && typeof reply === 'object' && reply !== null && 'result' in reply;
    } catch {
      return false;
    }
  }

  /** Whether node `nodeId` refused a connection within the last `goneMs` (it is gone: its heartbeat lapses). */
  refusedLately(nodeId: string): boolean {
    const at = this.#refused.get(nodeId);
    if (at === undefined) return false;
    if (this.#now() - at < (this.options.goneMs ?? 15_000)) return true;
    this.#refused.delete(nodeId);
    return false;
  }

  /** Forwarded to live node `nodeId` (not this one); `undefined` to serve it here. */
  async #routeToNode(
    request: Request,
    caller: Caller,
    body: string,
    nodeId: string | undefined,
  ): Promise<Response | undefined> {
    const locate = this.options.locate;
    if (locate === undefined || nodeId === undefined || nodeId === this.nodeId) return undefined;
    if (this.refusedLately(nodeId)) return undefined;
    let url: string | undefined;
    try {
      url = await locate(nodeId);
    } catch (error) {
      if (isJournalUnavailableError(error)) return unavailable();
      this.options.warn?.({ err: error }, "a request's node could not be looked up");
      return unavailable();
    }
    if (url === undefined) return undefined;
    const answer = await this.#forward(request, { id: nodeId, url }, caller, body);
    return answer === 'unreachable' ? undefined : answer;
  }

  /**
   * After a request of `sessionId` was served here (or the session was made here): make sure it is
   * this node's, before the answer goes out — so the client's next request, on whichever node, finds
   * the owner. At once when already claimed.
   */
  served(sessionId: string): Promise<void> {
    if (this.#claimed.has(sessionId) || !this.options.coordinator.holds(sessionId)) return DONE;
    return this.#claimOrLetGo(sessionId);
  }

  /**
   * The journal refused a write of `sessionId`: another node took it over since this one claimed it
   * (this node was paused past its lease). The copy here is stale: let it go; the next request is
   * forwarded to the owner (or restored afresh from the record).
   */
  async #fencedOff(sessionId: string): Promise<void> {
    const wasClaimed = this.#claimed.delete(sessionId);
    if (!this.options.coordinator.holds(sessionId)) return;
    if (wasClaimed)
      this.options.warn?.(
        { session: sessionId.slice(0, 8) },
        'another node took over a session held here (this node was paused?): its writes are refused; letting it go',
      );
    try {
      await this.options.coordinator.relinquish(sessionId);
    } catch (error) {
      this.options.warn?.({ err: error }, 'a session taken over elsewhere could not be let go');
    }
  }

  async #claimOrLetGo(sessionId: string, letGo = true): Promise<void> {
    try {
      const lease = await this.options.leases.claim(sessionId, this.node, this.options.leaseMs);
      if (lease.mine) {
        this.#claimed.add(sessionId);
        return;
      }
      this.#claimed.delete(sessionId);
      if (letGo) await this.options.coordinator.relinquish(sessionId);
    } catch (error) {
      this.options.warn?.({ err: error }, 'a session lease could not be claimed');
    }
  }

  async #forward(
    request: Request,
    owner: LeaseNode,
    caller: Caller,
    body: string | undefined,
  ): Promise<Response | 'unreachable'> {
    const headers = new Headers();
    for (const [name, value] of request.headers) if (!HOP_BY_HOP.has(name)) headers.set(name, value);
    // Bound to the session the owner will read from the request (none for a 2026 one).
    const signedFor = request.headers.get(SESSION_HEADER) ?? '';
    headers.set(FORWARDED_HEADER, this.options.signer.sign(this.nodeId, caller, request.method, signedFor));
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal.reason);
    request.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error('no answer from the owner')),
      HEADERS_TIMEOUT_MS,
    );
    let upstream: Response;
    try {
      upstream = await this.#fetch(owner.url, {
        method: request.method,
        headers,
        ...(body !== undefined && { body }),
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      request.signal.removeEventListener('abort', onAbort);
      if (isRefused(error)) {
        this.#refused.set(owner.id, this.#now());
        return 'unreachable';
      }
      this.options.warn?.({ err: error, owner: owner.id }, 'a forwarded request failed');
      return rpcError(503, SESSION_STORE_UNAVAILABLE, "the session's node did not answer; retry shortly", {
        headers: RETRY_AFTER,
      });
    } finally {
      clearTimeout(timer);
    }
    const out: Record<string, string> = {};
    for (const [name, value] of upstream.headers) if (!HOP_BY_HOP.has(name)) out[name] = value;
    // The body streams through; the client going away cancels the owner's answer too.
    const done = () => request.signal.removeEventListener('abort', onAbort);
    if (upstream.body === null) {
      done();
      return new Response(null, { status: upstream.status, headers: out });
    }
    const relay = upstream.body.pipeThrough(
      new TransformStream({
        flush: done,
      }),
    );
    return new Response(relay, { status: upstream.status, headers: out });
  }
}

/** A 2026 request on a task (`Mcp-Method: tasks/get`, `tasks/cancel`, `tasks/update`, …). */
function isTaskRequest(request: Request): boolean {
  return request.headers.get('mcp-method')?.startsWith('tasks/') === true;
}

function unavailable(): Response {
  return rpcError(503, SESSION_STORE_UNAVAILABLE, 'the session store cannot be reached; retry shortly', {
    headers: RETRY_AFTER,
  });
}

/** Whether fetch failed because nothing listens at the owner's address (it is gone). */
function isRefused(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ConnectionRefused' || code === 'ECONNREFUSED' || /refused/i.test(String(error));
}

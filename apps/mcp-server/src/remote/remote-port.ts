/**
 * The `TierPort` for per-principal remote backends: one connection per principal to an MCP server
 * reached over HTTP (`remote-connection.ts`: the official SDK v1 client transports with the entry's
 * `headers`), at most `replicas.max` at once — at the bound an unleased one, the least recently
 * used, is ended for a new principal — each ended when its principal's last session ends. (A shared
 * remote backend is a pool of the tier manager: `gateway/backend-spec.ts`.)
 *
 * - Upstream identity: the entry's `headers` (secrets, revealed only onto the request) on every
 *   request; with `tokenExchange`, each request of a principal's connection carries
 *   `Authorization: Bearer <a token for this backend>`, got by exchanging the principal's access
 *   token (`auth/token-exchange.ts`, cached per principal and backend). The caller's own token is
 *   never sent: the port never sees it, only the exchanged one. A failed exchange fails the connect
 *   (the acquire) or the one request, with the reason.
 * - Connected lazily, on the first acquire; concurrent acquires share one connect. Connecting is
 *   the transport's start and the MCP handshake (done here, so that a remote that is down fails
 *   the acquire with its reason, and reported through `initialized`, so the coordinator does not
 *   repeat it). A failed connect rejects with an Error naming the backend, its URL and the reason;
 *   for `retryAfterMs` after it, acquires are refused at once with the same reason (a dead remote
 *   is not hammered), then the next acquire tries again.
 * - After the handshake the channel only carries messages: `send` → the connection, its messages →
 *   listeners (progress, list_changed, the remote's own requests), and `notifications/cancelled`
 *   passes through like any notification.
 * - The connection gone (it says so: `RemoteConnectionError` with `gone`, then its close) closes the
 *   channel: the coordinator answers every request on it with an error naming the backend, and the
 *   next acquire connects anew. Any other failed send (an HTTP error for one message) answers that
 *   request with an error instead.
 * - `close` ends every connection, asking the remote to drop its session first where the
 *   transport can (`terminateSession`, Streamable HTTP's DELETE).
 */

import {
  type AcquireOptions,
  type BackendHandshake,
  backendHandshake,
  bridgeOf,
  errorResponse,
  type Implementation,
  INTERNAL_ERROR,
  isJsonRpcErrorResponse,
  isRequestId,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type TierPort,
  type WorkerChannel,
  type WorkerLease,
} from '@switchyard/coordinator';
import type { SubjectTokens } from '../auth/subject-tokens.ts';
import { isTokenExchangeError, TokenExchangeError, type TokenExchanger } from '../auth/token-exchange.ts';
import type { BackendConfig } from '../config/resolve.ts';
import { withCredentials } from './credential-fetch.ts';
import { modernFetchWhen } from './modern-fetch.ts';
import {
  isRemoteConnectionError,
  labelOf,
  type RemoteBackendConfig,
  RemoteConnection,
} from './remote-connection.ts';

export type { RemoteBackendConfig } from './remote-connection.ts';

export interface RemotePortOptions {
  /** How the gateway introduces itself to remotes. */
  clientInfo: Implementation;
  /** After a failed connect, acquires are refused at once for this long, ms. Default 1000. */
  retryAfterMs?: number;
  /** How long `close` waits for each remote to drop its session, ms. Default 1000. */
  terminateTimeoutMs?: number;
  /** Each principal's access token, for remotes with `tokenExchange`. */
  subjects?: SubjectTokens | undefined;
  /** Trades them for backend tokens; without it a `tokenExchange` remote cannot connect. */
  exchanger?: TokenExchanger | undefined;
  /** The operator's log: each failed exchange (its reason, never a token). */
  warn?: ((fields: Record<string, unknown>, message: string) => void) | undefined;
}

type ResolvedOptions = Required<Omit<RemotePortOptions, 'subjects' | 'exchanger' | 'warn'>> &
  Pick<RemotePortOptions, 'subjects' | 'exchanger' | 'warn'>;

/** What the port knows of one remote, for status pages. */
export interface RemoteStats {
  state: 'idle' | 'connecting' | 'connected' | 'failed';
  /** Connections made (handshake done) since start. */
  connects: number;
  /** Leases handed out and not yet released. */
  leased: number;
  /** The last connect failure, while acquires are refused because of it or until a connect succeeds. */
  failure?: { reason: string; at: number };
  /** The protocol era it was found to speak, once connected. */
  era?: '2025' | '2026';
}

const DEFAULT_RETRY_AFTER_MS = 1_000;
const DEFAULT_TERMINATE_TIMEOUT_MS = 1_000;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One connection to a remote, as a `WorkerChannel`. */
class RemoteChannel implements WorkerChannel {
  initialized: BackendHandshake | undefined;
  private readonly listeners = new Set<(message: JsonRpcMessage) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  /** The port's own requests (the handshake), by id, until the handshake is done. */
  private readonly own = new Map<string, { resolve(m: JsonRpcMessage): void; reject(e: Error): void }>();
  private nextOwnId = 1;
  private closedReason: string | undefined;
  /** Why the connection went, as it said (`RemoteConnectionError` with `gone`). */
  private goneReason: string | undefined;

  constructor(
    readonly id: string,
    private readonly connection: RemoteConnection,
    /** `remote "name" at url`, the start of every reason. */
    private readonly label: string,
  ) {
    connection.onmessage = (message) => this.receive(message as JsonRpcMessage);
    connection.onerror = (error) => {
      if (isRemoteConnectionError(error) && error.gone) this.goneReason = error.reason;
    };
    connection.onclose = () => this.close(this.goneReason ?? 'the connection was closed');
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** The transport's start, then the MCP handshake of `era` (`auto`: `server/discover` first). */
  async connect(clientInfo: Implementation, era: '2025' | '2026' | 'auto'): Promise<void> {
    await this.connection.start();
    this.initialized = await backendHandshake(
      {
        request: (method, params) => this.request(method, params),
        notify: (method) => this.send({ jsonrpc: JSONRPC_VERSION, method }),
      },
      clientInfo,
      { era },
    );
  }

  send(message: JsonRpcMessage): void {
    if (this.closedReason !== undefined) return;
    this.connection.send(message as Parameters<RemoteConnection['send']>[0]).catch((error: unknown) => {
      if (isRemoteConnectionError(error) && error.gone) {
        this.close(error.reason);
      } else if ('method' in message && 'id' in message && isRequestId(message.id)) {
        this.receive(errorResponse(message.id, { code: INTERNAL_ERROR, message: messageOf(error) }));
      }
    });
  }

  onMessage(listener: (message: JsonRpcMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Ends the connection, asking the remote to drop its session first (the connection's own bound). */
  async end(reason: string): Promise<void> {
    if (this.closedReason === undefined) {
      this.goneReason ??= reason;
      await this.connection.close();
    }
    this.close(reason);
  }

  /** A request of the port's own (string ids: the coordinator's are numbers). */
  private request(method: string, params: JsonObject): Promise<unknown> {
    const id = `switchyard-${method}-${this.nextOwnId++}`;
    // A connection already gone (a probe found the remote down) answers at once, not never.
    if (this.closedReason !== undefined) return Promise.reject(new Error(this.closedReason));
    return new Promise((resolve, reject) => {
      this.own.set(id, {
        resolve: (message) => {
          const m = message as JsonRpcResponse;
          if (isJsonRpcErrorResponse(m))
            reject(
              Object.assign(new Error(`${method} failed: ${m.error.message}`), {
                code: m.error.code,
                data: m.error.data,
              }),
            );
          else resolve((m as { result?: JsonObject }).result);
        },
        reject,
      });
      this.send({ jsonrpc: JSONRPC_VERSION, id, method, params });
    });
  }

  private receive(message: JsonRpcMessage): void {
    if (!('method' in message) && 'id' in message && typeof message.id === 'string') {
      const waiter = this.own.get(message.id);
      if (waiter) {
        this.own.delete(message.id);
        waiter.resolve(message);
        return;
      }
    }
    for (const l of this.listeners) l(message);
  }

  private close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const error = new Error(reason);
    for (const waiter of this.own.values()) waiter.reject(error);
    this.own.clear();
    // Stops the transport's streams and reconnection timers (its onclose lands here again: a no-op).
    this.connection.close().catch(() => {});
    for (const l of this.closeListeners) l(`${this.label}: ${reason}`);
  }
}

/** One remote backend: its connection, the connect in progress, the last failure. */
class Remote {
  channel: RemoteChannel | undefined;
  /** What the coordinator is handed: the channel, or for a 2026 remote the bridge over it. */
  facade: WorkerChannel | undefined;
  connecting: Promise<RemoteChannel> | undefined;
  failure: { reason: string; at: number } | undefined;
  connects = 0;
  leased = 0;
  /** When it was last acquired (ms since the epoch): the least recently used goes first at the bound. */
  lastUsed = 0;
  /** Connections tried, by every remote: each channel's id is unique. */
  private static attempts = 0;

  constructor(
    readonly config: RemoteBackendConfig,
    private readonly options: ResolvedOptions,
    /** The principal whose connection this is, for a per-principal remote. */
    readonly principal?: string,
  ) {}

  get label(): string {
    return labelOf(this.config);
  }

  /**
   * The `fetch` of this connection: the 2026 headers, and with token exchange the principal's
   * exchanged token on every request.
   */
  private fetchOf(modern: () => boolean): typeof fetch {
    const modernFetch = modernFetchWhen(modern);
    const exchange = this.config.tokenExchange;
    if (exchange === undefined) return modernFetch;
    const { name } = this.config;
    const principal = this.principal ?? '';
    const { subjects, exchanger, warn } = this.options;
    const failed = (error: TokenExchangeError): never => {
      warn?.({ backend: name, principal, reason: error.message }, 'token exchange failed');
      throw error;
    };
    return withCredentials(modernFetch, async (signal) => {
      if (exchanger === undefined || subjects === undefined)
        return failed(
          new TokenExchangeError(
            `backend "${name}" has tokenExchange but the running gateway has no switchyard.auth.oauth.tokenExchange (it takes effect at restart)`,
          ),
        );
      const subject = subjects.current(principal);
      if (subject === undefined)
        return failed(
          new TokenExchangeError(
            `backend "${name}" is called with a token exchanged for the caller's OAuth access token, and principal "${principal}" has none (a static token, or it expired)`,
          ),
        );
      const token = await exchanger
        .tokenFor(principal, name, subject, exchange, signal)
        .catch((error: unknown) => (isTokenExchangeError(error) ? failed(error) : Promise.reject(error)));
      return { authorization: `Bearer ${token}` };
    });
  }

  stats(): RemoteStats {
    const state = this.channel
      ? 'connected'
      : this.connecting
        ? 'connecting'
        : this.failure
          ? 'failed'
          : 'idle';
    const handshake = this.channel?.initialized;
    const era = handshake === undefined ? undefined : handshake.era === 'modern' ? '2026' : '2025';
    return {
      state,
      connects: this.connects,
      leased: this.leased,
      ...(this.failure && { failure: { ...this.failure } }),
      ...(era !== undefined && { era }),
    };
  }

  /** The live connection, or a new one (shared by every acquire while it is made). */
  connection(): Promise<RemoteChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    if (this.connecting) return this.connecting;
    const failure = this.failure;
    if (failure) {
      const wait = failure.at + this.options.retryAfterMs - Date.now();
      if (wait > 0)
        return Promise.reject(
          new Error(
            `${this.label}: ${failure.reason} (failed ${Date.now() - failure.at} ms ago; next attempt in ${wait} ms)`,
          ),
        );
    }
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<RemoteChannel> {
    const { config } = this;
    const connection = new RemoteConnection(config, {
      terminateTimeoutMs: this.options.terminateTimeoutMs,
      fetch: (modern) => this.fetchOf(modern),
    });
    // Unique across the port: the coordinator knows its workers by id (a principal's connections come and go).
    const channel = new RemoteChannel(`remote:${config.name}#${++Remote.attempts}`, connection, this.label);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        // 2026-07-28 has no HTTP+SSE transport: an `sse` remote speaks 2025.
        channel.connect(this.options.clientInfo, config.transport === 'sse' ? '2025' : config.era),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no connection within ${config.timeouts.startMs} ms`)),
            config.timeouts.startMs,
          );
        }),
      ]);
    } catch (e) {
      const reason = messageOf(e).replace(`${this.label}: `, '');
      void channel.end(reason);
      this.failure = { reason, at: Date.now() };
      throw new Error(`${this.label}: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    if (channel.isClosed) {
      // Closed between the handshake and here (the stream broke at once): a failure like any other.
      this.failure = { reason: 'the connection closed right after the handshake', at: Date.now() };
      throw new Error(`${this.label}: ${this.failure.reason}`);
    }
    this.failure = undefined;
    this.connects++;
    this.channel = channel;
    this.facade = bridgeOf(channel, channel.initialized, this.options.clientInfo);
    channel.onClose(() => {
      if (this.channel === channel) this.channel = undefined;
    });
    return channel;
  }
}

/** A per-principal remote backend: a connection per principal. */
interface Served {
  config: RemoteBackendConfig;
  /** The connections, by principal. */
  byPrincipal: Map<string, Remote>;
  /** Connections made by connections since ended (`connects` counts since start). */
  retiredConnects: number;
}

function connectionsOf(served: Served): Remote[] {
  return [...served.byPrincipal.values()];
}

/** Takes a principal's connection out of its backend (the caller ends it), keeping its count. */
function retire(served: Served, remote: Remote): void {
  served.byPrincipal.delete(remote.principal ?? '');
  served.retiredConnects += remote.connects;
}

/** Several connections' stats as one backend's. */
function mergedStats(remotes: readonly Remote[], retiredConnects: number): RemoteStats {
  const stats = remotes.map((r) => r.stats());
  const order: RemoteStats['state'][] = ['connected', 'connecting', 'failed', 'idle'];
  const state = order.find((s) => stats.some((x) => x.state === s)) ?? 'idle';
  const failure = stats.find((x) => x.failure)?.failure;
  const era = stats.find((x) => x.era)?.era;
  return {
    state,
    connects: stats.reduce((n, x) => n + x.connects, retiredConnects),
    leased: stats.reduce((n, x) => n + x.leased, 0),
    ...(failure && state === 'failed' && { failure }),
    ...(era !== undefined && { era }),
  };
}

export class RemotePort implements TierPort {
  private readonly remotes = new Map<string, Served>();
  private closed = false;
  private readonly resolved: ResolvedOptions;

  constructor(backends: readonly BackendConfig[], options: RemotePortOptions) {
    this.resolved = {
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
      terminateTimeoutMs: DEFAULT_TERMINATE_TIMEOUT_MS,
      ...options,
    };
    for (const b of backends) this.add(b);
  }

  /** Serves one more per-principal remote backend (configuration reload); others are ignored. */
  add(backend: BackendConfig): void {
    if (backend.kind !== 'remote' || backend.isolation !== 'per-principal') return;
    this.remotes.set(backend.name, { config: backend, byPrincipal: new Map(), retiredConnects: 0 });
  }

  /** Stops serving a remote backend: its connections end (their remote sessions dropped). */
  async remove(name: string): Promise<void> {
    const served = this.remotes.get(name);
    if (!served) return;
    this.remotes.delete(name);
    await Promise.all(
      connectionsOf(served).map((r) => this.end(r, 'the backend was removed from the configuration')),
    );
  }

  private async end(remote: Remote, reason: string): Promise<void> {
    const channel = remote.channel ?? (await remote.connecting?.catch(() => undefined));
    await channel?.end(reason);
  }

  /** Whether `backend` is one of this port's remotes. */
  serves(backend: string): boolean {
    return this.remotes.has(backend);
  }

  /** Each remote's connection state (its principals' connections together). */
  stats(): Record<string, RemoteStats> {
    return Object.fromEntries(
      [...this.remotes].map(([name, served]) => [
        name,
        mergedStats(connectionsOf(served), served.retiredConnects),
      ]),
    );
  }

  /** The principal's connection for `options` (made room for at the bound). */
  private remoteFor(served: Served, options: AcquireOptions): Remote {
    const byPrincipal = served.byPrincipal;
    const principal = options.principal ?? '';
    const known = byPrincipal.get(principal);
    if (known) return known;
    const max = served.config.replicas.max;
    if (byPrincipal.size >= max) {
      const idle = [...byPrincipal.values()]
        .filter((r) => r.leased === 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (idle === undefined)
        throw new Error(
          `remote "${served.config.name}": ${max} principals are being served at once (mcpServers.${served.config.name}.replicas.max); try again later`,
        );
      retire(served, idle);
      void this.end(idle, 'its connection made room for another principal');
    }
    const remote = new Remote(served.config, this.resolved, principal);
    byPrincipal.set(principal, remote);
    return remote;
  }

  async acquire(backend: string, options: AcquireOptions): Promise<WorkerLease> {
    const served = this.remotes.get(backend);
    if (!served) throw new Error(`RemotePort: "${backend}" is not a remote backend`);
    if (this.closed) throw new Error(`${labelOf(served.config)}: the gateway is stopping`);
    options.signal?.throwIfAborted();
    const remote = this.remoteFor(served, options);
    remote.lastUsed = Date.now();
    remote.leased++;
    let channel: RemoteChannel;
    try {
      channel = await waitFor(remote.connection(), options, remote.label);
    } catch (error) {
      remote.leased--;
      throw error;
    }
    let released = false;
    return {
      worker: remote.channel === channel && remote.facade ? remote.facade : channel,
      release: () => {
        if (released) return;
        released = true;
        remote.leased--;
      },
    };
  }

  /** Nothing to do: no connection is bound to a session. */
  async endSession(_session: string): Promise<void> {}

  /** The principal's last session ended: its per-principal connections end. */
  async endPrincipal(principal: string): Promise<void> {
    const ending: Remote[] = [];
    for (const served of this.remotes.values()) {
      const remote = served.byPrincipal.get(principal);
      if (remote === undefined || remote.leased > 0) continue;
      retire(served, remote);
      ending.push(remote);
    }
    await Promise.all(ending.map((r) => this.end(r, "the principal's last session ended")));
  }

  /** Ends every connection (asking each remote to drop its session first); acquires fail after. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.remotes.values()].flatMap((served) =>
        connectionsOf(served).map((remote) => this.end(remote, 'the gateway stopped')),
      ),
    );
  }
}

/** `connection`, bounded by the acquire's own timeout and signal (the connect goes on for others). */
function waitFor(
  connection: Promise<RemoteChannel>,
  options: AcquireOptions,
  label: string,
): Promise<RemoteChannel> {
  const { signal, timeoutMs } = options;
  if (!signal && timeoutMs === undefined) return connection;
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      done();
      reject(signal?.reason ?? new Error('aborted'));
    };
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        done();
        reject(new Error(`${label}: not connected within ${timeoutMs} ms`));
      }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    connection.then(
      (c) => {
        done();
        resolve(c);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

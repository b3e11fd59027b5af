/**
 * One connection to a remote MCP server as a worker of its backend's pool (`@switchyard/worker-pool`'s
 * remote runtime): `remoteConnector(config)` makes, per worker, an official SDK v1 client transport —
 * Streamable HTTP (`StreamableHTTPClientTransport`) or the legacy HTTP+SSE transport
 * (`SSEClientTransport`) — with the entry's `headers` on every request, and the 2026 standard headers
 * while the connection has not been found to speak 2025 (`modern-fetch.ts`).
 *
 * The pool's ready hook does the MCP handshake over it (like a process's); the connection only
 * carries messages. It watches its own HTTP traffic to tell when the connection is gone, from
 * typed facts — never from the wording of an SDK error message:
 * - a request that could not be sent (a network error: fetch's `TypeError`, or a system error with
 *   its `code`, e.g. ECONNREFUSED);
 * - HTTP 404 to a request inside a session (the `Mcp-Session-Id` sent, or the legacy transport's
 *   per-session endpoint): the remote restarted or expired it;
 * - an event stream (a POST's answer, or the listening GET) that broke off mid-way, which loses the
 *   answers due on it;
 * - the legacy transport's event stream failing (`SseError`: it would reconnect into a new,
 *   uninitialized session).
 * A connection gone reports the reason (`onerror`, then `onclose`): the pool fails the requests on
 * it and replaces the worker, and the backend's health decides when. Any other failed send (an HTTP
 * error for one message) fails that request alone. A request the remote refused for its credentials
 * (HTTP 401/403) fails with `status` set and the remote's answer (status, `WWW-Authenticate`, the
 * start of its body) as the reason; the connection keeps the first such refusal (`refused`), so a
 * per-principal remote can tell a principal refused from a backend failing
 * (`principal-connections.ts`). Every reason starts with the remote's label,
 * `remote "name" at url`. Closing it asks the remote to drop its session first where the transport
 * can (`terminateSession`, Streamable HTTP's DELETE), within `terminateTimeoutMs`.
 */
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { RemoteConnect } from '@switchyard/multi-tier';
import type { JsonRpcMessage, RemoteTransport } from '@switchyard/worker-pool';
import type { BackendConfig } from '../config/resolve.ts';
import { revealAll } from '../config/secret.ts';
import { CredentialsUnavailableError } from './credential-fetch.ts';
import { modernFetchWhen } from './modern-fetch.ts';

export type RemoteBackendConfig = Extract<BackendConfig, { kind: 'remote' }>;

/** How messages and errors name a remote backend. */
export function labelOf(config: Pick<RemoteBackendConfig, 'name' | 'url'>): string {
  return `remote "${config.name}" at ${config.url}`;
}

/**
 * A failure on a remote connection: `gone` when the connection went with it; `status`, the remote's
 * HTTP status when it answered the request with one of refusal (401, 403: the credentials); `code`,
 * the JSON-RPC error code its request is answered with, when not the default. The message is the
 * remote's label and the `reason`.
 */
export class RemoteConnectionError extends Error {
  override readonly name = 'RemoteConnectionError';
  readonly status: number | undefined;
  /**
   * On a connection with a principal's own credentials, a request whose credentials the remote
   * refused or that could not be had is the principal's failure, not the backend's: answered with
   * `-32600` (Invalid Request, as the gateway's front door answers a refused token), an error that
   * blames the request, so it does not count against the backend's circuit breaker or the
   * worker's outlier ejection.
   */
  readonly code: number | undefined;
  constructor(
    label: string,
    readonly reason: string,
    readonly gone: boolean,
    options?: { cause?: unknown; status?: number; code?: number },
  ) {
    super(`${label}: ${reason}`, options);
    this.status = options?.status;
    this.code = options?.code;
  }
}

/** JSON-RPC Invalid Request: what a request refused for its principal's credentials is answered with. */
const INVALID_REQUEST = -32600;

export function isRemoteConnectionError(e: unknown): e is RemoteConnectionError {
  return (
    e instanceof Error &&
    e.name === 'RemoteConnectionError' &&
    typeof (e as { gone?: unknown }).gone === 'boolean'
  );
}

export interface RemoteConnectorOptions {
  /** How long `close` waits for the remote to drop its session, ms. Default 1000. */
  terminateTimeoutMs?: number;
  /** The `fetch` below the connection's own (e.g. one adding credentials). Default `fetch`. */
  fetch?: (modern: () => boolean) => typeof fetch;
  /** The principal whose credentials the connection carries: named when the remote refuses them. */
  principal?: string;
  /** Told once when the connection has ended (closed by us, or gone). */
  onEnded?: () => void;
  /** Told each time the remote refuses a request's credentials (HTTP 401/403). */
  onRefused?: (error: RemoteConnectionError) => void;
}

/** HTTP statuses by which a remote refuses a request's credentials. */
const REFUSALS = new Set([401, 403]);
/** How much of a refusal's body goes into its reason, characters. */
const ANSWER_CHARS = 300;

/** What the remote said refusing a request: status, `WWW-Authenticate`, the start of the body. */
async function refusalAnswer(response: Response): Promise<string> {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const challenge = response.headers.get('www-authenticate');
  const body = await response
    .clone()
    .text()
    .then((text) => text.replace(/\s+/g, ' ').trim())
    .catch(() => '');
  const cut = body.length > ANSWER_CHARS ? `${body.slice(0, ANSWER_CHARS)}…` : body;
  return `${status}${challenge ? ` (WWW-Authenticate: ${challenge})` : ''}${cut ? `: ${cut}` : ''}`;
}

type SdkTransport = Transport & { terminateSession?: () => Promise<void>; sessionId?: string | undefined };

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A network failure: fetch's `TypeError`, or a system error with its code (ECONNREFUSED …). */
function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && typeof (e as { code?: unknown }).code === 'string');
}

/**
 * Makes a new connection per worker of a remote backend (started by the pool), each carrying the
 * entry's own `headers` (a per-principal remote with its principals' credentials:
 * `principal-connections.ts`).
 */
export function remoteConnector(
  config: RemoteBackendConfig,
  options: RemoteConnectorOptions = {},
): RemoteConnect {
  return () => new RemoteConnection(config, options);
}

/** One connection to a remote, in worker-pool's `RemoteTransport` shape. */
export class RemoteConnection implements RemoteTransport {
  onmessage?: ((message: JsonRpcMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  readonly #label: string;
  readonly #inner: SdkTransport;
  readonly #terminateTimeoutMs: number;
  /** Whose credentials a refusal names. */
  readonly #whose: string;
  /** The code a request refused for its principal's credentials is answered with (none: the default). */
  readonly #refusedCode: number | undefined;
  readonly #onEnded: (() => void) | undefined;
  readonly #onRefused: ((error: RemoteConnectionError) => void) | undefined;
  /** What the remote said on the last request it refused for its credentials (401/403). */
  #lastRefusal: string | undefined;
  #refused: RemoteConnectionError | undefined;
  /** The id of the `initialize` request sent, until it is answered. */
  #initializeId: string | number | undefined;
  /** The remote answered `initialize`: it speaks 2025 (no 2026 headers from now on). */
  #legacy = false;
  #gone = false;
  #closing = false;
  #closed = false;

  constructor(config: RemoteBackendConfig, options: RemoteConnectorOptions) {
    this.#label = labelOf(config);
    this.#terminateTimeoutMs = options.terminateTimeoutMs ?? 1_000;
    this.#whose =
      options.principal === undefined ? 'the credentials' : `principal "${options.principal}"’s credentials`;
    this.#onEnded = options.onEnded;
    this.#onRefused = options.onRefused;
    this.#refusedCode = options.principal === undefined ? undefined : INVALID_REQUEST;
    const url = new URL(config.url);
    const requestInit = { headers: revealAll(config.headers) };
    const modern = () => !this.#legacy;
    const base = options.fetch?.(modern) ?? modernFetchWhen(modern);
    const legacySse = config.transport === 'sse';
    const watched = this.#watch(base, legacySse);
    this.#inner = legacySse
      ? new SSEClientTransport(url, { requestInit, fetch: watched })
      : new StreamableHTTPClientTransport(url, { requestInit, fetch: watched });
    this.#inner.onmessage = (message) => this.#receive(message as JsonRpcMessage);
    // Closed by the transport itself, not by us: gone, and said so (the worker's exit reason).
    this.#inner.onclose = () => this.#lost('the connection was closed');
    this.#inner.onerror = (error) => {
      if (error instanceof SseError) this.#lost(`the event stream failed: ${error.message}`);
      else this.onerror?.(error);
    };
  }

  async start(): Promise<void> {
    try {
      await this.#inner.start();
    } catch (e) {
      throw new RemoteConnectionError(this.#label, messageOf(e), true, { cause: e });
    }
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.#gone) throw new RemoteConnectionError(this.#label, 'the connection is gone', true);
    if ('method' in message && message.method === 'initialize' && 'id' in message)
      this.#initializeId = message.id as string | number;
    try {
      await this.#inner.send(message as JSONRPCMessage);
    } catch (e) {
      const code = this.#refusedCode;
      if (e instanceof CredentialsUnavailableError)
        throw new RemoteConnectionError(this.#label, messageOf(e), this.#gone, {
          cause: e,
          ...(code !== undefined && { code }),
        });
      const status = e instanceof StreamableHTTPError ? e.code : undefined;
      if (status === undefined || !REFUSALS.has(status))
        throw new RemoteConnectionError(this.#label, messageOf(e), this.#gone, { cause: e });
      const answer = this.#lastRefusal ?? `HTTP ${status}`;
      const refused = new RemoteConnectionError(
        this.#label,
        `the remote refused ${this.#whose}: ${answer}`,
        this.#gone,
        { cause: e, status, ...(code !== undefined && { code }) },
      );
      this.#refused ??= refused;
      this.#onRefused?.(refused);
      throw refused;
    }
  }

  /** The first request the remote refused for its credentials (HTTP 401/403), if any. */
  get refused(): RemoteConnectionError | undefined {
    return this.#refused;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#gone && !this.#closed && this.#inner.terminateSession && this.#inner.sessionId !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#inner.terminateSession().catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.#terminateTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.#inner.close().catch(() => {});
    this.#ended();
  }

  #receive(message: JsonRpcMessage): void {
    if (
      this.#initializeId !== undefined &&
      !('method' in message) &&
      'id' in message &&
      message.id === this.#initializeId
    ) {
      this.#initializeId = undefined;
      const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
      if (typeof version === 'string') {
        this.#legacy = true;
        this.#inner.setProtocolVersion?.(version);
      }
    }
    this.onmessage?.(message);
  }

  /** The connection is gone: said once (`onerror` with the reason, then `onclose`). */
  #lost(reason: string): void {
    if (this.#gone || this.#closing) return;
    this.#gone = true;
    this.onerror?.(new RemoteConnectionError(this.#label, reason, true));
    // Stops the transport's streams and reconnection timers (its onclose comes back here: a no-op).
    this.#inner.close().catch(() => {});
    this.#ended();
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onEnded?.();
    this.onclose?.();
  }

  /** `base`, watched for the signs that the connection is gone (see the file's comment). */
  #watch(base: typeof fetch, legacySse: boolean): typeof fetch {
    const watched = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      let response: Response;
      try {
        response = await base(input, init);
      } catch (e) {
        if (!init?.signal?.aborted && isNetworkError(e)) this.#lost(messageOf(e));
        throw e;
      }
      if (REFUSALS.has(response.status)) this.#lastRefusal = await refusalAnswer(response);
      const method = init?.method ?? 'GET';
      const inSession = legacySse ? method === 'POST' : new Headers(init?.headers).has('mcp-session-id');
      if (response.status === 404 && inSession && method !== 'DELETE') {
        this.#lost('the remote no longer knows the session (HTTP 404)');
        return response;
      }
      const streamed = response.headers.get('content-type')?.includes('text/event-stream') === true;
      if (!streamed || response.body === null || legacySse) return response;
      return new Response(this.#watchStream(response.body, init?.signal ?? undefined), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    return Object.assign(watched, { preconnect: fetch.preconnect });
  }

  /** An event stream that, should it break off (not by our own abort), says the connection is gone. */
  #watchStream(
    body: ReadableStream<Uint8Array>,
    signal: AbortSignal | undefined,
  ): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (e) {
          if (!signal?.aborted && !this.#closing) this.#lost(`the event stream broke off: ${messageOf(e)}`);
          controller.error(e);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
}

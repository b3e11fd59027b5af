/**
 * A per-principal remote's connections, with its principals' own credentials
 * (`upstream-credentials.ts`): each worker's connection is made for the principal it is started
 * for, and every request of it carries that principal's headers (`credential-fetch.ts`).
 *
 * It also tells a principal refused from a backend failing. The remote may reject a principal's
 * credentials during the handshake (HTTP 401/403, e.g. a revoked token): that is that principal's
 * own failure, so the ready hook (`ready()`) turns a handshake failure on a connection the remote
 * refused into multi-tier's `BindingRefusedError` — which fails that principal's acquires with the
 * remote's answer while the backend's health, backoff and breaker are untouched and the others are
 * served. Anything else (connection refused, 5xx, a timeout, a broken handshake) stays a failed
 * start of the backend. The connections are known by the pool's worker id (`connect`'s `workerId`,
 * the ready hook's `worker.id`) while they live.
 */
import {
  type AuthorizeHook,
  BindingRefusedError,
  type ReadyHook,
  type RemoteConnect,
} from '@switchyard/multi-tier';
import { withCredentials } from './credential-fetch.ts';
import { modernFetchWhen } from './modern-fetch.ts';
import {
  type RemoteBackendConfig,
  RemoteConnection,
  type RemoteConnectionError,
  type RemoteConnectorOptions,
} from './remote-connection.ts';
import type { PrincipalCredentials } from './upstream-credentials.ts';

/** The operator's log: a principal refused by the remote (its reason, never a token). */
export type RefusalLog = (fields: Record<string, unknown>, message: string) => void;

export class PrincipalConnections {
  readonly #config: RemoteBackendConfig;
  readonly #credentials: PrincipalCredentials;
  readonly #options: RemoteConnectorOptions;
  readonly #byWorker = new Map<number, { principal: string; connection: RemoteConnection }>();

  constructor(
    config: RemoteBackendConfig,
    credentials: PrincipalCredentials,
    options: RemoteConnectorOptions = {},
  ) {
    this.#config = config;
    this.#credentials = credentials;
    this.#options = options;
  }

  /** A new connection for worker `workerId`, carrying its principal's credentials. */
  readonly connect: RemoteConnect = (workerId, context) => {
    const principal = context.principal ?? '';
    const options = this.#options;
    const connection = new RemoteConnection(this.#config, {
      ...options,
      principal,
      fetch: (modern) =>
        withCredentials(options.fetch?.(modern) ?? modernFetchWhen(modern), (signal) =>
          this.#credentials(principal, signal),
        ),
      onEnded: () => {
        if (this.#byWorker.get(workerId)?.connection === connection) this.#byWorker.delete(workerId);
        options.onEnded?.();
      },
      // A refused token is not offered again: the next request gets fresh credentials.
      onRefused: (error) => {
        this.#credentials.forget?.(principal);
        options.onRefused?.(error);
      },
    });
    this.#byWorker.set(workerId, { principal, connection });
    return connection;
  };

  /** Whether `principal`'s credentials can be had (the exchange), before its connection starts. */
  readonly authorize: AuthorizeHook = async (principal, signal) => {
    await this.#credentials(principal, signal);
  };

  /** Live connections. */
  get size(): number {
    return this.#byWorker.size;
  }

  /** Worker `workerId`'s connection, while it lives. */
  connectionOf(workerId: number): RemoteConnection | undefined {
    return this.#byWorker.get(workerId)?.connection;
  }

  /** The principal of worker `workerId`'s connection and the remote's refusal of its credentials. */
  refusalOf(workerId: number): { principal: string; error: RemoteConnectionError } | undefined {
    const known = this.#byWorker.get(workerId);
    const error = known?.connection.refused;
    return known && error ? { principal: known.principal, error } : undefined;
  }

  /**
   * `inner` (the MCP handshake), with a failure on a connection whose credentials the remote refused
   * made a `BindingRefusedError` (its message the remote's answer; logged to `log`).
   */
  ready(inner: ReadyHook, log?: RefusalLog): ReadyHook {
    return async (worker, context) => {
      try {
        return await inner(worker, context);
      } catch (e) {
        const refusal = this.refusalOf(worker.id);
        if (refusal === undefined) throw e;
        log?.(
          { backend: this.#config.name, principal: refusal.principal, reason: refusal.error.reason },
          'remote refused a principal’s credentials',
        );
        throw new BindingRefusedError(refusal.error.message, { cause: refusal.error });
      }
    };
  }
}

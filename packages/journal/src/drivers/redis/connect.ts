/**
 * `connectRedis(url)`: a connection to Redis / Valkey that fails fast while the server is away and
 * reconnects by itself (`resilient.ts`), on Bun's built-in client — what the journal's Redis driver
 * uses, for the gateway's other shared state (a cluster-wide rate limit). Bun's client loads only
 * when called, so importing `@switchyard/journal` needs no Bun.
 */
import type { OwnedConnection } from './connection.ts';
import { ResilientConnection } from './resilient.ts';

export interface ConnectRedisOptions {
  /** How long the first connection may take (default 10 s); each reconnect the same. */
  connectTimeoutMs?: number;
  /** The longest one command may take (default 5 s). */
  commandTimeoutMs?: number;
  /** Where, for messages (default: the URL without its password). */
  where?: string;
  onConnectionState?(state: 'down' | 'up', detail?: string): void;
}

export interface SharedRedis extends OwnedConnection {
  /** Whether the connection is up, as far as is known without sending. */
  readonly up: boolean;
}

export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<SharedRedis> {
  const { connectBunRedis } = await import('./bun-client.ts');
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const connect = (onDrop: () => void) => connectBunRedis(url, connectTimeoutMs, onDrop);
  let resilient: ResilientConnection | undefined;
  const first = await connect(() => resilient?.dropped());
  resilient = new ResilientConnection(first, {
    connect,
    where: options.where ?? redactUrl(url),
    ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.onConnectionState && { onState: options.onConnectionState }),
  });
  return resilient;
}

/** The url without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable redis url)';
  }
}

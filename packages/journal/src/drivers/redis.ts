/**
 * `redisDriver({ url })`: sessions, stream events and audit entries on a Redis ≥ 7 (or Valkey)
 * server, shared by every gateway node that opens it with the same `keyPrefix`. This file only
 * resolves the options; the store, and with a `url` Bun's `RedisClient`, load when the journal
 * opens, so importing `@switchyard/journal` needs no Bun.
 */
import { JournalInvalidInputError, JournalOpenError } from '../errors.ts';
import type { JournalDriver } from '../types.ts';
import { assertCount } from '../validate.ts';
import { connectRedis, redactUrl } from './redis/connect.ts';
import type { OwnedConnection, RedisConnection } from './redis/connection.ts';

export type { RedisConnection };

export interface RedisDriverOptions {
  /**
   * `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS): the driver connects with
   * Bun's built-in `RedisClient` and closes it on `close()`. Give either `url` or `client`.
   */
  url?: string;
  /**
   * A client of your own (anything with `send(command, args)`: a Bun `RedisClient`, or ioredis as
   * `{ send: (c, a) => redis.call(c, ...a) }`). The journal never closes it.
   */
  client?: RedisConnection;
  /** Put before every key (default `switchyard:journal:`); nodes sharing a journal use the same one. */
  keyPrefix?: string;
  /**
   * How long a session's key stays in Redis past its `expiresAt` (default 60 s). Expiry itself is
   * decided by the journal's clock (an expired session is gone for every method at once); the key's
   * own time-to-live only collects sessions no node sweeps, and the grace keeps a node whose clock
   * runs behind Redis's from losing a session it still considers live.
   */
  expiryGraceMs?: number;
  /** How long `open` waits for the connection with a `url` (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * With a `url`: the longest one command may take (default 5 s). While the connection is down, or
   * past this, methods reject with `JournalUnavailableError` and the driver reconnects by itself.
   */
  commandTimeoutMs?: number;
  /** With a `url`: told when the connection to Redis drops (`down`, why) and when it is back (`up`). */
  onConnectionState?(state: 'down' | 'up', detail?: string): void;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'switchyard:journal:';

export function redisDriver(options: RedisDriverOptions): JournalDriver {
  if (typeof options !== 'object' || options === null) {
    throw new JournalInvalidInputError('redis options', 'expected { url } or { client }');
  }
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new JournalInvalidInputError('redis url', 'give either url or client, not both nor neither');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^(redis|rediss|valkey|valkeys):\/\//.test(url))) {
    throw new JournalInvalidInputError('redis url', 'expected redis://host:port (or rediss://)');
  }
  if (client !== undefined && typeof client?.send !== 'function') {
    throw new JournalInvalidInputError('redis client', 'expected an object with send(command, args)');
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 256) {
    throw new JournalInvalidInputError('keyPrefix', 'expected a string of at most 256 characters');
  }
  const expiryGraceMs = options.expiryGraceMs ?? 60_000;
  assertCount('expiryGraceMs', expiryGraceMs, 0);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  assertCount('connectTimeoutMs', connectTimeoutMs);
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  assertCount('commandTimeoutMs', commandTimeoutMs);

  return {
    name: 'redis',
    async open(context) {
      const { RedisStore } = await import('./redis/store.ts');
      const storeOptions = { keyPrefix, expiryGraceMs };
      if (client !== undefined) return new RedisStore(client, storeOptions, context, undefined);
      const where = redactUrl(url as string);
      let connection: OwnedConnection | undefined;
      try {
        connection = await connectRedis(url as string, {
          connectTimeoutMs,
          commandTimeoutMs,
          where,
          ...(options.onConnectionState && { onConnectionState: options.onConnectionState }),
        });
        await connection.send('PING', []);
      } catch (error) {
        connection?.close();
        const why = error instanceof Error ? error.message : String(error);
        throw new JournalOpenError(where, `cannot reach Redis (${why})`, { cause: error });
      }
      const owned = connection;
      return new RedisStore(owned, storeOptions, context, () => owned.close());
    },
  };
}

/** The driver's one use of a Bun API: Bun's built-in Redis client, for `redisDriver({ url })`. */
import { RedisClient } from 'bun';
import type { OwnedConnection } from './connection.ts';

/**
 * Connects (or rejects within `connectTimeoutMs`); the caller closes it. A first connection without
 * reconnects answers at once when nothing listens (the client that stays retries a refused
 * connection with backoff, which would hold `open` for the whole timeout); the client kept
 * reconnects by itself after a dropped connection, queueing commands meanwhile.
 */
export async function connectBunRedis(url: string, connectTimeoutMs: number): Promise<OwnedConnection> {
  const probe = new RedisClient(url, { autoReconnect: false, connectionTimeout: connectTimeoutMs });
  try {
    await withTimeout(probe.connect(), connectTimeoutMs);
  } finally {
    probe.close();
  }
  const client = new RedisClient(url, { connectionTimeout: connectTimeoutMs });
  try {
    await withTimeout(client.connect(), connectTimeoutMs);
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The driver's one use of a Bun API: Bun's built-in Redis client, for `redisDriver({ url })`. */
import { RedisClient } from 'bun';
import type { LiveConnection } from './resilient.ts';

/**
 * One connected client, or a rejection within `connectTimeoutMs`. It neither reconnects nor queues
 * commands while down (`ResilientConnection` replaces a dropped client and fails commands at once
 * meanwhile): a refused connection answers at once instead of holding the caller for the timeout.
 */
export async function connectBunRedis(
  url: string,
  connectTimeoutMs: number,
  onDrop?: () => void,
): Promise<LiveConnection> {
  const client = new RedisClient(url, {
    autoReconnect: false,
    enableOfflineQueue: false,
    connectionTimeout: connectTimeoutMs,
  });
  if (onDrop) client.onclose = () => onDrop();
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

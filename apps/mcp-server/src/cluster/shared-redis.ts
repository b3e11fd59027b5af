/**
 * The node's one connection to the cluster's Redis for its own shared state (bus publishing,
 * heartbeats, the cluster rate limit) — besides the journal's and the bus subscriber's. Made at its
 * first use (and again after a failed first try), closed with the gateway; one per gateway.
 */
import { connectRedis, type SharedRedis } from '@switchyard/journal';
import type { Gateway } from '../gateway/gateway.ts';

const connections = new WeakMap<Gateway, Pick<SharedRedis, 'send'>>();

export function sharedRedis(gateway: Gateway, url: string): Pick<SharedRedis, 'send'> {
  const known = connections.get(gateway);
  if (known) return known;
  let connection: Promise<SharedRedis> | undefined;
  gateway.closing.addEventListener(
    'abort',
    () => void connection?.then((c) => c.close()).catch(() => undefined),
    { once: true },
  );
  const redis = {
    async send(command: string, args: string[]): Promise<unknown> {
      if (gateway.closing.aborted) throw new Error('the gateway is closing');
      connection ??= connectRedis(url);
      const live = await connection.catch((error: unknown) => {
        connection = undefined;
        throw error;
      });
      return live.send(command, args);
    },
  };
  connections.set(gateway, redis);
  return redis;
}

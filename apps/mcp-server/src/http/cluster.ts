/**
 * The front door's part in a cluster (`switchyard.cluster`, with `journal.redis`): the session
 * forwarder, started with the handler and stopped (its leases given up) when the gateway closes, and
 * the check of a forwarded request's signature.
 */
import { connectRedis, type SharedRedis } from '@switchyard/journal';
import { SessionForwarder } from '../cluster/forwarder.ts';
import { ClusterRateLimit } from '../cluster/rate-limit.ts';
import { FORWARDED_HEADER, ForwardSigner, type Verdict } from '../cluster/signature.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { RateGate } from './admission.ts';

export interface FrontCluster {
  forwarder: SessionForwarder;
  verify(request: Request): Verdict;
}

export function clusterOf(
  gateway: Gateway,
  options: { host: string; listenOrigin?: () => string },
  warn: (fields: Record<string, unknown>, message: string) => void,
): FrontCluster | undefined {
  const settings = gateway.config.settings.cluster;
  const leases = gateway.journal.leases;
  if (settings === undefined || leases === undefined) return undefined;
  const signer = new ForwardSigner(settings.secret);
  const { port } = gateway.config.settings.listen;
  const forwarder = new SessionForwarder({
    leases,
    coordinator: gateway.coordinator,
    signer,
    ...(settings.nodeId !== undefined && { nodeId: settings.nodeId }),
    url: () =>
      settings.advertiseUrl ??
      `${options.listenOrigin?.() ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`}/mcp`,
    leaseMs: settings.leaseMs,
    warn,
  });
  forwarder.start();
  gateway.closing.addEventListener('abort', () => void forwarder.stop(), { once: true });
  return {
    forwarder,
    verify: (request) =>
      signer.verify(
        request.headers.get(FORWARDED_HEADER),
        request.method,
        request.headers.get('mcp-session-id'),
      ),
  };
}

/**
 * With `admission.rateLimit.scope: "cluster"`: the rate limit's buckets in the cluster's Redis, on a
 * connection of its own, made at the first request and closed with the gateway.
 */
export function clusterRateOf(
  gateway: Gateway,
  warn: (fields: Record<string, unknown>, message: string) => void,
): RateGate | undefined {
  const { admission, journal } = gateway.config.settings;
  const limit = admission.rateLimit;
  if (limit === false || limit.scope !== 'cluster' || journal.redis === undefined) return undefined;
  const { url, keyPrefix } = journal.redis;
  let connection: Promise<SharedRedis> | undefined;
  const redis = {
    async send(command: string, args: string[]): Promise<unknown> {
      connection ??= connectRedis(url);
      // A first connection that failed is tried again at the next request.
      const live = await connection.catch((error: unknown) => {
        connection = undefined;
        throw error;
      });
      return live.send(command, args);
    },
  };
  gateway.closing.addEventListener(
    'abort',
    () => void connection?.then((c) => c.close()).catch(() => undefined),
    { once: true },
  );
  return new ClusterRateLimit({
    redis,
    keyPrefix: keyPrefix ?? 'switchyard:journal:',
    perSecond: limit.perSecond,
    burst: limit.burst ?? limit.perSecond,
    warn,
  });
}

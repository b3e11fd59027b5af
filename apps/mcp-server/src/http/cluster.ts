/**
 * The front door's part in a cluster (`switchyard.cluster`, with `journal.redis`): the session
 * forwarder, started with the handler and stopped (its leases given up) when the gateway closes, and
 * the check of a forwarded request's signature.
 */
import { SessionForwarder } from '../cluster/forwarder.ts';
import { FORWARDED_HEADER, ForwardSigner, type Verdict } from '../cluster/signature.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { HttpOptions } from './router.ts';

export interface FrontCluster {
  forwarder: SessionForwarder;
  verify(request: Request): Verdict;
}

export function clusterOf(
  gateway: Gateway,
  options: Pick<HttpOptions, 'host' | 'listenOrigin'>,
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

/**
 * DNS-rebinding protection. A browser page on another site may reach a gateway on 127.0.0.1; two
 * checks keep it out: an `Origin` header (browsers send it on cross-site requests) must be a
 * loopback origin or one the configuration allows, and, while the gateway listens on loopback, the
 * `Host` header must name a loopback host (a rebound DNS name arrives with its own name as Host).
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.split(':')[0] ?? '';
}

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export interface OriginPolicy {
  /** Origins allowed besides loopback ones; `*` allows every origin. */
  allow: readonly string[];
  /** The gateway listens on a loopback interface: check `Host` too. */
  loopbackOnly: boolean;
}

/** `undefined` when allowed, else the reason for the 403. */
export function originProblem(
  origin: string | null,
  host: string | null,
  policy: OriginPolicy,
): string | undefined {
  if (policy.loopbackOnly && host !== null && !isLoopbackHostname(hostnameOf(host))) {
    return `Host "${host}" is not a loopback host`;
  }
  if (origin === null || policy.allow.includes('*') || policy.allow.includes(origin)) return undefined;
  try {
    if (isLoopbackHostname(new URL(origin).hostname)) return undefined;
  } catch {
    return `Origin "${origin}" is not a valid origin`;
  }
  return `Origin "${origin}" is not allowed`;
}

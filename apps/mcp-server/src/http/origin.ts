/**
 * DNS-rebinding protection. A browser page on another site may reach a gateway by a DNS name it
 * controls that it rebinds to the gateway's address; two checks keep it out, on every listener:
 *
 * - `Host` must name the gateway: its listen address, a loopback name (`localhost`, `127.0.0.1`,
 *   `[::1]`) when it listens on loopback or on every interface, a configured public name
 *   (`switchyard.listen.publicNames`) or the host of an allowed origin (`switchyard.origins.allow`).
 *   A rebound DNS name arrives with its own name as Host, so it is refused (421). Ports are not
 *   compared unless the public name carries one: a proxy in front may use any port.
 * - `Origin` (browsers send it on cross-site requests) must be a loopback origin or one the
 *   configuration allows.
 *
 * A request with no `Host` at all (HTTP/1.0) is refused with 400, except on the health checks.
 */
import { BoundedMemo } from './bounded-memo.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The name part of a Host header value, lower case; IPv6 keeps its brackets. */
export function hostnameOf(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.split(':')[0] ?? '';
}

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** `0.0.0.0`, `::`, `[::]`: the gateway listens on every interface. */
export function isWildcardHostname(hostname: string): boolean {
  return hostname === '0.0.0.0' || hostname === '::' || hostname === '[::]';
}

/** A bare IPv6 address as a Host header writes it (in brackets). */
function bracketed(hostname: string): string {
  const lower = hostname.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

export interface HostPolicy {
  /** Host names allowed whatever the port (lower case, IPv6 in brackets). */
  names: ReadonlySet<string>;
  /** `name:port` values allowed exactly. */
  exact: ReadonlySet<string>;
}

/**
 * The Hosts a gateway listening on `listenHost` answers to: its listen address, loopback names
 * (when listening on loopback or every interface), `publicNames` (a `name:port` one matches
 * exactly, a bare name on any port) and the hosts of `allowedOrigins`.
 */
export function hostPolicy(
  listenHost: string,
  publicNames: readonly string[],
  allowedOrigins: readonly string[],
): HostPolicy {
  const names = new Set<string>();
  const exact = new Set<string>();
  const listen = bracketed(listenHost);
  if (isWildcardHostname(listen) || isLoopbackHostname(hostnameOf(listen))) {
    for (const name of LOOPBACK_HOSTS) names.add(name);
  }
  if (!isWildcardHostname(listen)) names.add(listen);
  for (const name of publicNames) {
    const lower = name.trim().toLowerCase();
    if (hostnameOf(lower) === lower) names.add(lower);
    else exact.add(lower);
  }
  for (const origin of allowedOrigins) {
    if (origin === '*') continue;
    const url = URL.parse(origin);
    if (url) names.add(url.hostname.toLowerCase());
  }
  return { names, exact };
}

export type HostCheck = { ok: true } | { ok: false; status: 400 | 421; reason: string };

/** Whether a request's `Host` header names this gateway. */
export function checkHost(host: string | null, policy: HostPolicy): HostCheck {
  if (host === null || host.trim() === '') {
    return { ok: false, status: 400, reason: 'a Host header is required' };
  }
  const lower = host.trim().toLowerCase();
  const name = hostnameOf(lower);
  if (policy.names.has(name) || (isLoopbackHostname(name) && policy.names.has('localhost')))
    return { ok: true };
  if (policy.exact.has(lower)) return { ok: true };
  return {
    ok: false,
    status: 421,
    reason: `Host "${host.slice(0, 100)}" is not a name of this gateway (see switchyard.listen.publicNames)`,
  };
}

/** Host values whose verdict is remembered (a client sends the same one each time). */
const HOST_VERDICTS_MAX = 256;

/** `checkHost` against `policy`, each distinct `Host` value judged once (bounded). */
export function hostChecker(policy: HostPolicy): (host: string | null) => HostCheck {
  const verdicts = new BoundedMemo<HostCheck>(HOST_VERDICTS_MAX);
  return (host) => {
    if (host === null) return checkHost(host, policy);
    return verdicts.get(host) ?? verdicts.set(host, checkHost(host, policy));
  };
}

export interface OriginPolicy {
  /** Origins allowed besides loopback ones; `*` allows every origin. */
  allow: readonly string[];
}

/** `undefined` when allowed, else the reason for the 403. */
export function originProblem(origin: string | null, policy: OriginPolicy): string | undefined {
  if (origin === null || policy.allow.includes('*') || policy.allow.includes(origin)) return undefined;
  const url = URL.parse(origin);
  if (url === null) return `Origin "${origin.slice(0, 100)}" is not a valid origin`;
  if (isLoopbackHostname(url.hostname)) return undefined;
  return `Origin "${origin.slice(0, 100)}" is not allowed`;
}

/**
 * The gateway's HTTP handler: a Web `Request` (and the caller's address) in, a `Response` out.
 * `/mcp` is the MCP front door; `/healthz` says the process is alive, `/readyz` whether every hot
 * backend has a ready worker; `/metrics` is the Prometheus exposition; `/dashboard` is a live page fed by `/dashboard/events` (SSE). Every
 * route but `/healthz` passes the origin and auth checks (a browser sends no bearer token, so with
 * tokens required the dashboard is reached through a proxy that adds one, or from loopback).
 */
import { INVALID_REQUEST } from '@switchyard/coordinator';
import { snapshotStream } from '../dashboard/events.ts';
import { dashboardResponse } from '../dashboard/page.ts';
import { dashboardSource } from '../dashboard/source.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { readiness } from '../gateway/readiness.ts';
import { createMetrics, type HttpRoute } from '../metrics/metrics.ts';
import { FrontAdmission } from './admission.ts';
import { json, rpcError } from './answers.ts';
import { Authenticator, isLoopbackAddress, wwwAuthenticate } from './auth.ts';
import { McpFront } from './mcp-front.ts';
import { isLoopbackHostname, originProblem } from './origin.ts';
import { ResumableStreams } from './resumable.ts';

export interface HttpOptions {
  /** The interface the server listens on (loopback turns the Host check on). */
  host: string;
  /** SSE keep-alive comment period, ms. Default 15 000. */
  keepAliveMs?: number;
}

/** How a 2026 request's affinity key is read, from `switchyard.affinity.key`. */
function affinityKeyOf(
  key: Gateway['config']['settings']['affinity']['key'],
): (request: Request, principal: string | null) => string | null {
  if (key === 'principal') return (_request, principal) => principal;
  if (key === 'none') return () => null;
  return (request) => request.headers.get(key.header);
}

export type HttpHandler = (request: Request, clientAddress: string | null) => Promise<Response>;

export function createHttpHandler(gateway: Gateway, options: HttpOptions): HttpHandler {
  const { settings } = gateway.config;
  const auth = new Authenticator(settings.auth);
  const metrics = createMetrics(gateway);
  const offCommits = gateway.onJournalCommit(metrics.observeCommit);
  gateway.closing.addEventListener('abort', () => {
    offCommits();
    metrics.close();
  });
  const front = new McpFront({
    streams: new ResumableStreams(gateway.journal),
    onOverload: () => metrics.observeRefusal('overload'),
    coordinator: gateway.coordinator,
    maxBodyBytes: settings.limits.maxBodyBytes,
    keepAliveMs: options.keepAliveMs ?? 15_000,
    affinityKey: affinityKeyOf(settings.affinity.key),
  });
  const dashboard = dashboardSource(gateway);
  const admission = new FrontAdmission(settings.admission);
  const originPolicy = { allow: settings.origins.allow, loopbackOnly: isLoopbackHostname(options.host) };

  const route = async (
    request: Request,
    pathname: string,
    clientAddress: string | null,
  ): Promise<Response> => {
    if (pathname === '/healthz') return json(200, { status: 'ok' });

    const problem = originProblem(request.headers.get('origin'), request.headers.get('host'), originPolicy);
    if (problem) {
      metrics.observeRefusal('origin');
      return rpcError(403, INVALID_REQUEST, `Forbidden: ${problem}`);
    }
    const who = auth.authenticate(request.headers.get('authorization'), isLoopbackAddress(clientAddress));
    if (!who.ok) {
      metrics.observeRefusal('auth');
      return rpcError(401, INVALID_REQUEST, `Unauthorized: ${who.reason}`, {
        headers: { 'www-authenticate': wwwAuthenticate(who) },
      });
    }
    switch (pathname) {
      case '/mcp': {
        if (request.method !== 'POST') return front.handle(request, { principal: who.principal });
        const admitted = await admission.admit(who.principal);
        if (!admitted.ok) {
          metrics.observeRefusal(admitted.reason);
          return admitted.response;
        }
        let response: Response;
        try {
          response = await front.handle(request, { principal: who.principal });
        } catch (error) {
          admitted.release(new Response(null, { status: 500 }));
          throw error;
        }
        return admitted.release(response);
      }
      case '/dashboard':
        return dashboardResponse({ eventsPath: '/dashboard/events' });
      case '/dashboard/events':
        return snapshotStream(dashboard, {
          intervalMs: 1_000,
          signal: AbortSignal.any([request.signal, gateway.closing]),
        });
      case '/metrics':
        return metrics.response();
      case '/readyz': {
        const ready = readiness(gateway);
        return json(ready.ready ? 200 : 503, ready);
      }
      default:
        return json(404, { error: `No route for ${pathname}` });
    }
  };

  return async (request, clientAddress) => {
    const { pathname } = new URL(request.url);
    const response = await route(request, pathname, clientAddress);
    metrics.observeHttp(routeOf(pathname), response.status);
    return response;
  };
}

function routeOf(pathname: string): HttpRoute {
  if (pathname === '/mcp') return 'mcp';
  if (pathname === '/dashboard' || pathname === '/dashboard/events') return 'dashboard';
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') {
    return pathname.slice(1) as HttpRoute;
  }
  return 'other';
}

/**
 * The gateway's HTTP handler: a Web `Request` (and the caller's address) in, a `Response` out.
 * `/mcp` is the MCP front door; `/healthz` says the process is alive, `/readyz` whether every hot
 * backend has a ready worker; `/metrics` is the Prometheus exposition; `/dashboard` is a live page
 * fed by `/dashboard/events` (SSE).
 *
 * Checks, in order: the `Host` check (every route but `/healthz` and `/readyz`: 400 without a
 * Host, 421 for a Host that does not name the gateway), the `Origin` check (403), authentication
 * (401 on every route but `/healthz`, `/` and, with `auth.oauth`, the Protected Resource Metadata
 * under `/.well-known/oauth-protected-resource`; 403 for a token without the scopes required;
 * `/readyz` without credentials answers `{ ready }` only),
 * and on the admin surface (`/dashboard`, `/dashboard/events`, `/metrics`) a principal of
 * `switchyard.admin.principals`, or with no tokens configured a loopback caller (403). A fault no route answers becomes a JSON-RPC internal error (500) with no detail;
 * the fault itself, with its stack, goes to `onFault`.
 */
import { type CallerClaims, INVALID_REQUEST } from '@switchyard/coordinator';
import { FrontAuth, type FrontAuthResult } from '../auth/front-auth.ts';
import { isLoopbackAddress } from '../auth/static-tokens.ts';
import { snapshotStream } from '../dashboard/events.ts';
import { dashboardResponse } from '../dashboard/page.ts';
import { dashboardSource } from '../dashboard/source.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { readiness } from '../gateway/readiness.ts';
import { createMetrics, type HttpRoute } from '../metrics/metrics.ts';
import { callerClaims } from '../policy/caller-claims.ts';
import { FrontAdmission } from './admission.ts';
import { faultAnswer, json, rpcError } from './answers.ts';
import { clusterOf, clusterRateOf } from './cluster.ts';
import { McpFront } from './mcp-front.ts';
import { hostChecker, hostPolicy, originProblem } from './origin.ts';
import { noteClient, notePrincipal } from './request-facts.ts';
import { ResumableStreams } from './resumable.ts';

export interface HttpOptions {
  /** The interface the server listens on (with `switchyard.listen.publicNames`, the Hosts allowed). */
  host: string;
  /** SSE keep-alive comment period, ms. Default 15 000. */
  keepAliveMs?: number;
  /** Told of each fault no route answered, which the caller got as a bare 500. Default: stderr. */
  onFault?: (error: unknown, where: { method: string; path: string }) => void;
  /** The operator's log (pino's `warn` fits): what the front door had to cut short. Default: stderr. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
  /**
   * The origin the server answers on once it listens (`http://127.0.0.1:7331`): without
   * `auth.oauth.resource`, the OAuth resource is its `/mcp`. Default: from `host` and the configured port.
   */
  listenOrigin?: () => string;
  /** The clock access tokens' `exp` / `nbf` are judged by, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The admin surface: the dashboard, its stream and the metrics. */
const ADMIN_PATHS = new Set(['/dashboard', '/dashboard/events', '/metrics']);
/** Answered whatever the Host (a load balancer's HTTP/1.0 check sends none). */
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/** A path the URL parser gives back as it is: `/` and plain name characters, no `.` or `%`. */
const PLAIN_PATH = /^\/[A-Za-z0-9_\-/]*$/;

/** The path of a request; a Host-less request's URL is its bare request target. */
export function pathOf(url: string): string {
  // `http://host[:port]/plain/path[?query]`: the path is its own pathname, without parsing the URL.
  if (url.startsWith('http://') || url.startsWith('https://')) {
    const start = url.indexOf('/', url.indexOf('//') + 2);
    if (start !== -1) {
      const query = url.indexOf('?', start);
      const path = query === -1 ? url.slice(start) : url.slice(start, query);
      if (!path.includes('#') && PLAIN_PATH.test(path)) return path;
    }
  }
  return (URL.parse(url) ?? URL.parse(url, 'http://host.invalid'))?.pathname ?? '/';
}

const REFUSAL_WORDS = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service unavailable' } as const;

/** `GET /`: what is served here, for a person or a client that found the gateway's address. */
const INDEX = {
  name: 'switchyard',
  description: 'An MCP gateway: one MCP server in front of many.',
  endpoints: {
    '/mcp': 'the MCP endpoint (Streamable HTTP): POST JSON-RPC; GET and DELETE for 2025 sessions',
    '/healthz': 'liveness',
    '/readyz': 'readiness (every hot backend has a ready worker)',
    '/metrics': 'Prometheus metrics (admin)',
    '/dashboard': 'a live dashboard (admin)',
  },
  protocols: [
    {
      era: '2026-07-28',
      how: 'stateless: send MCP-Protocol-Version: 2026-07-28 and Mcp-Method; no initialize, no session',
    },
    {
      era: '2025-03-26 … 2025-11-25',
      how: 'initialize, then the Mcp-Session-Id header on every request',
    },
  ],
} as const;

const defaultWarn = (fields: Record<string, unknown>, message: string): void => {
  console.error(`switchyard: ${message}`, fields);
};

const defaultFault = (error: unknown, where: { method: string; path: string }): void => {
  console.error(`switchyard: ${where.method} ${where.path} failed:`, error);
};

/** How a 2026 request's affinity key is read, from `switchyard.affinity.key`. */
function affinityKeyOf(
  key: Gateway['config']['settings']['affinity']['key'],
): (request: Request, principal: string | null) => string | null {
  if (key === 'principal') return (_request, principal) => principal;
  if (key === 'none') return () => null;
  return (request) => request.headers.get(key.header);
}

/**
 * The caller's address, or how to learn it: the server asks for it (`requestIP`) only when a
 * request needs it (a loopback caller let in without credentials, the admin surface).
 */
export type ClientAddress = string | null | (() => string | null);

export type HttpHandler = (request: Request, clientAddress: ClientAddress) => Response | Promise<Response>;

export function createHttpHandler(gateway: Gateway, options: HttpOptions): HttpHandler {
  const { settings } = gateway.config;
  const auth = new FrontAuth(settings.auth, {
    defaultResource: () =>
      `${options.listenOrigin?.() ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${settings.listen.port}`}/mcp`,
    ...(options.now && { now: options.now }),
    onAccessToken: (principal, token, expiresAt) => gateway.subjectTokens.note(principal, token, expiresAt),
  });
  const metrics = createMetrics(gateway);
  const offCommits = gateway.onJournalCommit(metrics.observeCommit);
  gateway.closing.addEventListener('abort', () => {
    offCommits();
    metrics.close();
  });
  const warn = options.warn ?? defaultWarn;
  const admission = new FrontAdmission(
    { ...settings.admission, streamsPerPrincipal: settings.limits.streamsPerPrincipal },
    undefined,
    clusterRateOf(gateway, warn),
  );
  const cluster = clusterOf(gateway, { ...options, affinityKey: affinityKeyOf(settings.affinity.key) }, warn);
  const front = new McpFront({
    ...(cluster && { cluster: cluster.forwarder }),
    streams: new ResumableStreams(gateway.journal, {
      onError: (error) => warn({ err: error }, 'a resumable stream failed'),
      warn,
      resumeGraceMs: settings.limits.resumeGraceMs,
      bufferedBytesPerStream: settings.limits.bufferedBytesPerStream,
      onSlowReader: (stream) => {
        metrics.observeRefusal('slow-reader');
        warn({ stream }, 'an SSE connection that did not read was dropped (limit bufferedBytesPerStream)');
      },
    }),
    onRefusal: metrics.observeRefusal,
    admission,
    coordinator: gateway.coordinator,
    maxBodyBytes: settings.limits.maxBodyBytes,
    bodyTimeoutMs: settings.limits.bodyTimeoutMs,
    maxBatchSize: settings.limits.maxBatchSize,
    keepAliveMs: options.keepAliveMs ?? 15_000,
    bufferedBytesPerStream: settings.limits.bufferedBytesPerStream,
    affinityKey: affinityKeyOf(settings.affinity.key),
    ...(gateway.telemetry && { tracing: gateway.telemetry.front }),
  });
  const dashboard = dashboardSource(gateway, undefined, cluster && (() => cluster.members.view()));
  const originPolicy = { allow: settings.origins.allow };
  const checkHost = hostChecker(
    hostPolicy(options.host, settings.listen.publicNames, settings.origins.allow),
  );
  const admins = new Set(settings.admin.principals);
  const noTokens = settings.auth.tokens.length === 0 && settings.auth.oauth === undefined;
  const onFault = options.onFault ?? defaultFault;

  const route = (
    request: Request,
    pathname: string,
    clientAddress: ClientAddress,
  ): Response | Promise<Response> => {
    if (pathname === '/healthz') return json(200, { status: 'ok' });

    if (!HEALTH_PATHS.has(pathname)) {
      const host = checkHost(request.headers.get('host'));
      if (!host.ok) {
        metrics.observeRefusal('origin');
        return rpcError(
          host.status,
          INVALID_REQUEST,
          host.status === 421 ? `Misdirected: ${host.reason}` : `Bad request: ${host.reason}`,
        );
      }
    }
    const problem = originProblem(request.headers.get('origin'), originPolicy);
    if (problem) {
      metrics.observeRefusal('origin');
      return rpcError(403, INVALID_REQUEST, `Forbidden: ${problem}`);
    }
    if (pathname === '/') {
      // What is served here: static, the same for everyone, so no credentials are needed.
      if (request.method === 'GET' || request.method === 'HEAD') return json(200, INDEX);
      return json(405, { error: `Method ${request.method} is not allowed on /` }, { allow: 'GET, HEAD' });
    }
    if (auth.oauth?.isMetadataPath(pathname)) {
      // RFC 9728: how to get a token for this gateway, so served to whoever has none.
      if (request.method === 'GET' || request.method === 'HEAD') return json(200, auth.oauth.metadata());
      return json(405, { error: `Method ${request.method} is not allowed here` }, { allow: 'GET, HEAD' });
    }
    if (cluster && pathname === '/mcp') {
      // A request another node forwarded: its caller was authenticated there, and signed.
      const verdict = cluster.verify(request);
      if (verdict.kind === 'bad') {
        metrics.observeRefusal('auth');
        return rpcError(
          403,
          INVALID_REQUEST,
          `Forbidden: a forwarded request whose signature fails (${verdict.reason})`,
        );
      }
      if (verdict.kind === 'ok') {
        const { principal } = verdict.forwarded.caller;
        if (principal !== null) notePrincipal(principal);
        return front.handle(request, verdict.forwarded.caller);
      }
    }
    let fromLoopback: boolean | undefined;
    const loopback = () => {
      fromLoopback ??= isLoopbackAddress(
        typeof clientAddress === 'function' ? clientAddress() : clientAddress,
      );
      return fromLoopback;
    };
    const judged = auth.authenticate(request.headers.get('authorization'), loopback);
    // A static token (or none) is judged at once: no promise on the hot path.
    if (judged instanceof Promise) return judged.then((who) => authorized(request, pathname, who, loopback));
    return authorized(request, pathname, judged, loopback);
  };

  /** The rest of `route`, once the caller is judged. */
  const authorized = (
    request: Request,
    pathname: string,
    who: FrontAuthResult,
    loopback: () => boolean,
  ): Response | Promise<Response> => {
    if (who.ok) {
      notePrincipal(who.principal);
      if (who.clientId !== undefined) noteClient(who.clientId);
    } else {
      if (pathname === '/readyz') {
        // A load balancer's check carries no token: it gets the verdict, not the backends.
        const { ready } = readiness(gateway);
        return json(ready ? 200 : 503, { ready });
      }
      metrics.observeRefusal('auth');
      if (who.status === 503) warn({ reason: who.reason }, 'an access token could not be checked');
      return rpcError(who.status, INVALID_REQUEST, `${REFUSAL_WORDS[who.status]}: ${who.reason}`, {
        headers: who.headers,
      });
    }
    if (ADMIN_PATHS.has(pathname) && !admins.has(who.principal) && !(noTokens && loopback())) {
      metrics.observeRefusal('auth');
      return rpcError(
        403,
        INVALID_REQUEST,
        `Forbidden: ${pathname} is for the principals of switchyard.admin.principals`,
      );
    }
    switch (pathname) {
      case '/mcp':
        // Admission (per principal, then for the gateway) is the front's, once the body is read.
        return front.handle(request, {
          principal: who.principal,
          // The configuration in force: a reload may change the policy.
          claims: claimsOf(who, gateway.config.settings.policy.groupsClaim),
        });
      case '/dashboard':
        return dashboardResponse({ eventsPath: '/dashboard/events' });
      case '/dashboard/events': {
        // A long-lived stream: it counts against the principal's streams, not its call slots.
        const opened = admission.openStream(who.principal);
        if (!opened.ok) {
          metrics.observeRefusal(opened.reason);
          return opened.response;
        }
        return opened.release(
          snapshotStream(dashboard, {
            intervalMs: 1_000,
            signal: AbortSignal.any([request.signal, gateway.closing]),
            maxBufferedBytes: settings.limits.bufferedBytesPerStream,
            onSlowReader: () => {
              metrics.observeRefusal('slow-reader');
              warn(
                { path: pathname },
                'a dashboard stream that did not read was dropped (limit bufferedBytesPerStream)',
              );
            },
          }),
        );
      }
      case '/metrics':
        return metrics.response();
      case '/readyz': {
        const ready = readiness(gateway);
        return json(ready.ready ? 200 : 503, ready);
      }
      default:
        return json(404, { error: `No route for ${pathname}`, endpoints: INDEX.endpoints });
    }
  };

  return (request, clientAddress) => {
    const pathname = pathOf(request.url);
    const fault = (error: unknown): Response => {
      onFault(error, { method: request.method, path: pathname });
      return faultAnswer();
    };
    const counted = (response: Response): Response => {
      metrics.observeHttp(routeOf(pathname), response.status);
      return response;
    };
    let answer: Response | Promise<Response>;
    try {
      answer = route(request, pathname, clientAddress);
    } catch (error) {
      return counted(fault(error));
    }
    // Most answers are a promise (the body is read first); a refusal is often not.
    return answer instanceof Promise
      ? answer.then(counted, (error) => counted(fault(error)))
      : counted(answer);
  };
}

/** The claims of a caller let in with none (no client, groups, scopes or token claims): one object for all. */
const NO_CLAIMS: CallerClaims = Object.freeze({});

/** `callerClaims`, without a new empty object per request for a caller that has none. */
function claimsOf(who: Extract<FrontAuthResult, { ok: true }>, groupsClaim: string): CallerClaims {
  if (
    who.clientId === undefined &&
    who.groups === undefined &&
    who.scopes === undefined &&
    who.claims === undefined
  )
    return NO_CLAIMS;
  return callerClaims(who, groupsClaim);
}

function routeOf(pathname: string): HttpRoute {
  if (pathname === '/mcp') return 'mcp';
  if (pathname === '/dashboard' || pathname === '/dashboard/events') return 'dashboard';
  if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') {
    return pathname.slice(1) as HttpRoute;
  }
  return 'other';
}

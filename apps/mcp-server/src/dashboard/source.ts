/**
 * The dashboard's view of a running gateway: each backend's tier, workers and admission queue
 * (from the tier manager and the backend's bulkhead), request figures and the most recent calls
 * (from the gateway's activity). `subscribe` fires on every finished call.
 */
import type { ClusterView } from '../cluster/members.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { prefetchedCommand } from '../prefetch/cache.ts';
import type { SnapshotSource } from './events.ts';
import { type BackendView, type DashboardSnapshot, RECENT_CALLS_LIMIT } from './snapshot.ts';

/** What a stdio backend runs (see `BackendView.runs`): read each snapshot, so a prefetch shows at once. */
function runsOf(gateway: Gateway, name: string): string | null {
  const c = gateway.config.backends.find((b) => b.name === name);
  if (c?.kind !== 'stdio') return null;
  return prefetchedCommand(c.command, c.args, process.env, c.install)?.command ?? c.command;
}

function backendView(gateway: Gateway, name: string): BackendView {
  const status = gateway.backends.find((b) => b.name === name);
  const kind = status?.kind ?? 'stdio';
  const s = gateway.manager.stats().backends[name];
  const admission = gateway.admission[name];
  if (!s) {
    return {
      name,
      kind,
      tier: 'none',
      state: 'not served',
      workers: { ready: 0, starting: 0, busy: 0 },
      inFlight: 0,
      queued: 0,
      restarts: 0,
      failure: null,
      era: null,
      runs: runsOf(gateway, name),
    };
  }
  const state =
    s.state === 'failed'
      ? 'failed'
      : s.saturated
        ? 'saturated'
        : s.workers.ready > 0
          ? 'ready'
          : s.workers.starting > 0
            ? 'starting'
            : 'idle';
  return {
    name,
    kind,
    tier: s.tier === 'auto' ? `auto (${s.effectiveTier})` : s.tier,
    state,
    workers: { ready: s.workers.ready, starting: s.workers.starting, busy: s.workers.leased },
    inFlight: admission?.inFlight ?? s.workers.leased,
    queued: admission?.queued ?? 0,
    restarts: s.crashes,
    failure: s.failure?.reason ?? null,
    era: gateway.eraOf(name) ?? null,
    runs: runsOf(gateway, name),
  };
}

/** A session id as the admin views show it: its first 8 characters and an ellipsis. */
export function shortId(id: string | null): string | null {
  if (id === null) return null;
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/** `cluster`: the nodes of the cluster, when the gateway is one of several. */
export function dashboardSource(
  gateway: Gateway,
  now: () => number = Date.now,
  cluster?: () => ClusterView,
): SnapshotSource {
  return {
    snapshot(): DashboardSnapshot {
      const figures = gateway.activity.figures();
      const coordinator = gateway.coordinator.stats();
      const backends = gateway.backends.map((b) => backendView(gateway, b.name));
      return {
        at: new Date(now()).toISOString(),
        version: gateway.version,
        uptimeMs: Math.max(0, now() - gateway.startedAt),
        backends,
        requests: {
          ...figures,
          inFlight: coordinator.inFlight,
          queued: backends.reduce((n, b) => n + b.queued, 0),
        },
        sessions: { open: coordinator.sessions },
        recentCalls: gateway.activity
          .calls()
          .slice(0, RECENT_CALLS_LIMIT)
          .map((c) => ({ ...c, at: new Date(c.at).toISOString(), session: shortId(c.session) })),
        ...(cluster && { cluster: cluster() }),
      };
    },
    subscribe(listener) {
      return gateway.activity.subscribe(() => listener());
    },
  };
}

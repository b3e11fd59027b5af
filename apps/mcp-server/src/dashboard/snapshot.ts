/**
 * What the live dashboard shows: one `DashboardSnapshot` of the gateway at a moment, sent to the
 * page as JSON in each `snapshot` event of the stream (see `events.ts`). Plain data only, so a
 * snapshot survives `JSON.stringify` unchanged.
 */
import type { ClusterView } from '../cluster/members.ts';
import type { RecentCall } from '../gateway/activity.ts';

/** The whole gateway at one moment. */
export interface DashboardSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  at: string;
  /** The gateway's version. */
  version: string;
  uptimeMs: number;
  backends: BackendView[];
  requests: RequestFigures;
  /** Front sessions open (2025 revisions), a count kept by the coordinator: no list, no scan. */
  sessions: { open: number };
  /** Newest first, at most 50. */
  recentCalls: CallView[];
  /** With `switchyard.cluster`: the nodes, by their heartbeats, and whether their configurations differ. */
  cluster?: ClusterView;
}

/** Request figures across all backends. */
export interface RequestFigures {
  total: number;
  errors: number;
  inFlight: number;
  queued: number;
  ratePerSec: number;
  /** Latency percentiles in milliseconds; `null` before any call completed. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

/** One backend and its pool of workers. */
export interface BackendView {
  name: string;
  kind: 'stdio' | 'module' | 'remote';
  /** `hot`, `warm`, `cold` or `auto` (possibly with the tier it currently holds). */
  tier: string;
  /**
   * The pool's state: `ready`, `starting`, `idle`, `failed`, or `saturated` (a per-session /
   * per-principal backend with every worker it may have bound: new sessions are refused).
   */
  state: string;
  workers: { ready: number; starting: number; busy: number };
  inFlight: number;
  queued: number;
  restarts: number;
  /** The last failure, readable, or `null` when healthy. */
  failure: string | null;
  /** The MCP protocol era the backend speaks, once known. */
  era: string | null;
  /**
   * The program a stdio backend's workers run: the installed bin of an npx/bunx entry that was
   * prefetched, else its command as configured; null (or absent) for module and remote backends.
   */
  runs?: string | null;
}

/** One finished call (the gateway's `RecentCall`), its start time as ISO 8601 for the page. */
export type CallView = Omit<RecentCall, 'at'> & { at: string };

/** The most calls a snapshot carries. */
export const RECENT_CALLS_LIMIT = 50;

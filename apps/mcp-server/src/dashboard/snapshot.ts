/**
 * What the live dashboard shows: one `DashboardSnapshot` of the gateway at a moment, sent to the
 * page as JSON in each `snapshot` event of the stream (see `events.ts`). Plain data only, so a
 * snapshot survives `JSON.stringify` unchanged.
 */

/** The whole gateway at one moment. */
export interface DashboardSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  at: string;
  /** The gateway's version. */
  version: string;
  uptimeMs: number;
  backends: BackendView[];
  requests: RequestFigures;
  /** Newest first, at most 50. */
  recentCalls: CallView[];
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
  /** The pool's state as the multi-tier manager names it (e.g. `ready`, `starting`, `failed`). */
  state: string;
  workers: { ready: number; starting: number; busy: number };
  inFlight: number;
  queued: number;
  restarts: number;
  /** The last failure, readable, or `null` when healthy. */
  failure: string | null;
  /** The MCP protocol era the backend speaks, once known. */
  era: string | null;
}

/** One finished call, as the journal's audit trail records it. */
export interface CallView {
  /** When the call started (ISO 8601). */
  at: string;
  /** The front session, or `null` for stateless (2026-era) requests. */
  session: string | null;
  /** The JSON-RPC method, e.g. `tools/call`. */
  method: string;
  /** The tool, resource or prompt name, where the method has one. */
  name: string | null;
  /** The backend that served the call, or `null` when the gateway answered itself. */
  backend: string | null;
  /** `ok`, or how it failed (`error`, `timeout`, `cancelled`, `rejected`, …). */
  outcome: string;
  durationMs: number;
}

/** The most calls a snapshot carries. */
export const RECENT_CALLS_LIMIT = 50;

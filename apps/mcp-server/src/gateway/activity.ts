/**
 * What the gateway has been doing lately, for the dashboard and `/readyz`: the most recent calls,
 * totals, a request rate over the last minute and latency percentiles over the last 1024
 * requests. Fed by the coordinator's audit entries; listeners hear of each one — and of each 2025
 * session this process lets go (`endSession`, for the session-duration metrics).
 */
import type { SessionEnd } from '@switchyard/coordinator';
import type { AuditInput } from '@switchyard/journal';
import { Window } from './window.ts';

/** One finished call, as the journal's audit trail records it. */
export interface RecentCall {
  /** When the call started, ms since the epoch. */
  at: number;
  /** The front session, or the stand-in session of a 2026 affinity key. */
  session: string | null;
  /** The JSON-RPC method, e.g. `tools/call`. */
  method: string;
  /** The tool, resource or prompt name, where the method has one. */
  name: string | null;
  /** The backend that served the call, or `null` when the gateway answered itself. */
  backend: string | null;
  /** `ok`, or how it failed (`error`, `timeout`, `cancelled`, `rejected`). */
  outcome: string;
  durationMs: number;
  /** The trace the call was recorded in, when telemetry is on and it was sampled. */
  traceId?: string;
}

export interface ActivityFigures {
  total: number;
  errors: number;
  ratePerSec: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

const RECENT = 50;
const WINDOW = 1024;
const RATE_WINDOW_MS = 60_000;

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

export class Activity {
  /** The latest calls, as a ring: `recentNext` is where the next one goes. */
  private readonly recentRing: (RecentCall | undefined)[] = new Array(RECENT);
  private recentNext = 0;
  private readonly durations = new Window(WINDOW);
  private readonly arrivals = new Window(WINDOW);
  private total = 0;
  private errors = 0;
  private readonly listeners = new Set<(call: RecentCall) => void>();
  private readonly sessionListeners = new Set<(end: SessionEnd) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `traceId`: the trace the call was recorded in (telemetry on, sampled). */
  record(entry: AuditInput, traceId?: string): void {
    const call: RecentCall = {
      at: entry.time ?? this.now(),
      session: entry.sessionId ?? null,
      method: entry.method,
      name: entry.name ?? null,
      backend: entry.backend ?? null,
      outcome: entry.outcome,
      durationMs: entry.durationMs,
      ...(traceId !== undefined && { traceId }),
    };
    this.total++;
    if (entry.outcome !== 'ok') this.errors++;
    this.recentRing[this.recentNext] = call;
    this.recentNext = (this.recentNext + 1) % RECENT;
    this.durations.push(entry.durationMs);
    this.arrivals.push(this.now());
    for (const l of this.listeners) l(call);
  }

  /** The latest calls, newest first. */
  calls(): readonly RecentCall[] {
    const out: RecentCall[] = [];
    for (let i = 1; i <= RECENT; i++) {
      const call = this.recentRing[(this.recentNext - i + RECENT) % RECENT];
      if (call) out.push(call);
    }
    return out;
  }

  figures(): ActivityFigures {
    const sorted = this.durations.toArray().sort((a, b) => a - b);
    const since = this.now() - RATE_WINDOW_MS;
    const inWindow = this.arrivals.toArray().filter((t) => t >= since);
    const span = inWindow.length > 0 ? Math.max(1000, this.now() - (inWindow[0] ?? 0)) : RATE_WINDOW_MS;
    return {
      total: this.total,
      errors: this.errors,
      ratePerSec: inWindow.length / (span / 1000),
      p50Ms: percentile(sorted, 0.5),
      p90Ms: percentile(sorted, 0.9),
      p99Ms: percentile(sorted, 0.99),
    };
  }

  /** The coordinator's `onSessionEnd`: a 2025 session left this process (2026 stand-ins are not sessions). */
  endSession(end: SessionEnd): void {
    if (end.era !== 'legacy') return;
    for (const l of this.sessionListeners) l(end);
  }

  /** Hear of each 2025 session's end; returns the unsubscribe function. */
  onSessionEnd(listener: (end: SessionEnd) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /** Hear of each call as it ends; returns the unsubscribe function. */
  subscribe(listener: (call: RecentCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

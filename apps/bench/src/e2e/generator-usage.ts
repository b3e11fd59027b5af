/** How much of a core a load generator used: what tells whether it, not the server, was the limit. */

/** What one generator process used over the measured pass. */
export interface GeneratorUsage {
  /** CPU seconds (user + system) of the generator over the measured pass. */
  cpuSeconds: number;
  /** Wall seconds of the measured pass. */
  wallSeconds: number;
  /** Threads the generator ran on (wrk `-t`; 1 for autocannon on node and the pipe driver). */
  threads: number;
}

/** Share of one core the generator used, per thread it runs (≥ 0.9: it was likely the limit). */
export const coreShare = (u: GeneratorUsage): number => u.cpuSeconds / u.wallSeconds / u.threads;

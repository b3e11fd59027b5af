/**
 * One autocannon pass from its own `node` process (driver.mjs), for suites that only need its
 * summary: spawns the driver, waits for its result line, stops it (also on error).
 */
import { join } from 'node:path';
import type { GeneratorUsage } from './generator-usage.ts';
import { spawnChild, stop, usage } from './process.ts';
import { nodePath } from './setups.ts';

const DRIVER = join(import.meta.dir, 'driver.mjs');

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Requests per second across all connections (open loop); closed loop when left out. */
  overallRate?: number;
  /** Added to `headers` of connection k (with `even` pacing: of request k) as entry k mod n. */
  headersPerConnection?: Record<string, string>[];
  /** `even`: node `http` sends one request every 1/overallRate s (driver.mjs); else autocannon paces. */
  pace?: 'even';
}

export interface LoadResult {
  durationSeconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  reqPerSec: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Runs one warm-up and one measured pass; `onWarm` is called between them (e.g. to read CPU counters). */
export async function runLoad(name: string, opts: LoadOptions, onWarm?: () => void): Promise<LoadResult> {
  return (await runAutocannon(name, opts, onWarm)).load;
}

/** `runLoad`, also giving the driver's own CPU over the measured pass (from /proc/<pid>/stat). */
export async function runAutocannon(
  name: string,
  opts: LoadOptions,
  onWarm?: () => void,
): Promise<{ load: LoadResult; generator: GeneratorUsage }> {
  const driver = spawnChild(`autocannon (${name})`, [nodePath(), DRIVER, JSON.stringify(opts)]);
  const limitMs = (opts.warmupSeconds + opts.durationSeconds + 20) * 1000;
  try {
    const warm = await driver.nextLine(limitMs);
    if (warm !== 'warm') throw new Error(`autocannon driver: unexpected line ${warm}`);
    onWarm?.();
    const cpu0 = usage(driver.pid).cpuMain;
    const t0 = performance.now();
    const load = JSON.parse(await driver.nextLine(limitMs)) as LoadResult;
    const generator = {
      cpuSeconds: usage(driver.pid).cpuMain - cpu0,
      wallSeconds: (performance.now() - t0) / 1000,
      threads: 1,
    };
    return { load, generator };
  } finally {
    await stop(driver, 1000);
  }
}

/** Shared helpers of the pool tests. */
import { afterEach } from 'vitest';
import {
  type PoolEvent,
  type PoolEventOf,
  type PoolEventType,
  WorkerPoolManager,
  type WorkerPoolOptions,
} from '../src/index.ts';

export { isAlive, rejectionOf, until } from '../../../tooling/testing/wait.ts';

export const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** The next event of `type` (matching `where`), or a rejection after `timeoutMs`. */
export function nextEvent<K extends PoolEventType>(
  pool: WorkerPoolManager,
  type: K,
  where: (e: PoolEventOf<K>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<PoolEventOf<K>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = pool.on(type, (e) => {
      if (!where(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Every event, recorded. */
export function record(pool: WorkerPoolManager): PoolEvent[] {
  const events: PoolEvent[] = [];
  pool.on('*', (e) => events.push(e));
  return events;
}

/** A maker of pools with `defaults`; every pool it made is stopped after each test. */
export function poolMaker<O extends WorkerPoolOptions>(
  defaults: O,
): (options?: Partial<O>) => WorkerPoolManager {
  const pools: WorkerPoolManager[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.stop({ timeoutMs: 0 })));
  });
  return (options = {}) => {
    const p = new WorkerPoolManager({ ...defaults, ...options });
    pools.push(p);
    return p;
  };
}

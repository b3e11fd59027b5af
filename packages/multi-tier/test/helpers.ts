/** Shared helpers of the manager tests: the real MCP fixture server, a ready hook, cleanup checks. */
import { fileURLToPath } from 'node:url';
import type { PoolWorker } from '@switchyard/worker-pool';
import { afterEach, expect } from 'vitest';
import {
  type Lease,
  type MultiTierEvent,
  type MultiTierEventOf,
  type MultiTierEventType,
  type MultiTierOptions,
  MultiTierPoolManager,
  type StdioBackendSpec,
} from '../src/index.ts';

export { isAlive, rejectionOf, until } from '../../../tooling/testing/wait.ts';

import { isAlive } from '../../../tooling/testing/wait.ts';

export const server = fileURLToPath(
  new URL('../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url),
);

/** The MCP handshake: `initialize`, then `notifications/initialized`. Ready means initialized. */
export async function initialize(w: PoolWorker): Promise<void> {
  const result = (await w.request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'multi-tier-test', version: '0.0.0' },
  })) as { serverInfo?: { name?: string } };
  if (!result?.serverInfo?.name) throw new Error('initialize answered without serverInfo');
  w.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

/** A stdio backend running the fixture server with `args`. */
export function fixture(args: string[] = [], spec: Partial<StdioBackendSpec> = {}): StdioBackendSpec {
  return {
    kind: 'stdio',
    command: process.execPath,
    args: [server, ...args],
    ready: initialize,
    stopGraceMs: 500,
    killGraceMs: 500,
    ...spec,
  };
}

/** Calls a fixture tool on the lease's worker; resolves with its text. */
export async function tool(lease: Lease, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const r = (await lease.request('tools/call', { name, arguments: args })) as { content: { text: string }[] };
  return r.content[0]!.text;
}

export interface Made {
  manager: MultiTierPoolManager;
  events: MultiTierEvent[];
  /** Pids of every worker started. */
  pids: Set<number>;
  of<K extends MultiTierEventType>(type: K): MultiTierEventOf<K>[];
  next<K extends MultiTierEventType>(
    type: K,
    where?: (e: MultiTierEventOf<K>) => boolean,
  ): Promise<MultiTierEventOf<K>>;
}

/**
 * A maker of managers that records every event and pid; after each test it stops them all and
 * checks that no process is left.
 */
export function managerMaker(): (options: MultiTierOptions) => Made {
  const made: Made[] = [];
  afterEach(async () => {
    const all = made.splice(0);
    await Promise.all(all.map((m) => m.manager.stop()));
    for (const m of all) {
      expect(m.manager.stats().workers).toBe(0);
      for (const pid of m.pids) expect(isAlive(pid), `pid ${pid} left running`).toBe(false);
    }
  });
  return (options) => {
    const manager = new MultiTierPoolManager(options);
    const events: MultiTierEvent[] = [];
    const pids = new Set<number>();
    manager.on('*', (e) => {
      events.push(e);
      if ((e.type === 'worker-starting' || e.type === 'worker-ready') && e.pid !== undefined) pids.add(e.pid);
    });
    const m: Made = {
      manager,
      events,
      pids,
      of: <K extends MultiTierEventType>(type: K) =>
        events.filter((e): e is MultiTierEventOf<K> => e.type === type),
      next: (type, where = () => true) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            off();
            reject(new Error(`no ${type} event within 10 s`));
          }, 10_000);
          const off = manager.on(type, (e) => {
            if (!where(e)) return;
            clearTimeout(timer);
            off();
            resolve(e);
          });
        }),
    };
    made.push(m);
    return m;
  };
}

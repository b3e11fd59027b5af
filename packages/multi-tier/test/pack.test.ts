/**
 * The package installs from its npm tarball (with @switchyard/worker-pool and flow-balancer beside
 * it) into a fresh project and runs there under Bun: a manager with one hot backend running the
 * real MCP fixture server (by absolute path), acquire, a tool call, release, stop — no process left.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packInstallAndRun, rootLicense, tarballProblems } from '../../../tooling/testing/pack.ts';
import { server } from './helpers.ts';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

const script = `
import { MultiTierPoolManager, isUnknownBackendError } from '@switchyard/multi-tier';

const manager = new MultiTierPoolManager({
  backends: {
    fixture: {
      kind: 'stdio',
      command: process.execPath,
      args: [${JSON.stringify(server)}],
      tier: 'hot',
      ready: async (w) => {
        await w.request('initialize', {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'pack-smoke', version: '0.0.0' },
        });
        w.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
      },
    },
  },
});
const report = await manager.start();
const lease = await manager.acquire('fixture', { session: 's1' });
const echoed = await lease.request('tools/call', { name: 'echo', arguments: { text: 'packed' } });
const pid = lease.pid;
lease.release();
const unknown = await manager.acquire('nope').catch((e) => isUnknownBackendError(e));
await manager.stop();
let alive = true;
try { process.kill(pid, 0); } catch { alive = false; }
console.log(JSON.stringify({ report, text: echoed.content[0].text, warmHit: lease.warmHit, unknown, alive, state: manager.state }));
`;

describe('pack', () => {
  it('installs from the tarball and runs a hot backend from dist/', { timeout: 120_000 }, () => {
    const { stdout, files, license } = packInstallAndRun(pkgDir, script, 'bun');
    expect(tarballProblems(files)).toEqual([]);
    expect(license).toBe(rootLicense);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out).toEqual({
      report: { ready: ['fixture'], failed: [] },
      text: 'packed',
      warmHit: true,
      unknown: true,
      alive: false,
      state: 'stopped',
    });
  });
});

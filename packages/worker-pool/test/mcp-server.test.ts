/**
 * The pool in front of a real stdio MCP server (the official SDK, tooling/fixtures/mcp), as the
 * gateway uses it: the initialize handshake as the ready hook, `ping` as the health probe,
 * `notifications/cancelled` as the cancel message.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isPoolFailedError,
  isTaskAbortedError,
  isWorkerCrashedError,
  mcpCancelMessage,
  type PoolFailedError,
  type PoolWorker,
  type ProcessPoolOptions,
  type WorkerCrashedError,
  type WorkerPoolManager,
} from '../src/index.ts';
import { poolMaker, rejectionOf } from './helpers.ts';

const server = fileURLToPath(new URL('../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url));

async function initialize(w: PoolWorker): Promise<void> {
  await w.request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'worker-pool-test', version: '0.0.0' },
  });
  w.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

const make = poolMaker<ProcessPoolOptions>({
  kind: 'process',
  command: process.execPath,
  min: 1,
  max: 1,
  ready: initialize,
  health: { probe: (w) => w.request('ping'), intervalMs: 100, timeoutMs: 2_000 },
  cancelMessage: mcpCancelMessage,
  stopGraceMs: 1_000,
});
const pool = (args: string[] = [], options: Partial<ProcessPoolOptions> = {}): WorkerPoolManager =>
  make({ args: [server, ...args], ...options });

describe('process pool with a real MCP stdio server', () => {
  it('initializes, answers tools/call, surfaces progress, passes ping health checks', async () => {
    const p = pool();
    await p.start();
    const progress: unknown[] = [];
    p.on('worker-message', (e) => {
      if ('method' in e.message && e.message.method === 'notifications/progress')
        progress.push(e.message.params);
    });
    const echo = await p.run('tools/call', { name: 'echo', arguments: { text: 'hello' } });
    expect(echo).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    const slept = await p.run('tools/call', {
      name: 'sleep',
      arguments: { ms: 50 },
      _meta: { progressToken: 'p1' },
    });
    expect(slept).toMatchObject({ content: [{ text: 'slept 50 ms' }] });
    expect(progress.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 350));
    expect(p.stats()).toMatchObject({ crashes: 0, started: 1, protocolFaults: 0 });
  });

  it('cancels a running tool call with notifications/cancelled and keeps serving', async () => {
    const p = pool();
    const ac = new AbortController();
    const task = p.run('tools/call', { name: 'sleep', arguments: { ms: 10_000 } }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 200));
    ac.abort('client went away');
    expect(isTaskAbortedError(await rejectionOf(task))).toBe(true);
    expect(await p.run('tools/call', { name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({
      content: [{ text: '5' }],
    });
  });

  it('rejects the call on a server that crashes mid-request and starts a new one', async () => {
    const p = pool(['--crash-on', 'die'], { restart: { baseDelayMs: 10 } });
    const e = (await rejectionOf(
      p.run('tools/call', { name: 'echo', arguments: { text: 'die' } }),
    )) as WorkerCrashedError;
    expect(isWorkerCrashedError(e)).toBe(true);
    expect(e.delivered).toBe(true);
    expect(await p.run('tools/call', { name: 'echo', arguments: { text: 'ok' } })).toMatchObject({
      content: [{ text: 'ok' }],
    });
  });

  it('fails the pool on a server that cannot start, with its stderr', async () => {
    const p = pool(['--exit-at-start'], { restart: { baseDelayMs: 5, maxCrashes: 2 } });
    const e = await rejectionOf(p.start());
    expect(isPoolFailedError(e)).toBe(true);
    // The server's stderr is the operator's (the error's `stderrTail`), never in the message a client may see.
    expect((e as PoolFailedError).stderrTail.join('\n')).toContain('refusing to start');
    expect((e as Error).message).not.toContain('refusing to start');
  });
});

/**
 * A slow or hanging backend slows only itself: initialize and lists answer from what is ready and
 * name the missing backend; calls to the others never wait for it; a backend's capabilities, once
 * known, serve every later initialize without asking a worker. Real stdio fixture processes; the
 * hanging one is the fixture with `--ready-delay-ms` far beyond the test.
 */
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ask, open, req, resultOf } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { StdioTier } from './support/stdio-tier.ts';

const rig = rigPerTest();

function setup(backends: ConstructorParameters<typeof StdioTier>[0], backendWaitMs: number) {
  const tier = new StdioTier(backends);
  return rig(tier, {
    backends: Object.keys(backends).map((name) => ({ name })),
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    backendWaitMs,
    backendTimeoutMs: 60_000,
  });
}

function unavailable(result: Record<string, unknown>): { backend: string; reason: string }[] {
  const meta = result._meta as Record<string, unknown> | undefined;
  return (meta?.['switchyard/unavailable'] as { backend: string; reason: string }[] | undefined) ?? [];
}

describe('a backend that never becomes ready beside a healthy one', () => {
  it('initialize, lists and calls of the healthy one go on without it', async () => {
    const { coordinator } = setup(
      { a: ['--name', 'a'], hang: ['--name', 'hang', '--ready-delay-ms', '600000'] },
      2_000,
    );
    // The first initialize waits its short wait for the hanging backend, then answers without it.
    const first = await open(coordinator);
    expect(unavailable(resultOf(first.message))).toContainEqual({
      backend: 'hang',
      reason: expect.stringContaining('not ready after 2000 ms'),
    });
    // A call to the healthy backend asks only the backend its name belongs to: it is answered
    // (were it waiting for `hang`, it would wait ten minutes and this test would time out).
    const called = resultOf(
      await ask(
        coordinator,
        first.sessionId,
        req('tools/call', { name: 'a__echo', arguments: { text: 'hi' } }),
      ),
    );
    expect(CallToolResultSchema.parse(called).content).toEqual([{ type: 'text', text: 'hi' }]);
    // Later answers do not wait for it at all while it is still starting; the healthy one is in them.
    const second = await open(coordinator);
    expect(unavailable(resultOf(second.message))).toEqual([
      { backend: 'hang', reason: expect.stringContaining('still starting') },
    ]);
    expect(JSON.stringify(resultOf(second.message))).toContain('The a fixture');
    const listed = resultOf(await ask(coordinator, second.sessionId, req('tools/list')));
    expect(ListToolsResultSchema.parse(listed).tools.map((t) => t.name)).toContain('a__echo');
    expect(unavailable(listed)).toEqual([
      { backend: 'hang', reason: expect.stringContaining('still starting') },
    ]);
  });

  it('a known backend’s capabilities answer a new initialize without leasing a worker', async () => {
    const { coordinator, tier } = setup({ a: ['--name', 'a'] }, 10_000);
    await open(coordinator);
    const worker = tier.worker('a');
    worker.proc.kill('SIGKILL');
    await worker.exited;
    // The backend's worker is gone; a new session still learns its capabilities and instructions,
    // and no new worker is started for it.
    const again = await open(coordinator);
    expect(JSON.stringify(resultOf(again.message))).toContain('The a fixture');
    expect(tier.workers).toHaveLength(1);
  });
});

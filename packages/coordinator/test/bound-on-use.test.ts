/**
 * Per-session workers are bound at a session's first call to the backend, not at initialize or a
 * list: a client that only connects and lists holds no worker. Lists before the first call come
 * from a worker no session used (started once, ended at once); after it, from the session's own.
 * Real stdio fixture processes behind a `StdioTier`.
 */
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ask, open, req, resultOf } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { StdioTier } from './support/stdio-tier.ts';

const rig = rigPerTest();

function setup(now?: () => number) {
  const tier = new StdioTier({ a: ['--name', 'a'], b: ['--name', 'b'] }, { a: 'per-session' });
  return rig(tier, {
    backends: [{ name: 'a', isolation: 'per-session' }, { name: 'b' }],
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    requestTimeoutMs: 10_000,
    ...(now && { now, sessionIdleMs: 60_000 }),
  });
}

const boundOf = (tier: StdioTier, sessionId: string) => {
  try {
    return tier.worker('a', `s:${sessionId}`);
  } catch {
    return undefined;
  }
};

describe('per-session workers bound on use', () => {
  it('initialize and lists bind no worker; the first call does, and its lists are the session’s own from then on', async () => {
    const { coordinator, tier } = setup();
    const sessions = [];
    for (let i = 0; i < 3; i++) {
      const s = await open(coordinator, '2025-11-25', `p${i}`);
      const tools = ListToolsResultSchema.parse(
        resultOf(await ask(coordinator, s.sessionId, req('tools/list'), `p${i}`)),
      ).tools.map((t) => t.name);
      expect(tools).toContain('a__echo');
      expect(tools).toContain('b__echo');
      sessions.push(s);
    }
    // One probe worker of `a` gave the lists and was ended; no session holds a worker of `a`.
    const workersOfA = tier.workers.filter((w) => w.id.startsWith('a#'));
    expect(workersOfA).toHaveLength(1);
    expect(tier.endedSessions.filter((s) => s.startsWith('\u0000probe-'))).toHaveLength(1);
    for (const s of sessions) expect(boundOf(tier, s.sessionId)).toBeUndefined();

    // The first call binds the caller's own worker, and only the caller's.
    const first = sessions[0]!;
    const answer = CallToolResultSchema.parse(
      resultOf(
        await ask(
          coordinator,
          first.sessionId,
          req('tools/call', { name: 'a__echo', arguments: { text: 'hi' } }),
          'p0',
        ),
      ),
    );
    expect(answer.content).toEqual([{ type: 'text', text: 'hi' }]);
    const own = boundOf(tier, first.sessionId);
    expect(own).toBeDefined();
    expect(boundOf(tier, sessions[1]!.sessionId)).toBeUndefined();

    // From now on this session's lists are asked of its own worker.
    const listed = () => own!.sent.filter((m) => 'method' in m && m.method === 'tools/list').length;
    const before = listed();
    ListToolsResultSchema.parse(resultOf(await ask(coordinator, first.sessionId, req('tools/list'), 'p0')));
    expect(listed()).toBe(before + 1);

    // Ending the session ends its worker.
    expect(await coordinator.closeSession(first.sessionId, 'p0')).toBe(true);
    expect(tier.endedSessions).toContain(first.sessionId);
    expect(boundOf(tier, first.sessionId)).toBeUndefined();
  });

  it('a session that goes idle frees its bound worker', async () => {
    let now = 1_000_000;
    const { coordinator, tier } = setup(() => now);
    const s = await open(coordinator, '2025-11-25', 'alice');
    resultOf(
      await ask(coordinator, s.sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'x' } })),
    );
    expect(boundOf(tier, s.sessionId)).toBeDefined();
    now += 61_000;
    expect(await coordinator.expireIdleSessions()).toBe(1);
    expect(tier.endedSessions).toContain(s.sessionId);
    expect(boundOf(tier, s.sessionId)).toBeUndefined();
  });
});

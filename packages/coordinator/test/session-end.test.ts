/**
 * `onSessionEnd`: each 2025 session this process lets go is told once, with when it was taken up,
 * when it ended and why — `deleted` (closeSession), `expired` (idle past `sessionIdleMs`) and
 * `shutdown` (close(); the journal would keep it). Real stdio fixture processes behind a `StdioTier`.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEnd } from '../src/index.ts';
import { open } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { StdioTier } from './support/stdio-tier.ts';

const rig = rigPerTest();

describe('onSessionEnd', () => {
  it('tells deleted, expired and shutdown ends, each once, with the session’s opening time', async () => {
    let now = 1_000_000;
    const ends: SessionEnd[] = [];
    const { coordinator } = rig(new StdioTier({ a: ['--name', 'a'] }), {
      backends: [{ name: 'a' }],
      serverInfo: { name: 'switchyard', version: '0.0.0-test' },
      now: () => now,
      sessionIdleMs: 60_000,
      onSessionEnd: (end) => ends.push(end),
    });
    const deleted = await open(coordinator, '2025-11-25', 'alice');
    const expired = await open(coordinator, '2025-06-18', 'alice');
    now += 5_000;
    expect(await coordinator.closeSession(deleted.sessionId, 'alice')).toBe(true);
    expect(await coordinator.closeSession(deleted.sessionId, 'alice')).toBe(false);
    now += 61_000;
    const kept = await open(coordinator, '2025-03-26', 'bob');
    expect(await coordinator.expireIdleSessions()).toBe(1);
    now += 2_000;
    await coordinator.close();
    expect(ends).toEqual([
      {
        id: deleted.sessionId,
        era: 'legacy',
        protocolVersion: '2025-11-25',
        openedAt: 1_000_000,
        endedAt: 1_005_000,
        reason: 'deleted',
      },
      {
        id: expired.sessionId,
        era: 'legacy',
        protocolVersion: '2025-06-18',
        openedAt: 1_000_000,
        endedAt: 1_066_000,
        reason: 'expired',
      },
      {
        id: kept.sessionId,
        era: 'legacy',
        protocolVersion: '2025-03-26',
        openedAt: 1_066_000,
        endedAt: 1_068_000,
        reason: 'shutdown',
      },
    ]);
  });
});

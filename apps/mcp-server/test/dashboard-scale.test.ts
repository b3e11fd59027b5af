/**
 * The dashboard's snapshot does not grow with the gateway: with many sessions and more calls than it
 * shows, it lists at most `RECENT_CALLS_LIMIT` calls while its totals count everything. A real
 * gateway with a real stdio backend over real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { RECENT_CALLS_LIMIT } from '../src/dashboard/snapshot.ts';
import { dashboardSource } from '../src/dashboard/source.ts';
import { fixtureEntry, post, rawSession, startInProcess } from './support/gateway.ts';

const SESSIONS = 300;
const CALLS = RECENT_CALLS_LIMIT + 30;

describe('the dashboard snapshot with many sessions', () => {
  it('lists at most the cap; the totals are right', async () => {
    const { url, gateway } = await startInProcess({
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
    });
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push(await rawSession(url));
    for (let i = 0; i < CALLS; i++) {
      const r = await post(
        url,
        {
          jsonrpc: '2.0',
          id: i + 1,
          method: 'tools/call',
          params: { name: 'fx__echo', arguments: { text: `${i}` } },
        },
        { 'mcp-session-id': sessions[i % SESSIONS] ?? '' },
      );
      expect(r.status).toBe(200);
      await r.text();
    }
    const snapshot = dashboardSource(gateway).snapshot();
    expect(snapshot.sessions.open).toBe(SESSIONS);
    expect(snapshot.requests.total).toBeGreaterThanOrEqual(CALLS);
    expect(snapshot.requests.inFlight).toBe(0);
    expect(snapshot.recentCalls.length).toBe(RECENT_CALLS_LIMIT);
    // Newest first.
    expect(snapshot.recentCalls[0]?.name).toBe('fx__echo');
  });
});

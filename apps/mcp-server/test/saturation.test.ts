/**
 * A per-session backend whose workers are all bound says so on /readyz, a new session's call gets a
 * clear refusal (not a hang), and ending a session gives its worker back. Real gateway, real stdio
 * fixture, raw HTTP.
 */
import { describe, expect, it } from 'vitest';
import { dashboardSource } from '../src/dashboard/source.ts';
import { fixtureEntry, post, rawSession, startInProcess } from './support/gateway.ts';

const call = (url: string, session: string, text: string) =>
  post(
    url,
    { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'a__echo', arguments: { text } } },
    { 'mcp-session-id': session },
  );

async function backendA(origin: string) {
  const body = (await (await fetch(`${origin}/readyz`)).json()) as {
    ready: boolean;
    backends: { name: string; saturated?: boolean; reason?: string }[];
  };
  return { ready: body.ready, a: body.backends.find((b) => b.name === 'a')! };
}

describe('a per-session backend with every worker bound', () => {
  it('is saturated on /readyz, refuses a new session’s call with a reason, and has room once a session ends', async () => {
    const { url, origin, gateway } = await startInProcess({
      mcpServers: {
        a: fixtureEntry('a', { tier: 'cold', isolation: 'per-session', replicas: { min: 0, max: 1 } }),
      },
    });
    const one = await rawSession(url);
    const two = await rawSession(url);
    // Listing binds nothing: not saturated yet.
    expect((await backendA(origin)).a.saturated).toBeUndefined();

    const first = await call(url, one, 'from one');
    expect(await first.text()).toContain('from one');
    const held = await backendA(origin);
    expect(held.a.saturated).toBe(true);
    expect(held.a.reason).toContain('all 1 workers bound to sessions');
    // The node still serves: readiness is not withdrawn for it.
    expect(held.ready).toBe(true);
    // The dashboard and /metrics say so too.
    const saturatedMetric = async () =>
      (await (await fetch(`${origin}/metrics`)).text()).match(
        /^switchyard_backend_saturated\{backend="a"\} (\d)$/m,
      )?.[1];
    expect(await saturatedMetric()).toBe('1');
    expect(
      dashboardSource(gateway)
        .snapshot()
        .backends.find((b) => b.name === 'a')?.state,
    ).toBe('saturated');

    const refused = await call(url, two, 'from two');
    const text = await refused.text();
    expect(text).toContain('"error"');
    expect(text).toContain('all bound to sessions');
    expect(text).not.toContain('from two');

    const ended = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': one } });
    expect(ended.status).toBeLessThan(300);
    await expect.poll(async () => (await backendA(origin)).a.saturated, { timeout: 10_000 }).toBeUndefined();
    expect(await saturatedMetric()).toBe('0');
    const second = await call(url, two, 'from two again');
    expect(await second.text()).toContain('from two again');
  });

  it('a session idle past sessions.idleTimeoutMs ends by itself and frees its worker', async () => {
    const { url, origin } = await startInProcess({
      mcpServers: {
        a: fixtureEntry('a', { tier: 'cold', isolation: 'per-session', replicas: { min: 0, max: 1 } }),
      },
      switchyard: { sessions: { idleTimeoutMs: 1_000 } },
    });
    const one = await rawSession(url);
    expect(await (await call(url, one, 'bound')).text()).toContain('bound');
    expect((await backendA(origin)).a.saturated).toBe(true);
    // Nobody calls: the session is swept (checked every second) and its worker goes with it.
    await expect.poll(async () => (await backendA(origin)).a.saturated, { timeout: 15_000 }).toBeUndefined();
    expect((await call(url, one, 'too late')).status).toBe(404);
  });
});

/**
 * A client that goes away cancels its backend call: the gateway sends the backend
 * `notifications/cancelled` and the call stops (the repo's stdio fixture counts the `sleep` calls it
 * stopped for a cancellation, and `whoami` tells). Over real HTTP to a real gateway.
 */
import { describe, expect, it } from 'vitest';
import { fixtureEntry, modernPost, post, rawSession, startInProcess } from './support/gateway.ts';

const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
};
const CONFIG = { mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } };

/** The fixture's count of `sleep` calls stopped by a cancellation (one shared worker). */
async function cancelledCount(url: string): Promise<number> {
  const response = await modernPost(
    url,
    {
      jsonrpc: '2.0',
      id: 99,
      method: 'tools/call',
      params: { name: 'fx__whoami', arguments: {}, _meta: META },
    },
    { 'mcp-name': 'fx__whoami' },
  );
  const body = (await response.json()) as { result: { content: { text: string }[] } };
  return (JSON.parse(body.result.content[0]?.text ?? '{}') as { cancelled: number }).cancelled;
}

/** Waits (bounded: 10 s) until the fixture has stopped `n` sleeps for a cancellation. */
async function cancelledReaches(url: string, n: number): Promise<number> {
  let seen = 0;
  for (let i = 0; i < 200; i++) {
    seen = await cancelledCount(url);
    if (seen >= n) return seen;
    await Bun.sleep(50);
  }
  return seen;
}

/** Waits (bounded) until the coordinator has `n` routed requests in flight. */
async function inFlight(gateway: { coordinator: { stats(): { inFlight: number } } }, n: number) {
  for (let i = 0; i < 500 && gateway.coordinator.stats().inFlight !== n; i++) await Bun.sleep(10);
  return gateway.coordinator.stats().inFlight;
}

const sleepCall = (id: number, progress: boolean, meta: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'fx__sleep',
    arguments: { ms: 60_000 },
    _meta: { ...meta, ...(progress && { progressToken: `p${id}` }) },
  },
});

/** Reads an SSE answer until its first progress event (the backend runs the call), then hangs up. */
async function hangUpAfterProgress(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body?.getReader();
  let seen = '';
  while (!seen.includes('notifications/progress')) {
    const { value, done } = (await reader?.read()) ?? { done: true };
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  await reader?.cancel();
  return seen;
}

/** POSTs `body` for a JSON answer and goes away once the call is in flight at the coordinator. */
async function abandonJsonCall(
  url: string,
  gateway: Parameters<typeof inFlight>[0],
  headers: Record<string, string>,
  body: unknown,
): Promise<void> {
  const abort = new AbortController();
  const pending = fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
    signal: abort.signal,
  }).catch(() => undefined);
  expect(await inFlight(gateway, 1)).toBe(1);
  abort.abort();
  await pending;
}

describe('a client disconnect cancels the backend call', () => {
  it('2026: closing an SSE answer (progress first) cancels the call', async () => {
    const { url, gateway } = await startInProcess(CONFIG);
    expect(await cancelledCount(url)).toBe(0);
    const response = await modernPost(url, sleepCall(1, true, META), { 'mcp-name': 'fx__sleep' });
    expect(await hangUpAfterProgress(response)).toContain('notifications/progress');
    expect(await cancelledReaches(url, 1)).toBe(1);
    expect(await inFlight(gateway, 0)).toBe(0);
  });

  it('2026: going away while a JSON answer is awaited cancels the call', async () => {
    const { url, gateway } = await startInProcess(CONFIG);
    await abandonJsonCall(
      url,
      gateway,
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'fx__sleep' },
      sleepCall(2, false, META),
    );
    expect(await cancelledReaches(url, 1)).toBe(1);
    expect(await inFlight(gateway, 0)).toBe(0);
  });

  it('2025: going away while a JSON answer is awaited cancels the call', async () => {
    const { url, gateway } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    await abandonJsonCall(url, gateway, { 'mcp-session-id': session }, sleepCall(3, false));
    expect(await cancelledReaches(url, 1)).toBe(1);
    expect(await inFlight(gateway, 0)).toBe(0);
  });

  it('2025: an SSE answer the client closes and does not resume is cancelled after resumeGraceMs', async () => {
    const { url, gateway } = await startInProcess({
      ...CONFIG,
      switchyard: { limits: { resumeGraceMs: 300 } },
    });
    const session = await rawSession(url);
    const response = await post(url, sleepCall(4, true), { 'mcp-session-id': session });
    await hangUpAfterProgress(response);
    expect(await cancelledReaches(url, 1)).toBe(1);
    expect(await inFlight(gateway, 0)).toBe(0);
  });
});

/**
 * Every bad request at the HTTP front door gets its precise status and a JSON-RPC error body,
 * over real HTTP to a real gateway (the repo's stdio fixture behind it).
 */
import { describe, expect, it } from 'vitest';
import { fixtureEntry, INITIALIZE, post, rawSession, startInProcess } from './support/gateway.ts';

const CONFIG = { mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) } };
const TOOLS_LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

async function errorOf(response: Response): Promise<{ code: number; message: string; data?: unknown }> {
  const body = (await response.json()) as { error: { code: number; message: string; data?: unknown } };
  return body.error;
}

describe('bad requests at /mcp', () => {
  it('415 for a body that is not JSON by Content-Type', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await post(url, INITIALIZE, { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((await errorOf(response)).message).toMatch(/Content-Type/);
  });

  it('406 for an Accept that leaves out text/event-stream (POST) or asks for HTML (GET)', async () => {
    const { url } = await startInProcess(CONFIG);
    const p = await post(url, INITIALIZE, { accept: 'application/json' });
    expect(p.status).toBe(406);
    const session = await rawSession(url);
    const g = await fetch(url, { headers: { accept: 'text/html', 'mcp-session-id': session } });
    expect(g.status).toBe(406);
  });

  it('413 for a body over the limit, by Content-Length and when streamed', async () => {
    const { url } = await startInProcess({ ...CONFIG, switchyard: { limits: { maxBodyBytes: 1024 } } });
    const big = JSON.stringify({ ...INITIALIZE, params: { ...INITIALIZE.params, pad: 'x'.repeat(4096) } });
    const declared = await post(url, big);
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: chunks,
    });
    expect(streamed.status).toBe(413);
  });

  it('400 with a JSON-RPC parse error for unparsable JSON', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe(-32700);
  });

  it('400 without a session id, 404 with an unknown one', async () => {
    const { url } = await startInProcess(CONFIG);
    const none = await post(url, TOOLS_LIST);
    expect(none.status).toBe(400);
    expect((await errorOf(none)).message).toMatch(/session id is required/);
    const unknown = await post(url, TOOLS_LIST, { 'mcp-session-id': 'f'.repeat(32) });
    expect(unknown.status).toBe(404);
  });

  it('400 for an unsupported MCP-Protocol-Version header, with the supported list', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const response = await post(url, TOOLS_LIST, {
      'mcp-session-id': session,
      'mcp-protocol-version': '1999-01-01',
    });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    // The 2026-07-28 error (-32022) names every version the gateway speaks, of both eras.
    expect(error.code).toBe(-32022);
    expect(error.data).toEqual({
      supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
      requested: '1999-01-01',
    });
  });

  it('a malformed JSON-RPC message gets -32600, an unknown method -32601, both with HTTP 200', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const wrongVersion = await post(
      url,
      { jsonrpc: '1.0', id: 3, method: 'ping' },
      { 'mcp-session-id': session },
    );
    expect((await errorOf(wrongVersion)).code).toBe(-32600);
    const unknown = await post(
      url,
      { jsonrpc: '2.0', id: 4, method: 'no/such' },
      { 'mcp-session-id': session },
    );
    expect(unknown.status).toBe(200);
    expect((await errorOf(unknown)).code).toBe(-32601);
  });

  it('202 for a notification; 405 for PUT; 404 for another path', async () => {
    const { url, origin } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const note = await post(
      url,
      { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
      { 'mcp-session-id': session },
    );
    expect(note.status).toBe(202);
    const put = await fetch(url, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
  });

  it('DELETE ends a session: later requests on it get 404', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
    expect(deleted.status).toBe(200);
    expect((await post(url, TOOLS_LIST, { 'mcp-session-id': session })).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } })).status).toBe(404);
  });

  it('one GET stream per session: a second reader gets 409', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const headers = { accept: 'text/event-stream', 'mcp-session-id': session };
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    const second = await fetch(url, { headers });
    expect(second.status).toBe(409);
    await first.body?.cancel();
  });

  it('batches only for 2025-03-26 clients', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const batch = [
      { jsonrpc: '2.0', id: 10, method: 'ping' },
      { jsonrpc: '2.0', id: 11, method: 'tools/list' },
    ];
    const old = await post(url, batch, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' });
    expect(old.status).toBe(200);
    const answers = (await old.json()) as { id: number }[];
    expect(answers.map((a) => a.id).sort()).toEqual([10, 11]);
    const newer = await post(url, batch, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
    expect(newer.status).toBe(400);
  });
});

describe('origin and host checks (DNS rebinding)', () => {
  it('403 for a foreign Origin, allowed for loopback origins and configured ones', async () => {
    const { url } = await startInProcess({
      ...CONFIG,
      switchyard: { origins: { allow: ['https://app.example.com'] } },
    });
    expect((await post(url, INITIALIZE, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(url, INITIALIZE, { origin: 'http://localhost:3000' })).status).toBe(200);
    expect((await post(url, INITIALIZE, { origin: 'https://app.example.com' })).status).toBe(200);
  });

  it('421 for a Host that is not loopback while listening on loopback', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await post(url, INITIALIZE, { host: 'evil.example:80' });
    expect(response.status).toBe(421);
    expect((await errorOf(response)).message).toMatch(/Host/);
  });
});

describe('auth', () => {
  const TOKENS = {
    auth: {
      allowUnauthenticatedLoopback: false,
      tokens: [
        { token: 'alice-token-0123456789', principal: 'alice' },
        { token: 'bob-token-0123456789ab', principal: 'bob' },
      ],
    },
  };

  it('401 with WWW-Authenticate without a token, and with a wrong one', async () => {
    const { url } = await startInProcess({ ...CONFIG, switchyard: TOKENS });
    const none = await post(url, INITIALIZE);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="switchyard"');
    const wrong = await post(url, INITIALIZE, { authorization: 'Bearer not-a-real-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a session is bound to its principal: another token gets 404 for it', async () => {
    const { url } = await startInProcess({ ...CONFIG, switchyard: TOKENS });
    const alice = { authorization: 'Bearer alice-token-0123456789' };
    const session = await rawSession(url, alice);
    expect((await post(url, TOOLS_LIST, { ...alice, 'mcp-session-id': session })).status).toBe(200);
    const asBob = await post(url, TOOLS_LIST, {
      authorization: 'Bearer bob-token-0123456789ab',
      'mcp-session-id': session,
    });
    expect(asBob.status).toBe(404);
  });
});

describe('gateway-wide admission (switchyard.admission)', () => {
  it('429 with Retry-After past a principal’s rate limit', async () => {
    const { url } = await startInProcess({
      ...CONFIG,
      switchyard: { admission: { rateLimit: { perSecond: 1, burst: 2 } } },
    });
    expect((await post(url, INITIALIZE)).status).toBe(200);
    expect((await post(url, INITIALIZE)).status).toBe(200);
    const third = await post(url, INITIALIZE);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('503 with Retry-After when every slot is taken and the queue is full; the slot frees when the stream ends', async () => {
    const { url } = await startInProcess({
      ...CONFIG,
      switchyard: { admission: { concurrency: 1, queue: 0 } },
    });
    const session = await rawSession(url);
    const long = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'fx__sleep', arguments: { ms: 300 }, _meta: { progressToken: 1 } },
      },
      { 'mcp-session-id': session },
    );
    expect(long.headers.get('content-type')).toBe('text/event-stream');
    const refused = await post(url, TOOLS_LIST, { 'mcp-session-id': session });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    await long.text(); // the stream runs to its end and gives the slot back
    expect((await post(url, TOOLS_LIST, { 'mcp-session-id': session })).status).toBe(200);
  });
});

describe('metrics', () => {
  it('/metrics counts requests by method, backend and outcome, HTTP answers and refusals', async () => {
    const { url, origin } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    await post(
      url,
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'fx__echo', arguments: { text: 'm' } } },
      { 'mcp-session-id': session },
    );
    await post(url, INITIALIZE, { origin: 'https://evil.example' });
    const response = await fetch(`${origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await response.text()).split('\n');
    expect(lines).toContain('switchyard_requests_total{method="tools/call",backend="fx",outcome="ok"} 1');
    expect(lines).toContain('switchyard_admissions_refused_total{reason="origin"} 1');
    expect(lines).toContain('switchyard_http_requests_total{route="mcp",status="403"} 1');
    expect(lines).toContain('switchyard_backend_up{backend="fx"} 1');
  });
});

describe('health', () => {
  it('/healthz is 200 and /readyz says which hot backends are ready', async () => {
    const { origin } = await startInProcess(CONFIG);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      backends: [{ name: 'fx', tier: 'hot', ready: 1, state: 'ok' }],
    });
  });

  it('/readyz is 503 with the reason when a hot backend failed', async () => {
    const { origin } = await startInProcess({
      mcpServers: {
        broken: {
          ...fixtureEntry('broken', { tier: 'hot' }),
          args: [
            new URL('../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url).pathname,
            '--exit-at-start',
          ],
        },
      },
    });
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { backends: { name: string; reason: string }[] };
    expect(body.backends[0]?.name).toBe('broken');
    expect(body.backends[0]?.reason).toMatch(/exit|refusing|start/i);
  });
});

/**
 * A remote connection tells a connection gone from a failed message by typed facts (a network error,
 * HTTP 404 inside a session, an event stream broken off), and a request refused for its credentials
 * (HTTP 401/403: `status`, the remote's answer, kept as `refused`) from any other HTTP error, against a
 * real HTTP server on 127.0.0.1 whose answers the test chooses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../tooling/testing/ports.ts';
import { parseConfigValue } from '../src/config/load.ts';
import type { RemoteBackendConfig } from '../src/remote/remote-connection.ts';
import { isRemoteConnectionError, RemoteConnection } from '../src/remote/remote-connection.ts';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function remoteConfig(url: string): RemoteBackendConfig {
  const config = parseConfigValue({ mcpServers: { r: { url } } } as never, {
    source: 'test',
    baseDir: '/tmp',
    env: {},
  });
  return config.backends[0] as RemoteBackendConfig;
}

type Answer = (body: { id?: unknown; method?: string }, request: Request) => Response | Promise<Response>;

/** A server answering each POST by `answer`; the first POST gets a session id. */
function server(answer: Answer): string {
  const s = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      if (request.method !== 'POST') return new Response(null, { status: 405 });
      return answer((await request.json()) as { id?: unknown; method?: string }, request);
    },
  });
  stops.push(() => s.stop(true));
  return new URL('/mcp', s.url).href;
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    headers: { 'content-type': 'application/json', 'mcp-session-id': 's1', ...headers },
  });

/** A connection with its reported errors and closes. */
async function connect(url: string) {
  const connection = new RemoteConnection(remoteConfig(url), {});
  const errors: Error[] = [];
  let closes = 0;
  const messages: unknown[] = [];
  connection.onerror = (e) => errors.push(e);
  connection.onclose = () => closes++;
  connection.onmessage = (m) => messages.push(m);
  await connection.start();
  return { connection, errors, messages, closes: () => closes };
}

const ping = (id: number) => ({ jsonrpc: '2.0' as const, id, method: 'ping' });

describe('a remote connection', () => {
  it('HTTP 404 inside a session: the connection is gone (said once, then closed)', async () => {
    let calls = 0;
    const url = server((body) =>
      ++calls === 1
        ? json({ jsonrpc: '2.0', id: body.id, result: {} })
        : new Response('no such session', { status: 404 }),
    );
    const c = await connect(url);
    await c.connection.send(ping(1));
    expect(c.messages).toHaveLength(1);
    const failed = await c.connection.send(ping(2)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnectionError(failed) && failed.gone).toBe(true);
    expect(c.errors.filter((e) => isRemoteConnectionError(e) && e.gone).map((e) => e.message)).toEqual([
      `remote "r" at ${url}: the remote no longer knows the session (HTTP 404)`,
    ]);
    expect(c.closes()).toBe(1);
    // Gone stays gone: a later send fails at once, naming it.
    await expect(c.connection.send(ping(3))).rejects.toMatchObject({ gone: true });
  });

  it('an HTTP error for one message fails that message alone', async () => {
    let calls = 0;
    const url = server((body) =>
      ++calls === 2
        ? new Response('busy', { status: 500 })
        : json({ jsonrpc: '2.0', id: body.id, result: {} }),
    );
    const c = await connect(url);
    await c.connection.send(ping(1));
    const failed = await c.connection.send(ping(2)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnectionError(failed) && !failed.gone).toBe(true);
    expect(String(failed)).toContain(`remote "r" at ${url}: `);
    expect(failed).toMatchObject({ status: undefined });
    expect(c.connection.refused).toBeUndefined();
    await c.connection.send(ping(3));
    expect(c.messages).toHaveLength(2);
    expect(c.closes()).toBe(0);
    await c.connection.close();
    expect(c.closes()).toBe(1);
  });

  it('HTTP 401/403 is a refusal of the credentials: its status and the remote’s answer; the first one is kept', async () => {
    let calls = 0;
    const url = server((body) => {
      calls++;
      if (calls === 2)
        return Response.json(
          { error: 'invalid_token' },
          { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
        );
      if (calls === 3) return new Response('not for you', { status: 403 });
      return json({ jsonrpc: '2.0', id: body.id, result: {} });
    });
    const c = await connect(url);
    await c.connection.send(ping(1));
    const failed = await c.connection.send(ping(2)).catch((e: unknown) => e);
    expect(isRemoteConnectionError(failed)).toBe(true);
    expect(failed).toMatchObject({
      status: 401,
      gone: false,
      message: `remote "r" at ${url}: the remote refused the credentials: HTTP 401 Unauthorized (WWW-Authenticate: Bearer error="invalid_token"): {"error":"invalid_token"}`,
    });
    const forbidden = await c.connection.send(ping(3)).catch((e: unknown) => e);
    expect(forbidden).toMatchObject({
      status: 403,
      reason: 'the remote refused the credentials: HTTP 403 Forbidden: not for you',
    });
    expect(c.connection.refused).toBe(failed);
    // A refusal is the request's, not the connection's end.
    await c.connection.send(ping(4));
    expect(c.closes()).toBe(0);
    expect(failed).toMatchObject({ code: undefined });
  });

  it('on a connection with a principal’s credentials, a refusal names the principal and blames the request (-32600)', async () => {
    const url = server(() => new Response('revoked', { status: 401 }));
    const connection = new RemoteConnection(remoteConfig(url), { principal: 'alice' });
    await connection.start();
    const failed = await connection.send(ping(1)).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      status: 401,
      code: -32600,
      reason: 'the remote refused principal "alice"’s credentials: HTTP 401 Unauthorized: revoked',
    });
    await connection.close();
  });

  it('nobody listening: the connection is gone, with the system error code', async () => {
    const url = `http://127.0.0.1:${freePort()}/mcp`;
    const c = await connect(url);
    const failed = await c.connection.send(ping(1)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnectionError(failed) && failed.gone).toBe(true);
    expect(String(failed)).toContain('ECONNREFUSED');
    expect(c.closes()).toBe(1);
  });

  it('an answer stream broken off mid-way: the connection is gone', async () => {
    let calls = 0;
    const url = server((body) => {
      if (++calls === 1) return json({ jsonrpc: '2.0', id: body.id, result: {} });
      // An event stream that sends one progress event, then breaks.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          const progress = {
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: { progressToken: 1, progress: 1 },
          };
          controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(progress)}\n\n`));
          setTimeout(() => controller.error(new Error('cut')), 20);
        },
      });
      return new Response(stream, {
        headers: { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' },
      });
    });
    const c = await connect(url);
    await c.connection.send(ping(1));
    await c.connection.send(ping(2));
    await expect.poll(() => c.closes(), { timeout: 10_000 }).toBe(1);
    const gone = c.errors.find((e) => isRemoteConnectionError(e) && e.gone);
    expect(gone?.message).toContain('the event stream broke off');
  });
});

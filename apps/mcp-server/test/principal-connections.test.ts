/**
 * A per-principal remote's connections (`remote/principal-connections.ts`) against a real HTTP server
 * on 127.0.0.1: each request carries its principal's credentials; a handshake the remote refused
 * for those credentials (HTTP 401/403) becomes multi-tier's `BindingRefusedError` with the remote's
 * answer, and a log line naming the principal (never the token); any other failed handshake stays
 * as it was (the backend's); refused credentials are dropped (`forget`); a connection ended is forgotten.
 */
import { isBindingRefusedError, type ReadyHook } from '@switchyard/multi-tier';
import type { PoolWorker } from '@switchyard/worker-pool';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigValue } from '../src/config/load.ts';
import { PrincipalConnections } from '../src/remote/principal-connections.ts';
import type { RemoteBackendConfig } from '../src/remote/remote-connection.ts';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** A remote answering 401 to `refused`'s token, 500 to `broken`'s, and a session to anyone else. */
function remote(): { config: RemoteBackendConfig; seen: string[] } {
  const seen: string[] = [];
  const s = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      if (request.method !== 'POST') return new Response(null, { status: 200 }); // the session's DELETE
      const authorization = request.headers.get('authorization') ?? '';
      seen.push(authorization);
      const body = (await request.json()) as { id?: unknown };
      if (authorization === 'Bearer token-of-refused')
        return new Response('{"error":"invalid_token"}', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      if (authorization === 'Bearer token-of-broken') return new Response('down', { status: 500 });
      return Response.json(
        { jsonrpc: '2.0', id: body.id, result: { protocolVersion: '2025-11-25', capabilities: {} } },
        { headers: { 'mcp-session-id': 's1' } },
      );
    },
  });
  stops.push(() => s.stop(true));
  const config = parseConfigValue({ mcpServers: { far: { url: new URL('/mcp', s.url).href } } } as never, {
    source: 'test',
    baseDir: '/tmp',
    env: {},
  }).backends[0] as RemoteBackendConfig;
  return { config, seen };
}

/** A handshake over the connection of worker `id`, as the gateway's ready hook makes it. */
function handshake(connections: PrincipalConnections): ReadyHook {
  return async (worker) => {
    const c = connections.connectionOf(worker.id)!;
    await c.start();
    await c.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
  };
}

describe('a per-principal remote’s connections', () => {
  it('a handshake refused for the principal’s credentials is BindingRefusedError with the remote’s answer; others stay the backend’s', async () => {
    const { config, seen } = remote();
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const connections = new PrincipalConnections(config, async (principal) => ({
      authorization: `Bearer token-of-${principal}`,
    }));
    const ready = connections.ready(handshake(connections), (fields, message) =>
      logged.push({ fields, message }),
    );
    const worker = (id: number) => ({ id }) as PoolWorker;
    const context = (workerId: number) => ({ backend: 'far', workerId });

    connections.connect(1, { principal: 'alice' });
    await ready(worker(1), context(1));
    expect(seen).toEqual(['Bearer token-of-alice']);

    connections.connect(2, { principal: 'refused' });
    const refused = await ready(worker(2), context(2)).catch((e: unknown) => e);
    expect(isBindingRefusedError(refused)).toBe(true);
    expect((refused as Error).message).toBe(
      `remote "far" at ${config.url}: the remote refused principal "refused"’s credentials: HTTP 401 Unauthorized (WWW-Authenticate: Bearer error="invalid_token"): {"error":"invalid_token"}`,
    );
    expect(logged).toEqual([
      {
        fields: {
          backend: 'far',
          principal: 'refused',
          reason: expect.stringContaining('HTTP 401'),
        },
        message: 'remote refused a principal’s credentials',
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain('token-of-refused');

    // A 5xx is the backend's: the failure goes on as it was.
    connections.connect(3, { principal: 'broken' });
    const broken = await ready(worker(3), context(3)).catch((e: unknown) => e);
    expect(isBindingRefusedError(broken)).toBe(false);
    expect((broken as Error).message).toContain('Error POSTing to endpoint: down');

    // Ended connections are forgotten.
    expect(connections.size).toBe(3);
    for (const id of [1, 2, 3]) await connections.connectionOf(id)?.close();
    expect(connections.size).toBe(0);
  });

  it('credentials the remote refused are forgotten for that principal alone (its next request gets fresh ones)', async () => {
    const { config } = remote();
    const forgotten: string[] = [];
    const credentials = Object.assign(
      async (principal: string) => ({ authorization: `Bearer token-of-${principal}` }),
      { forget: (principal: string) => forgotten.push(principal) },
    );
    const connections = new PrincipalConnections(config, credentials);
    const ready = connections.ready(handshake(connections));
    const worker = (id: number) => ({ id }) as PoolWorker;
    for (const [id, principal] of [
      [1, 'alice'],
      [2, 'refused'],
      [3, 'broken'],
    ] as const) {
      connections.connect(id, { principal });
      await ready(worker(id), { backend: 'far', workerId: id }).catch(() => {});
    }
    // Refused (401): forgotten; served, or failed for the backend's own reason (500): kept.
    expect(forgotten).toEqual(['refused']);
    for (const id of [1, 2, 3]) await connections.connectionOf(id)?.close();
  });
});

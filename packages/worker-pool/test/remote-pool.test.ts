/**
 * Remote workers: each worker a connection to a real HTTP JSON-RPC server on 127.0.0.1 (Bun.serve),
 * through a small transport of the MCP SDK's `Transport` shape (tooling/testing/jsonrpc-http.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpTransport,
  type JsonRpcHttpServer,
  serveJsonRpc,
} from '../../../tooling/testing/jsonrpc-http.ts';
import {
  isPoolClosedError,
  isTaskFailedError,
  mcpCancelMessage,
  type RemotePoolOptions,
  type RemoteTransport,
  type TaskFailedError,
} from '../src/index.ts';
import { nextEvent, poolMaker, rejectionOf, until } from './helpers.ts';

const servers: JsonRpcHttpServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

function serve(): JsonRpcHttpServer {
  const s = serveJsonRpc();
  servers.push(s);
  return s;
}

const pool = poolMaker<RemotePoolOptions>({
  kind: 'remote',
  connect: () => {
    throw new Error('set per test');
  },
  min: 1,
  max: 1,
});

describe('remote workers', () => {
  it('run many requests at once on one connection, answers matched by id; errors are TaskFailedError', async () => {
    const s = serve();
    const p = pool({ connect: () => httpTransport(s.url), concurrency: 32 });
    await p.start();
    expect(p.workers()[0]).toMatchObject({ kind: 'remote', pid: undefined });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => p.run('sleep', { ms: 50 - i, i })),
    );
    expect(results.map((r) => (r as { i: number }).i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const e = (await rejectionOf(p.run('fail'))) as TaskFailedError;
    expect(isTaskFailedError(e) && [e.code, e.data]).toEqual([-32001, { why: 1 }]);
    // forward keeps the caller's id; an error answer resolves.
    const answer = await p.forward({ jsonrpc: '2.0', id: 'caller-7', method: 'echo', params: { a: 1 } });
    expect(answer).toEqual({ jsonrpc: '2.0', id: 'caller-7', result: { a: 1 } });
    expect(p.workerStats()[0]).toMatchObject({ kind: 'remote', rssBytes: undefined });
  });

  it('a server that is not there: the worker fails to start, with why, and the pool keeps trying', async () => {
    const s = serve();
    s.stop(); // nothing listens on its port now
    const p = pool({ connect: () => httpTransport(s.url), restart: { baseDelayMs: 5, maxDelayMs: 5 } });
    const exitedSoon = nextEvent(p, 'worker-exited');
    p.start().catch(() => {}); // never ready; rejected at stop
    const exited = await exitedSoon;
    expect(exited).toMatchObject({ expected: false, wasReady: false });
    expect(exited.detail).toMatch(/^connect failed: /);
    expect(exited.stderrTail.join('\n')).toContain('connect failed');
    await nextEvent(p, 'worker-started'); // replaced, after the backoff
    expect(p.stats().crashes).toBeGreaterThanOrEqual(1);
  });

  it('a connection the server closed is a crash: requests in flight fail, the pool replaces it', async () => {
    const s = serve();
    const p = pool({ connect: () => httpTransport(s.url) });
    await p.start();
    const [first] = p.workers();
    expect(await p.run('echo', 1)).toBe(1);
    s.sessions.clear(); // the server forgot the session
    const exited = nextEvent(p, 'worker-exited', (e) => e.workerId === first!.id);
    const lost = await rejectionOf(p.run('echo', 2));
    expect((lost as Error).message).toMatch(/session not found|worker .* was lost/);
    expect(await exited).toMatchObject({ expected: false, wasReady: true, detail: 'the connection closed' });
    await until(() => p.stats().workers.ready === 1, 'a new connection');
    expect(await p.run('echo', 3)).toBe(3);
    expect(p.stats().crashes).toBe(1);
  });

  it('a transport that says why its connection went (onerror, then onclose): that is the exit reason', async () => {
    const s = serve();
    const p = pool({
      connect: () => {
        const t = httpTransport(s.url);
        const close = t.close.bind(t);
        t.close = async () => {
          t.onerror?.(new Error('the remote forgot the session'));
          await close();
        };
        return t;
      },
    });
    await p.start();
    const [first] = p.workers();
    s.sessions.clear();
    const exited = nextEvent(p, 'worker-exited', (e) => e.workerId === first!.id);
    await rejectionOf(p.run('echo', 1));
    expect(await exited).toMatchObject({ expected: false, detail: 'the remote forgot the session' });
    await until(() => p.stats().workers.ready === 1, 'a new connection');
    // Stopped by the pool: an expected exit, whatever the transport says on its way out.
    const second = p.workers().find((w) => w.id !== first!.id)!;
    const stopped = nextEvent(p, 'worker-exited', (e) => e.workerId === second.id);
    await p.stop();
    expect(await stopped).toMatchObject({ expected: true });
  });

  it('connect is told the key a worker is reserved for from birth (none for an unreserved one)', async () => {
    const s = serve();
    const told: [number, string | undefined][] = [];
    const p = pool({
      connect: (workerId, key) => {
        told.push([workerId, key]);
        return httpTransport(s.url);
      },
      min: 1,
      max: 2,
    });
    await p.start();
    const reserved = p.startWorker({ key: 'principal:alice' });
    await until(() => p.stats().workers.ready === 2, 'both connected');
    expect(told).toEqual([
      [expect.any(Number), undefined],
      [reserved.id, 'principal:alice'],
    ]);
    expect(await p.run('echo', 'hi', { key: 'principal:alice' })).toBe('hi');
  });

  it('cancels on the wire with the cancel message, and stop() closes the connection', async () => {
    const s = serve();
    let transport: RemoteTransport | undefined;
    const p = pool({
      connect: () => {
        transport = httpTransport(s.url);
        return transport;
      },
      cancelMessage: mcpCancelMessage,
    });
    await p.start();
    const ac = new AbortController();
    const running = p.run('sleep', { ms: 5_000 }, { signal: ac.signal });
    await until(() => p.stats().inFlight === 1, 'the request in flight');
    ac.abort(new Error('caller left'));
    await rejectionOf(running);
    await until(() => s.cancelled.length === 1, 'the cancel on the wire');
    expect(s.cancelled[0]).toMatchObject({ requestId: expect.any(Number) });
    let closed = false;
    const onclose = transport!.onclose;
    transport!.onclose = () => {
      closed = true;
      onclose?.();
    };
    await p.stop();
    expect(closed).toBe(true);
    expect(isPoolClosedError(await rejectionOf(p.run('echo', 1)))).toBe(true);
  });
});

/**
 * Remote backends as pools of connections: tiers, per-session isolation and a lost connection, with
 * a real HTTP JSON-RPC server on 127.0.0.1 (tooling/testing/jsonrpc-http.ts) — each worker one
 * session of it. A principal's connection refused for that principal alone (`BindingRefusedError`
 * from `ready` or `connect`) fails that principal's acquires, not the backend.
 */

import type { PoolWorker } from '@switchyard/worker-pool';
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpTransport,
  type JsonRpcHttpServer,
  serveJsonRpc,
} from '../../../tooling/testing/jsonrpc-http.ts';
import {
  type BackendFailedError,
  BindingRefusedError,
  isBackendFailedError,
  isBindingRefusedError,
  isSessionWorkerLostError,
  type RemoteBackendSpec,
} from '../src/index.ts';
import { managerMaker, rejectionOf, until } from './helpers.ts';

const make = managerMaker();
const servers: JsonRpcHttpServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

function remote(spec: Partial<RemoteBackendSpec> = {}): [RemoteBackendSpec, JsonRpcHttpServer] {
  const s = serveJsonRpc();
  servers.push(s);
  return [{ kind: 'remote', url: s.url, connect: () => httpTransport(s.url), ...spec }, s];
}

const whoami = async (lease: { request: (m: string) => Promise<unknown> }) =>
  ((await lease.request('whoami')) as { session: string }).session;

describe('remote backends', () => {
  it('a hot remote backend is connected before demand, and serves leases like any other', async () => {
    const [spec, server] = remote({ tier: 'hot' });
    const m = make({ backends: { far: spec } });
    const report = await m.manager.start();
    expect(report).toEqual({ ready: ['far'], failed: [] });
    expect(server.sessions.size).toBe(1);
    const lease = await m.manager.acquire('far', { session: 'a' });
    expect(lease.warmHit).toBe(true);
    expect(lease.worker.kind).toBe('remote');
    expect(await lease.request('echo', { x: 1 })).toEqual({ x: 1 });
    lease.release();
    expect(m.manager.stats().backends.far).toMatchObject({ state: 'ok', workers: { ready: 1 } });
  });

  it('per-session: each session its own connection; a connection the server dropped is that session’s loss', async () => {
    const [spec, server] = remote({ tier: 'warm', isolation: 'per-session' });
    const m = make({ backends: { far: spec } });
    const a = await m.manager.acquire('far', { session: 'a' });
    const b = await m.manager.acquire('far', { session: 'b' });
    const [sa, sb] = [await whoami(a), await whoami(b)];
    expect(sa).not.toBe(sb);
    expect(server.sessions).toEqual(new Set([sa, sb]));
    a.release();
    b.release();
    const died = m.next('worker-died', (e) => e.session === 'a');
    server.sessions.delete(sa); // the server forgot a's session
    const gone = await rejectionOf((await m.manager.acquire('far', { session: 'a' })).request('echo', 1));
    expect((gone as Error).message).toMatch(/session not found|was lost/);
    expect(await died).toMatchObject({ backend: 'far', detail: 'the connection closed' });
    expect(isSessionWorkerLostError(await rejectionOf(m.manager.acquire('far', { session: 'a' })))).toBe(
      true,
    );
    // b is untouched.
    const again = await m.manager.acquire('far', { session: 'b' });
    expect(await whoami(again)).toBe(sb);
    again.release();
    m.manager.endSession('b');
    // b's connection goes; a spare (one kept for the next new session, refilled 100 ms after one is
    // taken — sooner than this on a loaded machine) may stay.
    const bound = () => {
      const { total, spare } = m.manager.stats().backends.far!.workers;
      return total - spare;
    };
    await until(() => bound() === 0, 'b’s connection closed').catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(m.manager.stats().backends.far)}`);
    });
  });

  it('a server that is not there fails the backend with why (and a retry later), like a command that will not start', async () => {
    const [spec, server] = remote({ tier: 'hot', retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    server.stop();
    const m = make({ backends: { far: spec } });
    const report = await m.manager.start();
    expect(report.failed).toEqual([{ backend: 'far', reason: expect.stringMatching(/^connect failed: /) }]);
    expect(m.manager.stats().backends.far).toMatchObject({ state: 'failed', workers: { total: 0 } });
  });

  it('per-principal: each connection is made knowing its principal; a principal’s sessions share it', async () => {
    const told: (string | undefined)[] = [];
    const [spec, server] = remote({ tier: 'warm', isolation: 'per-principal', spares: 0 });
    const connect = spec.connect!;
    spec.connect = (workerId, context) => {
      told.push(context.principal);
      return connect(workerId, context);
    };
    const m = make({ backends: { far: spec } });
    const a1 = await m.manager.acquire('far', { session: 's1', principal: 'alice' });
    const a2 = await m.manager.acquire('far', { session: 's2', principal: 'alice' });
    const b = await m.manager.acquire('far', { session: 's3', principal: 'bob' });
    expect(told).toEqual(['alice', 'bob']);
    expect(await whoami(a2)).toBe(await whoami(a1));
    expect(await whoami(b)).not.toBe(await whoami(a1));
    expect(server.sessions.size).toBe(2);
    for (const l of [a1, a2, b]) l.release();
    m.manager.endPrincipal('bob');
    await until(() => m.manager.stats().backends.far!.workers.total === 1, 'bob’s connection closed');
  });

  it('per-principal: a connect that fails fails the backend with why, and acquires are refused until the retry', async () => {
    const [spec, server] = remote({
      isolation: 'per-principal',
      spares: 0,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    server.stop();
    const m = make({ backends: { far: spec } });
    const first = await rejectionOf(m.manager.acquire('far', { principal: 'alice' }));
    expect(isBackendFailedError(first)).toBe(true);
    expect((first as Error).message).toMatch(/connect failed: /);
    // Another principal is refused at once, with the same reason and the time to the next try.
    const second = await rejectionOf(m.manager.acquire('far', { principal: 'bob' }));
    expect(second as BackendFailedError).toMatchObject({ backend: 'far', failures: 1 });
    expect((second as Error).message).toMatch(/connect failed: .*\(next attempt in \d+ ms\)/);
    expect(m.of('worker-starting')).toHaveLength(1);
    expect(m.manager.stats().backends.far).toMatchObject({ state: 'failed', startFailures: 1 });
  });

  describe('a principal refused for itself (BindingRefusedError)', () => {
    /**
     * A per-principal remote whose connections learn their principal, and a ready hook that opens the
     * session and then refuses `refused`'s connection — as the gateway's does when the remote answers
     * a principal's credentials with HTTP 401.
     */
    function refusing(refused: string, spec: Partial<RemoteBackendSpec> = {}) {
      const [base] = remote({
        tier: 'warm',
        isolation: 'per-principal',
        spares: 0,
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
        ...spec,
      });
      const principals = new Map<number, string | undefined>();
      const readied: (string | undefined)[] = [];
      const connect = base.connect!;
      base.connect = (workerId, context) => {
        principals.set(workerId, context.principal);
        return connect(workerId, context);
      };
      base.ready = async (worker: PoolWorker) => {
        await worker.request('initialize');
        const principal = principals.get(worker.id);
        readied.push(principal);
        if (principal === refused)
          throw new BindingRefusedError(`the remote refused ${principal}’s credentials (HTTP 401)`);
      };
      return { spec: base, readied };
    }

    it('from ready: that principal’s acquires fail with it; the backend stays ok and serves the others', async () => {
      const authorized: string[] = [];
      const { spec, readied } = refusing('mallory', {
        authorize: async (principal) => {
          authorized.push(principal);
        },
      });
      const m = make({ backends: { far: spec } });
      const alice = await m.manager.acquire('far', { session: 's1', principal: 'alice' });
      expect(await lease(alice)).toEqual({ x: 1 });

      // Two of mallory's acquires wait for her one connection: both get the refusal itself.
      const [r1, r2] = await Promise.all([
        rejectionOf(m.manager.acquire('far', { session: 's2', principal: 'mallory' })),
        rejectionOf(m.manager.acquire('far', { session: 's3', principal: 'mallory' })),
      ]);
      for (const r of [r1, r2]) {
        expect(isBindingRefusedError(r)).toBe(true);
        expect((r as Error).message).toBe('the remote refused mallory’s credentials (HTTP 401)');
      }
      expect(m.of('backend-failed')).toEqual([]);
      expect(m.of('worker-stopped')).toMatchObject([{ backend: 'far', reason: 'refused' }]);
      expect(m.manager.stats().backends.far).toMatchObject({
        state: 'ok',
        startFailures: 0,
        sessions: 1,
        workers: { ready: 1, leased: 1 },
      });

      // Alice is still served on her connection; a new principal gets one at once.
      expect(await lease(alice)).toEqual({ x: 1 });
      alice.release();
      const bob = await m.manager.acquire('far', { session: 's4', principal: 'bob' });
      expect(await lease(bob)).toEqual({ x: 1 });
      bob.release();
      // Mallory's binding was forgotten: her next acquire is asked of authorize and tried afresh.
      expect(
        isBindingRefusedError(await rejectionOf(m.manager.acquire('far', { principal: 'mallory' }))),
      ).toBe(true);
      // (Her two first acquires were each asked of authorize; they shared one connection.)
      expect(authorized).toEqual(['alice', 'mallory', 'mallory', 'bob', 'mallory']);
      expect(readied).toEqual(['alice', 'mallory', 'bob', 'mallory']);
      expect(m.manager.stats().backends.far).toMatchObject({ state: 'ok', startFailures: 0 });
    });

    it('from connect: the same', async () => {
      const [spec] = remote({ tier: 'warm', isolation: 'per-principal', spares: 0 });
      const connect = spec.connect!;
      spec.connect = (workerId, context) => {
        if (context.principal === 'mallory') throw new BindingRefusedError('no credentials for mallory');
        return connect(workerId, context);
      };
      const m = make({ backends: { far: spec } });
      const refused = await rejectionOf(m.manager.acquire('far', { principal: 'mallory' }));
      expect(isBindingRefusedError(refused)).toBe(true);
      expect((refused as Error).message).toBe('no credentials for mallory');
      const alice = await m.manager.acquire('far', { principal: 'alice' });
      expect(await lease(alice)).toEqual({ x: 1 });
      alice.release();
      expect(m.manager.stats().backends.far).toMatchObject({ state: 'ok', startFailures: 0 });
    });

    it('on a shared backend (no binding to refuse) it is a failed start like any other', async () => {
      const { spec } = refusing('nobody', { isolation: 'shared' });
      spec.ready = async () => {
        throw new BindingRefusedError('refused');
      };
      const m = make({ backends: { far: spec } });
      expect(isBackendFailedError(await rejectionOf(m.manager.acquire('far', { principal: 'alice' })))).toBe(
        true,
      );
      expect(m.manager.stats().backends.far).toMatchObject({ state: 'failed', startFailures: 1 });
    });
  });
});

const lease = (l: { request: (m: string, p?: unknown) => Promise<unknown> }) => l.request('echo', { x: 1 });

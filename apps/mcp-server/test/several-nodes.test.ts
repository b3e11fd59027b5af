/**
 * Several nodes sharing state through Redis (issue #20, what works without ownership leases): two
 * real gateway processes (the CLI, `serve --port 0`), each with its own SQLite file, both with
 * `journal.redis` on one real redis-server (with a password, taken from the environment), the
 * repo's stdio fixture as a shared backend. One client's raw HTTP requests alternate between the
 * nodes, as a round-robin balancer without stickiness would send them: a session initialized on
 * one node is served by the other (restored from Redis), outlives a SIGKILLed node, and its SSE
 * answers resume with `Last-Event-ID` on the other node; the audit trail stays per node.
 */
import { join } from 'node:path';
import { createJournal, sqliteDriver } from '@switchyard/journal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { runToEnd } from '../../../tooling/testing/run.ts';
import {
  call as callUrl,
  echo,
  initialize as initializeAt,
  type Node,
  nodeConfig,
  parseSse,
  resultOf,
  startNode as startNodeOn,
  textOf,
} from './support/cluster.ts';
import { tempDir } from './support/gateway.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const PASSWORD = 'n0de-secret-7f3a';
const KEY_PREFIX = 'nodes-test:';

let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis?.stop();
});

/** A config file in `dir`: its own SQLite journal, the shared Redis (password from the environment). */
/** The shared Redis's URL as an operator writes it: the password from `${REDIS_PASSWORD}`. */
const sharedUrl = () => `redis://:\${REDIS_PASSWORD}@127.0.0.1:${redis.port}`;
const shared = () => ({ url: sharedUrl(), keyPrefix: KEY_PREFIX });
const startNode = (name: string, sessions: Record<string, unknown> = {}) =>
  startNodeOn(name, shared(), { sessions, env: { REDIS_PASSWORD: PASSWORD } });
const call = (node: Node, sid: string, method: string, params: Record<string, unknown> = {}) =>
  callUrl(node.url, sid, method, params);
const initialize = (node: Node) => initializeAt(node.url, node.name);

describe('several nodes on one Redis', { timeout: 60_000 }, () => {
  it('one session, requests alternating between two nodes: B continues what A started, and back', async () => {
    const [a, b] = await Promise.all([startNode('A'), startNode('B')]);
    const sid = await initialize(a);

    // B has never seen the session: it restores it from Redis, without a new initialize.
    const tools = resultOf(await call(b, sid, 'tools/list'));
    expect((tools.tools as { name: string }[]).map((t) => t.name)).toContain('fx__echo');
    expect(textOf(resultOf(await call(b, sid, 'tools/call', echo('on B'))))).toBe('on B');
    expect(textOf(resultOf(await call(a, sid, 'tools/call', echo('on A again'))))).toBe('on A again');
    for (let i = 0; i < 6; i++) {
      const node = i % 2 === 0 ? b : a;
      expect(textOf(resultOf(await call(node, sid, 'tools/call', echo(`round ${i}`))))).toBe(`round ${i}`);
    }

    // One record in Redis, none in either node's SQLite file.
    expect(await redis.client.send('EXISTS', [`${KEY_PREFIX}session:${sid}`])).toBe(1);
    // Each node's audit holds its own four calls (one, then three rounds), committed by its group commit.
    for (const node of [a, b]) {
      const file = await createJournal({ driver: sqliteDriver({ path: node.journalPath, readonly: true }) });
      try {
        expect(await file.getSession(sid)).toBeUndefined();
        let calls = 0;
        for (let i = 0; i < 50 && calls < 4; i++) {
          calls = (await file.queryAudit({ sessionId: sid })).filter((r) => r.method === 'tools/call').length;
          if (calls < 4) await Bun.sleep(100);
        }
        expect(calls, `${node.name}'s audit`).toBe(4);
      } finally {
        await file.close();
      }
    }

    // The password came from the environment and is in no log line of either node.
    for (const node of [a, b]) expect(node.stderr()).not.toContain(PASSWORD);
  });

  it("a SIGKILLed node's session goes on on the other node", async () => {
    const [a, b] = await Promise.all([startNode('A'), startNode('B')]);
    const sid = await initialize(a);
    expect(textOf(resultOf(await call(a, sid, 'tools/call', echo('before'))))).toBe('before');
    a.child.kill('SIGKILL');
    expect(await a.child.exited).toBe(137);
    // Redis writes are applied when they resolve: nothing of the session waited in A's buffers.
    expect(textOf(resultOf(await call(b, sid, 'tools/call', echo('after'))))).toBe('after');
    expect(resultOf(await call(b, sid, 'tools/list')).tools).toBeDefined();
  });

  it('an SSE answer on A is replayed with Last-Event-ID on B, from Redis', async () => {
    const [a, b] = await Promise.all([startNode('A'), startNode('B')]);
    const sid = await initialize(a);
    // A call whose answer streams: five progress notifications, then the result.
    const answer = await call(a, sid, 'tools/call', {
      name: 'fx__count',
      arguments: { n: 5, intervalMs: 5 },
      _meta: { progressToken: 'p1' },
    });
    expect(answer.status).toBe(200);
    const withIds = answer.events.filter((e) => e.id !== undefined);
    const seen = withIds.filter((e) => e.data !== '');
    // Five progress notifications and the result, each with an id (a priming event, if any, has no data).
    expect(seen).toHaveLength(6);
    const cut = seen[1]!; // the client "lost" the connection after the second progress

    const resumed = await fetch(b.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': cut.id! },
      signal: AbortSignal.timeout(10_000),
    });
    expect(resumed.status).toBe(200);
    const replayed = parseSse(resumed.headers.get('content-type'), await resumed.text()).filter(
      (e) => e.data !== '',
    );
    // What A sent after the cut, in order, nothing twice, nothing missing.
    const after = seen.slice(seen.indexOf(cut) + 1);
    expect(replayed.map((e) => e.id)).toEqual(after.map((e) => e.id));
    expect(replayed.map((e) => e.data)).toEqual(after.map((e) => e.data));
    expect(JSON.parse(replayed.at(-1)!.data)).toMatchObject({ id: answer.id, result: expect.any(Object) });
  });

  // A 4 s idle timeout: each node's sweeper passes every second.
  const QUICK = { idleTimeoutMs: 4_000 };

  it("a DELETE on B ends the session on A too, by A's next sweep", async () => {
    const [a, b] = await Promise.all([startNode('A', QUICK), startNode('B', QUICK)]);
    const sid = await initialize(a);
    expect(textOf(resultOf(await call(b, sid, 'tools/call', echo('on B'))))).toBe('on B');
    const deleted = await fetch(b.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    expect(deleted.status).toBe(200);
    expect(await redis.client.send('EXISTS', [`${KEY_PREFIX}session:${sid}`])).toBe(0);
    expect((await call(b, sid, 'tools/list')).status).toBe(404);
    // A still holds the session in memory. It learns of the deletion when its sweeper touches the
    // session's record and finds it gone (not per request: that would be a Redis read on every
    // one); until then it may still answer. Within a few passes: 404, and it stays 404.
    const statuses: number[] = [];
    for (let i = 0; i < 40 && statuses.at(-1) !== 404; i++) {
      statuses.push((await call(a, sid, 'tools/list')).status);
      if (statuses.at(-1) !== 404) await Bun.sleep(250);
    }
    expect(statuses.at(-1), `A answered ${statuses.join(', ')}`).toBe(404);
    expect((await call(a, sid, 'tools/call', echo('after delete'))).status).toBe(404);
    // Nothing brought the record back.
    expect(await redis.client.send('EXISTS', [`${KEY_PREFIX}session:${sid}`])).toBe(0);
  });

  it("a session idle on A but busy on B is not ended by A's sweeper", async () => {
    const [a, b] = await Promise.all([startNode('A', QUICK), startNode('B', QUICK)]);
    const sid = await initialize(a);
    // The client talks to B only, for longer than the idle timeout: on A the session goes idle.
    const until = Date.now() + 6_500;
    for (let i = 0; i < 100 && Date.now() < until; i++) {
      expect(textOf(resultOf(await call(b, sid, 'tools/call', echo(`b${i}`))))).toBe(`b${i}`);
      await Bun.sleep(400);
    }
    // A let its copy go but kept the record B keeps touching: both nodes still serve the session.
    expect(await redis.client.send('EXISTS', [`${KEY_PREFIX}session:${sid}`])).toBe(1);
    expect(textOf(resultOf(await call(b, sid, 'tools/call', echo('still B'))))).toBe('still B');
    expect(textOf(resultOf(await call(a, sid, 'tools/call', echo('back on A'))))).toBe('back on A');
  });

  it("journal sessions on a node lists the cluster's sessions from Redis, without the password", async () => {
    const [a, b] = await Promise.all([startNode('A'), startNode('B')]);
    const onA = await initialize(a);
    const onB = await initialize(b);
    const config = join(a.journalPath, '..', 'switchyard.json');
    const listed = await runToEnd(
      [process.execPath, CLI, 'journal', 'sessions', '--full-ids', '--config', config],
      {
        cwd: join(a.journalPath, '..'),
        env: { PATH: process.env.PATH ?? '', REDIS_PASSWORD: PASSWORD },
      },
    );
    expect(listed.code, listed.stderr).toBe(0);
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    // The Redis is the whole file's: earlier cases' sessions may be listed too.
    expect(ids).toEqual(expect.arrayContaining([onA, onB]));
    expect(listed.stderr).toContain('switchyard.journal.redis');
    expect(listed.stderr).not.toContain(PASSWORD);
  });

  it('with Redis unreachable at start, serve refuses to start, naming switchyard.journal.redis.url', async () => {
    const dir = await tempDir();
    // Nothing listens on this port; the password must not show in the message.
    const config = await nodeConfig(dir, {
      url: `redis://:\${REDIS_PASSWORD}@127.0.0.1:${freePort()}`,
      keyPrefix: KEY_PREFIX,
    });
    const child = Bun.spawn([process.execPath, CLI, 'serve', '--config', config, '--port', '0'], {
      cwd: dir,
      env: { ...process.env, REDIS_PASSWORD: PASSWORD },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const code = await Promise.race([child.exited, Bun.sleep(30_000).then(() => 'hung' as const)]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(1);
    const stderr = await new Response(child.stderr as ReadableStream).text();
    expect(stderr).toContain('switchyard.journal.redis.url');
    expect(stderr).toContain('cannot reach Redis');
    expect(stderr).not.toContain(PASSWORD);
  });
});

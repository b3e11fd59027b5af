/**
 * 2026-07-28 tasks on several nodes (issues #20, #24): two real CLI nodes with `switchyard.cluster`
 * on one real redis-server, a stdio backend whose tools are task-capable, 2026 requests over raw
 * HTTP. A task's id names the node that runs it, so a `tasks/get` or `tasks/cancel` reaching the
 * other node is forwarded there (signed): it reads the real status and, once ended, the result, and
 * a cancel stops the call where it runs. A 2026 `subscriptions/listen` on the other node hears the
 * task's changes over the cluster bus. Another principal gets "not found" on either node; with the
 * running node killed, the other answers from the journal: failed, outcome unknown. A 2025
 * session on the other node (the same principal) reads the task from the journal, waits for its
 * end with `tasks/result`, and cancels it there (relayed, signed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { parseSse, startNode } from './support/cluster.ts';
import { type ListenMessage, modernRpc, post, rawSession, taskListen } from './support/gateway.ts';

const FIXTURE = new URL('./fixtures/task-tools-server.ts', import.meta.url).pathname;
const SECRET = 'tasks-test-cluster-secret-0123456789abcdef';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';
const WITH_TASKS = { extensions: { [TASKS]: {} } };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let prefixes = 0;
const twoNodes = () => {
  const shared = { url: redis.url, keyPrefix: `tasks-${++prefixes}:` };
  const options = {
    switchyard: {
      cluster: { secret: '${CLUSTER_SECRET}' },
      auth: {
        tokens: [
          { token: ALICE, principal: 'alice' },
          { token: BOB, principal: 'bob' },
        ],
      },
    },
    mcpServers: { tt: { command: process.execPath, args: [FIXTURE], tier: 'hot' } },
    env: { CLUSTER_SECRET: SECRET },
  };
  return Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
};

const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, token, method, params, WITH_TASKS);

async function startTask(url: string, ms: number): Promise<string> {
  const created = await rpc(url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms } });
  expect(created.result, JSON.stringify(created)).toMatchObject({ resultType: 'task', status: 'working' });
  return String(created.result?.taskId);
}

type Message = ListenMessage;

/** A 2026 `subscriptions/listen` for `taskIds` at `url` (with the tasks extension): its messages as they come. */
async function listen(url: string, token: string, taskIds: string[]) {
  const stream = await taskListen(url, token, taskIds, WITH_TASKS);
  expect(stream.status).toBe(200);
  return stream;
}

let legacyIds = 0;
/** A 2025 request of session `sid` as `token`'s principal: its JSON-RPC answer (JSON or the SSE's last). */
async function legacy(
  url: string,
  token: string,
  sid: string,
  method: string,
  params: Record<string, unknown>,
) {
  const id = ++legacyIds;
  const response = await post(
    url,
    { jsonrpc: '2.0', id, method, params },
    { authorization: `Bearer ${token}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
  );
  const text = await response.text();
  const reply = parseSse(response.headers.get('content-type'), text)
    .filter((e) => e.data !== '')
    .map((e) => JSON.parse(e.data) as Record<string, unknown>)
    .find((m) => m.id === id);
  if (reply === undefined) throw new Error(`no answer (${response.status}): ${text.slice(0, 300)}`);
  return reply as {
    result?: Record<string, unknown>;
    error?: { code: number; data?: Record<string, unknown> };
  };
}

const ackedTaskIds = (m: Message | undefined) =>
  ((m?.params?.notifications as Record<string, unknown> | undefined)?.taskIds as string[] | undefined) ?? [];

describe('2026 tasks on two nodes', { timeout: 120_000 }, () => {
  it('a task made on A is read, finished and listened to through B; another principal finds nothing', async () => {
    const [a, b] = await twoNodes();
    try {
      const taskId = await startTask(a.url, 60_000);
      // The id names its node (opaquely), as a requestState does.
      expect(taskId).toMatch(/^sy\.[A-Za-z0-9_-]+\./);

      // Through B: the real status, not "outcome unknown".
      const got = await rpc(b.url, ALICE, 'tasks/get', { taskId });
      expect(got.result, JSON.stringify(got)).toMatchObject({ taskId, status: 'working' });

      // Another principal, through either node: not found.
      for (const node of [a, b]) {
        const bob = await rpc(node.url, BOB, 'tasks/get', { taskId });
        expect(bob.error).toMatchObject({ code: -32602, message: expect.stringContaining('Task not found') });
        const bobCancel = await rpc(node.url, BOB, 'tasks/cancel', { taskId });
        expect(bobCancel.error?.code).toBe(-32602);
      }

      // A listen on B hears the task of A; Bob's listen on B is not told of it.
      const bobListen = await listen(b.url, BOB, [taskId]);
      expect(ackedTaskIds(await bobListen.next())).toEqual([]);
      const aliceListen = await listen(b.url, ALICE, [taskId]);
      expect(ackedTaskIds(await aliceListen.next())).toEqual([taskId]);

      // Cancelled through B: stopped on A, where it runs; B's listen hears it.
      const cancel = await rpc(b.url, ALICE, 'tasks/cancel', { taskId });
      expect(cancel.error, JSON.stringify(cancel)).toBeUndefined();
      expect((await rpc(a.url, ALICE, 'tasks/get', { taskId })).result?.status).toBe('cancelled');
      expect((await rpc(b.url, ALICE, 'tasks/get', { taskId })).result?.status).toBe('cancelled');
      const heard = await aliceListen.until(
        (m) => m.method === 'notifications/tasks' && m.params?.taskId === taskId,
      );
      expect(heard.params).toMatchObject({ taskId, status: 'cancelled' });
      await aliceListen.close();
      await bobListen.close();

      // A short task made on A, polled through B to its end: the result inlined.
      const short = await startTask(a.url, 1_500);
      let ended: Record<string, unknown> | undefined;
      for (let i = 0; i < 600 && ended === undefined; i++) {
        const polled = await rpc(b.url, ALICE, 'tasks/get', { taskId: short });
        expect(['working', 'completed']).toContain(polled.result?.status);
        if (polled.result?.status === 'completed') ended = polled.result;
        else await Bun.sleep(Number(polled.result?.pollIntervalMs ?? 100));
      }
      expect(ended).toMatchObject({
        taskId: short,
        status: 'completed',
        result: { content: [{ text: 'slept 1500 ms' }] },
      });
    } finally {
      a.child.kill();
      b.child.kill();
      await Promise.all([a.child.exited, b.child.exited]);
    }
  });

  it('a 2025 session on B reads a task of A, waits for its end with tasks/result, and cancels it there', async () => {
    const [a, b] = await twoNodes();
    try {
      const taskId = await startTask(a.url, 60_000);
      const sid = await rawSession(b.url, { authorization: `Bearer ${ALICE}` });
      const bobSid = await rawSession(b.url, { authorization: `Bearer ${BOB}` });
      const got = await legacy(b.url, ALICE, sid, 'tasks/get', { taskId });
      expect(got.result, JSON.stringify(got)).toMatchObject({ taskId, status: 'working' });
      expect((await legacy(b.url, BOB, bobSid, 'tasks/get', { taskId })).error?.code).toBe(-32602);
      expect((await legacy(b.url, BOB, bobSid, 'tasks/cancel', { taskId })).error?.code).toBe(-32602);

      const waiting = legacy(b.url, ALICE, sid, 'tasks/result', { taskId });
      const cancelled = await legacy(b.url, ALICE, sid, 'tasks/cancel', { taskId });
      expect(cancelled.result, JSON.stringify(cancelled)).toMatchObject({ taskId, status: 'cancelled' });
      expect((await rpc(a.url, ALICE, 'tasks/get', { taskId })).result?.status).toBe('cancelled');
      expect((await waiting).error?.data).toMatchObject({ status: 'cancelled' });
    } finally {
      a.child.kill();
      b.child.kill();
      await Promise.all([a.child.exited, b.child.exited]);
    }
  });

  it('A restarted under the same node id: its earlier task reads failed, outcome unknown, on B (never working forever)', async () => {
    const shared = { url: redis.url, keyPrefix: `tasks-${++prefixes}:` };
    const options = (nodeId: string) => ({
      switchyard: {
        cluster: { secret: '${CLUSTER_SECRET}', nodeId },
        auth: { tokens: [{ token: ALICE, principal: 'alice' }] },
      },
      mcpServers: { tt: { command: process.execPath, args: [FIXTURE], tier: 'hot' } },
      env: { CLUSTER_SECRET: SECRET },
    });
    const [a, b] = await Promise.all([
      startNode('A', shared, options('node-a')),
      startNode('B', shared, options('node-b')),
    ]);
    let again: typeof a | undefined;
    try {
      const taskId = await startTask(a.url, 60_000);
      const sid = await rawSession(b.url, { authorization: `Bearer ${ALICE}` });
      expect((await legacy(b.url, ALICE, sid, 'tasks/get', { taskId })).result?.status).toBe('working');
      a.child.kill('SIGKILL');
      await a.child.exited;
      again = await startNode('A', shared, options('node-a'));
      // Until its first heartbeat replaces the old process's (written as it starts), the task may
      // still read as working there; then failed, for good.
      let got = await legacy(b.url, ALICE, sid, 'tasks/get', { taskId });
      for (let i = 0; i < 200 && got.result?.status === 'working'; i++) {
        await Bun.sleep(50);
        got = await legacy(b.url, ALICE, sid, 'tasks/get', { taskId });
      }
      expect(got.result, JSON.stringify(got)).toMatchObject({ taskId, status: 'failed' });
      expect((await legacy(b.url, ALICE, sid, 'tasks/get', { taskId })).result?.status).toBe('failed');
      expect((await rpc(again.url, ALICE, 'tasks/get', { taskId })).result?.status).toBe('failed');
    } finally {
      for (const node of [a, b, again]) node?.child.kill();
      await Promise.all([a.child.exited, b.child.exited, again?.child.exited]);
    }
  });

  it('with A killed, B answers its task from the journal: failed, outcome unknown', async () => {
    const [a, b] = await twoNodes();
    try {
      const taskId = await startTask(a.url, 60_000);
      expect((await rpc(b.url, ALICE, 'tasks/get', { taskId })).result?.status).toBe('working');
      a.child.kill('SIGKILL');
      await a.child.exited;
      const got = await rpc(b.url, ALICE, 'tasks/get', { taskId });
      expect(got.result, JSON.stringify(got)).toMatchObject({
        taskId,
        status: 'failed',
        error: { data: { 'switchyard/outcomeUnknown': true } },
      });
      expect((await rpc(b.url, BOB, 'tasks/get', { taskId })).error?.code).toBe(-32602);
    } finally {
      a.child.kill();
      b.child.kill();
      await Promise.all([a.child.exited, b.child.exited]);
    }
  });
});

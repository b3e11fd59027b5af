/**
 * Tasks forwarded to a backend that runs tasks itself: a stdio backend (SDK v1 `McpServer` with the
 * `tasks` capability and the SDK's `InMemoryTaskStore`) behind a real gateway on 127.0.0.1, driven
 * by the official SDK v1 client (2025-11-25) and by raw 2026-07-28 requests. The backend gets the
 * task-augmented call and makes the task; the client sees only the gateway's id for it (never the
 * backend's), bound to its principal: another principal's tasks/get, tasks/result, tasks/cancel are
 * "not found" and its tasks/list is its own; tasks/get asks the backend, tasks/cancel reaches the
 * backend's task, and the result is the backend's.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectClient, modernRpc, serveGateway, startInProcess, tempDir } from './support/gateway.ts';

const BACKEND = new URL('./fixtures/backend-tasks-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const RELATED = 'io.modelcontextprotocol/related-task';
const TASKS = 'io.modelcontextprotocol/tasks';

const CONFIG = {
  mcpServers: { bk: { command: process.execPath, args: [BACKEND], tier: 'hot' } },
  switchyard: {
    auth: {
      tokens: [
        { token: ALICE, principal: 'alice' },
        { token: BOB, principal: 'bob' },
      ],
    },
  },
};

const as = (url: string, token: string) =>
  connectClient(url, { headers: { authorization: `Bearer ${token}` } });

function startTask(client: Client, args: Record<string, unknown>) {
  return client.request(
    { method: 'tools/call', params: { name: 'bk__job', arguments: args, task: { ttl: 600_000 } } },
    CreateTaskResultSchema,
  );
}

async function rpcError(p: Promise<unknown>): Promise<McpError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(McpError);
  return e as McpError;
}

/** The backend's own bookkeeping: the task ids it made, and those cancelled. */
async function stats(client: Client): Promise<{ made: string[]; cancelled: string[] }> {
  const r = await client.callTool({ name: 'bk__stats', arguments: {} });
  return JSON.parse((r.content as { text: string }[])[0]?.text ?? '{}');
}

describe('tasks forwarded to a backend that runs tasks (SDK v1 client, 2025-11-25)', () => {
  it('the backend makes the task; the client holds the gateway id, bound to its principal; get, result, list and cancel reach the backend’s task', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess(CONFIG);
    const alice = await as(url, ALICE);
    const bob = await as(url, BOB);
    expect((await alice.listTools()).tools.find((t) => t.name === 'bk__job')?.execution).toEqual({
      taskSupport: 'optional',
    });

    const { task } = await startTask(alice, { ms: 1_500 });
    expect(task.status).toBe('working');
    // The backend gets the call once the gateway has answered (bounded wait: 10 s).
    let { made } = await stats(alice);
    for (let i = 0; i < 200 && made.length === 0; i++) {
      await Bun.sleep(50);
      ({ made } = await stats(alice));
    }
    expect(made).toHaveLength(1);
    const backendId = made[0] ?? '';
    // The backend's id stays behind the gateway.
    expect(task.taskId).not.toBe(backendId);
    expect(JSON.stringify(task)).not.toContain(backendId);
    const live = await alice.experimental.tasks.getTask(task.taskId);
    expect(live.taskId).toBe(task.taskId);
    expect(['working', 'completed']).toContain(live.status);

    // Bob: not found, whatever he asks; his list holds only his own.
    for (const ask of [
      () => bob.experimental.tasks.getTask(task.taskId),
      () => bob.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      () => bob.experimental.tasks.cancelTask(task.taskId),
      () => bob.experimental.tasks.getTask(backendId),
    ]) {
      expect((await rpcError(ask())).code).toBe(-32602);
    }
    const { task: bobs } = await startTask(bob, { ms: 1 });
    await bob.experimental.tasks.getTaskResult(bobs.taskId, CallToolResultSchema);
    expect((await bob.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([bobs.taskId]);

    const result = await alice.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text: `job ${backendId} done in 1500 ms` }]);
    expect(result._meta?.[RELATED]).toEqual({ taskId: task.taskId });
    expect((await alice.experimental.tasks.listTasks()).tasks.map((t) => [t.taskId, t.status])).toEqual([
      [task.taskId, 'completed'],
    ]);

    // Cancel: the backend's task is cancelled too.
    const { task: long } = await startTask(alice, { ms: 600_000 });
    ({ made } = await stats(alice));
    for (let i = 0; i < 200 && made.length < 3; i++) {
      await Bun.sleep(50);
      ({ made } = await stats(alice));
    }
    const longBackendId = made[2] ?? '';
    expect((await alice.experimental.tasks.cancelTask(long.taskId)).status).toBe('cancelled');
    let cancelled = (await stats(alice)).cancelled;
    for (let i = 0; i < 200 && !cancelled.includes(longBackendId); i++) {
      await Bun.sleep(50);
      cancelled = (await stats(alice)).cancelled;
    }
    expect(cancelled).toEqual([longBackendId]);
    expect((await alice.experimental.tasks.getTask(long.taskId)).status).toBe('cancelled');
    const ended = await rpcError(alice.experimental.tasks.getTaskResult(long.taskId, CallToolResultSchema));
    expect(ended.data).toMatchObject({ status: 'cancelled', [RELATED]: { taskId: long.taskId } });

    // Without `task`, the same tool answers as a plain call.
    const plain = await alice.callTool({ name: 'bk__job', arguments: { ms: 1 } });
    expect((plain.content as { text: string }[])[0]?.text).toMatch(/^job \S+ done in 1 ms$/);
  });
});

describe('a forwarded task across a restart of the gateway', () => {
  it('one its backend still ran when the gateway stopped reads failed, outcome unknown; a completed one keeps its result', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const first = await serveGateway(CONFIG, dir);
    let done = '';
    let cut = '';
    try {
      const alice = await as(first.url, ALICE);
      done = (await startTask(alice, { ms: 1 })).task.taskId;
      await alice.experimental.tasks.getTaskResult(done, CallToolResultSchema);
      cut = (await startTask(alice, { ms: 600_000 })).task.taskId;
      // The backend has made it (bounded wait: 10 s).
      let { made } = await stats(alice);
      for (let i = 0; i < 200 && made.length < 2; i++) {
        await Bun.sleep(50);
        ({ made } = await stats(alice));
      }
      expect(made).toHaveLength(2);
      await alice.close();
    } finally {
      await first.stop();
    }
    const second = await serveGateway(CONFIG, dir);
    try {
      const alice = await as(second.url, ALICE);
      const kept = await alice.experimental.tasks.getTaskResult(done, CallToolResultSchema);
      expect((kept.content as { text: string }[])[0]?.text).toMatch(/^job \S+ done in 1 ms$/);
      const ended = await alice.experimental.tasks.getTask(cut);
      expect(ended.status).toBe('failed');
      expect(ended.statusMessage).toContain('its outcome is unknown');
      await alice.close();
    } finally {
      await second.stop();
    }
  });
});

const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, token, method, params, { extensions: { [TASKS]: {} } });

describe('tasks forwarded to a backend that runs tasks (2026-07-28, the tasks extension)', () => {
  it('the backend makes the task; tasks/get inlines its result; another principal sees none', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess(CONFIG);
    const created = await rpc(url, ALICE, 'tools/call', { name: 'bk__job', arguments: { ms: 500 } });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = String(created.result?.taskId);
    expect((await rpc(url, BOB, 'tasks/get', { taskId })).error?.code).toBe(-32602);
    expect((await rpc(url, BOB, 'tasks/cancel', { taskId })).error?.code).toBe(-32602);

    let got = await rpc(url, ALICE, 'tasks/get', { taskId });
    for (let i = 0; i < 600 && got.result?.status === 'working'; i++) {
      await Bun.sleep(Number(got.result?.pollIntervalMs ?? 100));
      got = await rpc(url, ALICE, 'tasks/get', { taskId });
    }
    expect(got.result).toMatchObject({ taskId, status: 'completed' });
    const inlined = got.result?.result as { content: { text: string }[] } | undefined;
    const text = inlined?.content[0]?.text ?? '';
    const backendId = /^job (\S+) done in 500 ms$/.exec(text)?.[1];
    expect(backendId).toBeDefined();
    expect(backendId).not.toBe(taskId);
    expect(JSON.stringify(got.result)).not.toContain('related-task');
  });
});

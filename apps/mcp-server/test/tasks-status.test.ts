/**
 * Task status notifications through a real gateway on 127.0.0.1, with real stdio backends:
 * - 2026-07-28 (the tasks extension): a `subscriptions/listen` asking `notifications.taskIds` is
 *   acknowledged with the ids it will hear (its principal's tasks only; -32021 without the
 *   extension) and gets `notifications/tasks` with the whole task as `tasks/get` gives it — for a
 *   task the gateway runs (input_required with its inputRequests, then completed with its result)
 *   and for one its backend runs;
 * - a backend that runs tasks itself (SDK v1, `InMemoryTaskStore`) sends
 *   `notifications/tasks/status` for its task: the creating session (SDK v1 client, 2025-11-25)
 *   hears it under the gateway's task id, never the backend's; another principal hears nothing.
 */
import { CreateTaskResultSchema, TaskStatusNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  type ListenMessage,
  modernRpc,
  startInProcess,
  taskListen,
} from './support/gateway.ts';

const BACKEND = new URL('./fixtures/backend-tasks-server.ts', import.meta.url).pathname;
const CONFORMANCE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';
const WITH_TASKS = { elicitation: {}, extensions: { [TASKS]: {} } };

const TOKENS = {
  auth: {
    tokens: [
      { token: ALICE, principal: 'alice' },
      { token: BOB, principal: 'bob' },
    ],
  },
};

type Message = ListenMessage;

/** The task ids a listen's acknowledgement names. */
function ackedTaskIds(ack: Message | undefined): unknown {
  const notifications = ack?.params?.notifications as { taskIds?: unknown } | undefined;
  return notifications?.taskIds;
}

const listen = taskListen;

describe('2026 task status notifications (subscriptions/listen, notifications/tasks)', () => {
  it('a task the gateway runs: acknowledged for its own principal only; input_required, then completed, each whole', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { cf: { command: process.execPath, args: [CONFORMANCE], tier: 'hot' } },
      switchyard: TOKENS,
    });
    const created = await modernRpc(
      url,
      ALICE,
      'tools/call',
      { name: 'cf__confirm_delete', arguments: { filename: 'a.txt' } },
      WITH_TASKS,
    );
    expect(created.result).toMatchObject({ resultType: 'task' });
    const taskId = String(created.result?.taskId);

    // Without the extension: -32021.
    const undeclared = await listen(url, ALICE, [taskId], {});
    expect(undeclared.status).toBe(400);
    expect(((await undeclared.response.json()) as Message).error?.code).toBe(-32021);

    // Bob asks for Alice's task: acknowledged without it.
    const bob = await listen(url, BOB, [taskId], WITH_TASKS);
    const bobAck = await bob.next();
    expect(bobAck?.method).toBe('notifications/subscriptions/acknowledged');
    expect(ackedTaskIds(bobAck)).toBeUndefined();

    const alice = await listen(url, ALICE, [taskId, 'no-such-task'], WITH_TASKS);
    const ack = await alice.next();
    expect(ack?.method).toBe('notifications/subscriptions/acknowledged');
    expect(ackedTaskIds(ack)).toEqual([taskId]);

    const waiting = await alice.until(
      (m) => m.method === 'notifications/tasks' && m.params?.status === 'input_required',
    );
    expect(waiting.params).toMatchObject({ taskId, status: 'input_required', ttlMs: expect.any(Number) });
    const inputRequests = waiting.params?.inputRequests as Record<string, { method: string }>;
    const key = Object.keys(inputRequests)[0] ?? '';
    expect(inputRequests[key]?.method).toBe('elicitation/create');
    const updated = await modernRpc(
      url,
      ALICE,
      'tasks/update',
      { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } },
      WITH_TASKS,
    );
    expect(updated.error).toBeUndefined();

    const done = await alice.until(
      (m) => m.method === 'notifications/tasks' && m.params?.status === 'completed',
    );
    expect(done.params).toMatchObject({
      taskId,
      status: 'completed',
      result: { content: [{ type: 'text', text: 'deleted a.txt' }] },
    });
    await alice.close();
    await bob.close();
  });

  it('a task its backend runs: the backend’s steps reach the listen under the gateway’s id', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { bk: { command: process.execPath, args: [BACKEND], tier: 'hot' } },
      switchyard: TOKENS,
    });
    const created = await modernRpc(
      url,
      ALICE,
      'tools/call',
      { name: 'bk__phased', arguments: { steps: 20 } },
      WITH_TASKS,
    );
    expect(created.result).toMatchObject({ resultType: 'task' });
    const taskId = String(created.result?.taskId);
    const alice = await listen(url, ALICE, [taskId], WITH_TASKS);
    expect(ackedTaskIds(await alice.next())).toEqual([taskId]);
    const seen: Message[] = [];
    const done = await alice.until((m) => {
      seen.push(m);
      return m.params?.status === 'completed';
    });
    expect(seen.some((m) => /^step \d+$/.test(String(m.params?.statusMessage)))).toBe(true);
    expect(seen.every((m) => m.method === 'notifications/tasks' && m.params?.taskId === taskId)).toBe(true);
    expect(done.params?.result).toMatchObject({ content: [{ type: 'text' }] });
    await alice.close();
  });
});

describe('a forwarded task’s notifications/tasks/status (SDK v1 client, 2025-11-25)', () => {
  it('reaches the creating session under the gateway’s task id, never the backend’s; another principal hears none', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { bk: { command: process.execPath, args: [BACKEND], tier: 'hot' } },
      switchyard: TOKENS,
    });
    const alice = await connectClient(url, { headers: { authorization: `Bearer ${ALICE}` } });
    const bob = await connectClient(url, { headers: { authorization: `Bearer ${BOB}` } });
    const heard: { taskId: string; status: string; statusMessage?: string }[] = [];
    const bobHeard: unknown[] = [];
    let completed = () => {};
    const ended = new Promise<void>((resolve) => {
      completed = resolve;
    });
    alice.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      heard.push(n.params);
      if (n.params.status === 'completed') completed();
    });
    bob.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      bobHeard.push(n.params);
    });

    const { task } = await alice.request(
      {
        method: 'tools/call',
        params: { name: 'bk__phased', arguments: { steps: 20 }, task: { ttl: 600_000 } },
      },
      CreateTaskResultSchema,
    );
    await ended;

    expect(heard.some((n) => /^step \d+$/.test(n.statusMessage ?? ''))).toBe(true);
    expect(heard.every((n) => n.taskId === task.taskId)).toBe(true);
    const stats = await alice.callTool({ name: 'bk__stats', arguments: {} });
    const made = JSON.parse((stats.content as { text: string }[])[0]?.text ?? '{}').made as string[];
    expect(made).toHaveLength(1);
    expect(made[0]).not.toBe(task.taskId);
    expect(heard.some((n) => n.taskId === made[0])).toBe(false);
    expect(bobHeard).toEqual([]);
  });
});

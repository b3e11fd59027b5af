/**
 * Tasks (MCP 2025-11-25, experimental), run by the gateway for any tool: the official SDK v1
 * client, over real HTTP to a real gateway with the repo's stdio fixture behind it, asks for a
 * `tools/call` as a task, gets the task at once, polls `tasks/get`, fetches `tasks/result`, lists
 * and cancels its tasks (the backend's call is cancelled on the wire); another principal sees none
 * of them; past `limits.tasksPerPrincipal` the refusal names the bound; a task's result outlives a
 * restart of the gateway (the journal, a SQLite file).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  McpError,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  fixtureEntry,
  post,
  serveGateway,
  startInProcess,
  tempDir,
} from './support/gateway.ts';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const RELATED = 'io.modelcontextprotocol/related-task';

function config(limits: Record<string, unknown> = {}) {
  return {
    mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) },
    switchyard: {
      auth: {
        tokens: [
          { token: ALICE, principal: 'alice' },
          { token: BOB, principal: 'bob' },
        ],
      },
      limits,
    },
  };
}

const as = (url: string, token: string) =>
  connectClient(url, { headers: { authorization: `Bearer ${token}` } });

/** Starts `name` as a task; the CreateTaskResult. */
function startTask(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { ttl?: number; onprogress?: () => void } = {},
) {
  return client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: options.ttl ?? 60_000 } } },
    CreateTaskResultSchema,
    options.onprogress ? { onprogress: options.onprogress } : {},
  );
}

/** The JSON-RPC error a request failed with. */
async function rpcError(p: Promise<unknown>): Promise<McpError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(McpError);
  return e as McpError;
}

/** The fixture's own counters (one shared worker). */
async function whoami(client: Client): Promise<{ calls: number; cancelled: number }> {
  const r = await client.callTool({ name: 'fx__whoami', arguments: {} });
  return JSON.parse((r.content as { text: string }[])[0]?.text ?? '{}');
}

describe('tasks through the gateway (2025-11-25, SDK v1 client)', () => {
  it('offers tasks, runs a ~2 s call as a task, and serves tasks/get, tasks/result, tasks/list and the status notification', async () => {
    const { url } = await startInProcess(config());
    const alice = await as(url, ALICE);
    expect(alice.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const listed0 = await alice.listTools();
    expect(listed0.tools.find((t) => t.name === 'fx__hold')?.execution).toEqual({ taskSupport: 'optional' });
    const statuses: string[] = [];
    let completedSeen: () => void = () => {};
    const completedNotice = new Promise<void>((resolve) => {
      completedSeen = resolve;
    });
    alice.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params.status);
      if (n.params.status === 'completed') completedSeen();
    });

    const { task } = await startTask(alice, 'fx__hold', { ms: 2_000 }, { ttl: 120_000 });
    expect(task).toMatchObject({ status: 'working', ttl: 120_000 });
    expect(task.pollInterval).toBeGreaterThan(0);
    expect(Date.parse(task.createdAt)).not.toBeNaN();

    // Poll as the protocol says (bounded: 60 s at the suggested interval).
    let status = task.status;
    const polled = new Set<string>();
    for (let i = 0; i < 600 && status === 'working'; i++) {
      await Bun.sleep(task.pollInterval ?? 100);
      const got = await alice.experimental.tasks.getTask(task.taskId);
      expect(got.taskId).toBe(task.taskId);
      status = got.status;
      polled.add(status);
    }
    expect(status).toBe('completed');

    const result = await alice.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}')).toHaveProperty('pid');
    expect(result._meta?.[RELATED]).toEqual({ taskId: task.taskId });

    const listed = await alice.experimental.tasks.listTasks();
    expect(listed.tasks.map((t) => [t.taskId, t.status])).toEqual([[task.taskId, 'completed']]);

    await completedNotice;
    expect(statuses.at(-1)).toBe('completed');
  });

  it('tasks/result waits for the end; tasks/cancel cancels the backend call; a cancelled task cannot be cancelled again', async () => {
    const { url, gateway } = await startInProcess(config());
    const alice = await as(url, ALICE);
    const before = await whoami(alice);

    // The task's progress reaches the client (the backend runs the call) before it is cancelled.
    let progressed: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const { task } = await startTask(alice, 'fx__sleep', { ms: 60_000 }, { onprogress: () => progressed() });
    await running;
    const waiting = rpcError(alice.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema));

    const cancelled = await alice.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    expect((await alice.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');

    // tasks/result, asked while it ran, answers once it is cancelled, tied to the task.
    const ended = await waiting;
    expect(ended.data).toMatchObject({ status: 'cancelled', [RELATED]: { taskId: task.taskId } });

    // The backend stopped its call for the cancellation (bounded wait: 10 s).
    let after = await whoami(alice);
    for (let i = 0; i < 200 && after.cancelled <= before.cancelled; i++) {
      await Bun.sleep(50);
      after = await whoami(alice);
    }
    expect(after.cancelled).toBe(before.cancelled + 1);
    expect(gateway.coordinator.stats().inFlight).toBe(0);

    const again = await rpcError(alice.experimental.tasks.cancelTask(task.taskId));
    expect(again.code).toBe(-32602);
    expect(again.message).toMatch(/already cancelled/);
  });

  it('outlives its connection: the client goes away, comes back in a new session and fetches the result', async () => {
    const { url } = await startInProcess(config());
    const first = await as(url, ALICE);
    const { task } = await startTask(first, 'fx__hold', { ms: 2_000 });
    // Gone before the call ends (its session stays until idle, the call runs on).
    await first.close();

    const again = await as(url, ALICE);
    const result = await again.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}')).toHaveProperty('pid');
    expect((await again.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
  });

  it('shows a task only to the principal that made it', async () => {
    const { url } = await startInProcess(config());
    const alice = await as(url, ALICE);
    const bob = await as(url, BOB);
    const { task } = await startTask(alice, 'fx__sleep', { ms: 60_000 });

    // One at a time: a request made before the previous one's refusal was read would reject unheard.
    for (const ask of [
      () => bob.experimental.tasks.getTask(task.taskId),
      () => bob.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      () => bob.experimental.tasks.cancelTask(task.taskId),
    ]) {
      const e = await rpcError(ask());
      expect(e.code).toBe(-32602);
      expect(e.message).toContain(`Task not found: ${task.taskId}`);
      expect(JSON.stringify(e.data)).not.toContain('working');
    }
    expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);
    // Alice's tasks/result for the running task is an SSE answer (kept alive while it waits).
    const sessionId = (alice.transport as StreamableHTTPClientTransport).sessionId ?? '';
    const waiting = await post(
      url,
      { jsonrpc: '2.0', id: 'r1', method: 'tasks/result', params: { taskId: task.taskId } },
      { authorization: `Bearer ${ALICE}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    );
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waiting.body?.cancel();
    // Bob's cancel did not touch it.
    expect((await alice.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    expect((await alice.experimental.tasks.cancelTask(task.taskId)).status).toBe('cancelled');
  });

  it('refuses a task past limits.tasksPerPrincipal, naming the bound; a bad ttl and an unknown tool are refused at once', async () => {
    const { url } = await startInProcess(config({ tasksPerPrincipal: 2 }));
    const alice = await as(url, ALICE);
    const bob = await as(url, BOB);
    const first = await startTask(alice, 'fx__hold', { ms: 1 });
    await startTask(alice, 'fx__hold', { ms: 1 });

    const refused = await rpcError(startTask(alice, 'fx__hold', { ms: 1 }));
    expect(refused.code).toBe(-32050);
    expect(refused.data).toEqual({ limit: 'tasksPerPrincipal', max: 2 });
    expect(refused.message).toContain('limit tasksPerPrincipal: 2');
    // The bound is per principal.
    expect((await startTask(bob, 'fx__hold', { ms: 1 })).task.status).toBe('working');

    const unknown = await rpcError(startTask(bob, 'fx__nope', {}));
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain('Unknown tool: fx__nope');
    const badTtl = await rpcError(startTask(bob, 'fx__hold', { ms: 1 }, { ttl: -5 }));
    expect(badTtl.code).toBe(-32602);
    expect(badTtl.message).toContain('task.ttl');
    // Refused requests hold no task.
    expect((await bob.experimental.tasks.listTasks()).tasks).toHaveLength(1);
    expect(
      (await alice.experimental.tasks.getTaskResult(first.task.taskId, CallToolResultSchema)).content,
    ).toHaveLength(1);
  });

  it('keeps a task and its result across a restart of the gateway; one that was running has ended', async () => {
    const dir = await tempDir();
    const first = await serveGateway(config(), dir);
    let done: { taskId: string };
    let cut: { taskId: string };
    try {
      const alice = await as(first.url, ALICE);
      ({ task: done } = await startTask(alice, 'fx__hold', { ms: 1 }));
      // tasks/result waits for the end.
      await alice.experimental.tasks.getTaskResult(done.taskId, CallToolResultSchema);
      ({ task: cut } = await startTask(alice, 'fx__sleep', { ms: 60_000 }));
      await alice.close();
    } finally {
      await first.stop();
    }

    const second = await serveGateway(config(), dir);
    try {
      const alice = await as(second.url, ALICE);
      const bob = await as(second.url, BOB);
      expect((await alice.experimental.tasks.getTask(done.taskId)).status).toBe('completed');
      const result = await alice.experimental.tasks.getTaskResult(done.taskId, CallToolResultSchema);
      expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}')).toHaveProperty('pid');
      const listed = await alice.experimental.tasks.listTasks();
      expect(listed.tasks.map((t) => t.taskId)).toEqual([done.taskId, cut.taskId]);
      // The running one ended with the first process: failed, its outcome unknown.
      const ended = await alice.experimental.tasks.getTask(cut.taskId);
      expect(ended.status).toBe('failed');
      expect(ended.statusMessage).toContain('its outcome is unknown');
      const e = await rpcError(bob.experimental.tasks.getTask(done.taskId));
      expect(e.code).toBe(-32602);
      expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);
      await alice.close();
      await bob.close();
    } finally {
      await second.stop();
    }
  });
});

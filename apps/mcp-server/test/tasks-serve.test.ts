/**
 * Tasks' "done when", against the real CLI (`switchyard serve`, a child process, its journal a
 * SQLite file) with two static bearer tokens (two principals):
 * - 2025-11-25, the official SDK v1 client (its `experimental.tasks` API): a ~5 s tool runs as a
 *   task; the client drops its connection, a new client object fetches the result; one task is
 *   cancelled; the other principal can neither get, wait for, cancel nor list any of them; the
 *   gateway is stopped (SIGTERM) and started again on the same journal: the completed task keeps
 *   its result, the cancelled one stays cancelled, and one still running at the stop has failed
 *   with an outcome-unknown error (never left working).
 * - 2026-07-28, the tasks extension: the v2 client (`@modelcontextprotocol/client` 2.4.0) has no
 *   task API (a `resultType: "task"` answer is an unsupported result type to it), so it is checked
 *   only to get plain answers when it does not declare the extension; the task shapes are driven
 *   with raw HTTP, across the same kind of restart.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  fixtureEntry,
  modernRpc,
  runServe,
  type ServeProcess,
  tempDir,
} from './support/gateway.ts';

const TASK_TOOLS = new URL('./fixtures/task-tools-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';
const RELATED = 'io.modelcontextprotocol/related-task';

/** A config file in a fresh folder: the fixture (2025 tools) and the task-tools fixture, two tokens, a journal file. */
async function configured(): Promise<{ dir: string; config: string }> {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: {
        fx: fixtureEntry('fx', { tier: 'hot' }),
        tt: { command: process.execPath, args: [TASK_TOOLS], tier: 'hot' },
      },
      switchyard: {
        journal: { path: './journal.db' },
        auth: {
          tokens: [
            { token: ALICE, principal: 'alice' },
            { token: BOB, principal: 'bob' },
          ],
        },
      },
    }),
  );
  return { dir, config };
}

const serve = (at: { dir: string; config: string }) =>
  runServe(['--port', '0', '--config', at.config], { cwd: at.dir, env: { SWITCHYARD_LOG_LEVEL: 'info' } });

/** SIGTERM, and the exit code (a graceful stop is 0). */
async function stop(served: ServeProcess): Promise<number> {
  served.child.kill('SIGTERM');
  return served.exited;
}

const as = (url: string, token: string) =>
  connectClient(url, { headers: { authorization: `Bearer ${token}` } });

function startTask(client: Client, name: string, args: Record<string, unknown>) {
  return client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 600_000 } } },
    CreateTaskResultSchema,
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

/** Every task method `bob` may try on `taskId` is "not found", and his list is empty. */
async function invisibleTo(bob: Client, taskId: string): Promise<void> {
  // One at a time: a request made before the previous refusal was read would reject unheard.
  for (const ask of [
    () => bob.experimental.tasks.getTask(taskId),
    () => bob.experimental.tasks.getTaskResult(taskId, CallToolResultSchema),
    () => bob.experimental.tasks.cancelTask(taskId),
  ]) {
    const e = await rpcError(ask());
    expect(e.code).toBe(-32602);
    expect(e.message).toContain(`Task not found: ${taskId}`);
  }
  expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);
}

const pidOf = (r: { content: unknown }) =>
  JSON.parse((r.content as { text: string }[])[0]?.text ?? '{}').pid as unknown;

describe('tasks against `switchyard serve`, across a restart (SDK v1 client, 2025-11-25)', () => {
  it('a 5 s task outlives its connection and a restart; a cancelled one stays cancelled; one running at the stop fails, outcome unknown; another principal sees none', {
    timeout: 120_000,
  }, async () => {
    const at = await configured();
    const first = await serve(at);
    const gone = await as(first.url, ALICE);
    const { task: long } = await startTask(gone, 'fx__hold', { ms: 5_000 });
    expect(long.status).toBe('working');
    // The connection goes away while the call runs.
    await gone.close();

    const bob = await as(first.url, BOB);
    await invisibleTo(bob, long.taskId);

    const alice = await as(first.url, ALICE);
    const { task: dropped } = await startTask(alice, 'fx__sleep', { ms: 600_000 });
    expect((await alice.experimental.tasks.cancelTask(dropped.taskId)).status).toBe('cancelled');
    await invisibleTo(bob, dropped.taskId);

    // A new client object fetches the result (tasks/result waits for the call's end).
    const result = await alice.experimental.tasks.getTaskResult(long.taskId, CallToolResultSchema);
    expect(pidOf(result)).toEqual(expect.any(Number));
    expect(result._meta?.[RELATED]).toEqual({ taskId: long.taskId });
    expect((await alice.experimental.tasks.getTask(long.taskId)).status).toBe('completed');

    // Running when the gateway stops.
    const { task: cut } = await startTask(alice, 'fx__sleep', { ms: 600_000 });
    expect((await alice.experimental.tasks.getTask(cut.taskId)).status).toBe('working');
    await alice.close();
    await bob.close();
    expect(await stop(first)).toBe(0);

    const second = await serve(at);
    const back = await as(second.url, ALICE);
    expect((await back.experimental.tasks.getTask(long.taskId)).status).toBe('completed');
    const again = await back.experimental.tasks.getTaskResult(long.taskId, CallToolResultSchema);
    expect(pidOf(again)).toEqual(pidOf(result));
    expect((await back.experimental.tasks.getTask(dropped.taskId)).status).toBe('cancelled');

    const ended = await back.experimental.tasks.getTask(cut.taskId);
    expect(ended.status).toBe('failed');
    expect(ended.statusMessage).toContain('its outcome is unknown');
    const unknown = await rpcError(back.experimental.tasks.getTaskResult(cut.taskId, CallToolResultSchema));
    expect(unknown.code).toBe(-32000);
    expect(unknown.data).toMatchObject({
      'switchyard/outcomeUnknown': true,
      [RELATED]: { taskId: cut.taskId },
    });
    expect((await back.experimental.tasks.listTasks()).tasks.map((t) => [t.taskId, t.status])).toEqual([
      [long.taskId, 'completed'],
      [dropped.taskId, 'cancelled'],
      [cut.taskId, 'failed'],
    ]);

    const bobBack = await as(second.url, BOB);
    for (const t of [long, dropped, cut]) await invisibleTo(bobBack, t.taskId);
    await back.close();
    await bobBack.close();
    expect(await stop(second)).toBe(0);
  });
});

/** A 2026-07-28 request over raw HTTP that declares the tasks extension. */
const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, token, method, params, { extensions: { [TASKS]: {} } });

/** Polls tasks/get at the task's interval until it has ended (at most 600 polls). */
async function untilEnded(url: string, token: string, taskId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const got = await rpc(url, token, 'tasks/get', { taskId });
    const status = String(got.result?.status);
    if (['completed', 'failed', 'cancelled'].includes(status)) return got.result ?? {};
    expect(status).toBe('working');
    await Bun.sleep(Number(got.result?.pollIntervalMs ?? 100));
  }
  throw new Error(`task ${taskId} did not end`);
}

describe('tasks against `switchyard serve`, across a restart (2026-07-28, the tasks extension)', () => {
  it('a 5 s task completes while nobody is connected and keeps its result over a restart; cancel; another principal sees none; one running at the stop fails, outcome unknown', {
    timeout: 120_000,
  }, async () => {
    const at = await configured();
    const first = await serve(at);

    // The v2 client pinned to 2026: no tasks extension declared, so a task-capable tool answers plainly.
    const v2 = new ClientV2(
      { name: 'v2', version: '2.4.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await v2.connect(
      new TransportV2(new URL(first.url), { requestInit: { headers: { authorization: `Bearer ${ALICE}` } } }),
    );
    const plain = await v2.callTool({ name: 'tt__slow', arguments: { ms: 1 } });
    expect(plain.content).toEqual([{ type: 'text', text: 'slept 1 ms' }]);
    await v2.close();

    const created = await rpc(first.url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 5_000 } });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    const long = String(created.result?.taskId);
    const doomed = String(
      (await rpc(first.url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 600_000 } })).result
        ?.taskId,
    );
    for (const method of ['tasks/get', 'tasks/cancel']) {
      for (const taskId of [long, doomed]) {
        const refused = await rpc(first.url, BOB, method, { taskId });
        expect(refused.error).toMatchObject({
          code: -32602,
          message: `Invalid params: Task not found: ${taskId}`,
        });
      }
    }
    expect((await rpc(first.url, ALICE, 'tasks/cancel', { taskId: doomed })).result?.resultType).toBe(
      'complete',
    );
    expect((await rpc(first.url, ALICE, 'tasks/get', { taskId: doomed })).result?.status).toBe('cancelled');

    const done = await untilEnded(first.url, ALICE, long);
    expect(done).toMatchObject({ status: 'completed', result: { content: [{ text: 'slept 5000 ms' }] } });
    const cut = String(
      (await rpc(first.url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 600_000 } })).result
        ?.taskId,
    );
    expect((await rpc(first.url, ALICE, 'tasks/get', { taskId: cut })).result?.status).toBe('working');
    expect(await stop(first)).toBe(0);

    const second = await serve(at);
    expect((await rpc(second.url, ALICE, 'tasks/get', { taskId: long })).result).toMatchObject({
      taskId: long,
      status: 'completed',
      result: { content: [{ text: 'slept 5000 ms' }] },
    });
    expect((await rpc(second.url, ALICE, 'tasks/get', { taskId: doomed })).result?.status).toBe('cancelled');
    const ended = (await rpc(second.url, ALICE, 'tasks/get', { taskId: cut })).result;
    expect(ended).toMatchObject({
      status: 'failed',
      error: { code: -32000, data: { 'switchyard/outcomeUnknown': true } },
    });
    expect(String(ended?.statusMessage)).toContain('its outcome is unknown');
    for (const taskId of [long, doomed, cut]) {
      expect((await rpc(second.url, BOB, 'tasks/get', { taskId })).error?.code).toBe(-32602);
    }
    expect(await stop(second)).toBe(0);
  });
});

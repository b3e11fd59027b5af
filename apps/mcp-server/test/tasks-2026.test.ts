/**
 * Tasks for 2026-07-28 clients (the tasks extension, SEP-2663), run by the gateway: over real HTTP to
 * a real gateway, a stdio backend (SDK v1) whose tools say `execution.taskSupport`. A request that
 * declares the extension and calls a tool its server marks `optional` gets a flat CreateTaskResult;
 * tasks/get inlines the result; tasks/cancel acknowledges and cancels the backend's call; without
 * the extension, task methods are -32021 and calls run as usual; another principal sees nothing.
 */
import { describe, expect, it } from 'vitest';
import { modernPost, startInProcess } from './support/gateway.ts';

const FIXTURE = new URL('./fixtures/task-tools-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';

const CONFIG = {
  mcpServers: { tt: { command: process.execPath, args: [FIXTURE], tier: 'hot' } },
  switchyard: {
    auth: {
      tokens: [
        { token: ALICE, principal: 'alice' },
        { token: BOB, principal: 'bob' },
      ],
    },
  },
};

let seq = 0;
async function rpc(
  url: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
  extension = true,
): Promise<{
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string } };
}> {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': extension ? { extensions: { [TASKS]: {} } } : {},
  };
  const named = typeof params.name === 'string' ? params.name : params.taskId;
  const name: Record<string, string> = typeof named === 'string' ? { 'mcp-name': named } : {};
  const response = await modernPost(
    url,
    { jsonrpc: '2.0', id: ++seq, method, params: { ...params, _meta: meta } },
    { authorization: `Bearer ${token}`, ...name },
  );
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    const text = await response.text();
    const last: Awaited<ReturnType<typeof rpc>>['body'] = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)))
      .filter((m) => !('method' in m))
      .at(-1) as Awaited<ReturnType<typeof rpc>>['body'];
    return { status: response.status, body: last };
  }
  return {
    status: response.status,
    body: (await response.json()) as Awaited<ReturnType<typeof rpc>>['body'],
  };
}

async function untilEnded(url: string, token: string, taskId: string) {
  for (let i = 0; i < 600; i++) {
    const got = await rpc(url, token, 'tasks/get', { taskId });
    if (['completed', 'failed', 'cancelled'].includes(String(got.body.result?.status)))
      return got.body.result ?? {};
    await Bun.sleep(Number(got.body.result?.pollIntervalMs ?? 100));
  }
  throw new Error('the task did not end');
}

describe('tasks through the gateway (2026-07-28, the tasks extension)', () => {
  it('advertises the extension, makes tasks for task-capable tools only, and inlines the result', async () => {
    const { url } = await startInProcess(CONFIG);
    const discover = await rpc(url, ALICE, 'server/discover', {});
    const capabilities = discover.body.result?.capabilities as Record<string, Record<string, unknown>>;
    expect(capabilities.extensions?.[TASKS]).toEqual({});
    expect(capabilities.tasks).toBeUndefined();

    const sync = await rpc(url, ALICE, 'tools/call', { name: 'tt__quick', arguments: {} });
    expect(sync.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'quick' }] });
    expect(sync.body.result?.taskId).toBeUndefined();

    const created = await rpc(url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 500 } });
    const task = created.body.result ?? {};
    expect(task).toMatchObject({ resultType: 'task', status: 'working' });
    expect(task.task).toBeUndefined();
    expect(Number.isInteger(task.ttlMs) && Number.isInteger(task.pollIntervalMs)).toBe(true);
    expect('ttl' in task || 'pollInterval' in task || 'result' in task).toBe(false);

    const ended = await untilEnded(url, ALICE, String(task.taskId));
    expect(ended).toMatchObject({
      taskId: task.taskId,
      status: 'completed',
      result: { content: [{ text: 'slept 500 ms' }] },
    });
    expect(JSON.stringify(ended)).not.toContain('related-task');

    const failing = await rpc(url, ALICE, 'tools/call', { name: 'tt__failing', arguments: {} });
    const failed = await untilEnded(url, ALICE, String(failing.body.result?.taskId));
    expect(failed).toMatchObject({ status: 'completed', result: { isError: true } });

    // Without the extension: the call runs as usual, and the task methods are refused.
    const plain = await rpc(url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 1 } }, false);
    expect(plain.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'slept 1 ms' }] });
    const gated = await rpc(url, ALICE, 'tasks/get', { taskId: String(task.taskId) }, false);
    expect(gated.status).toBe(400);
    expect(gated.body.error?.code).toBe(-32021);
    // A tool its server runs only as a task: refused without the extension, a task with it.
    const must = await rpc(url, ALICE, 'tools/call', { name: 'tt__must', arguments: {} }, false);
    expect(must.status).toBe(400);
    expect(must.body.error?.code).toBe(-32021);
    const mustTask = await rpc(url, ALICE, 'tools/call', { name: 'tt__must', arguments: {} });
    expect(await untilEnded(url, ALICE, String(mustTask.body.result?.taskId))).toMatchObject({
      status: 'completed',
      result: { content: [{ text: 'must' }] },
    });
    // tasks/update: a task the gateway runs never waits for input.
    const update = await rpc(url, ALICE, 'tasks/update', { taskId: String(task.taskId), inputResponses: {} });
    expect(update.body.error?.code).toBe(-32602);
  });

  it('cancels: an empty acknowledgement (also for an ended task); another principal sees nothing', async () => {
    const { url } = await startInProcess(CONFIG);
    const created = await rpc(url, ALICE, 'tools/call', { name: 'tt__slow', arguments: { ms: 60_000 } });
    const taskId = String(created.body.result?.taskId);

    const bobGet = await rpc(url, BOB, 'tasks/get', { taskId });
    expect(bobGet.body.error).toMatchObject({
      code: -32602,
      message: `Invalid params: Task not found: ${taskId}`,
    });
    const bobCancel = await rpc(url, BOB, 'tasks/cancel', { taskId });
    expect(bobCancel.body.error?.code).toBe(-32602);
    expect((await rpc(url, ALICE, 'tasks/get', { taskId })).body.result?.status).toBe('working');

    const cancel = await rpc(url, ALICE, 'tasks/cancel', { taskId });
    expect(cancel.body.result).toEqual({ resultType: 'complete', _meta: expect.any(Object) });
    expect((await rpc(url, ALICE, 'tasks/get', { taskId })).body.result?.status).toBe('cancelled');
    const again = await rpc(url, ALICE, 'tasks/cancel', { taskId });
    expect(again.body.result?.resultType).toBe('complete');
    const unknown = await rpc(url, ALICE, 'tasks/cancel', { taskId: 'nope' });
    expect(unknown.body.error?.code).toBe(-32602);
    // Mcp-Name mirrors params.taskId on the task methods (SEP-2663 routing headers).
    const mismatched = await modernPost(
      url,
      {
        jsonrpc: '2.0',
        id: 'm1',
        method: 'tasks/get',
        params: {
          taskId,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
          },
        },
      },
      { authorization: `Bearer ${ALICE}`, 'mcp-name': 'another-task' },
    );
    expect(mismatched.status).toBe(400);
    expect(((await mismatched.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });
});

import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../jsonrpc/types.ts';
import { MessageStream } from '../message-stream.ts';
import { withCapabilities } from '../modern.ts';
import type { FrontSession } from '../sessions.ts';
import { GatewayTasks } from './gateway-tasks.ts';
import { TaskStore } from './task-store.ts';

/** GatewayTasks over a host whose calls never end (their streams stay open): bookkeeping only. */
function setup(bounds = {}) {
  let n = 0;
  const store = new TaskStore({ now: () => 10_000, newId: () => `t${String(++n).padStart(3, '0')}`, bounds });
  const host = {
    run: async () => ({ kind: 'stream' as const, messages: new MessageStream<JsonRpcMessage>() }),
    session: () => undefined,
    taskSupport: async () => undefined,
    forwards: async () => false,
    hold: async () => undefined,
  };
  const tasks = new GatewayTasks(store, host);
  const session = (principal: string) =>
    ({ id: `s-${principal}`, principal, era: 'legacy', inflight: new Map() }) as unknown as FrontSession;
  let id = 0;
  const req = (method: string, params: Record<string, unknown>): JsonRpcRequest => ({
    jsonrpc: '2.0',
    id: ++id,
    method,
    params,
  });
  return { tasks, session, req };
}

function result(r: JsonRpcResponse): Record<string, unknown> {
  if (!('result' in r)) throw new Error(JSON.stringify(r.error));
  return r.result;
}

describe('GatewayTasks', () => {
  it('pages tasks/list 50 at a time, oldest first, with a cursor only it gave', async () => {
    const { tasks, session, req } = setup({ tasksPerPrincipal: 200 });
    const alice = session('alice');
    for (let i = 0; i < 120; i++)
      result(await tasks.start(alice, req('tools/call', { name: 'x', task: { ttl: 60_000 } })));
    await tasks.start(session('bob'), req('tools/call', { name: 'x', task: {} }));

    const seen: string[] = [];
    let cursor: unknown;
    let pages = 0;
    do {
      const page = result(await tasks.handle(alice, req('tasks/list', cursor ? { cursor } : {})));
      seen.push(...(page.tasks as { taskId: string }[]).map((t) => t.taskId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(seen[0]).toBe('t001');
    expect(seen.at(-1)).toBe('t120');
    expect(seen).not.toContain('t121');

    const bad = await tasks.handle(alice, req('tasks/list', { cursor: 'nope' }));
    expect(bad).toMatchObject({ error: { code: -32602 } });
  });

  it('refuses a task param that is not an object and a ttl that is not a whole positive number', async () => {
    const { tasks, session, req } = setup();
    const alice = session('alice');
    for (const task of [true, { ttl: 0 }, { ttl: 1.5 }, { ttl: '10' }]) {
      const r = await tasks.start(alice, req('tools/call', { name: 'x', task }));
      expect(r).toMatchObject({ error: { code: -32602 } });
    }
    expect(result(await tasks.handle(alice, req('tasks/list', {}))).tasks).toEqual([]);
  });

  it('answers -32602 for a missing or unknown taskId', async () => {
    const { tasks, session, req } = setup();
    const alice = session('alice');
    expect(await tasks.handle(alice, req('tasks/get', {}))).toMatchObject({ error: { code: -32602 } });
    expect(await tasks.handle(alice, req('tasks/cancel', { taskId: 'zzz' }))).toMatchObject({
      error: { code: -32602, message: 'Invalid params: Task not found: zzz' },
    });
  });

  it('fails a task whose 2026 call asks for input (input_required), saying why, instead of completing with it', async () => {
    const store = new TaskStore({ now: () => 10_000, newId: () => 't1', onStatus: (t) => tasks.changed(t) });
    const stream = new MessageStream<JsonRpcMessage>();
    const host = {
      run: async () => ({ kind: 'stream' as const, messages: stream }),
      session: () => undefined,
      taskSupport: async () => 'optional',
      forwards: async () => false,
      hold: async () => undefined,
    };
    const tasks: GatewayTasks = new GatewayTasks(store, host);
    const session = {
      id: 's',
      principal: 'alice',
      era: 'modern',
      inflight: new Map(),
    } as unknown as FrontSession;
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } };
    withCapabilities(request, { extensions: { 'io.modelcontextprotocol/tasks': {} } });
    expect(await tasks.startModern(session, request)).toMatchObject({
      message: { result: { resultType: 'task' } },
    });
    stream.push({
      jsonrpc: '2.0',
      id: 'switchyard-task:t1',
      result: { resultType: 'input_required', inputRequests: {} },
    });
    stream.end();
    const ended = await store.whenTerminal('t1', 'alice');
    expect(ended).toMatchObject({
      status: 'failed',
      statusMessage: expect.stringContaining('input_required'),
    });
  });
});

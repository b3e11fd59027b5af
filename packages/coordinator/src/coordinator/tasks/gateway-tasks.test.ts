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
    announce: () => {},
    resume: () => ({ kind: 'accepted' as const }),
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

  it('a 2026 task whose call asks for input waits for tasks/update (a key at a time), then resumes its call with every answer', async () => {
    const store = new TaskStore({ now: () => 10_000, newId: () => 't1', onStatus: (t) => tasks.changed(t) });
    const first = new MessageStream<JsonRpcMessage>();
    const second = new MessageStream<JsonRpcMessage>();
    const resumed: JsonRpcRequest[] = [];
    const host = {
      run: async () => ({ kind: 'stream' as const, messages: first }),
      session: () => undefined,
      taskSupport: async () => 'optional',
      forwards: async () => false,
      hold: async () => undefined,
      announce: () => {},
      resume: (_s: FrontSession, retry: JsonRpcRequest) => {
        resumed.push(retry);
        return { kind: 'stream' as const, messages: second };
      },
    };
    const tasks: GatewayTasks = new GatewayTasks(store, host);
    const session = {
      id: 's',
      principal: 'alice',
      era: 'modern',
      inflight: new Map(),
    } as unknown as FrontSession;
    const ask = (method: string, params: Record<string, unknown>): JsonRpcRequest => {
      const r: JsonRpcRequest = { jsonrpc: '2.0', id: method, method, params };
      withCapabilities(r, { extensions: { 'io.modelcontextprotocol/tasks': {} } });
      return r;
    };
    const created = await tasks.startModern(session, ask('tools/call', { name: 'x', arguments: { n: 1 } }));
    expect(created).toMatchObject({ message: { result: { resultType: 'task', taskId: 't1' } } });
    const elicit = { method: 'elicitation/create', params: { message: '?' } };
    first.push({
      jsonrpc: '2.0',
      id: 'switchyard-task:t1',
      result: { resultType: 'input_required', inputRequests: { a: elicit, b: elicit }, requestState: 'rs' },
    });
    first.end();
    const get = async () => result(await tasks.handleModern(session, ask('tasks/get', { taskId: 't1' })));
    for (let i = 0; i < 100 && (await get()).status !== 'input_required'; i++) await Bun.sleep(5);
    expect(await get()).toMatchObject({ status: 'input_required', inputRequests: { a: elicit, b: elicit } });

    const update = (inputResponses: unknown) =>
      tasks.handleModern(session, ask('tasks/update', { taskId: 't1', inputResponses }));
    expect(await update({ a: { action: 'accept', content: { ok: true } } })).toMatchObject({ result: {} });
    const partial = await get();
    expect(partial.status).toBe('input_required');
    expect(Object.keys(partial.inputRequests as object)).toEqual(['b']);
    expect(resumed).toEqual([]);
    expect(await update('nope')).toMatchObject({ error: { code: -32602 } });

    expect(await update({ b: { action: 'decline' } })).toMatchObject({ result: {} });
    for (let i = 0; i < 100 && resumed.length === 0; i++) await Bun.sleep(5);
    expect(resumed[0]?.params).toEqual({
      name: 'x',
      arguments: { n: 1 },
      inputResponses: { a: { action: 'accept', content: { ok: true } }, b: { action: 'decline' } },
      requestState: 'rs',
    });
    expect((await get()).status).toBe('working');
    second.push({ jsonrpc: '2.0', id: 'r', result: { content: [{ type: 'text', text: 'done' }] } });
    second.end();
    expect(await store.whenTerminal('t1', 'alice')).toMatchObject({ status: 'completed' });
    expect(await get()).toMatchObject({ status: 'completed', result: { content: [{ text: 'done' }] } });
    expect(await update({})).toMatchObject({ error: { code: -32602 } });
  });
  it('a 2026 call that asks before anything else gets input_required and no task; its retry with the answers makes the task', async () => {
    let n = 0;
    const store = new TaskStore({
      now: () => 10_000,
      newId: () => `t${++n}`,
      bounds: { tasksPerPrincipal: 1 },
      onStatus: (t) => tasks.changed(t),
    });
    const first = new MessageStream<JsonRpcMessage>();
    const second = new MessageStream<JsonRpcMessage>();
    const resumed: JsonRpcRequest[] = [];
    const host = {
      run: async () => ({ kind: 'stream' as const, messages: first }),
      session: () => undefined,
      taskSupport: async () => 'required',
      forwards: async () => false,
      hold: async () => undefined,
      announce: () => {},
      resume: (_s: FrontSession, retry: JsonRpcRequest) => {
        resumed.push(retry);
        return { kind: 'stream' as const, messages: second };
      },
    };
    const tasks: GatewayTasks = new GatewayTasks(store, host, undefined, { decisionMs: 60_000 });
    const session = (principal: string) =>
      ({ id: `s-${principal}`, principal, era: 'modern', inflight: new Map() }) as unknown as FrontSession;
    const alice = session('alice');
    const call = (id: string, params: Record<string, unknown> = {}): JsonRpcRequest => {
      const r: JsonRpcRequest = {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'x', ...params },
      };
      withCapabilities(r, { extensions: { 'io.modelcontextprotocol/tasks': {} } });
      return r;
    };
    const elicit = { method: 'elicitation/create', params: { message: 'name?' } };
    first.push({
      jsonrpc: '2.0',
      id: 'switchyard-task:t1',
      result: { resultType: 'input_required', inputRequests: { a: elicit }, requestState: 'rs' },
    });
    first.end();
    const asked = await tasks.startModern(alice, call('c1'));
    expect(asked).toEqual({
      kind: 'response',
      message: {
        jsonrpc: '2.0',
        id: 'c1',
        result: { resultType: 'input_required', inputRequests: { a: elicit }, requestState: 'rs' },
      },
    });
    expect(store.heldBy('alice')).toBe(0);
    // The gathering call counts against the bound.
    expect(await tasks.startModern(alice, call('c2'))).toMatchObject({
      message: { error: { code: -32050, data: { limit: 'tasksPerPrincipal', max: 1 } } },
    });
    // Another principal's retry is not this call's.
    expect(await tasks.resumeModern(session('bob'), call('b1'), 'rs')).toBeUndefined();

    second.push({ jsonrpc: '2.0', id: 'r', result: { content: [{ type: 'text', text: 'Hello, Ann!' }] } });
    second.end();
    const retry = call('c3', {
      inputResponses: { a: { action: 'accept', content: { name: 'Ann' } } },
      requestState: 'rs',
    });
    const created = await tasks.resumeModern(alice, retry, 'rs');
    expect(resumed).toEqual([retry]);
    expect(created).toMatchObject({ message: { id: 'c3', result: { resultType: 'task', taskId: 't1' } } });
    expect(await store.whenTerminal('t1', 'alice')).toMatchObject({
      status: 'completed',
      outcome: { result: { content: [{ text: 'Hello, Ann!' }] } },
    });
    // The requestState is spent.
    expect(await tasks.resumeModern(alice, retry, 'rs')).toBeUndefined();
  });
});

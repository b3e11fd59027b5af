import { createJournal, memoryDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../../jsonrpc/types.ts';
import { MessageStream } from '../message-stream.ts';
import type { FrontSession } from '../sessions.ts';
import { GatewayTasks } from './gateway-tasks.ts';
import { JournalTaskLog } from './task-journal.ts';
import { TaskStore } from './task-store.ts';

describe('JournalTaskLog', () => {
  it('reads back the newest record of a task, and each principal’s task ids', async () => {
    const journal = await createJournal({ driver: memoryDriver() });
    const errors: unknown[] = [];
    const log = new JournalTaskLog(journal, (e) => errors.push(e));
    let n = 0;
    const store = new TaskStore({ now: () => 5_000, newId: () => `t${++n}` });
    const created = store.create('alice@example.com', 's1', 'tools/call', 60_000);
    const other = store.create(null, 's2', 'tools/call');
    if (created.kind !== 'created' || other.kind !== 'created') throw new Error('refused');
    await log.write(created.task, true);
    await log.write(other.task, true);
    store.settle('t1', 'completed', { kind: 'result', result: { content: [{ type: 'text', text: 'hi' }] } });
    await log.write(created.task, false);

    const back = await log.read('t1');
    expect(back).toEqual({ ...created.task });
    expect(back?.status).toBe('completed');
    expect(back?.outcome).toEqual({ kind: 'result', result: { content: [{ type: 'text', text: 'hi' }] } });
    expect(await log.idsOf('alice@example.com')).toEqual(['t1']);
    expect(await log.idsOf(null)).toEqual(['t2']);
    expect(await log.idsOf('bob')).toEqual([]);
    expect(await log.read('nope')).toBeUndefined();
    expect(errors).toEqual([]);
    await journal.close();
  });

  it('reports a failed write instead of throwing', async () => {
    const journal = await createJournal({ driver: memoryDriver() });
    const errors: unknown[] = [];
    const log = new JournalTaskLog(journal, (e) => errors.push(e));
    await journal.close();
    const store = new TaskStore();
    const created = store.create('alice', 's1', 'tools/call');
    if (created.kind !== 'created') throw new Error('refused');
    await log.write(created.task, true);
    expect(errors).toHaveLength(1);
  });
});

describe('GatewayTasks over the journal', () => {
  it('reads back a task another process made; one it left working has failed with that process', async () => {
    const journal = await createJournal({ driver: memoryDriver() });
    const log = new JournalTaskLog(journal);
    const before = new TaskStore({ now: () => 1_000, newId: () => 'gone-with-its-process' });
    const made = before.create('alice', 's1', 'tools/call', 60_000);
    if (made.kind !== 'created') throw new Error('refused');
    await log.write(made.task, true);

    const host = {
      run: () => Promise.reject(new Error('not used')),
      session: () => undefined,
      taskSupport: async () => undefined,
      forwards: async () => false,
      hold: async () => undefined,
      announce: () => {},
      resume: () => ({ kind: 'accepted' as const }),
    };
    const tasks: GatewayTasks = new GatewayTasks(
      new TaskStore({ now: () => 2_000, onStatus: (t) => tasks.changed(t) }),
      host,
      log,
    );
    const alice = { principal: 'alice' } as FrontSession;
    const bob = { principal: 'bob' } as FrontSession;
    const get = (session: FrontSession) =>
      tasks.handle(session, {
        jsonrpc: '2.0',
        id: 1,
        method: 'tasks/get',
        params: { taskId: 'gone-with-its-process' },
      });
    expect(await get(bob)).toMatchObject({ error: { code: -32602 } });
    const got = await get(alice);
    expect(got).toMatchObject({ result: { taskId: 'gone-with-its-process', status: 'failed' } });
    expect(JSON.stringify(got)).toContain('its outcome is unknown');
    // The failure is journaled: the next process reads it as it is.
    await journal.flush();
    expect((await log.read('gone-with-its-process'))?.status).toBe('failed');
    await journal.close();
  });

  it('close() ends each task it runs as failed, outcome unknown, journaled before it resolves', async () => {
    const journal = await createJournal({ driver: memoryDriver() });
    const log = new JournalTaskLog(journal);
    const host = {
      // A call that never ends (its stream stays open).
      run: async () => ({ kind: 'stream' as const, messages: new MessageStream<JsonRpcMessage>() }),
      session: () => undefined,
      taskSupport: async () => undefined,
      forwards: async () => false,
      hold: async () => undefined,
      announce: () => {},
      resume: () => ({ kind: 'accepted' as const }),
    };
    const tasks: GatewayTasks = new GatewayTasks(
      new TaskStore({ now: () => 1_000, newId: () => 'cut', onStatus: (t) => tasks.changed(t) }),
      host,
      log,
    );
    const alice = {
      id: 's1',
      principal: 'alice',
      era: 'legacy',
      inflight: new Map(),
    } as unknown as FrontSession;
    const started = await tasks.start(alice, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'x', task: {} },
    });
    expect(started).toMatchObject({ result: { task: { taskId: 'cut', status: 'working' } } });
    await tasks.close();
    const back = await log.read('cut');
    expect(back).toMatchObject({ status: 'failed', outcome: { kind: 'error', error: { code: -32000 } } });
    expect(back?.statusMessage).toContain('its outcome is unknown');
    expect(back?.outcome).toMatchObject({ error: { data: { 'switchyard/outcomeUnknown': true } } });
    await journal.close();
  });

  it('on several nodes: a task another live node runs is read as journaled, never settled here; once that node is gone, outcome unknown', async () => {
    const journal = await createJournal({ driver: memoryDriver() });
    const log = new JournalTaskLog(journal);
    const host = {
      // A call that never ends (its stream stays open).
      run: async () => ({ kind: 'stream' as const, messages: new MessageStream<JsonRpcMessage>() }),
      session: () => undefined,
      taskSupport: async () => undefined,
      forwards: async () => false,
      hold: async () => undefined,
      announce: () => {},
      resume: () => ({ kind: 'accepted' as const }),
    };
    const told: [string, unknown][] = [];
    const nodeA: GatewayTasks = new GatewayTasks(
      new TaskStore({ now: () => 1_000, newId: () => 'one', onStatus: (t) => nodeA.changed(t) }),
      host,
      log,
    );
    nodeA.cluster({
      tag: 'A.',
      runsElsewhere: async () => false,
      // The bus: B hears of A's changes.
      changed: (taskId, detailed) => {
        told.push([taskId, detailed.status]);
        nodeB.changedElsewhere(taskId);
      },
      cancel: async () => false,
    });
    let aAlive = true;
    const asked: string[] = [];
    const nodeB: GatewayTasks = new GatewayTasks(
      new TaskStore({ now: () => 1_000, onStatus: (t) => nodeB.changed(t) }),
      host,
      log,
    );
    nodeB.cluster({
      tag: 'B.',
      runsElsewhere: async (taskId) => {
        asked.push(taskId);
        return aAlive && taskId.startsWith('A.');
      },
      changed: () => {},
      // Relayed to A (as the front door does, signed), for the principal that asked.
      cancel: async (taskId, owner) => {
        const answer = await nodeA.handle(owner === 'alice' ? alice : bob, rpc('tasks/cancel', { taskId }));
        return 'result' in answer;
      },
    });
    const alice = {
      id: 's1',
      principal: 'alice',
      era: 'legacy',
      inflight: new Map(),
    } as unknown as FrontSession;
    const bob = { id: 's2', principal: 'bob', era: 'legacy', inflight: new Map() } as unknown as FrontSession;
    const rpc = (method: string, params: Record<string, unknown>) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method,
      params,
    });
    const started = await nodeA.start(alice, rpc('tools/call', { name: 'x', task: {} }));
    expect(started).toMatchObject({ result: { task: { taskId: 'A.one', status: 'working' } } });

    // On B: read as the journal holds it (working), for its principal only; tasks/list leaves it be.
    expect(await nodeB.handle(bob, rpc('tasks/get', { taskId: 'A.one' }))).toMatchObject({
      error: { code: -32602 },
    });
    expect(await nodeB.handle(alice, rpc('tasks/get', { taskId: 'A.one' }))).toMatchObject({
      result: { taskId: 'A.one', status: 'working' },
    });
    expect(await nodeB.handle(alice, rpc('tasks/list', {}))).toMatchObject({
      result: { tasks: [{ taskId: 'A.one', status: 'working' }] },
    });
    expect(await nodeB.handle(bob, rpc('tasks/list', {}))).toMatchObject({ result: { tasks: [] } });
    expect(await nodeB.listenable(alice, ['A.one'])).toEqual(['A.one']);
    expect(await nodeB.listenable(bob, ['A.one'])).toEqual([]);
    await journal.flush();
    expect((await log.read('A.one'))?.status).toBe('working');
    expect(asked).toContain('A.one');

    // A 2025 tasks/result on B waits for the end there; a cancel on B is relayed to A (Bob's finds nothing).
    const waiting = nodeB.handle(alice, rpc('tasks/result', { taskId: 'A.one' }));
    expect(await nodeB.handle(bob, rpc('tasks/cancel', { taskId: 'A.one' }))).toMatchObject({
      error: { code: -32602 },
    });
    expect(await nodeB.handle(alice, rpc('tasks/cancel', { taskId: 'A.one' }))).toMatchObject({
      result: { taskId: 'A.one', status: 'cancelled' },
    });
    expect(told).toEqual([['A.one', 'cancelled']]);
    expect(await waiting).toMatchObject({
      error: { data: { status: 'cancelled', 'io.modelcontextprotocol/related-task': { taskId: 'A.one' } } },
    });

    // A second task, then A is gone: B answers it failed, outcome unknown, and journals that.
    const second = new GatewayTasks(new TaskStore({ now: () => 1_000, newId: () => 'two' }), host, log);
    second.cluster({
      tag: 'A.',
      runsElsewhere: async () => false,
      changed: () => {},
      cancel: async () => false,
    });
    await second.start(alice, rpc('tools/call', { name: 'x', task: {} }));
    aAlive = false;
    const got = await nodeB.handle(alice, rpc('tasks/get', { taskId: 'A.two' }));
    expect(got).toMatchObject({ result: { taskId: 'A.two', status: 'failed' } });
    expect(JSON.stringify(got)).toContain('its outcome is unknown');
    await journal.flush();
    expect((await log.read('A.two'))?.status).toBe('failed');
    // Listed on B: the first (cancelled on A), read afresh, and the second, failed here.
    const listed = await nodeB.handle(alice, rpc('tasks/list', {}));
    expect(listed).toMatchObject({
      result: {
        tasks: [
          { taskId: 'A.one', status: 'cancelled' },
          { taskId: 'A.two', status: 'failed' },
        ],
      },
    });
    await journal.close();
  });
});

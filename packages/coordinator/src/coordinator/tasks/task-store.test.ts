import { describe, expect, it } from 'vitest';
import { LIMIT_REACHED } from '../../jsonrpc/codes.ts';
import { type TaskBounds, TaskStore } from './task-store.ts';
import { cursorTaskId, taskCursor, wireTask, withTaskSupport } from './task-wire.ts';

function store(bounds: Partial<TaskBounds> = {}) {
  const clock = { t: 1_000_000 };
  let n = 0;
  const statuses: string[] = [];
  const s = new TaskStore({
    now: () => clock.t,
    newId: () => `t${++n}`,
    bounds,
    onStatus: (task) => statuses.push(`${task.taskId}:${task.status}`),
  });
  return { s, clock, statuses };
}

function created(answer: ReturnType<TaskStore['create']>) {
  if (answer.kind !== 'created') throw new Error('refused');
  return answer.task;
}

describe('TaskStore', () => {
  it('creates a working task with the TTL asked, cut to the cap', () => {
    const { s } = store({ taskTtlMs: 10_000 });
    expect(created(s.create('alice', 's1', 'tools/call', 5_000)).ttlMs).toBe(5_000);
    expect(created(s.create('alice', 's1', 'tools/call', 50_000)).ttlMs).toBe(10_000);
    const none = created(s.create('alice', 's1', 'tools/call'));
    expect(none.ttlMs).toBe(10_000);
    expect(none.status).toBe('working');
  });

  it('shows a task only to the principal that created it', () => {
    const { s } = store();
    const task = created(s.create('alice', 's1', 'tools/call'));
    expect(s.get(task.taskId, 'alice')).toBe(task);
    expect(s.get(task.taskId, 'bob')).toBeUndefined();
    expect(s.get(task.taskId, null)).toBeUndefined();
    expect(s.list('bob')).toEqual([]);
    expect(s.list('alice').map((t) => t.taskId)).toEqual([task.taskId]);
  });

  it('refuses a principal past tasksPerPrincipal, naming the bound; others are not affected', () => {
    const { s } = store({ tasksPerPrincipal: 2 });
    created(s.create('alice', 's1', 'tools/call'));
    created(s.create('alice', 's1', 'tools/call'));
    expect(s.create('alice', 's1', 'tools/call')).toEqual({
      kind: 'refused',
      limit: 'tasksPerPrincipal',
      max: 2,
    });
    expect(s.create('bob', 's2', 'tools/call').kind).toBe('created');
  });

  it('drops a task once its TTL from creation has passed (injected clock), freeing its place', async () => {
    const { s, clock } = store({ tasksPerPrincipal: 1 });
    const task = created(s.create('alice', 's1', 'tools/call', 1_000));
    s.settle(task.taskId, 'completed', { kind: 'result', result: { content: [] } });
    clock.t += 999;
    expect(s.get(task.taskId, 'alice')?.status).toBe('completed');
    expect(s.create('alice', 's1', 'tools/call').kind).toBe('refused');
    clock.t += 1;
    expect(s.get(task.taskId, 'alice')).toBeUndefined();
    expect(s.create('alice', 's1', 'tools/call').kind).toBe('created');
    expect(await s.whenTerminal(task.taskId, 'alice')).toBeUndefined();
  });

  it('settles once: a terminal status never changes; waiters get the end', async () => {
    const { s, clock, statuses } = store();
    const task = created(s.create('alice', 's1', 'tools/call'));
    const waiting = s.whenTerminal(task.taskId, 'alice');
    clock.t += 500;
    expect(s.settle(task.taskId, 'cancelled', { kind: 'error', error: { code: -32603, message: 'x' } })).toBe(
      true,
    );
    expect(s.settle(task.taskId, 'completed', { kind: 'result', result: {} })).toBe(false);
    const ended = await waiting;
    expect(ended?.status).toBe('cancelled');
    expect(ended?.lastUpdatedAt).toBe(task.createdAt + 500);
    expect(statuses).toEqual([`${task.taskId}:cancelled`]);
  });

  it('wakes a waiter with undefined when the task expires before it ends, or its signal aborts', async () => {
    const { s, clock } = store();
    const task = created(s.create('alice', 's1', 'tools/call', 100));
    const waiting = s.whenTerminal(task.taskId, 'alice');
    const aborting = new AbortController();
    const other = created(s.create('alice', 's1', 'tools/call'));
    const aborted = s.whenTerminal(other.taskId, 'alice', aborting.signal);
    aborting.abort();
    expect(await aborted).toBeUndefined();
    clock.t += 100;
    expect(s.sweep().map((t) => t.taskId)).toEqual([task.taskId]);
    expect(await waiting).toBeUndefined();
  });

  it('fails a task whose result is larger than taskResultBytes with LIMIT_REACHED', () => {
    const { s } = store({ taskResultBytes: 64 });
    const task = created(s.create('alice', 's1', 'tools/call'));
    s.settle(task.taskId, 'completed', {
      kind: 'result',
      result: { content: [{ type: 'text', text: 'x'.repeat(100) }] },
    });
    expect(task.status).toBe('failed');
    expect(task.outcome).toMatchObject({
      kind: 'error',
      error: { code: LIMIT_REACHED, data: { limit: 'taskResultBytes', max: 64 } },
    });
  });

  it('writes the spec’s Task and a cursor that round-trips', () => {
    const { s } = store();
    const task = created(s.create('alice', 's1', 'tools/call', 2_000));
    expect(wireTask(task, 250)).toEqual({
      taskId: 't1',
      status: 'working',
      createdAt: new Date(1_000_000).toISOString(),
      lastUpdatedAt: new Date(1_000_000).toISOString(),
      ttl: 2_000,
      pollInterval: 250,
    });
    expect(cursorTaskId(taskCursor('t1'))).toBe('t1');
    expect(cursorTaskId('!!')).toBeUndefined();
    expect(cursorTaskId('AAAA')).toBeUndefined();
  });

  it('marks tools task-capable (optional) in a tools/list page, keeping what their server said of optional or required', () => {
    const page = withTaskSupport({
      jsonrpc: '2.0',
      id: 1,
      result: {
        tools: [
          { name: 'a', inputSchema: { type: 'object' } },
          { name: 'b', inputSchema: { type: 'object' }, execution: { taskSupport: 'forbidden' } },
          { name: 'c', inputSchema: { type: 'object' }, execution: { taskSupport: 'required' } },
        ],
        nextCursor: 'x',
      },
    });
    expect(page).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        tools: [
          { name: 'a', inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' } },
          { name: 'b', inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' } },
          { name: 'c', inputSchema: { type: 'object' }, execution: { taskSupport: 'required' } },
        ],
        nextCursor: 'x',
      },
    });
  });
});

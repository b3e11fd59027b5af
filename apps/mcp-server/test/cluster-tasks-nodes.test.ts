/** The node tag of a task id (`src/cluster/task-nodes.ts`): its node and incarnation, and whether it runs elsewhere. */
import { describe, expect, it } from 'vitest';
import { runnerOfTask, runsElsewhere, type TaskNodesView, taskTag } from '../src/cluster/task-nodes.ts';

const view = (beats: Record<string, string>, refused: string[] = []): TaskNodesView => ({
  selfId: 'self',
  refusedLately: (id) => refused.includes(id),
  incarnationOf: async (id) => beats[id],
});

describe('task ids naming their node', () => {
  it('a tagged id names its node and incarnation, whatever characters the node id has', () => {
    for (const id of ['vm-123-abcd1234', 'node.a/b:c', 'ünïcode node']) {
      expect(runnerOfTask(`${taskTag(id, '0a1b2c3d')}${crypto.randomUUID()}`)).toEqual({
        nodeId: id,
        incarnation: '0a1b2c3d',
      });
    }
  });

  it('an untagged, foreign or malformed id names none', () => {
    for (const taskId of [crypto.randomUUID(), 'forged', 'sy.', 'sy..x', 'sy.abc', 'sy.YQ.', 'sy.YQ..x']) {
      expect(runnerOfTask(taskId), taskId).toBeUndefined();
    }
  });

  it('runs elsewhere only on another node whose live heartbeat has its incarnation and that did not refuse a connection', async () => {
    const on = (node: string, incarnation = 'i1') => `${taskTag(node, incarnation)}x`;
    expect(await runsElsewhere(on('a'), view({ a: 'i1' }))).toBe(true);
    expect(await runsElsewhere(on('a'), view({}))).toBe(false); // no heartbeat: gone
    expect(await runsElsewhere(on('a'), view({ a: 'i2' }))).toBe(false); // restarted under its id
    expect(await runsElsewhere(on('a'), view({ a: 'i1' }, ['a']))).toBe(false); // refused lately
    expect(await runsElsewhere(on('self'), view({ self: 'i1' }))).toBe(false); // this node's own
    expect(await runsElsewhere('plain-id', view({}))).toBe(false);
    const failing: TaskNodesView = { ...view({}), incarnationOf: () => Promise.reject(new Error('down')) };
    expect(await runsElsewhere(on('a'), failing)).toBe(false);
  });
});

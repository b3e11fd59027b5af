/**
 * A 2026-07-28 task-augmented call that asks its client for input before its task is made (the
 * tasks extension with SEP-2322's multi-round trip: "resolve all MRTR exchanges synchronously
 * before responding with a CreateTaskResult"): over real HTTP to a real gateway with the repo's
 * conformance fixture (a 2025-era stdio server) behind it. Its `test_tool_with_task` asks the
 * client's name by `elicitation/create` before anything else: the call answers `input_required`
 * (no task); a retry without the answer gets it again; another principal cannot take the retry
 * over; the retry with the answer gets the `CreateTaskResult`, and the task's result holds the
 * answer; a retry that no longer declares the extension gets the plain result. The legacy `task` param on a 2026 call is tolerated and makes no task.
 */
import { describe, expect, it } from 'vitest';
import { type ModernAnswer, modernRpc, startInProcess } from './support/gateway.ts';

const CONFORMANCE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';

const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, token, method, params, { elicitation: {}, extensions: { [TASKS]: {} } });

async function untilEnded(url: string, taskId: string): Promise<Record<string, unknown>> {
  let got: ModernAnswer = await rpc(url, ALICE, 'tasks/get', { taskId });
  for (
    let i = 0;
    i < 600 && !['completed', 'failed', 'cancelled'].includes(String(got.result?.status));
    i++
  ) {
    await Bun.sleep(50);
    got = await rpc(url, ALICE, 'tasks/get', { taskId });
  }
  return got.result ?? {};
}

describe('a 2026 task-augmented call that gathers its input first', () => {
  it('answers input_required, then makes the task on the retry that brings the answer', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { cf: { command: process.execPath, args: [CONFORMANCE], tier: 'hot' } },
      switchyard: {
        auth: {
          tokens: [
            { token: ALICE, principal: 'alice' },
            { token: BOB, principal: 'bob' },
          ],
        },
      },
    });
    const call = { name: 'cf__test_tool_with_task', arguments: {} };

    const asked = await rpc(url, ALICE, 'tools/call', call);
    expect(asked.result).toMatchObject({ resultType: 'input_required' });
    expect(asked.result).not.toHaveProperty('taskId');
    const requestState = asked.result?.requestState;
    expect(typeof requestState).toBe('string');
    const inputRequests = asked.result?.inputRequests as Record<string, { method: string }>;
    const keys = Object.keys(inputRequests);
    expect(keys).toHaveLength(1);
    const key = keys[0] ?? '';
    expect(inputRequests[key]?.method).toBe('elicitation/create');

    // A retry without the answer: asked again, under the same requestState, still no task.
    const again = await rpc(url, ALICE, 'tools/call', { ...call, inputResponses: {}, requestState });
    expect(again.result).toMatchObject({ resultType: 'input_required', requestState });
    expect(again.result).not.toHaveProperty('taskId');

    // Bob cannot take Alice's call over, and his try changes nothing for her.
    const answer = { action: 'accept', content: { name: 'Alice' } };
    const bob = await rpc(url, BOB, 'tools/call', {
      ...call,
      inputResponses: { [key]: answer },
      requestState,
    });
    expect(bob.error?.code).toBe(-32602);
    expect(bob.result).toBeUndefined();

    const created = await rpc(url, ALICE, 'tools/call', {
      ...call,
      inputResponses: { [key]: answer },
      requestState,
    });
    expect(created.result).toMatchObject({ resultType: 'task' });
    expect(typeof created.result?.taskId).toBe('string');
    expect(created.result).not.toHaveProperty('requestState');
    expect(created.result).not.toHaveProperty('inputRequests');
    const taskId = String(created.result?.taskId);

    const ended = await untilEnded(url, taskId);
    expect(ended.status).toBe('completed');
    const content = (ended.result as { content: { text: string }[] }).content;
    expect(content[0]?.text).toContain('Hello, Alice!');
    // The task is Alice's alone.
    expect((await rpc(url, BOB, 'tasks/get', { taskId })).error?.code).toBe(-32602);
    // A retry that no longer declares the extension gets the call's plain result: no task for it.
    const again2 = await rpc(url, ALICE, 'tools/call', call);
    const state2 = again2.result?.requestState;
    const key2 = Object.keys(again2.result?.inputRequests as object)[0] ?? '';
    const plain = await modernRpc(
      url,
      ALICE,
      'tools/call',
      {
        ...call,
        inputResponses: { [key2]: { action: 'accept', content: { name: 'Ann' } } },
        requestState: state2,
      },
      { elicitation: {} },
    );
    expect(plain.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text' }] });
    expect(plain.result).not.toHaveProperty('taskId');
    expect(JSON.stringify(plain.result?.content)).toContain('Hello, Ann!');

    // The requestState was spent on the task.
    const spent = await rpc(url, ALICE, 'tools/call', {
      ...call,
      inputResponses: { [key]: answer },
      requestState,
    });
    expect(spent.error?.code).toBe(-32602);
  });

  it('tolerates the legacy task param on a 2026 call: no error, no task for a tool that runs none', {
    timeout: 30_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { cf: { command: process.execPath, args: [CONFORMANCE], tier: 'hot' } },
      switchyard: { auth: { tokens: [{ token: ALICE, principal: 'alice' }] } },
    });
    const got = await rpc(url, ALICE, 'tools/call', {
      name: 'cf__greet',
      arguments: { name: 'legacy' },
      task: { ttl: 60_000, pollInterval: 100 },
    });
    expect(got.error).toBeUndefined();
    expect(got.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Hello, legacy!' }],
    });
    expect(got.result).not.toHaveProperty('taskId');
  });
});

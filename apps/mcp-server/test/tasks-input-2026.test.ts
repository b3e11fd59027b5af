/**
 * A 2026-07-28 task whose call asks its client for input (the tasks extension with the multi-round
 * trip): over real HTTP to a real gateway with the repo's conformance fixture (a 2025-era stdio
 * server whose `confirm_delete` asks by `elicitation/create`) behind it. The task reads
 * `input_required` with the open `inputRequests` on `tasks/get`; `tasks/update` answers them (an
 * empty acknowledgement) and the call resumes to its result; another principal can neither see nor
 * answer it.
 */
import { describe, expect, it } from 'vitest';
import { modernRpc, startInProcess } from './support/gateway.ts';

const CONFORMANCE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0';
const TASKS = 'io.modelcontextprotocol/tasks';

const rpc = (url: string, token: string, method: string, params: Record<string, unknown>) =>
  modernRpc(url, token, method, params, { elicitation: {}, extensions: { [TASKS]: {} } });

/** Polls tasks/get (at most 600 times) until `done` says so; the last answer. */
async function until(url: string, taskId: string, done: (r: Record<string, unknown>) => boolean) {
  let got = (await rpc(url, ALICE, 'tasks/get', { taskId })).result ?? {};
  for (let i = 0; i < 600 && !done(got); i++) {
    await Bun.sleep(50);
    got = (await rpc(url, ALICE, 'tasks/get', { taskId })).result ?? {};
  }
  return got;
}

describe('a 2026 task that asks its client for input', () => {
  it('reads input_required with its inputRequests; tasks/update answers them and the call completes', {
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
    const created = await rpc(url, ALICE, 'tools/call', {
      name: 'cf__confirm_delete',
      arguments: { filename: 'a.txt' },
    });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = String(created.result?.taskId);

    const waiting = await until(url, taskId, (r) => r.status === 'input_required');
    expect(waiting.status).toBe('input_required');
    const keys = Object.keys(waiting.inputRequests as object);
    expect(keys).toHaveLength(1);
    expect((waiting.inputRequests as Record<string, { method: string }>)[keys[0] ?? '']?.method).toBe(
      'elicitation/create',
    );

    // Bob can neither see nor answer it.
    expect((await rpc(url, BOB, 'tasks/get', { taskId })).error?.code).toBe(-32602);
    const bobs = await rpc(url, BOB, 'tasks/update', {
      taskId,
      inputResponses: { [keys[0] ?? '']: { action: 'accept', content: { confirm: false } } },
    });
    expect(bobs.error?.code).toBe(-32602);

    const ack = await rpc(url, ALICE, 'tasks/update', {
      taskId,
      inputResponses: { [keys[0] ?? '']: { action: 'accept', content: { confirm: true } } },
    });
    expect(ack.result).toEqual({ resultType: 'complete', _meta: expect.any(Object) });
    const ended = await until(url, taskId, (r) =>
      ['completed', 'failed', 'cancelled'].includes(String(r.status)),
    );
    expect(ended).toMatchObject({ status: 'completed', result: { content: [{ text: 'deleted a.txt' }] } });
    expect('inputRequests' in ended).toBe(false);
  });
});

/**
 * A task whose call asks its client for input (MCP 2025-11-25): the backend's `elicitation/create`
 * reaches the client that made the task (on its session's stream) tied to the task
 * (`related-task`), the task reads `input_required` until the client answers, then `working`, and
 * the call's result carries the answer. Real gateway on 127.0.0.1, the repo's conformance fixture
 * (stdio, SDK v1) behind it, the official SDK v1 client.
 */
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ElicitRequestSchema,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectClient, startInProcess } from './support/gateway.ts';

const CONFORMANCE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const RELATED = 'io.modelcontextprotocol/related-task';

describe('a task that asks its client for input (2025-11-25, SDK v1 client)', () => {
  it('reads input_required while the elicitation waits, works on once answered, and completes with the answer', {
    timeout: 60_000,
  }, async () => {
    const { url } = await startInProcess({
      mcpServers: { cf: { command: process.execPath, args: [CONFORMANCE], tier: 'hot' } },
    });
    const client = await connectClient(url, { capabilities: { elicitation: {} } });
    const statuses: string[] = [];
    const seen: { related?: unknown; status?: string } = {};
    let taskId = '';
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      seen.related = request.params._meta?.[RELATED];
      seen.status = (await client.experimental.tasks.getTask(taskId)).status;
      return { action: 'accept', content: { response: 'yes, go on' } };
    });
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      if (n.params.taskId === taskId) statuses.push(n.params.status);
    });

    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'cf__test_elicitation', arguments: { message: 'Proceed?' }, task: { ttl: 60_000 } },
      },
      CreateTaskResultSchema,
    );
    taskId = created.task.taskId;
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);

    expect(seen).toEqual({ related: { taskId }, status: 'input_required' });
    expect(JSON.stringify(result.content)).toContain('yes, go on');
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe('completed');
    // The status notifications (after the one tasks/result starts with) went input_required →
    // working → completed (bounded wait: 5 s).
    for (let i = 0; i < 100 && statuses.at(-1) !== 'completed'; i++) await Bun.sleep(50);
    expect(statuses.slice(statuses.indexOf('input_required'))).toEqual([
      'input_required',
      'working',
      'completed',
    ]);
  });
});

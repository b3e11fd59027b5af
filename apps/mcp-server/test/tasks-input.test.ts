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
    const statuses: [string, string][] = [];
    const seen: { related?: unknown; status?: string } = {};
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      // The request may come before the CreateTaskResult has been read: its related-task names the task.
      seen.related = request.params._meta?.[RELATED];
      const related = (seen.related as { taskId?: string } | undefined)?.taskId ?? '';
      seen.status = (await client.experimental.tasks.getTask(related)).status;
      return { action: 'accept', content: { response: 'yes, go on' } };
    });
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push([n.params.taskId, n.params.status]);
    });

    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'cf__test_elicitation', arguments: { message: 'Proceed?' }, task: { ttl: 60_000 } },
      },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    // Polled (not tasks/result, whose stream starts with a status notification of its own): the
    // status notifications then all come on the session's stream, in order.
    let status = created.task.status;
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(status); i++) {
      await Bun.sleep(50);
      status = (await client.experimental.tasks.getTask(taskId)).status;
    }
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);

    expect(seen).toEqual({ related: { taskId }, status: 'input_required' });
    expect(JSON.stringify(result.content)).toContain('yes, go on');
    expect((await client.experimental.tasks.getTask(taskId)).status).toBe('completed');
    // The status notifications went input_required → working → completed (bounded wait: 5 s).
    const of = () => statuses.filter(([id]) => id === taskId).map(([, st]) => st);
    for (let i = 0; i < 100 && of().at(-1) !== 'completed'; i++) await Bun.sleep(50);
    expect(of()).toEqual(['input_required', 'working', 'completed']);
  });
});

/**
 * Module tools are first-class: a tool on a worker thread sends progress (to a caller that asked,
 * with its token) and log lines while it runs, as a stdio server does. Real gateway, builtin module
 * on threads, SDK v1 (2025) client over HTTP, and a 2026 raw request for the stateless path.
 */

import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectClient, modernPost, startInProcess } from './support/gateway.ts';

const BUILTIN = new URL('../src/builtin/tools.ts', import.meta.url).pathname;

describe('module tools: progress and log lines', () => {
  it('builtin__sleep reports each step’s progress to a 2025 client that asked for it', async () => {
    const { url } = await startInProcess({ mcpServers: { builtin: { module: BUILTIN, tier: 'hot' } } });
    const client = await connectClient(url);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await client.callTool(
      { name: 'builtin__sleep', arguments: { ms: 30, steps: 3 } },
      CallToolResultSchema,
      {
        onprogress: (p) => seen.push(p),
      },
    );
    expect(JSON.stringify(result.content)).toContain('slept 30 ms');
    expect(seen).toEqual([
      { progress: 1, total: 3, message: '1/3' },
      { progress: 2, total: 3, message: '2/3' },
      { progress: 3, total: 3, message: '3/3' },
    ]);
    // Without a token, nothing is sent (and the call still answers).
    const plain = await client.callTool({ name: 'builtin__sleep', arguments: { ms: 5, steps: 2 } });
    expect(JSON.stringify(plain.content)).toContain('slept 5 ms');
  });

  it('a 2026 request with a progress token gets the progress on its SSE answer', async () => {
    const { url } = await startInProcess({ mcpServers: { builtin: { module: BUILTIN, tier: 'hot' } } });
    const response = await modernPost(
      url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'builtin__sleep',
          arguments: { ms: 20, steps: 2 },
          _meta: {
            progressToken: 'p-1',
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      { 'mcp-name': 'builtin__sleep' },
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    const progress = [...text.matchAll(/"method":"notifications\/progress","params":(\{[^}]*\})/g)].map(
      (m) => JSON.parse(m[1]!) as { progressToken: string; progress: number },
    );
    expect(progress.map((p) => [p.progressToken, p.progress])).toEqual([
      ['p-1', 1],
      ['p-1', 2],
    ]);
    expect(text).toContain('slept 20 ms');
  });

  it('a module tool’s log lines reach the session that called it, at its level', async () => {
    const module = new URL('./fixtures/chatty-tools.ts', import.meta.url).pathname;
    const { url } = await startInProcess({ mcpServers: { chatty: { module, tier: 'hot' } } });
    const client = await connectClient(url);
    const lines: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      lines.push({ level: n.params.level, data: n.params.data });
    });
    await client.setLoggingLevel('info');
    const result = await client.callTool({ name: 'chatty__talk', arguments: {} });
    expect(JSON.stringify(result.content)).toContain('said');
    await expect
      .poll(() => lines, { timeout: 5_000 })
      .toEqual([{ level: 'warning', data: 'something to see' }]);
  });
});

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;

describe('the conformance fixture backend (over stdio, as the gateway runs it)', () => {
  const client = new Client(
    { name: 'conformance-fixture-test', version: '1.0.0' },
    { capabilities: { sampling: {} } },
  );

  beforeAll(async () => {
    client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `echo of ${JSON.stringify(request.params.messages[0]?.content)}` },
    }));
    await client.connect(new StdioClientTransport({ command: 'bun', args: [FIXTURE] }));
  });

  afterAll(async () => {
    await client.close();
  });

  it('lists the conformance tools and answers test_simple_text', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('test_simple_text');
    expect(names).toContain('test_tool_with_progress');
    expect(names).toContain('test_elicitation_sep1330_enums');
    expect(await client.callTool({ name: 'test_simple_text' })).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });
  });

  it('reads test://static-text', async () => {
    expect(await client.readResource({ uri: 'test://static-text' })).toEqual({
      contents: [
        {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    });
  });

  it('gets test_simple_prompt', async () => {
    const prompt = await client.getPrompt({ name: 'test_simple_prompt' });
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
    ]);
  });

  it('asks the client for sampling inside test_sampling', async () => {
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
    expect(result.content).toEqual([
      { type: 'text', text: 'LLM response: echo of {"type":"text","text":"hi"}' },
    ]);
  });
});

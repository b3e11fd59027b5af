/**
 * The official SDK v1 server for the e2e suite: `McpServer` with one tool `echo {text}` behind the
 * SDK's web-standard `WebStandardStreamableHTTPServerTransport` on `Bun.serve` — stateless
 * (`sessionIdGenerator: undefined`) with JSON responses (`enableJsonResponse: true`).
 *
 * A stateless transport serves one request only (the SDK refuses reuse), so, as the SDK's own
 * stateless example does, every request gets a fresh `McpServer` + transport pair, closed after.
 * Listens on 127.0.0.1, a free port; the first stdout line is its URL. SIGTERM stops it.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { z } from 'zod';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'bench-sdk', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its input text.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text' as const, text }] }),
  );
  return server;
}

const http = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    if (new URL(req.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
    const server = makeServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(req);
    } finally {
      // The JSON response is complete once handleRequest resolves.
      void server.close();
    }
  },
});

process.stdout.write(`http://127.0.0.1:${http.port}/mcp\n`);
process.on('SIGTERM', () => {
  http.stop(true);
  process.exit(0);
});

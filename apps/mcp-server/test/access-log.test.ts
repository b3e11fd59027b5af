/**
 * The access log of the real CLI: one `request` line per HTTP request at `info` with the method,
 * path, status, ms, principal, session prefix and MCP method; none with `switchyard.log.access: false`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { until } from '../../../tooling/testing/wait.ts';
import { withAccessLog } from '../src/cli/access-log.ts';
import type { HttpHandler } from '../src/http/router.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

type Line = Record<string, unknown> & { msg: string; level: number };

const requestLines = (stderr: string): Line[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.msg === 'request');

async function serveWith(switchyard: Record<string, unknown>) {
  const dir = await tempDir();
  const config = join(dir, 'switchyard.json');
  await writeFile(
    config,
    JSON.stringify({ mcpServers: { fx: fixtureEntry('fx', { tier: 'hot' }) }, switchyard }),
  );
  return startServe(['--config', config, '--log-level', 'info'], { cwd: dir });
}

describe('the access log', () => {
  it('writes one line per request at info', async () => {
    const serve = await serveWith({});
    const client = await connectClient(serve.url);
    await client.callTool({ name: 'fx__echo', arguments: { text: 'hi' } });
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? '';
    expect(sessionId.length).toBeGreaterThan(8);
    const origin = new URL(serve.url).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    // A 2026 request names its method in a header; this one is refused, and still logged with it.
    const refused = await fetch(serve.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-method': 'tools/list' },
      body: '{',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    await until(() => requestLines(serve.stderr()).some((l) => l.path === '/healthz'), 'the healthz line');
    await until(() => requestLines(serve.stderr()).length >= 5, 'the access lines');
    // Lines are written asynchronously: the refused request's may come after five others.
    await until(
      () =>
        requestLines(serve.stderr()).some((l) => l.mcpMethod === 'tools/list' && l.status === refused.status),
      'the refused request line',
    );
    const lines = requestLines(serve.stderr());
    const init = lines.find((l) => l.mcpMethod === 'initialize');
    expect(init).toMatchObject({ level: 30, method: 'POST', path: '/mcp', status: 200, principal: 'local' });
    expect(init?.session).toBe(sessionId.slice(0, 8));
    expect(init?.ms).toEqual(expect.any(Number));
    const call = lines.find((l) => l.mcpMethod === 'tools/call');
    expect(call).toMatchObject({ method: 'POST', path: '/mcp', status: 200, session: sessionId.slice(0, 8) });
    expect(lines.find((l) => l.path === '/healthz')).toMatchObject({ method: 'GET', status: 200 });
    expect(lines.find((l) => l.mcpMethod === 'tools/list' && l.status === refused.status)).toBeDefined();
    // No line carries a whole session id.
    expect(serve.stderr()).not.toContain(sessionId);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    // Written asynchronously, flushed at exit: the last line is there.
    expect(serve.stderr()).toMatch(/"msg":"stopped"/);
  }, 60_000);

  it('is off with switchyard.log.access: false', async () => {
    const serve = await serveWith({ log: { access: false } });
    const client = await connectClient(serve.url);
    await client.callTool({ name: 'fx__echo', arguments: { text: 'hi' } });
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/"msg":"stopped"/);
    expect(requestLines(serve.stderr())).toEqual([]);
  }, 60_000);

  it('leaves the handler alone when the log writes nothing at info', async () => {
    const written: string[] = [];
    const sink = { write: (line: string) => written.push(line) };
    const handler: HttpHandler = async () => new Response('ok');
    // At warn, the wrapper would pay per request (async context, fields) for nothing.
    expect(withAccessLog(handler, pino({ level: 'warn' }, sink))).toBe(handler);
    const logged = withAccessLog(handler, pino({ level: 'info' }, sink));
    expect(logged).not.toBe(handler);
    expect(await (await logged(new Request('http://127.0.0.1/healthz'), '127.0.0.1')).text()).toBe('ok');
    expect(written.map((l) => JSON.parse(l))).toMatchObject([
      { msg: 'request', path: '/healthz', status: 200 },
    ]);
  });
});

/**
 * Requests that used to reach Bun's development error page (a 500 with ~50 KB of HTML, absolute
 * paths and source lines) get precise JSON answers: an HTTP/1.0 request without `Host`, JSON nested
 * 100 000 deep, methods named after `Object.prototype`'s members. A fault no route answers is a bare
 * JSON-RPC internal error. The `Host` check runs on every listener. Each case over real HTTP on
 * 127.0.0.1, in process and through the real `switchyard serve`; the gateway serves on afterwards.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkHost, hostPolicy } from '../src/http/origin.ts';
import { createHttpHandler } from '../src/http/router.ts';
import {
  BUILTIN,
  INITIALIZE,
  post,
  rawSession,
  startInProcess,
  startServe,
  tempDir,
} from './support/gateway.ts';

const CONFIG = { mcpServers: { builtin: { module: BUILTIN, tier: 'hot' } } };
const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const DEPTH = 100_000;

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** One request written as raw bytes over a socket; the answer read to the connection's end. */
function rawRequest(origin: string, text: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head.toLowerCase(),
        body: split < 0 ? '' : all.slice(split + 4),
      });
    });
  });
}

/** JSON, no HTML, no file paths or source positions. */
function expectCleanJson(body: string): unknown {
  expect(body).not.toMatch(/<html|<!doctype/i);
  expect(body).not.toContain('/work/');
  expect(body).not.toMatch(/\.ts:\d|\.js:\d|node_modules/);
  return JSON.parse(body);
}

const deepArray = () => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const deepParams = () =>
  `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"builtin__echo","arguments":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}}`;

async function expectStillServing(url: string, session: string): Promise<void> {
  const response = await post(
    url,
    {
      jsonrpc: '2.0',
      id: 99,
      method: 'tools/call',
      params: { name: 'builtin__echo', arguments: { text: 'still here' } },
    },
    { 'mcp-session-id': session },
  );
  expect(response.status).toBe(200);
  expect(JSON.stringify(await response.json())).toContain('still here');
}

describe('HTTP/1.0 without a Host header', () => {
  it('health checks answer; every other route is a JSON 400, never a 500', async () => {
    const { url, origin } = await startInProcess(CONFIG);
    const health = await rawRequest(origin, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(health.status).toBe(200);
    expect(expectCleanJson(health.body)).toEqual({ status: 'ok' });
    const ready = await rawRequest(origin, 'GET /readyz HTTP/1.0\r\n\r\n');
    expect(ready.status).toBe(200);
    expect(expectCleanJson(ready.body)).toMatchObject({ ready: true });
    for (const path of ['/mcp', '/metrics', '/dashboard', '/nowhere']) {
      const answer = await rawRequest(origin, `GET ${path} HTTP/1.0\r\n\r\n`);
      expect(answer.status, path).toBe(400);
      expect(answer.headers).toContain('content-type: application/json');
      const body = expectCleanJson(answer.body) as { error: { message: string } };
      expect(body.error.message).toMatch(/Host header is required/);
    }
    const bodyText = JSON.stringify(INITIALIZE);
    const postAnswer = await rawRequest(
      origin,
      `POST /mcp HTTP/1.0\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${Buffer.byteLength(bodyText)}\r\n\r\n${bodyText}`,
    );
    expect(postAnswer.status).toBe(400);
    expectCleanJson(postAnswer.body);
    await expectStillServing(url, await rawSession(url));
  });
});

describe('JSON nested 100 000 deep', () => {
  it('is a 400 with JSON-RPC -32600, as a whole body and inside params', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    for (const body of [deepArray(), deepParams()]) {
      const response = await post(url, body, { 'mcp-session-id': session });
      expect(response.status).toBe(400);
      const answer = expectCleanJson(await response.text()) as { error: { code: number; message: string } };
      expect(answer.error.code).toBe(-32600);
      expect(answer.error.message).toMatch(/nests deeper than \d+ levels/);
    }
    // Nesting within the limit is still taken.
    const shallow = `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"builtin__echo","arguments":{"text":"ok","x":${'['.repeat(50)}${']'.repeat(50)}}}}`;
    const ok = await post(url, shallow, { 'mcp-session-id': session });
    expect(ok.status).toBe(200);
    await expectStillServing(url, session);
  });
});

describe('methods named after Object.prototype members', () => {
  it('are -32601 method not found (200), and notifications of them 202', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    for (const method of INHERITED) {
      const response = await post(url, { jsonrpc: '2.0', id: 5, method }, { 'mcp-session-id': session });
      expect(response.status, method).toBe(200);
      const answer = expectCleanJson(await response.text()) as { id: number; error: { code: number } };
      expect(answer).toMatchObject({ id: 5, error: { code: -32601 } });
      const notification = await post(url, { jsonrpc: '2.0', method }, { 'mcp-session-id': session });
      expect(notification.status, method).toBe(202);
    }
    await expectStillServing(url, session);
  });

  it('in a 2025-03-26 batch, each gets its own -32601', async () => {
    const { url } = await startInProcess(CONFIG);
    const session = await rawSession(url);
    const response = await post(
      url,
      [
        { jsonrpc: '2.0', id: 1, method: 'constructor' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      ],
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' },
    );
    expect(response.status).toBe(200);
    const answers = (await response.json()) as { id: number; error?: { code: number }; result?: unknown }[];
    expect(answers.find((a) => a.id === 1)?.error?.code).toBe(-32601);
    expect(answers.find((a) => a.id === 2)?.result).toBeDefined();
  });
});

describe('a fault no route answers', () => {
  it('is a bare JSON-RPC internal error; the fault goes to onFault with its stack', async () => {
    const { gateway } = await startInProcess(CONFIG);
    const faults: { error: unknown; path: string }[] = [];
    const handler = createHttpHandler(gateway, {
      host: '127.0.0.1',
      onFault: (error, where) => faults.push({ error, path: where.path }),
    });
    // A client whose body stream breaks half way: reading it throws inside the route.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"jsonrpc":'));
        controller.error(new Error('the connection broke at /work/secret/path.ts:12'));
      },
    });
    const request = new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: {
        host: '127.0.0.1:7331',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    const response = await handler(request, '127.0.0.1');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(expectCleanJson(text)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32603, message: 'internal error' },
    });
    expect(faults).toHaveLength(1);
    expect(faults[0]?.path).toBe('/mcp');
    expect(String((faults[0]?.error as Error | undefined)?.stack)).toContain('the connection broke');
  });
});

describe('the Host check on every listener', () => {
  it('a 0.0.0.0 listener takes loopback names and its public names, and refuses others', () => {
    const policy = hostPolicy(
      '0.0.0.0',
      ['mcp.example.com', 'gw.internal:8443'],
      ['https://app.example.org'],
    );
    for (const host of [
      'localhost:7331',
      '127.0.0.1:7331',
      '[::1]:7331',
      'mcp.example.com',
      'MCP.example.com:443',
      'gw.internal:8443',
      'app.example.org',
    ]) {
      expect(checkHost(host, policy), host).toEqual({ ok: true });
    }
    for (const host of [
      'evil.example.com',
      'rebind.attacker.net:7331',
      '0.0.0.0:7331',
      'gw.internal:9000',
      'mcp.example.com.evil.net',
    ]) {
      expect(checkHost(host, policy), host).toMatchObject({ ok: false, status: 421 });
    }
    expect(checkHost(null, policy)).toMatchObject({ ok: false, status: 400 });
    expect(checkHost('', policy)).toMatchObject({ ok: false, status: 400 });
  });

  it('a listener on a named interface takes that name, not loopback', () => {
    const policy = hostPolicy('10.1.2.3', [], []);
    expect(checkHost('10.1.2.3:7331', policy)).toEqual({ ok: true });
    expect(checkHost('localhost:7331', policy)).toMatchObject({ ok: false, status: 421 });
    expect(checkHost('attacker.example', policy)).toMatchObject({ ok: false, status: 421 });
  });

  it('over HTTP: a spoofed Host is 421 with a JSON body; a configured public name is served', async () => {
    const { url } = await startInProcess({
      ...CONFIG,
      switchyard: { listen: { publicNames: ['mcp.example.com'] } },
    });
    const spoofed = await post(url, INITIALIZE, { host: 'rebind.attacker.net' });
    expect(spoofed.status).toBe(421);
    const answer = expectCleanJson(await spoofed.text()) as { error: { message: string } };
    expect(answer.error.message).toMatch(/Host "rebind\.attacker\.net" is not a name of this gateway/);
    const named = await post(url, INITIALIZE, { host: 'mcp.example.com' });
    expect(named.status).toBe(200);
  });
});

describe('through the real `switchyard serve`', () => {
  it('no development error page: Host-less, deep and inherited-method requests get JSON', async () => {
    const dir = await tempDir();
    const served = await startServe(['--host', '127.0.0.1'], { cwd: dir });
    const { origin } = new URL(served.url);
    const hostless = await rawRequest(origin, 'GET /mcp HTTP/1.0\r\n\r\n');
    expect(hostless.status).toBe(400);
    expectCleanJson(hostless.body);
    const session = await rawSession(served.url);
    const deep = await post(served.url, deepParams(), { 'mcp-session-id': session });
    expect(deep.status).toBe(400);
    expectCleanJson(await deep.text());
    const inherited = await post(
      served.url,
      { jsonrpc: '2.0', id: 3, method: 'toString' },
      { 'mcp-session-id': session },
    );
    expect(expectCleanJson(await inherited.text())).toMatchObject({ error: { code: -32601 } });
    await expectStillServing(served.url, session);
  });
});

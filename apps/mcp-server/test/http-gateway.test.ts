/**
 * The gateway end to end over real HTTP on 127.0.0.1: SDK v1 clients, the builtin module backend on
 * worker threads and the repo's stdio fixture as real processes.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  fixtureEntry,
  INITIALIZE,
  post,
  rawSession,
  startInProcess,
  tempDir,
} from './support/gateway.ts';

const BUILTIN_AND_FIXTURE = {
  mcpServers: {
    builtin: { module: new URL('../src/builtin/tools.ts', import.meta.url).pathname, tier: 'hot' },
    fx: fixtureEntry('fx', { tier: 'hot' }),
  },
};

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

describe('gateway over Streamable HTTP (2025 revisions)', () => {
  it('serves the builtin module and a stdio server as one MCP server to an SDK v1 client', async () => {
    const { url } = await startInProcess(BUILTIN_AND_FIXTURE);
    const client = await connectClient(url);
    expect(client.getServerVersion()?.name).toBe('switchyard');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['builtin__echo', 'builtin__uuid', 'fx__echo', 'fx__add']));
    expect(textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'thread' } }))).toBe(
      'thread',
    );
    expect(textOf(await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } }))).toBe('5');
    const bad = await client.callTool({ name: 'builtin__uuid', arguments: { count: 1000 } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/count/);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('fixture://info');
    const prompt = await client.getPrompt({ name: 'fx__greet', arguments: { name: 'Ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Ada');
  });

  it('an unknown tool is an error naming it', async () => {
    const { url } = await startInProcess(BUILTIN_AND_FIXTURE);
    const client = await connectClient(url);
    await expect(client.callTool({ name: 'nope__tool', arguments: {} })).rejects.toThrow(
      /Unknown tool: nope__tool/,
    );
  });

  it('delivers a stdio backend’s progress on the call’s SSE stream', async () => {
    const { url } = await startInProcess(BUILTIN_AND_FIXTURE);
    const client = await connectClient(url);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'fx__sleep', arguments: { ms: 60 } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('cancels a call: the client’s request ends at once, the backend stops, the audit says cancelled', async () => {
    const { url, gateway } = await startInProcess(BUILTIN_AND_FIXTURE);
    const client = await connectClient(url);
    const abort = new AbortController();
    const call = client.callTool({ name: 'fx__sleep', arguments: { ms: 30_000 } }, CallToolResultSchema, {
      signal: abort.signal,
    });
    call.catch(() => {});
    // Cancel once the call is with the backend (not after a guessed delay).
    await expect.poll(() => gateway.coordinator.stats().inFlight, { timeout: 10_000 }).toBe(1);
    const aborted = Date.now();
    abort.abort('changed my mind');
    await expect(call).rejects.toThrow();
    // At once: long before the 30 s sleep could have ended (a generous cap for busy machines).
    expect(Date.now() - aborted).toBeLessThan(10_000);
    // The backend heard notifications/cancelled and stopped its sleep (it counts those).
    const whoami = async () =>
      JSON.parse(textOf(await client.callTool({ name: 'fx__whoami', arguments: {} }))) as {
        cancelled: number;
      };
    const deadline = Date.now() + 3_000;
    while ((await whoami()).cancelled === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect((await whoami()).cancelled).toBe(1);
    const sleeps = gateway.activity
      .calls()
      .filter((c) => c.method === 'tools/call' && c.name === 'fx__sleep');
    expect(sleeps.map((c) => c.outcome)).toEqual(['cancelled']);
    expect(gateway.coordinator.stats().lateReplies).toBe(0);
  });

  it('cancels a call to a tool module on its worker thread', async () => {
    const { url, gateway } = await startInProcess(BUILTIN_AND_FIXTURE);
    const client = await connectClient(url);
    const abort = new AbortController();
    const call = client.callTool(
      { name: 'builtin__sleep', arguments: { ms: 30_000 } },
      CallToolResultSchema,
      {
        signal: abort.signal,
      },
    );
    call.catch(() => {});
    await expect.poll(() => gateway.coordinator.stats().inFlight, { timeout: 10_000 }).toBe(1);
    const aborted = Date.now();
    abort.abort('no longer needed');
    await expect(call).rejects.toThrow();
    expect(Date.now() - aborted).toBeLessThan(10_000);
    expect(textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'next' } }))).toBe(
      'next',
    );
    const sleeps = () => gateway.activity.calls().filter((c) => c.name === 'builtin__sleep');
    await expect.poll(() => sleeps().map((c) => c.outcome), { timeout: 10_000 }).toEqual(['cancelled']);
  });

  it('a module that does not export tools fails its backend with the reason; the others serve', async () => {
    const dir = await tempDir();
    const bad = join(dir, 'bad-tools.ts');
    await writeFile(bad, 'export const nothing = 1;\n');
    const { url, gateway } = await startInProcess({
      mcpServers: { bad: { module: bad, tier: 'hot' }, fx: fixtureEntry('fx', { tier: 'hot' }) },
    });
    const failed = gateway.started.failed.find((f) => f.backend === 'bad');
    expect(failed?.reason).toMatch(/must export `tools`/);
    const client = await connectClient(url);
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'ok' } }))).toBe('ok');
  });

  it('times a call out after its tool’s own limit, else the backend’s callMs', async () => {
    const { url } = await startInProcess({
      mcpServers: {
        fx: fixtureEntry('fx', { tier: 'hot', timeouts: { callMs: 5_000, tools: { sleep: 100 } } }),
        fy: fixtureEntry('fy', { tier: 'hot', timeouts: { callMs: 150 } }),
      },
    });
    const client = await connectClient(url);
    // The sleeps are long: each call ends by its limit (the message names it), far before its
    // sleep would (a generous cap for busy machines, not a measure of the limit).
    let started = Date.now();
    await expect(client.callTool({ name: 'fx__sleep', arguments: { ms: 30_000 } })).rejects.toThrow(
      /timed out after 100 ms/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    started = Date.now();
    await expect(client.callTool({ name: 'fy__sleep', arguments: { ms: 30_000 } })).rejects.toThrow(
      /timed out after 150 ms/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(textOf(await client.callTool({ name: 'fx__echo', arguments: { text: 'fine' } }))).toBe('fine');
  });

  it('keeps two sessions apart when both use the same JSON-RPC ids on one shared worker', async () => {
    const { url } = await startInProcess(BUILTIN_AND_FIXTURE);
    const [a, b] = await Promise.all([rawSession(url), rawSession(url)]);
    // Round i: both sessions send id i at the same moment (ids are unique within a session).
    const call = (session: string, id: number, text: string) =>
      post(
        url,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'fx__echo', arguments: { text } } },
        { 'mcp-session-id': session },
      ).then((r) => r.json() as Promise<{ id: number; result: unknown }>);
    const rounds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => Promise.all([call(a, i, `a${i}`), call(b, i, `b${i}`)])),
    );
    for (const [i, [ra, rb]] of rounds.entries()) {
      expect(ra.id).toBe(i);
      expect(rb.id).toBe(i);
      expect(textOf(ra.result)).toBe(`a${i}`);
      expect(textOf(rb.result)).toBe(`b${i}`);
    }
  });

  it('with one backend down, lists return the others with the failure in _meta, and calls to it fail fast', async () => {
    const { url } = await startInProcess({
      mcpServers: {
        ok: fixtureEntry('ok', { tier: 'hot' }),
        down: {
          command: process.execPath,
          args: [
            new URL('../../../tooling/fixtures/mcp/stdio-server.ts', import.meta.url).pathname,
            '--exit-at-start',
          ],
          tier: 'warm',
        },
      },
    });
    const client = await connectClient(url);
    const listed = await client.listTools();
    expect(listed.tools.map((t) => t.name)).toContain('ok__echo');
    const unavailable = (listed._meta as Record<string, { backend: string; reason: string }[]>)[
      'switchyard/unavailable'
    ];
    expect(unavailable?.[0]?.backend).toBe('down');
    const started = Date.now();
    await expect(client.callTool({ name: 'down__echo', arguments: { text: 'x' } })).rejects.toThrow(/down/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(textOf(await client.callTool({ name: 'ok__echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
  });

  it('refuses work over a backend’s limits with 503 and Retry-After', async () => {
    const { url, gateway } = await startInProcess({
      mcpServers: {
        slow: fixtureEntry('slow', { tier: 'hot', limits: { concurrency: 1, queue: 0 }, replicas: 1 }),
      },
    });
    const session = await rawSession(url);
    const sleep = (id: number) =>
      post(
        url,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow__sleep', arguments: { ms: 400 } } },
        { 'mcp-session-id': session },
      );
    const first = sleep(1);
    await expect.poll(() => gateway.coordinator.stats().inFlight, { timeout: 10_000 }).toBe(1);
    const second = await sleep(2);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    const body = (await second.json()) as {
      id: number;
      error: { message: string; data: { overloaded: boolean } };
    };
    expect(body.id).toBe(2);
    expect(body.error.data.overloaded).toBe(true);
    expect((await first).status).toBe(200);
  });

  it('enforces a backend’s limit and queue once (limit 1, queue 1): the second call runs after the first, the third gets 503 at once and holds no front slot', async () => {
    const { url, origin, gateway } = await startInProcess({
      mcpServers: {
        slow: fixtureEntry('slow', { tier: 'hot', limits: { concurrency: 1, queue: 1 }, replicas: 1 }),
        other: fixtureEntry('other', { tier: 'hot' }),
      },
      // Three front slots and no front queue: a slot kept by the refused call would refuse the fourth.
      switchyard: { admission: { concurrency: 3, queue: 0 } },
    });
    const session = await rawSession(url);
    const callOf = (id: number, name: string, args: Record<string, unknown>) =>
      post(
        url,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } },
        {
          'mcp-session-id': session,
        },
      );
    const first = callOf(1, 'slow__sleep', { ms: 600 });
    await expect.poll(() => gateway.admission.slow?.inFlight, { timeout: 10_000 }).toBe(1);
    const second = callOf(2, 'slow__echo', { text: 'after the first' });
    await expect.poll(() => gateway.admission.slow?.queued, { timeout: 10_000 }).toBe(1);
    // /metrics reads the backend's gate.
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_admission_queued\{backend="slow"\} 1$/m);
    expect(metrics).toMatch(/^switchyard_admission_limit\{backend="slow"\} 1$/m);

    const third = await callOf(3, 'slow__echo', { text: 'no room' });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: {
        code: -32603,
        message:
          'Backend "slow" is overloaded: all 1 places of "slow" are taken and its queue of 1 is full (limits.queue)',
        data: {
          backend: 'slow',
          reason: 'all 1 places of "slow" are taken and its queue of 1 is full (limits.queue)',
          overloaded: true,
        },
      },
    });
    // The refused call gave its front slot back: another backend's call is served meanwhile.
    const elsewhere = await callOf(4, 'other__echo', { text: 'front slot free' });
    expect(elsewhere.status).toBe(200);
    expect(gateway.admission.slow).toMatchObject({ inFlight: 1, queued: 1 });

    // The first answers, then the second runs on the place it gave back.
    const [one, two] = await Promise.all([first, second]);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    const answer = CallToolResultSchema.parse(((await two.json()) as { result: unknown }).result);
    expect(answer.content).toEqual([{ type: 'text', text: 'after the first' }]);
    expect(gateway.admission.slow).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('answers initialize with a session id and negotiates an older revision', async () => {
    const { url } = await startInProcess(BUILTIN_AND_FIXTURE);
    const response = await post(url, {
      ...INITIALIZE,
      params: { ...INITIALIZE.params, protocolVersion: '2025-03-26' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toMatch(/^[0-9a-f]{32}$/);
    const body = (await response.json()) as { result: { protocolVersion: string; capabilities: object } };
    expect(body.result.protocolVersion).toBe('2025-03-26');
    expect(body.result.capabilities).toHaveProperty('tools');
  });
});

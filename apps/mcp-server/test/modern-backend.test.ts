/**
 * Translation in both directions, at once, through one URL: a 2025 client (SDK v1) and 2026
 * clients (v2 pinned to 2026-07-28, and auto) use a 2025 backend (server-everything) and a
 * 2026-only backend (the v2-SDK fixture `modern-server.ts`, which refuses `initialize`): list,
 * call, progress, cancellation, elicitation and sampling through the multi-round-trip flow, list
 * changes and resource updates. Also: the era of each backend as the gateway found it
 * (`/metrics`), and `era` pinned in the config.
 */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, modernPost, startInProcess } from './support/gateway.ts';
import { EVERYTHING, type SharedGateway, startShared, textOf, within } from './support/third-party.ts';

const MODERN = new URL('../../../tooling/fixtures/mcp/modern-server.ts', import.meta.url).pathname;

let gw: SharedGateway;

beforeAll(async () => {
  gw = await startShared(() => ({
    mcpServers: {
      everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' },
      modern: { command: process.execPath, args: [MODERN], tier: 'hot' },
    },
  }));
}, 60_000);

afterAll(async () => {
  await gw?.stop();
}, 30_000);

const open: ClientV2[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {});
});

type Mode = 'pinned' | 'auto';

async function connectV2(mode: Mode, capabilities: Record<string, unknown> = {}): Promise<ClientV2> {
  const client = new ClientV2(
    { name: `v2-${mode}`, version: '2.4.0' },
    {
      capabilities,
      versionNegotiation:
        mode === 'pinned' ? { mode: { pin: '2026-07-28' } } : { mode: 'auto', probe: { timeoutMs: 5_000 } },
    },
  );
  open.push(client);
  await client.connect(new TransportV2(new URL(gw.url)));
  return client;
}

async function whoami(call: (name: string) => Promise<unknown>): Promise<{ pid: number; cancelled: number }> {
  return JSON.parse(textOf(await call('modern__whoami')));
}

describe('a 2026-only backend behind the gateway', () => {
  it('was found to speak 2026 (server/discover), server-everything 2025; /metrics says so', async () => {
    expect(gw.gateway.eraOf('modern')).toBe('2026');
    expect(gw.gateway.eraOf('everything')).toBe('2025');
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toContain('switchyard_backend_protocol_era{backend="modern",era="2026"} 1');
    expect(metrics).toContain('switchyard_backend_protocol_era{backend="everything",era="2025"} 1');
  });

  it('a 2025 and two 2026 clients, at the same time, list and call tools of both backends', {
    timeout: 30_000,
  }, async () => {
    const legacy = await connectClient(gw.url, { name: 'v1' });
    const pinned = await connectV2('pinned');
    const auto = await connectV2('auto');
    expect(pinned.getProtocolEra()).toBe('modern');
    expect(auto.getProtocolEra()).toBe('modern');
    const expected = ['everything__echo', 'modern__echo', 'modern__count', 'modern__confirm'];
    const [a, b, c] = await Promise.all([legacy.listTools(), pinned.listTools(), auto.listTools()]);
    for (const listed of [a, b, c])
      expect(listed.tools.map((t) => t.name)).toEqual(expect.arrayContaining(expected));
    const results = await Promise.all([
      legacy.callTool({ name: 'modern__echo', arguments: { text: 'from v1' } }),
      pinned.callTool({ name: 'modern__echo', arguments: { text: 'from pinned' } }),
      auto.callTool({ name: 'modern__echo', arguments: { text: 'from auto' } }),
      legacy.callTool({ name: 'everything__echo', arguments: { message: 'v1' } }),
      pinned.callTool({ name: 'everything__echo', arguments: { message: 'pinned' } }),
    ]);
    expect(results.map(textOf)).toEqual(['from v1', 'from pinned', 'from auto', 'Echo: v1', 'Echo: pinned']);
    // A 2025 client sees a 2025 result: no resultType from the 2026 backend.
    expect((results[0] as Record<string, unknown>).resultType).toBeUndefined();
    const prompt = await legacy.getPrompt({ name: 'modern__greet', arguments: { name: 'Ada' } });
    expect(JSON.stringify(prompt.messages)).toContain('Hello, Ada!');
    const read = await pinned.readResource({ uri: 'modern://counter' });
    expect(read.contents[0]).toMatchObject({ uri: 'modern://counter' });
  });

  it('progress of a 2026 backend reaches a 2025 client and a 2026 client', { timeout: 20_000 }, async () => {
    const legacy = await connectClient(gw.url);
    const pinned = await connectV2('pinned');
    const seenLegacy: number[] = [];
    const seenModern: number[] = [];
    const [r1, r2] = await Promise.all([
      legacy.callTool({ name: 'modern__count', arguments: { steps: 3, delayMs: 20 } }, undefined, {
        onprogress: (p) => seenLegacy.push(p.progress),
      }),
      pinned.callTool(
        { name: 'modern__count', arguments: { steps: 4, delayMs: 20 } },
        { onprogress: (p) => seenModern.push(p.progress) },
      ),
    ]);
    expect([textOf(r1), textOf(r2)]).toEqual(['counted 3', 'counted 4']);
    expect(seenLegacy).toEqual([1, 2, 3]);
    expect(seenModern).toEqual([1, 2, 3, 4]);
  });

  it('elicitation of a 2026 backend (input_required) reaches a 2025 client as elicitation/create, and a 2026 client through the retry', {
    timeout: 20_000,
  }, async () => {
    const legacy = await connectClient(gw.url, { capabilities: { elicitation: {} } });
    const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const asked: string[] = [];
    legacy.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { ok: true } };
    });
    const pinned = await connectV2('pinned', { elicitation: {} });
    pinned.setRequestHandler('elicitation/create', async () => ({ action: 'decline' as const }));
    const [r1, r2] = await Promise.all([
      legacy.callTool({ name: 'modern__confirm', arguments: { action: 'deploy' } }),
      pinned.callTool({ name: 'modern__confirm', arguments: { action: 'delete' } }),
    ]);
    expect(textOf(r1)).toBe('confirmed deploy');
    expect(asked).toEqual(['Do deploy?']);
    expect(textOf(r2)).toBe('declined delete');
  });

  it('sampling of a 2026 backend reaches a 2025 client’s handler', { timeout: 20_000 }, async () => {
    const legacy = await connectClient(gw.url, { capabilities: { sampling: {} } });
    const { CreateMessageRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    legacy.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: 'forty-two' },
    }));
    const result = await legacy.callTool({ name: 'modern__ask', arguments: { question: 'meaning?' } });
    expect(textOf(result)).toBe('the model said: forty-two');
  });

  it('a 2026 client that did not declare sampling gets -32021 naming it (HTTP 400), from either backend era', {
    timeout: 20_000,
  }, async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const response = await modernPost(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'everything__trigger-sampling-request',
          arguments: { prompt: 'hi', maxTokens: 5 },
          _meta: meta,
        },
      },
      { 'mcp-name': 'everything__trigger-sampling-request' },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { id: number; error: { code: number; data: unknown } };
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32021);
    expect(body.error.data).toEqual({ requiredCapabilities: { sampling: {} } });
  });

  it('cancellation: a 2025 client’s cancel and a 2026 client’s closed stream both stop the 2026 backend’s call', {
    timeout: 20_000,
  }, async () => {
    const legacy = await connectClient(gw.url);
    const before = await whoami((name) => legacy.callTool({ name, arguments: {} }));
    const abort = new AbortController();
    const inFlight = () => gw.gateway.coordinator.stats().inFlight;
    const idle = inFlight();
    const call = legacy.callTool({ name: 'modern__sleep', arguments: { ms: 10_000 } }, undefined, {
      signal: abort.signal,
    });
    call.catch(() => {});
    // Cancel once the call is with the backend (not after a guessed delay).
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(idle + 1);
    abort.abort('enough');
    await expect(call).rejects.toThrow();
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(idle);
    const pinned = await connectV2('pinned');
    const abort2 = new AbortController();
    const call2 = pinned.callTool(
      { name: 'modern__sleep', arguments: { ms: 10_000 } },
      { signal: abort2.signal },
    );
    call2.catch(() => {});
    await expect.poll(inFlight, { timeout: 10_000 }).toBe(idle + 1);
    abort2.abort('enough');
    await expect(call2).rejects.toThrow();
    const deadline = Date.now() + 5_000;
    let now = before;
    while (now.cancelled < before.cancelled + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      now = await whoami((name) => legacy.callTool({ name, arguments: {} }));
    }
    expect(now.pid).toBe(before.pid);
    expect(now.cancelled).toBe(before.cancelled + 2);
  });

  it('list changes and resource updates of a 2026 backend reach a 2025 session', {
    timeout: 20_000,
  }, async () => {
    const legacy = await connectClient(gw.url);
    let changed!: () => void;
    const listChanged = new Promise<void>((r) => {
      changed = r;
    });
    legacy.setNotificationHandler(ToolListChangedNotificationSchema, async () => changed());
    const updates: string[] = [];
    let updated!: () => void;
    const gotUpdate = new Promise<void>((r) => {
      updated = r;
    });
    legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
      updates.push(n.params.uri);
      updated();
    });
    await legacy.subscribeResource({ uri: 'modern://counter' });
    // The listen the subscribe opened is acknowledged before the backend sends updates on it.
    await new Promise((r) => setTimeout(r, 200));
    await legacy.callTool({ name: 'modern__bump', arguments: {} });
    await within(gotUpdate, 5_000, 'notifications/resources/updated');
    expect(updates).toContain('modern://counter');
    await legacy.callTool({ name: 'modern__grow', arguments: { name: 'sprouted' } });
    await within(listChanged, 5_000, 'notifications/tools/list_changed');
    const { tools } = await legacy.listTools();
    expect(tools.map((t) => t.name)).toContain('modern__sprouted');
  });
});

/** Reads SSE `data:` messages from a response until `done` says so (or 5 s pass). */
async function readEvents(
  response: Response,
  done: (messages: Record<string, unknown>[]) => boolean,
): Promise<Record<string, unknown>[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: Record<string, unknown>[] = [];
  let buffer = '';
  const deadline = Date.now() + 5_000;
  while (!done(messages) && Date.now() < deadline) {
    const chunk = await within(reader.read(), 5_000, 'an SSE event');
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n'))
        if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)));
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return messages;
}

describe('subscriptions/listen of a 2026 client', () => {
  it('delivers a backend’s resource updates for the URIs it watches, and list changes, tagged with its id', {
    timeout: 20_000,
  }, async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const listening = await modernPost(gw.url, {
      jsonrpc: '2.0',
      id: 'watch-1',
      method: 'subscriptions/listen',
      params: {
        _meta: meta,
        notifications: { toolsListChanged: true, resourceSubscriptions: ['modern://counter', 'nowhere://x'] },
      },
    });
    expect(listening.status).toBe(200);
    const legacy = await connectClient(gw.url);
    let seen: Record<string, unknown>[] = [];
    const events = readEvents(listening, (ms) => {
      seen = ms;
      return (
        ms.some((m) => m.method === 'notifications/resources/updated') &&
        ms.some((m) => m.method === 'notifications/tools/list_changed')
      );
    });
    // The listen is acknowledged once the backend's subscriptions are made: then the changes.
    await expect
      .poll(() => seen.some((m) => m.method === 'notifications/subscriptions/acknowledged'), {
        timeout: 10_000,
      })
      .toBe(true);
    await legacy.callTool({ name: 'modern__bump', arguments: {} });
    await legacy.callTool({ name: 'modern__grow', arguments: { name: 'listened' } });
    const messages = await events;
    const ack = messages[0] as {
      method: string;
      params: { notifications: unknown; _meta: Record<string, unknown> };
    };
    expect(ack.method).toBe('notifications/subscriptions/acknowledged');
    // The unknown URI is not honoured; the watched one is.
    expect(ack.params.notifications).toEqual({
      toolsListChanged: true,
      resourceSubscriptions: ['modern://counter'],
    });
    const update = messages.find((m) => m.method === 'notifications/resources/updated') as {
      params: { uri: string; _meta: Record<string, unknown> };
    };
    expect(update.params.uri).toBe('modern://counter');
    expect(update.params._meta['io.modelcontextprotocol/subscriptionId']).toBe('watch-1');
  });
});

describe('era in the config', () => {
  it('era 2025 on a 2026-only backend: the backend fails to start with a reason naming its answer', {
    timeout: 30_000,
  }, async () => {
    const { gateway } = await startInProcess({
      mcpServers: {
        modern: { command: process.execPath, args: [MODERN], tier: 'hot', era: '2025' },
        other: { command: process.execPath, args: [MODERN, '--name', 'other'], tier: 'hot', era: '2026' },
      },
    });
    expect(gateway.eraOf('other')).toBe('2026');
    const failure = gateway.manager.stats().backends.modern?.failure?.reason ?? '';
    expect(failure).toMatch(/2025-11-25|Unsupported protocol version/);
  });
});

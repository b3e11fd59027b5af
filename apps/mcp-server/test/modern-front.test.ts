/**
 * MCP 2026-07-28 at the front door: the v2 SDK client pinned to the revision (and in `auto`
 * mode) through the gateway to 2025-era backends, beside a 2025 client on the same URL; the
 * revision's own errors (-32020, -32022, 404, 405) over raw HTTP.
 */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { BUILTIN, connectClient, fixtureEntry, modernPost, post, startInProcess } from './support/gateway.ts';

const CONFIG = {
  mcpServers: { builtin: { module: BUILTIN, tier: 'hot' }, fx: fixtureEntry('fx', { tier: 'hot' }) },
};
const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
};

function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content.map((c) => c.text).join('');
}

async function v2Client(url: string, mode: 'auto' | { pin: string }): Promise<ClientV2> {
  const client = new ClientV2({ name: 'v2-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new TransportV2(new URL(url)));
  return client;
}

describe('2026-07-28 clients', () => {
  it('a v2 client pinned to 2026-07-28 lists and calls tools of a thread module and a 2025 stdio server', async () => {
    const { url, gateway } = await startInProcess(CONFIG);
    const client = await v2Client(url, { pin: MODERN });
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['builtin__echo', 'fx__echo']));
      expect(names).toEqual([...names].sort()); // deterministic order
      expect(textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'modern' } }))).toBe(
        'modern',
      );
      expect(textOf(await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 2 } }))).toBe('3');
      // Served statelessly: no front session was made, the calls ran on the 2026 path.
      expect(gateway.coordinator.stats().sessions).toBe(1); // the stand-in session of its affinity key
      const calls = gateway.activity.calls().filter((c) => c.method === 'tools/call');
      expect(calls.every((c) => c.session?.startsWith('modern:'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('a v2 client in auto mode and a v1 (2025) client share the URL', async () => {
    const { url, gateway } = await startInProcess(CONFIG);
    const auto = await v2Client(url, 'auto');
    const legacy = await connectClient(url);
    try {
      const [a, b] = await Promise.all([
        auto.callTool({ name: 'fx__echo', arguments: { text: 'auto' } }),
        legacy.callTool({ name: 'fx__echo', arguments: { text: 'legacy' } }),
      ]);
      expect(textOf(a)).toBe('auto');
      expect(textOf(b)).toBe('legacy');
      const eras = gateway.activity
        .calls()
        .filter((c) => c.method === 'tools/call')
        .map((c) => (c.session?.startsWith('modern:') ? 'modern' : 'legacy'))
        .sort();
      expect(eras).toEqual(['legacy', 'modern']); // auto found the 2026 front via server/discover
    } finally {
      await auto.close();
    }
  });

  it('server/discover answers the merged capabilities, versions and cache hint', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await modernPost(url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: { _meta: META },
    });
    expect(response.status).toBe(200);
    const { result } = (await response.json()) as { result: Record<string, unknown> };
    expect(result.resultType).toBe('complete');
    expect(result.supportedVersions).toEqual(expect.arrayContaining([MODERN, '2025-11-25']));
    expect(result.capabilities).toHaveProperty('tools');
    expect(typeof result.ttlMs).toBe('number');
    expect(result.cacheScope).toBe('private');
  });

  it('a header that disagrees with the body is -32020 with HTTP 400', async () => {
    const { url } = await startInProcess(CONFIG);
    const body = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'fx__echo', arguments: { text: 'x' }, _meta: META },
    };
    const response = await modernPost(url, body, { 'mcp-name': 'fx__add' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('an unsupported version is -32022 with the supported list; an unknown method is 404', async () => {
    const { url } = await startInProcess(CONFIG);
    const future = await post(
      url,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/list',
        params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      },
      { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    );
    expect(future.status).toBe(400);
    const error = ((await future.json()) as { error: { code: number; data: { supported: string[] } } }).error;
    expect(error.code).toBe(-32022);
    expect(error.data.supported).toContain(MODERN);
    const unknown = await modernPost(url, { jsonrpc: '2.0', id: 4, method: 'ping', params: { _meta: META } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(-32601);
  });

  it('a batch, a 2026 request without its version, and one without its headers each get the specified error', async () => {
    const { url } = await startInProcess(CONFIG);
    const list = { jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: META } };
    const errorOf = async (r: Response) =>
      ((await r.json()) as { error: { code: number; message: string } }).error;
    // No batches in 2026-07-28: one message per POST.
    const batch = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
      },
      body: JSON.stringify([list]),
    });
    expect(batch.status).toBe(400);
    expect(await errorOf(batch)).toMatchObject({
      code: -32600,
      message: expect.stringMatching(/Batches are not part of MCP 2026-07-28/),
    });
    // The header names 2026-07-28 but the body carries no version: -32602 (a required _meta key).
    const noMeta = await modernPost(url, { jsonrpc: '2.0', id: 7, method: 'tools/list' });
    expect(noMeta.status).toBe(400);
    expect((await errorOf(noMeta)).code).toBe(-32602);
    // The body carries the version but the version header is missing: -32020.
    const noHeader = await post(url, list, { 'mcp-method': 'tools/list' });
    expect(noHeader.status).toBe(400);
    expect(await errorOf(noHeader)).toMatchObject({
      code: -32020,
      message: expect.stringMatching(/MCP-Protocol-Version/),
    });
    // Mcp-Method missing: -32020.
    const noMethod = await post(url, list, { 'mcp-protocol-version': MODERN });
    expect(noMethod.status).toBe(400);
    expect(await errorOf(noMethod)).toMatchObject({
      code: -32020,
      message: expect.stringMatching(/Mcp-Method/),
    });
  });

  describe('affinity of 2026 requests on a shared backend with two workers', () => {
    const twoWorkers = (key: unknown) => ({
      mcpServers: { fx: fixtureEntry('fx', { tier: 'hot', replicas: { min: 2, max: 2 } }) },
      switchyard: { affinity: { key } },
    });
    /** `fx__hold` for `ms` under affinity key `client` (header `x-client`): the pid that served it. */
    const hold = async (url: string, ms: number, client?: string): Promise<number> => {
      const response = await modernPost(
        url,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'fx__hold', arguments: { ms }, _meta: META },
        },
        { 'mcp-name': 'fx__hold', ...(client !== undefined && { 'x-client': client }) },
      );
      const body = (await response.json()) as { result: { content: { text: string }[] } };
      return (JSON.parse(body.result.content[0]!.text) as { pid: number }).pid;
    };

    it('a header key keeps each key on one worker, busy or not; new keys go to the less busy one', async () => {
      const { url } = await startInProcess(twoWorkers({ header: 'x-client' }));
      const a = await hold(url, 0, 'a');
      // While a's worker is busy, a's requests still go to it, and a new key goes to the other.
      const busy = hold(url, 400, 'a');
      await new Promise((r) => setTimeout(r, 50));
      const [again, b] = await Promise.all([hold(url, 0, 'a'), hold(url, 0, 'b')]);
      expect(await busy).toBe(a);
      expect(again).toBe(a);
      expect(b).not.toBe(a);
      for (let i = 0; i < 3; i++) expect(await hold(url, 0, 'b')).toBe(b);
    });

    it('key none keeps to no worker: a request goes to the less busy one', async () => {
      const { url } = await startInProcess(twoWorkers('none'));
      const first = hold(url, 400);
      await new Promise((r) => setTimeout(r, 50));
      const second = await hold(url, 0); // the other worker: the first one is busy
      expect(await first).not.toBe(second);
    });
  });

  it('a retry with an unknown requestState is -32602, not a hang', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await modernPost(
      url,
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: {
          name: 'fx__echo',
          arguments: { text: 'x' },
          requestState: 'forged',
          inputResponses: {},
          _meta: META,
        },
      },
      { 'mcp-name': 'fx__echo' },
    );
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toMatch(/requestState is unknown or expired/);
  });

  it('GET and DELETE are 405 for a 2026 client', async () => {
    const { url } = await startInProcess(CONFIG);
    const get = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const del = await fetch(url, { method: 'DELETE', headers: { 'mcp-protocol-version': MODERN } });
    expect(del.status).toBe(405);
  });

  it('subscriptions/listen acknowledges what it will send, tagged with the subscription id', async () => {
    const { url } = await startInProcess(CONFIG);
    const response = await modernPost(url, {
      jsonrpc: '2.0',
      id: 'sub-1',
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['x://y'] }, _meta: META },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(text.split('data: ')[1]!.split('\n')[0]!) as {
      method: string;
      params: { notifications: object; _meta: Record<string, unknown> };
    };
    expect(data.method).toBe('notifications/subscriptions/acknowledged');
    expect(data.params.notifications).toEqual({ toolsListChanged: true });
    expect(data.params._meta['io.modelcontextprotocol/subscriptionId']).toBe('sub-1');
  });
});

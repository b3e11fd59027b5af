/**
 * The building blocks behind a small Request → Response handler, driven by the real v2 SDK client
 * (`@modelcontextprotocol/client`) pinned to 2026-07-28: what it sends passes `detectEra` and
 * `validateStandardHeaders`, and what the blocks build is what it accepts.
 */
import {
  Client,
  StreamableHTTPClientTransport,
  UnsupportedProtocolVersionError,
} from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { mergeTools, type NamedItem } from '../../aggregate/lists.ts';
import { METHOD_NOT_FOUND } from '../../jsonrpc/codes.ts';
import { errorResponse, resultResponse } from '../../jsonrpc/responses.ts';
import type { JsonObject, JsonRpcRequest } from '../../jsonrpc/types.ts';
import { Naming } from '../../naming/naming.ts';
import { mergeDiscoverResult } from './discover.ts';
import { validateStandardHeaders } from './headers.ts';
import { decorateListResult } from './list-meta.ts';
import { requestMeta, SERVER_INFO_META_KEY } from './meta-keys.ts';
import { detectEra } from './versions.ts';

const naming = new Naming({ backends: [{ name: 'github' }, { name: 'fs', prefix: false }] });
const serverInfo = { name: 'switchyard', version: '1.0.0' };
const tool = (name: string): NamedItem => ({ name, inputSchema: { type: 'object', properties: {} } });

interface Seen {
  method: string;
  headers: { [name: string]: string };
  status: number;
}

function gateway(seen: Seen[]) {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    if (request.method !== 'POST') return new Response(null, { status: 405 });
    const message = (await request.json()) as JsonRpcRequest;
    const record = (status: number) =>
      seen.push({ method: message.method, headers: Object.fromEntries(request.headers), status });
    const get = (name: string) => request.headers.get(name);
    const era = detectEra({
      id: message.id,
      protocolVersionHeader: get('mcp-protocol-version'),
      method: message.method,
      meta: requestMeta(message.params),
    });
    if (era.era === 'rejected') {
      record(era.rejection.httpStatus);
      return json(era.rejection.httpStatus, era.rejection.response);
    }
    if (era.era === 'legacy') {
      record(400);
      return json(
        400,
        errorResponse(message.id, { code: -32600, message: 'legacy clients are not served here' }),
      );
    }
    const headers = validateStandardHeaders(get, message);
    if (!headers.ok) {
      record(headers.rejection.httpStatus);
      return json(headers.rejection.httpStatus, headers.rejection.response);
    }
    let result: JsonObject | undefined;
    if (message.method === 'server/discover') {
      result = {
        ...mergeDiscoverResult(naming, {
          serverInfo,
          backends: [
            { backend: 'github', ok: true, value: { capabilities: { tools: { listChanged: true } } } },
            { backend: 'fs', ok: true, value: { capabilities: { tools: {} } } },
          ],
        }),
      };
    } else if (message.method === 'tools/list') {
      const merged = mergeTools(naming, [
        { backend: 'github', ok: true, value: [tool('search'), tool('issue')] },
        { backend: 'fs', ok: true, value: [tool('read_file'), tool('café')] },
      ]).result;
      result = decorateListResult(
        'tools',
        merged,
        [
          { backend: 'github', listChanged: true },
          { backend: 'fs', listChanged: false },
        ],
        { serverInfo },
      );
    } else if (message.method === 'tools/call') {
      const name = String((message.params as { name?: unknown }).name);
      result = {
        resultType: 'complete',
        content: [{ type: 'text', text: `called ${name}` }],
        _meta: { [SERVER_INFO_META_KEY]: serverInfo },
      };
    }
    if (result === undefined) {
      record(404);
      return json(
        404,
        errorResponse(message.id, { code: METHOD_NOT_FOUND, message: `Method not found: ${message.method}` }),
      );
    }
    record(200);
    return json(200, resultResponse(message.id, result));
  };
}

describe('the v2 SDK client, pinned to 2026-07-28, against the building blocks', () => {
  it('discovers, lists and calls (a non-ASCII name travels Base64-encoded in Mcp-Name)', async () => {
    const seen: Seen[] = [];
    const client = new Client(
      { name: 'test-client', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const transport = new StreamableHTTPClientTransport(new URL('http://gateway.test/mcp'), {
      fetch: gateway(seen),
    });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['café', 'github__issue', 'github__search', 'read_file']);
      const plain = await client.callTool({ name: 'github__search', arguments: {} });
      expect(plain.content).toEqual([{ type: 'text', text: 'called github__search' }]);
      const accented = await client.callTool({ name: 'café', arguments: {} });
      expect(accented.content).toEqual([{ type: 'text', text: 'called café' }]);
    } finally {
      await client.close();
    }
    expect(seen.map((s) => s.method)).toEqual(['server/discover', 'tools/list', 'tools/call', 'tools/call']);
    expect(seen.every((s) => s.status === 200)).toBe(true);
    const calls = seen.filter((s) => s.method === 'tools/call');
    expect(calls.map((c) => c.headers['mcp-name'])).toEqual(['github__search', '=?base64?Y2Fmw6k=?=']);
    for (const s of seen) {
      expect(s.headers['mcp-protocol-version']).toBe('2026-07-28');
      expect(s.headers['mcp-method']).toBe(s.method);
    }
  });

  it('is answered -32022 with the supported list when it pins a revision the gateway does not serve', async () => {
    const seen: Seen[] = [];
    const client = new Client(
      { name: 'test-client', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2027-01-01' } } },
    );
    const transport = new StreamableHTTPClientTransport(new URL('http://gateway.test/mcp'), {
      fetch: gateway(seen),
    });
    const error = await client.connect(transport).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The SDK reads our answer as its own typed error, with the list to choose from.
    expect(error).toBeInstanceOf(UnsupportedProtocolVersionError);
    expect((error as UnsupportedProtocolVersionError).data).toEqual({
      supported: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
      requested: '2027-01-01',
    });
    expect(seen).toEqual([
      {
        method: 'server/discover',
        status: 400,
        headers: expect.objectContaining({
          'mcp-method': 'server/discover',
          'mcp-protocol-version': '2027-01-01',
        }),
      },
    ]);
  });
});

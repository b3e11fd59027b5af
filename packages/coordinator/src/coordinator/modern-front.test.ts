import { describe, expect, it } from 'vitest';
import { SERVER_INFO_META_KEY } from '../era/modern/meta-keys.ts';
import type { JsonRpcMessage, JsonRpcRequest } from '../jsonrpc/types.ts';
import { Naming } from '../naming/naming.ts';
import { MessageStream } from './message-stream.ts';
import { capabilitiesOf, headersOf } from './modern.ts';
import { ModernFront, type ModernFrontParts, standInId } from './modern-front.ts';
import type { Outcome } from './outcome.ts';
import { finalResponse } from './outcome.ts';
import { type FrontSession, SessionTable } from './sessions.ts';

const SERVER_INFO = { name: 'gateway', version: '1.0.0' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { sampling: {} },
};

const call = (id: number | string, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'b__echo', arguments: { text: 'hi' }, _meta: META, ...extra },
});

/**
 * The 2026 front over a real session table and a routing core that answers each request on a
 * stream (`MessageStream`, as a routed call does): a progress notification, then its result.
 */
function front(overrides: Partial<ModernFrontParts> = {}) {
  const sessions = new SessionTable(() => new Uint8Array(16).fill(7));
  const routed: { session: FrontSession; request: JsonRpcRequest }[] = [];
  const resumed: string[] = [];
  const loose: string[] = [];
  const parts: ModernFrontParts = {
    sessions,
    refuseSession: () => undefined,
    looseAffinity: (id) => loose.push(id),
    request: async (session, request) => {
      routed.push({ session, request });
      const stream = new MessageStream<JsonRpcMessage>();
      stream.push({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } });
      stream.push({ jsonrpc: '2.0', id: request.id, result: { content: [], _meta: { mine: 1 } } });
      stream.end();
      return { kind: 'stream', messages: stream };
    },
    resume: async (_session, request, requestState) => {
      resumed.push(requestState);
      return { kind: 'response', message: { jsonrpc: '2.0', id: request.id, result: {} } };
    },
    listen: async () => ({ kind: 'accepted' }),
    backends: async () => [
      { backend: 'b', ok: true, value: { capabilities: { tools: { listChanged: true } } } },
    ],
    naming: () => new Naming({ backends: [{ name: 'b' }] }),
    serverInfo: SERVER_INFO,
    instructions: undefined,
    argumentDepth: 8,
    record: () => {},
    now: () => 5,
    ...overrides,
  };
  return { front: new ModernFront(parts), sessions, routed, resumed, loose };
}

async function messagesOf(outcome: Outcome): Promise<JsonRpcMessage[]> {
  if (outcome.kind !== 'stream') throw new Error(`not a stream: ${outcome.kind}`);
  const out: JsonRpcMessage[] = [];
  for await (const m of outcome.messages) out.push(m);
  return out;
}

describe('ModernFront', () => {
  it('routes a call under an id of its own, tagged with its capabilities and headers; answers under the client’s id', async () => {
    const f = front();
    const header = (name: string) => (name === 'x' ? 'y' : null);
    const outcome = await f.front.handle(call(1), { principal: 'alice', affinityKey: 'k', header });
    const [progress, answer] = await messagesOf(outcome);
    const inner = f.routed[0]!.request;
    expect(inner.id).not.toBe(1);
    expect(capabilitiesOf(inner)).toEqual({ sampling: {} });
    expect(headersOf(inner)).toBe(header);
    expect(JSON.parse(JSON.stringify(inner))).toEqual({ ...call(1), id: inner.id });
    expect(progress).toEqual({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } });
    expect(answer).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        resultType: 'complete',
        content: [],
        _meta: { mine: 1, [SERVER_INFO_META_KEY]: SERVER_INFO },
      },
    });
  });

  it('two clients reusing an id get their own inner ids; one affinity key shares one stand-in', async () => {
    const f = front();
    await f.front.handle(call(1), { principal: 'alice', affinityKey: 'k' });
    await f.front.handle(call(1), { principal: 'alice', affinityKey: 'k' });
    await f.front.handle(call(1), { principal: 'alice', affinityKey: 'other' });
    const [a, b, c] = f.routed;
    expect(a!.request.id).not.toBe(b!.request.id);
    expect(a!.session).toBe(b!.session);
    expect(a!.session.id).toBe(standInId('alice', 'k'));
    expect(c!.session).not.toBe(a!.session);
    expect(a!.session.era).toBe('modern');
    expect(f.loose).toEqual([]);
  });

  it('a stand-in without an affinity key keeps to no worker; a refused one is not made', async () => {
    const f = front();
    await f.front.handle(call(1), { principal: null, affinityKey: null });
    expect(f.loose).toEqual([standInId(null, null)]);
    const refusal: Outcome = {
      kind: 'response',
      httpStatus: 503,
      message: { jsonrpc: '2.0', id: 1, error: { code: -32050, message: 'full' } },
    };
    const g = front({ refuseSession: () => refusal });
    expect(await g.front.handle(call(1), { principal: null, affinityKey: 'k' })).toBe(refusal);
    expect(g.sessions.size).toBe(0);
  });

  it('refuses what 2026-07-28 refuses: missing _meta keys (400), an unknown method (404), a malformed field (400)', async () => {
    const f = front();
    const context = { principal: null, affinityKey: null };
    const noMeta = await f.front.handle({ ...call(1), params: { name: 'b__echo' } }, context);
    expect(noMeta).toMatchObject({ kind: 'response', httpStatus: 400, message: { error: { code: -32602 } } });
    const ping = await f.front.handle(
      { jsonrpc: '2.0', id: 2, method: 'ping', params: { _meta: META } },
      context,
    );
    expect(ping).toMatchObject({ kind: 'response', httpStatus: 404, message: { error: { code: -32601 } } });
    const deep = await f.front.handle(
      call(3, { arguments: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }),
      context,
    );
    expect(deep).toMatchObject({ kind: 'response', httpStatus: 400, message: { error: { code: -32602 } } });
    expect(await f.front.handle({ jsonrpc: '2.0', method: 'notifications/cancelled' }, context)).toEqual({
      kind: 'accepted',
    });
    expect(f.routed).toHaveLength(0);
  });

  it('a retry with requestState resumes its parked call, answered under the retry’s id', async () => {
    const f = front();
    const outcome = await f.front.handle(call(8, { requestState: 'st-1', inputResponses: {} }), {
      principal: null,
      affinityKey: null,
    });
    expect(f.resumed).toEqual(['st-1']);
    expect(f.routed).toHaveLength(0);
    expect(await finalResponse(outcome)).toMatchObject({ id: 8, result: { resultType: 'complete' } });
  });

  it('server/discover is answered here with the tasks extension; a list gets its cache hint', async () => {
    const listed = front({
      request: async (_s, request) => ({
        kind: 'response',
        message: { jsonrpc: '2.0', id: request.id, result: { tools: [] } },
      }),
    });
    const context = { principal: null, affinityKey: null };
    const discover = await listed.front.handle(
      { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: META } },
      context,
    );
    const result = (discover as { message: { result: Record<string, unknown> } }).message.result;
    expect((result.capabilities as { extensions: Record<string, unknown> }).extensions).toHaveProperty([
      'io.modelcontextprotocol/tasks',
    ]);
    const list = await listed.front.handle(
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: META } },
      context,
    );
    const page = (list as { message: { id: unknown; result: Record<string, unknown> } }).message;
    expect(page.id).toBe(2);
    expect(page.result).toMatchObject({ resultType: 'complete', tools: [], cacheScope: expect.any(String) });
    expect(typeof page.result.ttlMs).toBe('number');
  });
});

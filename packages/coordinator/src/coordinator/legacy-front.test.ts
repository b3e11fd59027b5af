import { describe, expect, it } from 'vitest';
import { SESSION_STORE_UNAVAILABLE } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import type { JsonRpcRequest, JsonRpcResponse } from '../jsonrpc/types.ts';
import { Naming } from '../naming/naming.ts';
import type { CallerClaims } from '../policy/access-policy.ts';
import type { AuditEnd } from './audit-trail.ts';
import { LegacyFront, type LegacyFrontParts } from './legacy-front.ts';
import type { Outcome } from './outcome.ts';
import type { Restored } from './session-restore.ts';
import { type FrontSession, SessionTable } from './sessions.ts';

let seed = 0;
const bytes = (n: number) => Uint8Array.from({ length: n }, () => ++seed % 256);

/** The 2025 front over a real session table and a routing core that answers every request `{}`. */
function front(overrides: Partial<LegacyFrontParts> = {}) {
  const sessions = new SessionTable(bytes);
  const routed: { session: FrontSession; request: JsonRpcRequest; claims: CallerClaims | undefined }[] = [];
  const answered: JsonRpcResponse[] = [];
  const records: AuditEnd[] = [];
  const created: string[] = [];
  let clock = 1_000;
  const parts: LegacyFrontParts = {
    sessions,
    restore: async () => undefined,
    request: async (session, request, claims) => {
      routed.push({ session, request, claims });
      return { kind: 'response', message: { jsonrpc: '2.0', id: request.id, result: {} } };
    },
    answered: (_session, message) => answered.push(message),
    refuseSession: () => undefined,
    full: (id) => ({
      kind: 'response',
      httpStatus: 503,
      message: errorResponse(id, { code: -1, message: 'full' }),
    }),
    backends: async () => [{ backend: 'b', ok: true, value: { capabilities: { tools: {} } } }],
    naming: () => new Naming({ backends: [{ name: 'b' }] }),
    serverInfo: { name: 'gateway', version: '1.0.0' },
    instructions: undefined,
    created: async (session) => {
      created.push(session.id);
    },
    record: (end) => records.push(end),
    now: () => ++clock,
    ...overrides,
  };
  return { front: new LegacyFront(parts), sessions, routed, answered, records, created };
}

const initialize = (protocolVersion = '2025-11-25') => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'c', version: '1' } },
});

async function opened(f: ReturnType<typeof front>): Promise<string> {
  const outcome = await f.front.handle(initialize(), { principal: 'alice' });
  if (outcome.kind !== 'response' || outcome.sessionId === undefined) throw new Error('no session');
  return outcome.sessionId;
}

describe('LegacyFront', () => {
  it('initialize opens a session, journals and audits it, and answers the merged handshake', async () => {
    const f = front();
    const outcome = await f.front.handle(initialize(), { principal: 'alice' });
    expect(outcome.kind).toBe('response');
    const { sessionId, message } = outcome as Extract<Outcome, { kind: 'response' }>;
    expect(f.sessions.get(sessionId!, 'alice')?.era).toBe('legacy');
    expect(f.sessions.get(sessionId!, 'bob')).toBeUndefined();
    expect(f.created).toEqual([sessionId]);
    expect(f.records.map((r) => r.method)).toEqual(['initialize']);
    const result = (message as { result: Record<string, unknown> }).result;
    expect(result.protocolVersion).toBe('2025-11-25');
    expect(result.serverInfo).toEqual({ name: 'gateway', version: '1.0.0' });
    // 2025-11-25 with tools: the gateway runs tasks itself.
    expect((result.capabilities as Record<string, unknown>).tasks).toBeDefined();
  });

  it('an older revision gets no tasks; a bad protocolVersion and a second initialize are refused', async () => {
    const f = front();
    const old = await f.front.handle(initialize('2025-03-26'), { principal: null });
    expect(old).toMatchObject({ kind: 'response', message: { result: { capabilities: {} } } });
    expect(JSON.stringify(old)).not.toContain('"tasks"');
    const bad = await f.front.handle(
      { ...initialize(), params: { protocolVersion: 7 } },
      { principal: null },
    );
    expect((bad as { message: { error: { code: number } } }).message.error.code).toBe(-32602);
    const again = await f.front.handle(initialize(), { principal: null, sessionId: 'x' });
    expect((again as { message: { error: { code: number } } }).message.error.code).toBe(-32600);
  });

  it('a refused session is not made', async () => {
    const refusal: Outcome = {
      kind: 'response',
      httpStatus: 429,
      message: { jsonrpc: '2.0', id: 1, error: { code: -32050, message: 'limit' } },
    };
    const f = front({ refuseSession: () => refusal });
    expect(await f.front.handle(initialize(), { principal: 'alice' })).toBe(refusal);
    expect(f.sessions.size).toBe(0);
  });

  it('a request goes to the routing core with its session and claims, and marks the session seen', async () => {
    const f = front();
    const sessionId = await opened(f);
    const before = f.sessions.get(sessionId, 'alice')!.lastSeenAt;
    const claims = { clientId: 'ci' };
    const outcome = await f.front.handle(
      { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      { principal: 'alice', sessionId, claims },
    );
    expect(outcome).toEqual({ kind: 'response', message: { jsonrpc: '2.0', id: 5, result: {} } });
    expect(f.routed).toHaveLength(1);
    expect(f.routed[0]!.session.id).toBe(sessionId);
    expect(f.routed[0]!.request.method).toBe('tools/list');
    expect(f.routed[0]!.claims).toBe(claims);
    expect(f.sessions.get(sessionId, 'alice')!.lastSeenAt).toBeGreaterThan(before);
  });

  it('no session id, an unknown one, or another principal’s: session-not-found', async () => {
    const f = front();
    const sessionId = await opened(f);
    const none = await f.front.handle({ jsonrpc: '2.0', id: 2, method: 'ping' }, { principal: 'alice' });
    expect(none.kind).toBe('session-not-found');
    expect((none as { message: { error: { message: string } } }).message.error.message).toBe(
      'a session id is required',
    );
    const other = await f.front.handle(
      { jsonrpc: '2.0', id: 3, method: 'ping' },
      { principal: 'bob', sessionId },
    );
    expect((other as { message: { error: { message: string } } }).message.error.message).toBe(
      'session not found',
    );
    expect(f.routed).toHaveLength(0);
  });

  it('a session read back from the journal is served; a full gateway and an unreachable store are refused', async () => {
    const restoredSession = new SessionTable(bytes).add({
      id: 'restored',
      principal: null,
      protocolVersion: '2025-11-25',
      clientInfo: undefined,
      clientCapabilities: {},
      era: 'legacy',
      lastSeenAt: 0,
    });
    let answer: Restored = restoredSession;
    const f = front({ restore: async () => answer });
    const ping = { jsonrpc: '2.0', id: 9, method: 'ping' };
    await f.front.handle(ping, { principal: null, sessionId: 'restored' });
    expect(f.routed[0]!.session).toBe(restoredSession);
    answer = 'full';
    const full = await f.front.handle(ping, { principal: null, sessionId: 'restored' });
    expect((full as { httpStatus?: number }).httpStatus).toBe(503);
    answer = 'unavailable';
    const down = await f.front.handle(ping, { principal: null, sessionId: 'restored' });
    expect(down).toMatchObject({ kind: 'response', httpStatus: 503 });
    expect((down as { message: { error: { code: number } } }).message.error.code).toBe(
      SESSION_STORE_UNAVAILABLE,
    );
  });

  it('takes notifications (initialized, cancelled) and the client’s answers without the routing core', async () => {
    const f = front();
    const sessionId = await opened(f);
    const session = f.sessions.get(sessionId, 'alice')!;
    const abandoned: string[] = [];
    session.inflight.set(7, { abandon: (_outcome, reason) => abandoned.push(reason) });
    const context = { principal: 'alice', sessionId };
    expect(await f.front.handle({ jsonrpc: '2.0', method: 'notifications/initialized' }, context)).toEqual({
      kind: 'accepted',
    });
    expect(session.initialized).toBe(true);
    await f.front.handle(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'bored' } },
      context,
    );
    expect(abandoned).toEqual(['bored']);
    await f.front.handle({ jsonrpc: '2.0', id: 'srv-1', result: {} }, context);
    expect(f.answered).toEqual([{ jsonrpc: '2.0', id: 'srv-1', result: {} }]);
    expect(f.routed).toHaveLength(0);
  });

  it('answers a batch and a malformed message itself', async () => {
    const f = front();
    const batch = await f.front.handle([initialize()], { principal: null });
    expect((batch as { message: { error: { code: number } } }).message.error.code).toBe(-32600);
    const bad = await f.front.handle({ jsonrpc: '1.0', id: 1, method: 'ping' }, { principal: null });
    expect(bad.kind).toBe('response');
  });
});

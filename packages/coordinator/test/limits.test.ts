/**
 * Bounds on what clients may hold: sessions in all and per principal, listens per 2026 client.
 * Each refusal is a JSON-RPC error with LIMIT_REACHED naming the bound, and an HTTP status for the
 * front door; freeing what is held admits the client again. Real stdio fixtures behind a StdioTier.
 */
import { describe, expect, it } from 'vitest';
import { type CoordinatorLimits, finalResponse, type JsonRpcMessage, LIMIT_REACHED } from '../src/index.ts';
import { ask, errorOf, open, req, resultOf } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { SAMPLING_FIXTURE, StdioTier } from './support/stdio-tier.ts';

const rig = rigPerTest();

function setup(limits: Partial<CoordinatorLimits>) {
  const tier = new StdioTier({ a: ['--name', 'a'] });
  return rig(tier, {
    backends: [{ name: 'a' }],
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    requestTimeoutMs: 10_000,
    limits,
  });
}

const initialize = () =>
  req('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 't', version: '1' },
  });

const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

describe('coordinator limits', () => {
  it('refuses a principal its next session past sessionsPerPrincipal (429), others still open, and admits it after one ends', async () => {
    const { coordinator } = setup({ sessionsPerPrincipal: 2 });
    const first = await open(coordinator, '2025-11-25', 'alice');
    await open(coordinator, '2025-11-25', 'alice');
    const refused = await coordinator.handle(initialize(), { principal: 'alice' });
    expect(refused.kind).toBe('response');
    if (refused.kind !== 'response') return;
    expect(refused.httpStatus).toBe(429);
    expect(refused.sessionId).toBeUndefined();
    const error = errorOf(refused.message);
    expect(error.code).toBe(LIMIT_REACHED);
    expect(error.data).toEqual({ limit: 'sessionsPerPrincipal', max: 2 });
    expect(coordinator.stats().sessions).toBe(2);

    // Another principal is not held back by alice's sessions, nor are anonymous clients (who
    // cannot be told apart, and share only the gateway-wide bound).
    await open(coordinator, '2025-11-25', 'bob');
    for (let i = 0; i < 3; i++) await open(coordinator, '2025-11-25', null);

    // A 2026 stand-in is a session too: alice's is refused alike.
    const modern = await coordinator.handleModern(req('tools/list', { _meta: modernMeta }), {
      principal: 'alice',
      affinityKey: 'k1',
    });
    expect(modern.kind === 'response' && modern.httpStatus).toBe(429);

    expect(await coordinator.closeSession(first.sessionId, 'alice')).toBe(true);
    await open(coordinator, '2025-11-25', 'alice');
  });

  it('refuses any new session past sessions in all with 503', async () => {
    const { coordinator } = setup({ sessions: 2 });
    await open(coordinator, '2025-11-25', 'alice');
    await open(coordinator, '2025-11-25', 'bob');
    const refused = await coordinator.handle(initialize(), { principal: 'carol' });
    expect(refused.kind === 'response' && refused.httpStatus).toBe(503);
    if (refused.kind !== 'response') return;
    expect(errorOf(refused.message)).toMatchObject({
      code: LIMIT_REACHED,
      data: { limit: 'sessions', max: 2 },
    });
  });

  it('a known 2026 stand-in goes on being served at the limit', async () => {
    const { coordinator } = setup({ sessions: 1 });
    const ctx = { principal: 'alice', affinityKey: 'k' };
    const first = await coordinator.handleModern(req('tools/list', { _meta: modernMeta }), ctx);
    expect(resultOf(await finalResponse(first)).tools).toBeDefined();
    const again = await coordinator.handleModern(req('tools/list', { _meta: modernMeta }), ctx);
    expect(resultOf(await finalResponse(again)).tools).toBeDefined();
    const other = await coordinator.handleModern(req('tools/list', { _meta: modernMeta }), {
      principal: 'bob',
      affinityKey: 'k',
    });
    expect(other.kind === 'response' && other.httpStatus).toBe(503);
  });

  it('refuses a 2026 client its next subscriptions/listen past listensPerSession (429); closing one admits another', async () => {
    const { coordinator } = setup({ listensPerSession: 2 });
    const ctx = { principal: 'alice', affinityKey: 'k' };
    const listen = () =>
      coordinator.handleModern(
        req('subscriptions/listen', {
          _meta: modernMeta,
          notifications: { toolsListChanged: true },
        }),
        ctx,
      );
    const a = await listen();
    const b = await listen();
    expect(a.kind).toBe('stream');
    expect(b.kind).toBe('stream');
    const c = await listen();
    expect(c.kind === 'response' && c.httpStatus).toBe(429);
    if (c.kind === 'response')
      expect(errorOf(c.message).data).toEqual({ limit: 'listensPerSession', max: 2 });

    // Another client (its own affinity key) has its own allowance.
    const other = await coordinator.handleModern(
      req('subscriptions/listen', { _meta: modernMeta, notifications: { toolsListChanged: true } }),
      { principal: 'alice', affinityKey: 'k2' },
    );
    expect(other.kind).toBe('stream');

    // The client hangs up one stream: a new listen is admitted.
    if (a.kind === 'stream') await a.messages[Symbol.asyncIterator]().return?.();
    const d = await listen();
    expect(d.kind).toBe('stream');
  });

  it('a session with no stream open keeps one unread list change per kind, and at most bufferedPerSession messages', async () => {
    const { coordinator, tier } = setup({ bufferedPerSession: 5 });
    const s = await open(coordinator, '2025-11-25', 'alice');
    resultOf(await ask(coordinator, s.sessionId, req('logging/setLevel', { level: 'debug' })));
    // Alice is the one principal that used the shared worker: its log lines are hers.
    resultOf(
      await ask(coordinator, s.sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'x' } })),
    );
    const worker = tier.worker('a');
    for (let i = 0; i < 100; i++)
      worker.injectFromWorker({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    const stream = coordinator.outbound(s.sessionId, 'alice')!;
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    const more = await Promise.race([it.next(), Bun.sleep(50).then(() => 'nothing')]);
    expect(more).toBe('nothing');

    // Log lines nobody reads: the newest five are kept.
    for (let i = 0; i < 50; i++) {
      worker.injectFromWorker({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data: `line ${i}` },
      });
    }
    const kept: unknown[] = [];
    for (let i = 0; i < 5; i++)
      kept.push(((await it.next()).value as { params: { data: string } }).params.data);
    expect(kept).toEqual(['line 45', 'line 46', 'line 47', 'line 48', 'line 49']);
  });

  it('a backend request past pendingClientRequestsPerSession is refused back to the backend with LIMIT_REACHED', async () => {
    const tier = new StdioTier({ s: { script: SAMPLING_FIXTURE, args: [] } });
    const { coordinator } = rig(tier, {
      backends: [{ name: 's' }],
      serverInfo: { name: 'switchyard', version: '0.0.0-test' },
      requestTimeoutMs: 10_000,
      limits: { pendingClientRequestsPerSession: 1 },
    });
    const s = await open(coordinator, '2025-11-25', 'alice', { sampling: {} });
    const askModel = (id: number, question: string) =>
      coordinator.handle(req('tools/call', { name: 's__ask', arguments: { question } }, id), {
        sessionId: s.sessionId,
        principal: 'alice',
      });
    const first = await askModel(1, 'first');
    if (first.kind !== 'stream') throw new Error('expected a stream');
    const firstStream = first.messages[Symbol.asyncIterator]();
    // The first call's sampling request reaches the client, which does not answer yet.
    const asked = (await firstStream.next()).value as { id: string; method: string };
    expect(asked.method).toBe('sampling/createMessage');

    // The second call's sampling request finds the client's one slot taken: the backend is told so.
    const second = await askModel(2, 'second');
    if (second.kind !== 'stream') throw new Error('expected a stream');
    const messages: JsonRpcMessage[] = [];
    for await (const m of second.messages) messages.push(m);
    expect(messages).toHaveLength(1);
    const final = messages[0] as unknown as { result: { isError?: boolean; content: unknown } };
    expect(final.result.isError).toBe(true);
    expect(JSON.stringify(final.result.content)).toContain('pendingClientRequestsPerSession: 1');
    const refusals = tier.worker('s').sent.filter((m) => 'error' in m && m.error.code === LIMIT_REACHED);
    expect(refusals).toHaveLength(1);

    // Answering the first frees the slot; its call completes.
    await coordinator.handle(
      {
        jsonrpc: '2.0',
        id: asked.id,
        result: { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' },
      },
      { sessionId: s.sessionId, principal: 'alice' },
    );
    expect(JSON.stringify((await firstStream.next()).value)).toContain('model said: ok');
  });
});

/**
 * A second principal tries to see the first, at the routing core: log lines, server-to-client
 * requests, list changes and lists of shared, per-principal and per-session backends, 2026
 * stand-in sessions. Real stdio fixture processes behind a `StdioTier`.
 */
import { JSONRPCMessageSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type JsonRpcMessage, MCPCoordinator, type MCPCoordinatorOptions, standInId } from '../src/index.ts';
import { ask, errorOf, open, req, resultOf } from './support/protocol.ts';
import { SAMPLING_FIXTURE, StdioTier } from './support/stdio-tier.ts';

interface Rig {
  tier: StdioTier;
  coordinator: MCPCoordinator;
  logged: { backend: string; params: unknown }[];
}
let rig: Rig | undefined;

afterEach(async () => {
  if (!rig) return;
  const { coordinator, tier } = rig;
  rig = undefined;
  await coordinator.close();
  await tier.stop();
});

function setup(
  backends: ConstructorParameters<typeof StdioTier>[0],
  isolation: Record<string, 'per-session' | 'per-principal'> = {},
  extra: Partial<MCPCoordinatorOptions> = {},
): Rig {
  const tier = new StdioTier(backends, isolation);
  const logged: Rig['logged'] = [];
  const coordinator = new MCPCoordinator({
    tiers: tier,
    backends: Object.keys(backends).map((name) => ({
      name,
      ...(isolation[name] !== undefined && { isolation: isolation[name] }),
    })),
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    onBackendLog: (backend, _worker, params) => logged.push({ backend, params }),
    ...extra,
  });
  rig = { tier, coordinator, logged };
  return rig;
}

/** What has reached the session's outbound stream so far (read without waiting for more). */
async function drain(c: MCPCoordinator, sessionId: string, principal: string | null): Promise<unknown[]> {
  const stream = c.outbound(sessionId, principal);
  if (!stream) throw new Error('no such session');
  const it = stream[Symbol.asyncIterator]();
  const got: unknown[] = [];
  for (;;) {
    const next = await Promise.race([it.next(), Bun.sleep(20).then(() => undefined)]);
    if (!next || next.done) return got;
    got.push(JSONRPCMessageSchema.parse(next.value));
  }
}

const log = (level: string, data: string) => ({
  jsonrpc: '2.0' as const,
  method: 'notifications/message',
  params: { level, data },
});

describe('isolation — log messages', () => {
  it('a shared worker used by one principal: its log lines reach that principal’s sessions that asked', async () => {
    const { coordinator, tier, logged } = setup({ a: ['--name', 'a'] });
    const s = await open(coordinator, '2025-11-25', 'alice');
    resultOf(await ask(coordinator, s.sessionId, req('logging/setLevel', { level: 'info' })));
    tier.worker('a').injectFromWorker(log('error', 'for alice'));
    expect(await drain(coordinator, s.sessionId, 'alice')).toEqual([log('error', 'for alice')]);
    expect(logged).toEqual([]);
  });

  it('a shared worker two principals used: its log lines reach no client, only the gateway’s log', async () => {
    const { coordinator, tier, logged } = setup({ a: ['--name', 'a'] });
    const alice = await open(coordinator, '2025-11-25', 'alice');
    const mallory = await open(coordinator, '2025-11-25', 'mallory');
    for (const [s, p] of [
      [alice, 'alice'],
      [mallory, 'mallory'],
    ] as const) {
      resultOf(await ask(coordinator, s.sessionId, req('logging/setLevel', { level: 'debug' }), p));
      // Each principal's call runs on the one shared worker.
      resultOf(
        await ask(
          coordinator,
          s.sessionId,
          req('tools/call', { name: 'a__echo', arguments: { text: p } }),
          p,
        ),
      );
    }
    tier.worker('a').injectFromWorker(log('error', 'secret of somebody'));
    expect(await drain(coordinator, alice.sessionId, 'alice')).toEqual([]);
    expect(await drain(coordinator, mallory.sessionId, 'mallory')).toEqual([]);
    expect(logged).toEqual([{ backend: 'a', params: { level: 'error', data: 'secret of somebody' } }]);
  });

  it('a per-session worker’s log lines reach its own session only', async () => {
    const { coordinator, tier } = setup({ a: ['--name', 'a'] }, { a: 'per-session' });
    const one = await open(coordinator, '2025-11-25', 'alice');
    const two = await open(coordinator, '2025-11-25', 'alice');
    for (const s of [one, two]) {
      resultOf(await ask(coordinator, s.sessionId, req('logging/setLevel', { level: 'info' })));
      // A per-session worker is bound at the session's first call to the backend.
      resultOf(
        await ask(coordinator, s.sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'x' } })),
      );
    }
    tier.worker('a', `s:${one.sessionId}`).injectFromWorker(log('info', 'one'));
    expect(await drain(coordinator, one.sessionId, 'alice')).toEqual([log('info', 'one')]);
    expect(await drain(coordinator, two.sessionId, 'alice')).toEqual([]);
  });
});

describe('isolation — server-to-client requests', () => {
  it('a shared worker another principal used: a request of the worker is refused back to it, never relayed', async () => {
    const { coordinator, tier } = setup({ s: { script: SAMPLING_FIXTURE, args: [] } });
    // Alice used the worker (her call is over; its handler might still ask for things).
    const alice = await open(coordinator, '2025-11-25', 'alice', { sampling: {} });
    const aliceCall = await coordinator.handle(
      req('tools/call', { name: 's__ask', arguments: { question: 'alice asks' } }, 6),
      { sessionId: alice.sessionId, principal: 'alice' },
    );
    if (aliceCall.kind !== 'stream') throw new Error('expected a stream');
    const aliceStream = aliceCall.messages[Symbol.asyncIterator]();
    const asked = (await aliceStream.next()).value as { id: string };
    await coordinator.handle(
      {
        jsonrpc: '2.0',
        id: asked.id,
        result: { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' },
      },
      { sessionId: alice.sessionId, principal: 'alice' },
    );
    // Alice's call ends with the model's answer.
    expect(JSON.stringify((await aliceStream.next()).value)).toContain('model said: ok');
    // Mallory's call is the only one in flight when the worker asks.
    const mallory = await open(coordinator, '2025-11-25', 'mallory', { sampling: {} });
    const call = await coordinator.handle(
      req('tools/call', { name: 's__ask', arguments: { question: 'mallory asks' } }, 7),
      { sessionId: mallory.sessionId, principal: 'mallory' },
    );
    if (call.kind !== 'stream') throw new Error('expected a stream');
    const messages: JsonRpcMessage[] = [];
    for await (const m of call.messages) messages.push(m);
    // Nothing was relayed to mallory: only the final answer, in which the backend says sampling failed.
    expect(messages).toHaveLength(1);
    const final = messages[0] as unknown as { id: number; result: { isError?: boolean; content: unknown } };
    expect(final.id).toBe(7);
    expect(final.result.isError).toBe(true);
    expect(JSON.stringify(final.result.content)).toContain('serves several principals');
    // And the worker was told so with its own request id.
    const refusals = tier
      .worker('s')
      .sent.filter((m) => 'error' in m && /several principals/.test(JSON.stringify(m)));
    expect(refusals).toHaveLength(1);
  });

  it('a per-principal worker relays its requests to its principal’s call', async () => {
    const { coordinator } = setup({ s: { script: SAMPLING_FIXTURE, args: [] } }, { s: 'per-principal' });
    const mallory = await open(coordinator, '2025-11-25', 'mallory', { sampling: {} });
    resultOf(await ask(coordinator, mallory.sessionId, req('tools/list'), 'mallory'));
    const alice = await open(coordinator, '2025-11-25', 'alice', { sampling: {} });
    const call = await coordinator.handle(
      req('tools/call', { name: 's__ask', arguments: { question: 'alice asks' } }, 8),
      { sessionId: alice.sessionId, principal: 'alice' },
    );
    if (call.kind !== 'stream') throw new Error('expected a stream');
    const it = call.messages[Symbol.asyncIterator]();
    const asked = (await it.next()).value as { id: string; method: string; params: unknown };
    expect(asked.method).toBe('sampling/createMessage');
    expect(JSON.stringify(asked.params)).toContain('alice asks');
    await coordinator.handle(
      {
        jsonrpc: '2.0',
        id: asked.id,
        result: { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' },
      },
      { sessionId: alice.sessionId, principal: 'alice' },
    );
    const final = (await it.next()).value as { result: { content: unknown } };
    expect(JSON.stringify(final.result.content)).toContain('model said: ok');
  });
});

describe('isolation — lists of isolated backends', () => {
  it('per-session: a worker’s list_changed reaches its own session and refetches only its list', async () => {
    const { coordinator, tier } = setup({ a: ['--name', 'a'] }, { a: 'per-session' });
    const one = await open(coordinator, '2025-11-25', 'alice');
    const two = await open(coordinator, '2025-11-25', 'bob');
    for (const [s, p] of [
      [one, 'alice'],
      [two, 'bob'],
    ] as const) {
      resultOf(
        await ask(
          coordinator,
          s.sessionId,
          req('tools/call', { name: 'a__echo', arguments: { text: 'x' } }),
          p,
        ),
      );
      ListToolsResultSchema.parse(resultOf(await ask(coordinator, s.sessionId, req('tools/list'), p)));
    }
    const w1 = tier.worker('a', `s:${one.sessionId}`);
    const w2 = tier.worker('a', `s:${two.sessionId}`);
    expect(w1).not.toBe(w2);
    const listsSent = (w: typeof w1) =>
      w.sent.filter((m) => 'method' in m && m.method === 'tools/list').length;
    const before = [listsSent(w1), listsSent(w2)];
    w1.injectFromWorker({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(await drain(coordinator, one.sessionId, 'alice')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ]);
    expect(await drain(coordinator, two.sessionId, 'bob')).toEqual([]);
    for (const [s, p] of [
      [one, 'alice'],
      [two, 'bob'],
    ] as const) {
      ListToolsResultSchema.parse(resultOf(await ask(coordinator, s.sessionId, req('tools/list'), p)));
    }
    // Session one's list was fetched again from its worker; session two's still came from its cache.
    expect([listsSent(w1), listsSent(w2)]).toEqual([before[0]! + 1, before[1]]);
  });

  it('per-principal: one worker serves all of a principal’s sessions; it goes when the last one ends', async () => {
    const { coordinator, tier } = setup({ a: ['--name', 'a'] }, { a: 'per-principal' });
    const a1 = await open(coordinator, '2025-11-25', 'alice');
    const a2 = await open(coordinator, '2025-11-25', 'alice');
    const b1 = await open(coordinator, '2025-11-25', 'bob');
    const pid = async (s: string, p: string) => {
      const r = resultOf(
        await ask(coordinator, s, req('tools/call', { name: 'a__hold', arguments: { ms: 1 } }), p),
      );
      return JSON.stringify(r.content);
    };
    expect(await pid(a1.sessionId, 'alice')).toBe(await pid(a2.sessionId, 'alice'));
    expect(await pid(b1.sessionId, 'bob')).not.toBe(await pid(a1.sessionId, 'alice'));
    expect(await coordinator.closeSession(a1.sessionId, 'alice')).toBe(true);
    expect(tier.endedPrincipals).toEqual([]);
    expect(await coordinator.closeSession(a2.sessionId, 'alice')).toBe(true);
    expect(tier.endedPrincipals).toEqual(['alice']);
  });
});

describe('isolation — 2026 stand-in sessions', () => {
  it('encodes principal and affinity key without ambiguity', () => {
    expect(standInId('svc', 'ci:x')).not.toBe(standInId('svc:ci', 'x'));
    expect(standInId(null, 'x')).not.toBe(standInId('', 'x'));
    expect(standInId('a', null)).not.toBe(standInId('a', ''));
    expect(standInId('a:b', 'c')).toBe(standInId('a:b', 'c'));
  });

  it('gives principals whose names and keys would concatenate alike different sessions', async () => {
    const { coordinator } = setup({ a: ['--name', 'a'] });
    const modern = (principal: string, affinityKey: string) =>
      coordinator.handleModern(
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/list',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        },
        { principal, affinityKey },
      );
    await modern('svc', 'ci:x');
    await modern('svc:ci', 'x');
    expect(coordinator.stats().sessions).toBe(2);
  });
});

describe('isolation — refusals name no other session', () => {
  it('a session id of another principal is not found', async () => {
    const { coordinator } = setup({ a: ['--name', 'a'] });
    const s = await open(coordinator, '2025-11-25', 'alice');
    const outcome = await coordinator.handle(req('tools/list'), {
      sessionId: s.sessionId,
      principal: 'mallory',
    });
    expect(outcome.kind).toBe('session-not-found');
    if (outcome.kind === 'session-not-found')
      expect(errorOf(outcome.message).message).toBe('session not found');
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  GetPromptResultSchema,
  InitializeResultSchema,
  JSONRPCMessageSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  ProgressNotificationSchema,
  ReadResourceResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createJournal, type Journal, memoryDriver } from '@switchyard/journal';
import { afterEach, describe, expect, it } from 'vitest';
import {
  finalResponse,
  type JsonRpcMessage,
  type JsonRpcResponse,
  MCPCoordinator,
  type MCPCoordinatorOptions,
} from '../src/index.ts';
import { ask, collect, errorOf, open, req, resultOf } from './support/protocol.ts';
import { SAMPLING_FIXTURE, StdioTier } from './support/stdio-tier.ts';

const TWO = { a: ['--name', 'a'], b: ['--name', 'b'] };

interface Rig {
  tier: StdioTier;
  journal: Journal;
  coordinator: MCPCoordinator;
}
let rig: Rig | undefined;

afterEach(async () => {
  if (!rig) return;
  const { coordinator, tier, journal } = rig;
  rig = undefined;
  await coordinator.close();
  await tier.stop();
  await journal.close();
  expect(tier.workers.every((w) => w.isClosed)).toBe(true);
});

async function setup(
  backends: ConstructorParameters<typeof StdioTier>[0] = TWO,
  extra: Partial<MCPCoordinatorOptions> = {},
): Promise<Rig> {
  const tier = new StdioTier(backends);
  const journal = await createJournal({ driver: memoryDriver() });
  const coordinator = new MCPCoordinator({
    tiers: tier,
    backends: Object.keys(backends).map((name) => ({ name })),
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    journal,
    ...extra,
  });
  rig = { tier, journal, coordinator };
  return rig;
}

describe('MCPCoordinator — initialize and sessions', () => {
  it('negotiates a different 2025 version for two sessions at once and merges the backends', async () => {
    const { coordinator, tier } = await setup();
    const [s1, s2, s3] = await Promise.all([
      open(coordinator, '2025-03-26'),
      open(coordinator, '2025-06-18'),
      open(coordinator, '1999-01-01'),
    ]);
    const r1 = InitializeResultSchema.parse(resultOf(s1.message));
    const r2 = InitializeResultSchema.parse(resultOf(s2.message));
    expect(r1.protocolVersion).toBe('2025-03-26');
    expect(r2.protocolVersion).toBe('2025-06-18');
    expect(InitializeResultSchema.parse(resultOf(s3.message)).protocolVersion).toBe('2025-11-25');
    expect(r1.serverInfo).toEqual({ name: 'switchyard', version: '0.0.0-test' });
    expect(r1.capabilities.tools).toBeDefined();
    expect(r1.capabilities.logging).toBeDefined();
    expect(r1.instructions).toContain('The a fixture');
    expect(r1.instructions).toContain('The b fixture');
    expect(new Set([s1.sessionId, s2.sessionId, s3.sessionId]).size).toBe(3);
    for (const s of [s1, s2, s3]) expect(s.sessionId).toMatch(/^[0-9a-f]{32}$/);
    // One worker per backend, one handshake per worker, whatever the number of sessions.
    expect(tier.workers).toHaveLength(2);
    expect(coordinator.stats().handshakes).toBe(2);
    for (const w of tier.workers) {
      const methods = w.sent.filter((m) => 'method' in m).map((m) => (m as { method: string }).method);
      expect(methods.filter((m) => m === 'initialize')).toHaveLength(1);
      expect(methods.filter((m) => m === 'notifications/initialized')).toHaveLength(1);
    }
  });

  it('makes session ids from the injected random bytes', async () => {
    const { coordinator } = await setup(
      { a: ['--name', 'a'] },
      { randomBytes: (n) => new Uint8Array(n).fill(0xab) },
    );
    const s = await open(coordinator);
    expect(s.sessionId).toBe('ab'.repeat(16));
  });

  it('refuses a session to another principal, and a request without a session', async () => {
    const { coordinator } = await setup({ a: ['--name', 'a'] });
    const s = await open(coordinator, '2025-06-18', 'alice');
    const foreign = await coordinator.handle(req('ping'), { sessionId: s.sessionId, principal: 'mallory' });
    expect(foreign.kind).toBe('session-not-found');
    expect(errorOf(await finalResponse(foreign)).message).toBe('session not found');
    expect((await coordinator.handle(req('ping'), { principal: 'alice' })).kind).toBe('session-not-found');
    expect(coordinator.outbound(s.sessionId, 'mallory')).toBeUndefined();
    expect(await coordinator.closeSession(s.sessionId, 'mallory')).toBe(false);
    // Still alive for its owner.
    expect(resultOf(await ask(coordinator, s.sessionId, req('ping')))).toEqual({});
    expect(await coordinator.closeSession(s.sessionId, 'alice')).toBe(true);
    expect((await coordinator.handle(req('ping'), { sessionId: s.sessionId, principal: 'alice' })).kind).toBe(
      'session-not-found',
    );
  });

  it('ends a session idle longer than sessionIdleMs, but not one with a request in flight', async () => {
    let now = 1_000_000;
    const { coordinator } = await setup({ a: ['--name', 'a'] }, { sessionIdleMs: 60_000, now: () => now });
    const idle = await open(coordinator, '2025-06-18', 'alice');
    const busy = await open(coordinator, '2025-06-18', 'alice');
    const slow = coordinator.handle(
      { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'a__sleep', arguments: { ms: 400 } } },
      { sessionId: busy.sessionId, principal: 'alice' },
    );
    now += 59_999;
    expect(await coordinator.expireIdleSessions()).toBe(0);
    now += 1;
    const outcome = await slow;
    expect(await coordinator.expireIdleSessions()).toBe(1);
    expect(coordinator.outbound(idle.sessionId, 'alice')).toBeUndefined();
    expect(coordinator.outbound(busy.sessionId, 'alice')).toBeDefined();
    expect(resultOf(await finalResponse(outcome))).toBeDefined();
    // Heard from again: the clock starts over for it.
    expect(resultOf(await ask(coordinator, busy.sessionId, req('ping')))).toEqual({});
    now += 59_000;
    expect(await coordinator.expireIdleSessions()).toBe(0);
    now += 1_000;
    expect(await coordinator.expireIdleSessions()).toBe(1);
    expect(coordinator.stats().sessions).toBe(0);
  });

  it('answers ping and logging/setLevel, refuses a bad level and an unknown method', async () => {
    const { coordinator } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    expect(resultOf(await ask(coordinator, sessionId, req('ping')))).toEqual({});
    expect(
      resultOf(await ask(coordinator, sessionId, req('logging/setLevel', { level: 'warning' }))),
    ).toEqual({});
    expect(errorOf(await ask(coordinator, sessionId, req('logging/setLevel', { level: 'loud' }))).code).toBe(
      -32602,
    );
    const unknown = errorOf(await ask(coordinator, sessionId, req('nope/nothing')));
    expect(unknown.code).toBe(-32601);
    expect(unknown.message).toContain('nope/nothing');
  });
});

describe('MCPCoordinator — aggregation and routing', () => {
  it('lists tools, prompts, resources and templates of two backends with prefixed names', async () => {
    const { coordinator } = await setup();
    const { sessionId } = await open(coordinator);
    const tools = ListToolsResultSchema.parse(resultOf(await ask(coordinator, sessionId, req('tools/list'))));
    const names = tools.tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['a__echo', 'a__sleep', 'b__echo', 'b__whoami']));
    expect(names.indexOf('a__echo')).toBeLessThan(names.indexOf('b__echo'));
    expect(tools._meta).toBeUndefined();
    const prompts = ListPromptsResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('prompts/list'))),
    );
    expect(prompts.prompts.map((p) => p.name)).toEqual(['a__greet', 'b__greet']);
    const resources = ListResourcesResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('resources/list'))),
    );
    // Both list fixture://info, so each is shown in the gateway's form.
    expect(resources.resources.map((r) => r.uri)).toEqual([
      `switchyard://a/${encodeURIComponent('fixture://info')}`,
      `switchyard://b/${encodeURIComponent('fixture://info')}`,
    ]);
    ListResourceTemplatesResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('resources/templates/list'))),
    );
  });

  it('routes tools/call, prompts/get and resources/read to the owning backend with the original name', async () => {
    const { coordinator, tier } = await setup();
    const { sessionId } = await open(coordinator);
    const echo = CallToolResultSchema.parse(
      resultOf(
        await ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'hi' } })),
      ),
    );
    expect(echo.content).toEqual([{ type: 'text', text: 'hi' }]);
    const who = CallToolResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('tools/call', { name: 'b__whoami', arguments: {} }))),
    );
    expect(JSON.stringify(who.content)).toContain(String(tier.worker('b').proc.pid));
    const echoed = tier.worker('a').sent.find((m) => 'method' in m && m.method === 'tools/call');
    expect(echoed && 'params' in echoed && echoed.params?.name).toBe('echo');
    const prompt = GetPromptResultSchema.parse(
      resultOf(
        await ask(
          coordinator,
          sessionId,
          req('prompts/get', { name: 'b__greet', arguments: { name: 'Ada' } }),
        ),
      ),
    );
    expect(JSON.stringify(prompt.messages)).toContain('Ada');
    const uri = `switchyard://b/${encodeURIComponent('fixture://info')}`;
    const read = ReadResourceResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('resources/read', { uri }))),
    );
    expect(JSON.stringify(read.contents)).toContain('b');
    const readSent = tier.worker('b').sent.find((m) => 'method' in m && m.method === 'resources/read');
    expect(readSent && 'params' in readSent && readSent.params?.uri).toBe('fixture://info');
    expect(
      errorOf(await ask(coordinator, sessionId, req('resources/read', { uri: 'fixture://info' }))).code,
    ).toBe(-32002);
  });

  it('answers an unknown tool with the error that names it', async () => {
    const { coordinator } = await setup();
    const { sessionId } = await open(coordinator);
    const error = errorOf(
      await ask(coordinator, sessionId, req('tools/call', { name: 'a__nope', arguments: {} })),
    );
    expect(error).toEqual({ code: -32602, message: 'Unknown tool: a__nope' });
  });

  it('keeps serving when one backend cannot start, naming it in _meta and in a fast error', async () => {
    const { coordinator } = await setup({ a: ['--name', 'a'], b: ['--name', 'b', '--exit-at-start'] });
    const init = await open(coordinator);
    const initResult = InitializeResultSchema.parse(resultOf(init.message));
    expect(JSON.stringify(initResult._meta)).toContain('refusing to start');
    const tools = ListToolsResultSchema.parse(
      resultOf(await ask(coordinator, init.sessionId, req('tools/list'))),
    );
    expect(tools.tools.every((t) => t.name.startsWith('a__'))).toBe(true);
    expect(tools.tools.length).toBeGreaterThan(0);
    const unavailable = (tools._meta as Record<string, { backend: string; reason: string }[]>)[
      'switchyard/unavailable'
    ];
    expect(unavailable).toHaveLength(1);
    expect(unavailable?.[0]?.backend).toBe('b');
    expect(unavailable?.[0]?.reason).toContain('refusing to start');
    const down = errorOf(
      await ask(
        coordinator,
        init.sessionId,
        req('tools/call', { name: 'b__echo', arguments: { text: 'x' } }),
      ),
    );
    expect(down.message).toContain('Backend "b" is unavailable');
    expect(down.data).toMatchObject({ backend: 'b' });
    const up = CallToolResultSchema.parse(
      resultOf(
        await ask(
          coordinator,
          init.sessionId,
          req('tools/call', { name: 'a__echo', arguments: { text: 'ok' } }),
        ),
      ),
    );
    expect(up.content).toEqual([{ type: 'text', text: 'ok' }]);
  });

  it('answers a request whose worker dies mid-call with an error naming the backend', async () => {
    const { coordinator } = await setup({ a: ['--name', 'a', '--crash-on', 'boom'] });
    const { sessionId } = await open(coordinator);
    const error = errorOf(
      await ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'boom' } })),
    );
    expect(error.message).toContain('Backend "a" is unavailable');
    expect(error.message).toContain('code 3');
  });
});

describe('MCPCoordinator — retries', () => {
  it('retries a read-only tool once on another worker when the first died mid-call', async () => {
    const marker = join(await mkdtemp(join(tmpdir(), 'switchyard-crash-')), 'crashed');
    const { coordinator, tier } = await setup({
      a: ['--name', 'a', '--crash-on', 'boom', '--crash-marker', marker],
    });
    const { sessionId } = await open(coordinator);
    const response = await ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__echo', arguments: { text: 'boom' } }),
    );
    expect(CallToolResultSchema.parse(resultOf(response)).content).toEqual([{ type: 'text', text: 'boom' }]);
    expect(tier.workers).toHaveLength(2);
  });

  it('answers a backend’s ping itself', async () => {
    const { coordinator } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    const response = await ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__ping_client', arguments: {} }),
    );
    expect(CallToolResultSchema.parse(resultOf(response)).content).toEqual([{ type: 'text', text: 'pong' }]);
  });

  it('does not retry a tool that is not marked read-only or idempotent, and says so', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a', '--crash-on', 'boom'] });
    const { sessionId } = await open(coordinator);
    const error = errorOf(
      await ask(
        coordinator,
        sessionId,
        req('tools/call', { name: 'a__remember', arguments: { key: 'k', value: 'boom' } }),
      ),
    );
    expect(error.message).toContain('Backend "a" is unavailable');
    expect(error.message).toContain('not retried');
    expect(tier.workers).toHaveLength(1);
  });
});

describe('MCPCoordinator — sharing a worker', () => {
  it('gives two sessions that both use id 1 at once on one worker each its own result', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const [s1, s2] = await Promise.all([open(coordinator), open(coordinator, '2025-06-18')]);
    const call = (sessionId: string, ms: number) =>
      ask(coordinator, sessionId, req('tools/call', { name: 'a__sleep', arguments: { ms } }, 1));
    const echo = (sessionId: string, text: string) =>
      ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text } }, 1));
    const [r1, r2] = await Promise.all([echo(s1.sessionId, 'one'), echo(s2.sessionId, 'two')]);
    expect(r1?.id).toBe(1);
    expect(r2?.id).toBe(1);
    expect(CallToolResultSchema.parse(resultOf(r1)).content).toEqual([{ type: 'text', text: 'one' }]);
    expect(CallToolResultSchema.parse(resultOf(r2)).content).toEqual([{ type: 'text', text: 'two' }]);
    // Overlapping for real: the slower one is still in flight when the faster one answers.
    const [slow, fast] = await Promise.all([call(s1.sessionId, 150), echo(s2.sessionId, 'quick')]);
    expect(CallToolResultSchema.parse(resultOf(fast)).content).toEqual([{ type: 'text', text: 'quick' }]);
    expect(CallToolResultSchema.parse(resultOf(slow)).isError).not.toBe(true);
    expect(tier.workers).toHaveLength(1);
    const wireIds = tier
      .worker('a')
      .sent.filter((m) => 'method' in m && m.method === 'tools/call')
      .map((m) => ('id' in m ? m.id : undefined));
    expect(new Set(wireIds).size).toBe(wireIds.length);
  });
});

describe('MCPCoordinator — progress and cancellation', () => {
  it('delivers notifications/progress with the client token to the stream of its request', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 80 }, _meta: { progressToken: 'mine' } }, 7),
      { sessionId, principal: 'alice' },
    );
    const messages = await collect(outcome);
    const progress = messages.filter((m) => 'method' in m && m.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(ProgressNotificationSchema.parse(p).params.progressToken).toBe('mine');
    const last = messages.at(-1) as JsonRpcResponse;
    expect(last.id).toBe(7);
    CallToolResultSchema.parse(resultOf(last));
    const sent = tier.worker('a').sent.find((m) => 'method' in m && m.method === 'tools/call');
    const token = (sent as unknown as { params: { _meta: { progressToken: unknown } } }).params._meta
      .progressToken;
    expect(token).toBe((sent as { id: unknown }).id);
  });

  it('ends a cancelled request at once, tells the worker with its own id, and drops the late reply', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    // Hold the cancellation back from the process, so its reply really comes late.
    tier.worker('a').holdBack = (m) => 'method' in m && m.method === 'notifications/cancelled';
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 250 }, _meta: { progressToken: 1 } }, 'c-1'),
      { sessionId, principal: 'alice' },
    );
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const seen: JsonRpcMessage[] = [];
    const iterator = outcome.messages[Symbol.asyncIterator]();
    const first = await iterator.next();
    seen.push(first.value as JsonRpcMessage);
    expect((first.value as { method?: string }).method).toBe('notifications/progress');
    const accepted = await coordinator.handle(
      {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'c-1', reason: 'changed my mind' },
      },
      { sessionId, principal: 'alice' },
    );
    expect(accepted).toEqual({ kind: 'accepted' });
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) seen.push(r.value);
    expect(seen.some((m) => !('method' in m))).toBe(false);
    const sent = tier.worker('a').sent;
    const call = sent.find((m) => 'method' in m && m.method === 'tools/call') as { id: number };
    const cancel = sent.find((m) => 'method' in m && m.method === 'notifications/cancelled') as unknown as {
      params: { requestId: unknown };
    };
    expect(cancel.params.requestId).toBe(call.id);
    // The reply the worker still sends is dropped, not delivered anywhere.
    await expect.poll(() => coordinator.stats().lateReplies, { timeout: 3000 }).toBe(1);
    // The session goes on.
    expect(resultOf(await ask(coordinator, sessionId, req('ping')))).toEqual({});
  });
});

describe('MCPCoordinator — journal', () => {
  it('records sessions and an audit entry per call', async () => {
    const { coordinator, journal } = await setup(TWO, { auditPayloadChars: 16 * 1024 });
    const { sessionId } = await open(coordinator, '2025-06-18');
    expect(await journal.getSession(sessionId)).toMatchObject({
      principal: 'alice',
      protocolVersion: '2025-06-18',
    });
    await ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'j' } }));
    await ask(coordinator, sessionId, req('tools/call', { name: 'zzz', arguments: {} }));
    await journal.flush();
    const audit = await journal.queryAudit({ sessionId });
    const call = audit.find((r) => r.method === 'tools/call' && r.outcome === 'ok');
    expect(call).toMatchObject({ name: 'a__echo', backend: 'a', principal: 'alice' });
    expect(call?.durationMs).toBeGreaterThanOrEqual(0);
    expect(audit.find((r) => r.name === 'zzz')).toMatchObject({
      outcome: 'rejected',
      error: 'Unknown tool: zzz',
    });
    // The request as received and the response as sent, as JSON text.
    expect(JSON.parse(call?.request ?? 'null')).toMatchObject({
      method: 'tools/call',
      params: { name: 'a__echo', arguments: { text: 'j' } },
    });
    expect(JSON.parse(call?.response ?? 'null')).toMatchObject({ result: { content: [{ text: 'j' }] } });
    const rejected = audit.find((r) => r.name === 'zzz');
    expect(JSON.parse(rejected?.response ?? 'null')).toMatchObject({
      error: { message: 'Unknown tool: zzz' },
    });
    expect(audit.some((r) => r.method === 'initialize')).toBe(true);
    expect(await coordinator.closeSession(sessionId, 'alice')).toBe(true);
    expect(await journal.getSession(sessionId)).toBeUndefined();
  });

  it('keeps no request or response in the audit unless asked (auditPayloadChars)', async () => {
    const { coordinator, journal } = await setup();
    const { sessionId } = await open(coordinator, '2025-06-18');
    await ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'j' } }));
    await journal.flush();
    const call = (await journal.queryAudit({ sessionId })).find((r) => r.method === 'tools/call');
    expect(call).toMatchObject({ outcome: 'ok', request: null, response: null });
  });
});

/** The SDK's `Transport`, answered by `coordinator.handle`. */
class CoordinatorTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  sessionId?: string;

  constructor(private readonly coordinator: MCPCoordinator) {}

  async start(): Promise<void> {}

  async send(message: Parameters<Transport['send']>[0]): Promise<void> {
    const context =
      this.sessionId === undefined ? { principal: 'sdk' } : { sessionId: this.sessionId, principal: 'sdk' };
    const outcome = await this.coordinator.handle(message, context);
    if (outcome.kind === 'response') {
      if (outcome.sessionId) this.sessionId = outcome.sessionId;
      this.deliver(outcome.message);
    } else if (outcome.kind === 'session-not-found') {
      this.deliver(outcome.message);
    } else if (outcome.kind === 'stream') {
      void (async () => {
        for await (const m of outcome.messages) this.deliver(m);
      })();
    }
  }

  private deliver(message: JsonRpcMessage): void {
    this.onmessage?.(JSONRPCMessageSchema.parse(message));
  }

  async close(): Promise<void> {
    if (this.sessionId) await this.coordinator.closeSession(this.sessionId, 'sdk');
    this.onclose?.();
  }
}

describe('MCPCoordinator — the real SDK client', () => {
  it('connects, lists, calls with progress and reads through the coordinator', async () => {
    const { coordinator } = await setup();
    const client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await client.connect(new CoordinatorTransport(coordinator));
    expect(client.getServerVersion()).toEqual({ name: 'switchyard', version: '0.0.0-test' });
    expect(client.getInstructions()).toContain('The b fixture');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('b__add');
    const progress: number[] = [];
    const sum = await client.callTool({ name: 'b__add', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(sum.content)).toContain('5');
    await client.callTool({ name: 'a__sleep', arguments: { ms: 50 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress.length).toBeGreaterThan(0);
    await expect(client.callTool({ name: 'nope' })).rejects.toThrow(/Unknown tool: nope/);
    await client.ping();
    await client.close();
    expect(coordinator.stats().sessions).toBe(0);
  });
});

describe('MCPCoordinator — timeouts, session end, list changes, pages', () => {
  it('answers a routed request that runs too long with -32001 and cancels it on the worker', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] }, { requestTimeoutMs: 150 });
    const { sessionId } = await open(coordinator);
    const error = errorOf(
      await ask(coordinator, sessionId, req('tools/call', { name: 'a__sleep', arguments: { ms: 3000 } })),
    );
    expect(error.code).toBe(-32001);
    expect(error.message).toContain('backend "a"');
    const call = tier.worker('a').sent.find((m) => 'method' in m && m.method === 'tools/call') as {
      id: number;
    };
    const cancel = tier.worker('a').sent.find((m) => 'method' in m && m.method === 'notifications/cancelled');
    expect(cancel).toMatchObject({ params: { requestId: call.id } });
  });

  it('closing a session ends its calls in flight, cancels them on the worker and ends the session in the tier', async () => {
    const { coordinator, tier, journal } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 3000 } }),
      {
        sessionId,
        principal: 'alice',
      },
    );
    const pending = collect(outcome);
    await expect
      .poll(() => tier.worker('a').sent.some((m) => 'method' in m && m.method === 'tools/call'))
      .toBe(true);
    expect(await coordinator.closeSession(sessionId, 'alice')).toBe(true);
    expect((await pending).some((m) => !('method' in m))).toBe(false);
    expect(tier.worker('a').sent.some((m) => 'method' in m && m.method === 'notifications/cancelled')).toBe(
      true,
    );
    expect(tier.endedSessions).toEqual([sessionId]);
    expect(await journal.getSession(sessionId)).toBeUndefined();
  });

  it("passes a backend's list_changed to every session and lists again from the backend", async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const s1 = await open(coordinator);
    const s2 = await open(coordinator);
    const listsSent = () =>
      tier.worker('a').sent.filter((m) => 'method' in m && m.method === 'tools/list').length;
    await ask(coordinator, s1.sessionId, req('tools/list'));
    await ask(coordinator, s2.sessionId, req('tools/list'));
    expect(listsSent()).toBe(1); // cached
    tier.worker('a').injectFromWorker({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    for (const s of [s1, s2]) {
      const outbound = coordinator.outbound(s.sessionId, 'alice');
      if (!outbound) throw new Error('no outbound channel');
      const first = await outbound[Symbol.asyncIterator]().next();
      expect(JSONRPCMessageSchema.parse(first.value)).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/tools/list_changed',
      });
    }
    ListToolsResultSchema.parse(resultOf(await ask(coordinator, s1.sessionId, req('tools/list'))));
    expect(listsSent()).toBe(2);
  });

  it('pages lists per backend with opaque cursors and refuses a forged one', async () => {
    const { coordinator } = await setup(TWO, { pagination: 'per-backend' });
    const { sessionId } = await open(coordinator);
    const page1 = ListToolsResultSchema.parse(resultOf(await ask(coordinator, sessionId, req('tools/list'))));
    expect(page1.tools.every((t) => t.name.startsWith('a__'))).toBe(true);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = ListToolsResultSchema.parse(
      resultOf(await ask(coordinator, sessionId, req('tools/list', { cursor: page1.nextCursor }))),
    );
    expect(page2.tools.every((t) => t.name.startsWith('b__'))).toBe(true);
    expect(page2.nextCursor).toBeUndefined();
    const forged = errorOf(
      await ask(coordinator, sessionId, req('tools/list', { cursor: `${page1.nextCursor}x` })),
    );
    expect(forged.code).toBe(-32602);
  });
});

describe('MCPCoordinator — server-to-client requests', () => {
  it("relays a backend's sampling/createMessage to the client on the stream of the call, and the answer back", async () => {
    const { coordinator } = await setup({ s: { script: SAMPLING_FIXTURE, args: [] } });
    const { sessionId } = await open(coordinator, '2025-06-18', 'alice', { sampling: {} });
    const outcome = await coordinator.handle(
      req('tools/call', { name: 's__ask', arguments: { question: 'why?' } }, 5),
      {
        sessionId,
        principal: 'alice',
      },
    );
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const iterator = outcome.messages[Symbol.asyncIterator]();
    const asked = JSONRPCMessageSchema.parse((await iterator.next()).value) as { id: string; method: string };
    expect(asked.method).toBe('sampling/createMessage');
    expect(JSON.stringify(asked)).toContain('why?');
    const answer = {
      jsonrpc: '2.0',
      id: asked.id,
      result: { role: 'assistant', content: { type: 'text', text: 'because' }, model: 'test-model' },
    };
    expect(await coordinator.handle(answer, { sessionId, principal: 'alice' })).toEqual({ kind: 'accepted' });
    const final = (await iterator.next()).value as JsonRpcResponse;
    expect(final.id).toBe(5);
    expect(CallToolResultSchema.parse(resultOf(final)).content).toEqual([
      { type: 'text', text: 'model said: because' },
    ]);
    expect((await iterator.next()).done).toBe(true);
  });

  it('answers the backend with an error when the client did not declare sampling', async () => {
    const { coordinator } = await setup({ s: { script: SAMPLING_FIXTURE, args: [] } });
    const { sessionId } = await open(coordinator, '2025-06-18');
    const messages = await collect(
      await coordinator.handle(req('tools/call', { name: 's__ask', arguments: { question: 'q' } }), {
        sessionId,
        principal: 'alice',
      }),
    );
    expect(messages).toHaveLength(1);
    const result = CallToolResultSchema.parse(resultOf(messages[0] as JsonRpcResponse));
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('does not support sampling/createMessage');
  });
});

describe('MCPCoordinator — admission and abandoned streams', () => {
  it('cancels a call on the worker when the client stops reading its stream', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 3000 }, _meta: { progressToken: 'p' } }, 'gone'),
      { sessionId, principal: 'alice' },
    );
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const iterator = outcome.messages[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    expect(tier.worker('a').sent.some((m) => 'method' in m && m.method === 'notifications/cancelled')).toBe(
      true,
    );
    // The id is free again.
    const again = await ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__echo', arguments: { text: 'z' } }, 'gone'),
    );
    expect(CallToolResultSchema.parse(resultOf(again)).content).toEqual([{ type: 'text', text: 'z' }]);
  });

  it('refuses a second request with an id already in flight in the same session', async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const { sessionId } = await open(coordinator);
    const first = ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__sleep', arguments: { ms: 150 } }, 3),
    );
    await expect
      .poll(() => tier.worker('a').sent.some((m) => 'method' in m && m.method === 'tools/call'))
      .toBe(true);
    const second = errorOf(
      await ask(coordinator, sessionId, req('tools/call', { name: 'a__echo', arguments: { text: 'x' } }, 3)),
    );
    expect(second.code).toBe(-32600);
    CallToolResultSchema.parse(resultOf(await first));
  });
});

describe('MCPCoordinator — backend log messages', () => {
  it("passes a backend's notifications/message only to sessions that set a level it reaches", async () => {
    const { coordinator, tier } = await setup({ a: ['--name', 'a'] });
    const quiet = await open(coordinator);
    const loud = await open(coordinator);
    expect(
      resultOf(await ask(coordinator, loud.sessionId, req('logging/setLevel', { level: 'warning' }))),
    ).toEqual({});
    const log = (level: string) => ({
      jsonrpc: '2.0' as const,
      method: 'notifications/message',
      params: { level, data: level },
    });
    tier.worker('a').injectFromWorker(log('info'));
    tier.worker('a').injectFromWorker(log('error'));
    tier.worker('a').injectFromWorker({ jsonrpc: '2.0', method: 'notifications/prompts/list_changed' });
    const read = async (sessionId: string, n: number) => {
      const it = coordinator.outbound(sessionId, 'alice')![Symbol.asyncIterator]();
      const got: unknown[] = [];
      for (let i = 0; i < n; i++) got.push(JSONRPCMessageSchema.parse((await it.next()).value));
      return got;
    };
    expect(await read(loud.sessionId, 2)).toEqual([
      log('error'),
      { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' },
    ]);
    expect(await read(quiet.sessionId, 1)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' },
    ]);
  });
});

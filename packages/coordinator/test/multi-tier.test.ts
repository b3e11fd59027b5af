/**
 * The coordinator over the real `MultiTierPoolManager` (through `MultiTierPort`): the fixture
 * server as stdio backends, the MCP handshake as each backend's `ready` hook.
 */
import {
  CallToolResultSchema,
  InitializeResultSchema,
  ListToolsResultSchema,
  ProgressNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { MultiTierPoolManager, type StdioBackendSpec } from '@switchyard/multi-tier';
import { afterEach, describe, expect, it } from 'vitest';
import {
  finalResponse,
  type JsonRpcMessage,
  type JsonRpcResponse,
  MCPCoordinator,
  MultiTierPort,
} from '../src/index.ts';
import { ask, errorOf, open, req, resultOf } from './support/protocol.ts';
import { FIXTURE } from './support/stdio-tier.ts';

let stopAll: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopAll?.();
  stopAll = undefined;
});

function setup(
  backends: Record<string, string[]>,
  spec: Partial<StdioBackendSpec> = {},
  options: Partial<ConstructorParameters<typeof MCPCoordinator>[0]> = {},
) {
  const port = new MultiTierPort({ name: 'switchyard', version: '0.0.0-test' });
  const specs: Record<string, StdioBackendSpec> = {};
  for (const [name, args] of Object.entries(backends)) {
    specs[name] = {
      kind: 'stdio',
      command: process.execPath,
      args: [FIXTURE, '--name', name, ...args],
      ready: port.readyHook,
      retry: { baseDelayMs: 60_000 },
      stopGraceMs: 300,
      killGraceMs: 300,
      ...spec,
    };
  }
  const manager = new MultiTierPoolManager({ backends: specs });
  port.use(manager);
  const coordinator = new MCPCoordinator({
    tiers: port,
    backends: Object.keys(backends).map((name) => ({ name })),
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    ...options,
  });
  stopAll = async () => {
    await coordinator.close();
    await manager.stop();
    expect(manager.stats().state).toBe('stopped');
  };
  return { coordinator, manager };
}

async function openAs(coordinator: MCPCoordinator, protocolVersion: string) {
  const { sessionId, message } = await open(coordinator, protocolVersion, 'p');
  return { sessionId, result: InitializeResultSchema.parse(resultOf(message)) };
}

describe('MCPCoordinator over MultiTierPoolManager', () => {
  it('initializes, lists, routes, shares a worker between sessions using the same id, and delivers progress', async () => {
    const { coordinator } = setup({ a: [], b: [] });
    const [s1, s2] = await Promise.all([
      openAs(coordinator, '2025-03-26'),
      openAs(coordinator, '2025-11-25'),
    ]);
    expect(s1.result.protocolVersion).toBe('2025-03-26');
    expect(s2.result.protocolVersion).toBe('2025-11-25');
    expect(s1.result.instructions).toContain('The b fixture');
    // The ready hook made the handshake; the coordinator made none of its own.
    expect(coordinator.stats().handshakes).toBe(0);
    const ctx = { sessionId: s1.sessionId, principal: 'p' };
    const tools = ListToolsResultSchema.parse(
      resultOf(await finalResponse(await coordinator.handle(req('tools/list', {}), ctx))),
    );
    expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['a__echo', 'b__echo']));
    const echo = (sessionId: string, text: string) =>
      coordinator
        .handle(req('tools/call', { name: 'a__echo', arguments: { text } }, 1), { sessionId, principal: 'p' })
        .then(finalResponse);
    const [r1, r2] = await Promise.all([echo(s1.sessionId, 'one'), echo(s2.sessionId, 'two')]);
    expect(CallToolResultSchema.parse(resultOf(r1)).content).toEqual([{ type: 'text', text: 'one' }]);
    expect(CallToolResultSchema.parse(resultOf(r2)).content).toEqual([{ type: 'text', text: 'two' }]);
    expect(r1?.id).toBe(1);
    expect(r2?.id).toBe(1);
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'b__sleep', arguments: { ms: 60 }, _meta: { progressToken: 'tk' } }, 9),
      ctx,
    );
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const messages: JsonRpcMessage[] = [];
    for await (const m of outcome.messages) messages.push(m);
    const progress = messages.filter((m) => 'method' in m && m.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(ProgressNotificationSchema.parse(p).params.progressToken).toBe('tk');
    expect((messages.at(-1) as JsonRpcResponse).id).toBe(9);
  });

  it("refuses at once what the backend's admission has no room for (one place, no queue), and admits again after", async () => {
    const { coordinator, manager } = setup({ a: [] }, { concurrency: 1, queue: 0, replicas: { max: 1 } });
    const { sessionId } = await openAs(coordinator, '2025-11-25');
    const slow = ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__sleep', arguments: { ms: 300 } }),
      'p',
    );
    await expect.poll(() => manager.admission('a')?.inFlight, { timeout: 10_000 }).toBe(1);
    const refused = errorOf(
      await ask(
        coordinator,
        sessionId,
        req('tools/call', { name: 'a__echo', arguments: { text: 'x' } }),
        'p',
      ),
    );
    expect(refused.message).toContain('Backend "a" is overloaded');
    expect(refused.data).toMatchObject({ backend: 'a', overloaded: true });
    CallToolResultSchema.parse(resultOf(await slow));
    expect(manager.admission('a')).toMatchObject({ limit: 1, inFlight: 0, queued: 0 });
    const later = await ask(
      coordinator,
      sessionId,
      req('tools/call', { name: 'a__echo', arguments: { text: 'y' } }),
      'p',
    );
    expect(CallToolResultSchema.parse(resultOf(later)).content).toEqual([{ type: 'text', text: 'y' }]);
    // Lists and the handshake take no place: only calls do.
    expect(manager.admission('a')?.inFlight).toBe(0);
  });

  it('ends a cancelled call at once and keeps serving the session', async () => {
    const { coordinator } = setup({ a: [] });
    const { sessionId } = await openAs(coordinator, '2025-06-18');
    const ctx = { sessionId, principal: 'p' };
    const outcome = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 5000 }, _meta: { progressToken: 1 } }, 'x'),
      ctx,
    );
    if (outcome.kind !== 'stream') throw new Error('expected a stream');
    const iterator = outcome.messages[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as { method?: string }).method).toBe('notifications/progress');
    await coordinator.handle(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'x' } },
      ctx,
    );
    const rest: JsonRpcMessage[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest.some((m) => !('method' in m))).toBe(false);
    const after = await finalResponse(
      await coordinator.handle(req('tools/call', { name: 'a__echo', arguments: { text: 'still' } }), ctx),
    );
    expect(CallToolResultSchema.parse(resultOf(after)).content).toEqual([{ type: 'text', text: 'still' }]);
  });

  it('reports each call’s outcome to the tier manager: a timeout is a failure; an answer and a cancel are not', async () => {
    const { coordinator, manager } = setup(
      { a: [] },
      {},
      { requestTimeoutMs: (_backend, name) => (name === 'sleep' ? 300 : 30_000) },
    );
    const { sessionId } = await openAs(coordinator, '2025-06-18');
    const ctx = { sessionId, principal: 'p' };
    const failures = () => manager.stats().backends.a!.callFailures;
    await finalResponse(
      await coordinator.handle(req('tools/call', { name: 'a__echo', arguments: { text: 'x' } }), ctx),
    );
    expect(failures()).toBe(0);

    const cancelled = await coordinator.handle(
      req('tools/call', { name: 'a__sleep', arguments: { ms: 5000 } }, 'c'),
      ctx,
    );
    await coordinator.handle(
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c' } },
      ctx,
    );
    if (cancelled.kind === 'stream') for await (const _ of cancelled.messages);
    expect(failures()).toBe(0);

    const timedOut = await finalResponse(
      await coordinator.handle(req('tools/call', { name: 'a__sleep', arguments: { ms: 5000 } }), ctx),
    );
    expect(JSON.stringify(timedOut)).toContain('timed out');
    expect(failures()).toBe(1);
  });

  it('names a backend that cannot start in _meta and answers its tools with a fast error', async () => {
    const { coordinator } = setup({ a: [], b: ['--exit-at-start'] });
    const { sessionId, result } = await openAs(coordinator, '2025-06-18');
    expect(JSON.stringify(result._meta)).toContain('"backend":"b"');
    const ctx = { sessionId, principal: 'p' };
    const down = await finalResponse(
      await coordinator.handle(req('tools/call', { name: 'b__echo', arguments: { text: 'x' } }), ctx),
    );
    expect(down && 'error' in down && down.error.message).toContain('Backend "b" is unavailable');
    const up = await finalResponse(
      await coordinator.handle(req('tools/call', { name: 'a__echo', arguments: { text: 'y' } }), ctx),
    );
    expect(CallToolResultSchema.parse(resultOf(up)).content).toEqual([{ type: 'text', text: 'y' }]);
  });

  it('gives each session its own worker of a per-session backend, and frees it when the session closes', async () => {
    const { coordinator, manager } = setup({ a: [] }, { isolation: 'per-session', spares: 0 });
    const [s1, s2] = await Promise.all([
      openAs(coordinator, '2025-06-18'),
      openAs(coordinator, '2025-06-18'),
    ]);
    const call = async (sessionId: string, name: string, args: Record<string, unknown>) => {
      const r = await finalResponse(
        await coordinator.handle(req('tools/call', { name, arguments: args }), { sessionId, principal: 'p' }),
      );
      return (CallToolResultSchema.parse(resultOf(r)).content[0] as { text: string }).text;
    };
    expect(await call(s1.sessionId, 'a__remember', { key: 'k', value: 'one' })).toBe('ok');
    expect(await call(s1.sessionId, 'a__recall', { key: 'k' })).toBe('one');
    expect(await call(s2.sessionId, 'a__recall', { key: 'k' })).toBe('');
    const pid1 = JSON.parse(await call(s1.sessionId, 'a__whoami', {})).pid;
    const pid2 = JSON.parse(await call(s2.sessionId, 'a__whoami', {})).pid;
    expect(pid1).not.toBe(pid2);
    expect(coordinator.stats().handshakes).toBe(0);
    expect(manager.stats().backends.a?.sessions).toBe(2);
    expect(await coordinator.closeSession(s1.sessionId, 'p')).toBe(true);
    await expect.poll(() => manager.stats().backends.a?.sessions, { timeout: 5000 }).toBe(1);
    expect(await call(s2.sessionId, 'a__recall', { key: 'k' })).toBe('');
  });
});

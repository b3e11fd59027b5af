import type { AuditInput } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import type { LegacyProtocolVersion } from '../era/legacy-versions.ts';
import { InvalidCursorError } from '../errors.ts';
import type { JsonRpcRequest } from '../jsonrpc/types.ts';
import { AuditTrail } from './audit-trail.ts';
import type { Outcome } from './outcome.ts';
import { PolicyGate } from './policy-gate.ts';
import type { NameRoute } from './resolution.ts';
import { RoutingCore, type RoutingCoreParts } from './routing-core.ts';
import { type FrontSession, SessionTable } from './sessions.ts';

const ROUTED: Outcome = { kind: 'accepted' };

/**
 * The core over a real audit trail and policy gate (no policy), with the parts that reach backends
 * recording what they were asked: each answers `ROUTED`.
 */
function core(owner: NameRoute = { kind: 'owned', backend: 'b', name: 'echo', listed: undefined }) {
  const audits: AuditInput[] = [];
  const asked: string[] = [];
  const logLevels: string[] = [];
  const trail = new AuditTrail({ now: () => 1, onAudit: (entry) => audits.push(entry) });
  let page: () => Record<string, unknown> = () => ({ tools: [] });
  const parts: RoutingCoreParts = {
    policy: new PolicyGate(undefined, trail),
    trail,
    targets: {
      callNamed: async (_s, request, _started, _subject, resolved) => {
        asked.push(`callNamed ${request.method}${resolved ? ' resolved' : ''}`);
        return ROUTED;
      },
      routeByUri: async (_s, request) => {
        asked.push(`routeByUri ${request.method}`);
        return ROUTED;
      },
      complete: async () => {
        asked.push('complete');
        return ROUTED;
      },
    },
    resolver: {
      named: async () => {
        asked.push('named');
        return owner;
      },
    },
    tasks: {
      startModern: async () => {
        asked.push('startModern');
        return ROUTED;
      },
      start: async (_s, request) => {
        asked.push('start');
        return { jsonrpc: '2.0', id: request.id, result: { task: {} } };
      },
      handleModern: async (_s, request) => ({ jsonrpc: '2.0', id: request.id, result: {} }),
      result: async () => ROUTED,
      handle: async (_s, request) => ({ jsonrpc: '2.0', id: request.id, result: {} }),
    },
    pages: {
      page: async (_s, request) => ({ jsonrpc: '2.0', id: request.id, result: page() }),
    },
    argumentDepth: 4,
    logLevelSet: async (_session, level) => {
      logLevels.push(level);
    },
    now: () => 1,
  };
  return {
    core: new RoutingCore(parts),
    audits,
    asked,
    logLevels,
    setPage: (p: () => Record<string, unknown>) => {
      page = p;
    },
  };
}

const sessions = new SessionTable(() => crypto.getRandomValues(new Uint8Array(16)));
function session(
  era: 'legacy' | 'modern',
  protocolVersion: LegacyProtocolVersion = '2025-11-25',
): FrontSession {
  return sessions.add({
    id: sessions.newId(),
    principal: null,
    protocolVersion,
    clientInfo: undefined,
    clientCapabilities: {},
    era,
    lastSeenAt: 0,
  });
}

let n = 0;
const req = (method: string, params?: Record<string, unknown>): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: ++n,
  method,
  ...(params && { params }),
});

describe('RoutingCore', () => {
  it('answers ping here and audits it', async () => {
    const c = core();
    const r = req('ping');
    expect(await c.core.request(session('legacy'), r)).toEqual({
      kind: 'response',
      message: { jsonrpc: '2.0', id: r.id, result: {} },
    });
    expect(c.audits.map((a) => [a.method, a.outcome])).toEqual([['ping', 'ok']]);
  });

  it('logging/setLevel: a bad level is -32602; a good one is the session’s, journaled for a 2025 session only', async () => {
    const c = core();
    const legacy = session('legacy');
    const bad = await c.core.request(legacy, req('logging/setLevel', { level: 'loud' }));
    expect(bad).toMatchObject({ message: { error: { code: -32602 } } });
    await c.core.request(legacy, req('logging/setLevel', { level: 'debug' }));
    expect(legacy.logLevel).toBe('debug');
    const modern = session('modern');
    await c.core.request(modern, req('logging/setLevel', { level: 'info' }));
    expect(modern.logLevel).toBe('info');
    expect(c.logLevels).toEqual(['debug']);
  });

  it('sends calls, reads and completions on to their targets', async () => {
    const c = core();
    const s = session('legacy');
    for (const method of ['tools/call', 'prompts/get'])
      await c.core.request(s, req(method, { name: 'b__echo' }));
    for (const method of ['resources/read', 'resources/subscribe', 'resources/unsubscribe'])
      await c.core.request(s, req(method, { uri: 'file:///x' }));
    await c.core.request(s, req('completion/complete', { ref: { type: 'ref/prompt', name: 'b__p' } }));
    expect(c.asked).toEqual([
      'callNamed tools/call',
      'callNamed prompts/get',
      'routeByUri resources/read',
      'routeByUri resources/subscribe',
      'routeByUri resources/unsubscribe',
      'complete',
    ]);
  });

  it('a 2026 tools/call resolves its name once: a task-capable tool starts a task, another is called with the owner', async () => {
    const plain = core();
    await plain.core.request(session('modern'), req('tools/call', { name: 'b__echo', task: { ttl: 1 } }));
    expect(plain.asked).toEqual(['named', 'callNamed tools/call resolved']);
    const tasky = core({
      kind: 'owned',
      backend: 'b',
      name: 'slow',
      listed: { name: 'b__slow', execution: { taskSupport: 'optional' } } as never,
    });
    await tasky.core.request(session('modern'), req('tools/call', { name: 'b__slow' }));
    expect(tasky.asked).toEqual(['named', 'startModern']);
  });

  it('a 2025-11-25 task-augmented call is a task; an older session’s is an ordinary call', async () => {
    const c = core();
    await c.core.request(session('legacy'), req('tools/call', { name: 'b__echo', task: {} }));
    await c.core.request(session('legacy', '2025-06-18'), req('tools/call', { name: 'b__echo', task: {} }));
    expect(c.asked).toEqual(['start', 'callNamed tools/call']);
  });

  it('a 2026 task method without the extension is -32021 with HTTP 400', async () => {
    const c = core();
    const outcome = await c.core.request(session('modern'), req('tasks/get', { taskId: 't' }));
    expect(outcome).toMatchObject({
      kind: 'response',
      httpStatus: 400,
      message: { error: { code: -32021 } },
    });
  });

  it('lists come from the pages (with taskSupport for 2025-11-25 tools); an unknown method is -32601', async () => {
    const c = core();
    c.setPage(() => ({ tools: [{ name: 'b__echo', inputSchema: { type: 'object' } }] }));
    const listed = await c.core.request(session('legacy'), req('tools/list'));
    expect(JSON.stringify(listed)).toContain('taskSupport');
    const older = await c.core.request(session('legacy', '2025-06-18'), req('tools/list'));
    expect(JSON.stringify(older)).not.toContain('taskSupport');
    const unknown = await c.core.request(session('legacy'), req('frobnicate'));
    expect(unknown).toMatchObject({ message: { error: { code: -32601 } } });
    c.setPage(() => {
      throw new InvalidCursorError('checksum', 'that cursor is not ours');
    });
    const badCursor = await c.core.request(session('legacy'), req('tools/list', { cursor: 'x' }));
    expect(badCursor).toMatchObject({ message: { error: { code: -32602 } } });
  });

  it('checks the shape of fields unless the front has (shapeChecked)', async () => {
    const c = core();
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const refused = await c.core.request(
      session('legacy'),
      req('tools/call', { name: 'b__echo', arguments: deep }),
    );
    expect(refused).toMatchObject({ message: { error: { code: -32602 } } });
    expect(c.asked).toEqual([]);
    await c.core.request(
      session('legacy'),
      req('tools/call', { name: 'b__echo', arguments: deep }),
      undefined,
      true,
    );
    expect(c.asked).toEqual(['callNamed tools/call']);
  });
});

import type { AuditInput } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonRpcRequest } from '../jsonrpc/types.ts';
import { RulePolicy } from '../policy/rule-policy.ts';
import { AuditTrail } from './audit-trail.ts';
import { PolicyGate } from './policy-gate.ts';
import { RequestTargets } from './request-targets.ts';
import type { NameRoute } from './resolution.ts';
import { defaultRandomBytes, type FrontSession, SessionTable } from './sessions.ts';

function setup() {
  const sessions = new SessionTable(defaultRandomBytes);
  const session = sessions.add({
    id: 's1',
    principal: 'alice',
    protocolVersion: '2025-06-18',
    clientInfo: undefined,
    clientCapabilities: {},
    era: 'legacy',
    lastSeenAt: 0,
  });
  const audited: AuditInput[] = [];
  const trail = new AuditTrail({ now: () => 0, onAudit: (e) => audited.push(e) });
  const policy = new PolicyGate(
    new RulePolicy({ rules: [{ id: 'no-sleep', effect: 'deny', tools: ['sleep'] }] }),
    trail,
  );
  const routed: { backend: string; params: JsonObject; retrySafe: boolean | undefined }[] = [];
  const changed: FrontSession[] = [];
  const names: Record<string, NameRoute> = {
    a__echo: {
      kind: 'owned',
      backend: 'a',
      name: 'echo',
      listed: { name: 'a__echo', annotations: { readOnlyHint: true } },
    },
    a__sleep: { kind: 'owned', backend: 'a', name: 'sleep', listed: { name: 'a__sleep' } },
    b__x: { kind: 'down', backend: 'b', reason: 'it crashed' },
  };
  const targets = new RequestTargets({
    resolver: {
      named: async (_s, _spec, name) => names[name] ?? { kind: 'unknown' },
      uri: async (_s, uri) => (uri === 'a+file:///x' ? { backend: 'a', uri: 'file:///x' } : undefined),
      resourceRef: async () => undefined,
    },
    policy,
    trail,
    sessions,
    subscriptionsChanged: (s) => changed.push(s),
    route: (_s, _r, backend, params, _started, retrySafe) => {
      routed.push({ backend, params, retrySafe });
      return { kind: 'accepted' };
    },
  });
  return { session, targets, audited, routed, changed, subject: { principal: 'alice' } };
}

const call = (name: string): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name },
});

describe('RequestTargets', () => {
  it('routes a tool call to its owner under the backend’s own name, retry-safe when it says it is read-only', async () => {
    const { targets, session, subject, routed, audited } = setup();
    expect(await targets.callNamed(session, call('a__echo'), 0, subject)).toEqual({ kind: 'accepted' });
    expect(routed).toEqual([{ backend: 'a', params: { name: 'echo' }, retrySafe: true }]);
    expect(audited).toEqual([]);
  });

  it('answers and audits what cannot go: unknown, down, denied', async () => {
    const { targets, session, subject, routed, audited } = setup();
    const unknown = await targets.callNamed(session, call('nope'), 0, subject);
    const down = await targets.callNamed(session, call('b__x'), 0, subject);
    const denied = await targets.callNamed(session, call('a__sleep'), 0, subject);
    expect(unknown).toMatchObject({ message: { error: { code: -32602, message: 'Unknown tool: nope' } } });
    expect(down).toMatchObject({ message: { error: { message: expect.stringContaining('b') } } });
    expect(denied).toMatchObject({ message: { error: { data: { rule: 'no-sleep' } } } });
    expect(routed).toEqual([]);
    expect(audited.map((e) => [e.name, e.backend, e.outcome, e.decision])).toEqual([
      ['nope', null, 'rejected', null],
      ['b__x', 'b', 'rejected', null],
      ['a__sleep', 'a', 'rejected', 'denied'],
    ]);
  });

  it('a subscription is kept on the session under the backend’s URI and told to be journaled', async () => {
    const { targets, session, subject, routed, changed } = setup();
    const subscribe: JsonRpcRequest = {
      jsonrpc: '2.0',
      id: 2,
      method: 'resources/subscribe',
      params: { uri: 'a+file:///x' },
    };
    await targets.routeByUri(session, subscribe, 0, subject);
    expect(session.subscriptions.get('a\u0000file:///x')).toBe('a+file:///x');
    expect(changed).toEqual([session]);
    expect(routed).toEqual([{ backend: 'a', params: { uri: 'file:///x' }, retrySafe: undefined }]);
    const missing = await targets.routeByUri(
      session,
      { ...subscribe, params: { uri: 'z+nope' } },
      0,
      subject,
    );
    expect(missing).toMatchObject({ message: { error: { data: { uri: 'z+nope' } } } });
  });
});

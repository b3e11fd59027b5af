import type { AuditInput } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import type { JsonRpcRequest } from '../jsonrpc/types.ts';
import { RulePolicy } from '../policy/rule-policy.ts';
import { AuditTrail } from './audit-trail.ts';
import { PolicyGate } from './policy-gate.ts';

const policy = new RulePolicy({
  rules: [{ id: 'no-sleep', effect: 'deny', tools: ['sleep'] }],
});

function gate(p: RulePolicy | undefined) {
  const told: AuditInput[] = [];
  const trail = new AuditTrail({ now: () => 0, onAudit: (e) => told.push(e) });
  const end = (request: JsonRpcRequest) =>
    trail.record({
      session: { id: 's', principal: 'alice' },
      method: request.method,
      name: null,
      backend: null,
      started: 0,
      outcome: 'ok',
      request,
    });
  return { g: new PolicyGate(p, trail), told, end };
}

const call = (id: number): JsonRpcRequest => ({ jsonrpc: '2.0', id, method: 'tools/call' });
const sleep = { kind: 'tool', backend: 'a', name: 'sleep' } as const;
const echo = { kind: 'tool', backend: 'a', name: 'echo' } as const;

describe('PolicyGate', () => {
  it('refuses what the policy denies and notes each decision and the caller for the audit entry', () => {
    const { g, told, end } = gate(policy);
    const denied = call(1);
    const subject = g.subjectOf('alice', denied, { clientId: 'ci' });
    expect(subject).toEqual({ clientId: 'ci', principal: 'alice' });
    expect(g.refused(denied, subject, sleep)?.error).toMatchObject({
      message: expect.stringMatching(/^Forbidden/),
      data: { rule: 'no-sleep', kind: 'tool', backend: 'a', name: 'sleep' },
    });
    end(denied);
    const allowed = call(2);
    expect(g.refused(allowed, g.subjectOf('alice', allowed, undefined), echo)).toBeUndefined();
    end(allowed);
    expect(told).toEqual([
      expect.objectContaining({ clientId: 'ci', decision: 'denied', rule: 'no-sleep' }),
      expect.objectContaining({ clientId: null, decision: 'allowed', rule: null }),
    ]);
  });

  it('without a policy allows everything, shows whole lists and notes no decision', () => {
    const { g, told, end } = gate(undefined);
    const request = call(1);
    const subject = g.subjectOf('alice', request, undefined);
    expect(g.refused(request, subject, sleep)).toBeUndefined();
    expect(g.allows(subject, sleep)).toBe(true);
    expect(g.listView(subject, { kind: 'tools' } as never)).toBeUndefined();
    end(request);
    expect(told[0]).toMatchObject({ decision: null, rule: null });
    // A policy put in force answers the next question.
    g.set(policy);
    expect(g.allows(subject, sleep)).toBe(false);
    expect(g.allows(subject, echo)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { isInvalidConfigError } from '../errors.ts';
import type { PolicySubject, PolicyTarget } from './access-policy.ts';
import { type PolicyRule, RulePolicy } from './rule-policy.ts';

const alice: PolicySubject = { principal: 'alice', groups: ['dev'], scopes: ['mcp:read'] };
const bob: PolicySubject = { principal: 'bob', groups: ['ops'], scopes: ['mcp:read', 'mcp:write'] };
const anonymous: PolicySubject = { principal: null };
const tool = (backend: string, name: string): PolicyTarget => ({ kind: 'tool', backend, name });

describe('RulePolicy', () => {
  it('without rules follows its default: allow unless configured, deny when told', () => {
    expect(new RulePolicy({ rules: [] }).decide(alice, tool('fs', 'read'))).toEqual({
      allowed: true,
      rule: null,
    });
    const closed = new RulePolicy({ default: 'deny', rules: [] }).decide(alice, tool('fs', 'read'));
    expect(closed).toMatchObject({ allowed: false, rule: null });
    expect(closed.allowed === false && closed.reason).toContain('policy default: deny');
  });

  it('matches principals exactly or by glob; an anonymous caller matches no principal pattern', () => {
    const policy = new RulePolicy({
      default: 'deny',
      rules: [
        { id: 'alice', effect: 'allow', principals: ['alice'] },
        { id: 'services', effect: 'allow', principals: ['svc-*'] },
        { id: 'anyone', effect: 'allow', principals: ['*'], tools: ['ping'] },
      ],
    });
    expect(policy.decide(alice, tool('fs', 'x'))).toEqual({ allowed: true, rule: 'alice' });
    expect(policy.decide({ principal: 'svc-ci' }, tool('fs', 'x'))).toEqual({
      allowed: true,
      rule: 'services',
    });
    expect(policy.decide(bob, tool('fs', 'x')).allowed).toBe(false);
    expect(policy.decide(bob, tool('fs', 'ping'))).toEqual({ allowed: true, rule: 'anyone' });
    expect(policy.decide(anonymous, tool('fs', 'ping')).allowed).toBe(false);
  });

  it('matches groups, scopes and clients: any one value of the caller is enough, all given fields must match', () => {
    const policy = new RulePolicy({
      default: 'deny',
      rules: [
        { id: 'ops', effect: 'allow', groups: ['ops'] },
        { id: 'writers', effect: 'allow', scopes: ['mcp:write'], backends: ['db'] },
        { id: 'dev-app', effect: 'allow', groups: ['dev'], clients: ['ide-*'], backends: ['fs'] },
      ],
    });
    expect(policy.decide(bob, tool('anything', 'x'))).toEqual({ allowed: true, rule: 'ops' });
    expect(policy.decide({ principal: 'c', scopes: ['mcp:write'] }, tool('db', 'q'))).toEqual({
      allowed: true,
      rule: 'writers',
    });
    expect(policy.decide({ principal: 'c', scopes: ['mcp:write'] }, tool('fs', 'q')).allowed).toBe(false);
    expect(policy.decide(alice, tool('fs', 'read')).allowed).toBe(false);
    expect(policy.decide({ ...alice, clientId: 'ide-vscode' }, tool('fs', 'read'))).toEqual({
      allowed: true,
      rule: 'dev-app',
    });
  });

  it('deny wins over any allow, whatever the order, and names the deny rule', () => {
    const rules: PolicyRule[] = [
      { id: 'all-fs', effect: 'allow', backends: ['fs'] },
      { id: 'no-delete', effect: 'deny', tools: ['delete_*', 'rm'] },
    ];
    for (const order of [rules, [...rules].reverse()]) {
      const policy = new RulePolicy({ default: 'allow', rules: order });
      const decision = policy.decide(alice, tool('fs', 'delete_file'));
      expect(decision).toMatchObject({ allowed: false, rule: 'no-delete' });
      expect(decision.allowed === false && decision.reason).toBe(
        'tool "delete_file" of backend "fs" is denied by policy rule "no-delete"',
      );
      expect(policy.decide(alice, tool('fs', 'rm')).allowed).toBe(false);
      expect(policy.decide(alice, tool('fs', 'read'))).toEqual({ allowed: true, rule: 'all-fs' });
    }
  });

  it('a rule naming tools covers tools only; one naming no kind covers every item of its backends', () => {
    const policy = new RulePolicy({
      rules: [
        { id: 'no-admin-tools', effect: 'deny', tools: ['admin*'] },
        { id: 'no-secrets', effect: 'deny', backends: ['vault'] },
        { id: 'no-private-files', effect: 'deny', resources: ['file:///private/*'] },
      ],
    });
    expect(policy.decide(alice, tool('fs', 'admin_reset')).allowed).toBe(false);
    expect(policy.decide(alice, { kind: 'prompt', backend: 'fs', name: 'admin_reset' }).allowed).toBe(true);
    for (const kind of ['tool', 'prompt', 'resource', 'resourceTemplate'] as const) {
      expect(policy.decide(alice, { kind, backend: 'vault', name: 'x' })).toMatchObject({
        allowed: false,
        rule: 'no-secrets',
      });
    }
    expect(
      policy.decide(alice, { kind: 'resource', backend: 'fs', name: 'file:///private/key.pem' }),
    ).toMatchObject({ allowed: false, rule: 'no-private-files' });
    expect(
      policy.decide(alice, { kind: 'resourceTemplate', backend: 'fs', name: 'file:///private/{path}' }),
    ).toMatchObject({ allowed: false, rule: 'no-private-files' });
    expect(policy.decide(alice, { kind: 'resource', backend: 'fs', name: 'file:///public/a' }).allowed).toBe(
      true,
    );
  });

  it('globs are anchored, ? is one character, and other characters stand for themselves', () => {
    const policy = new RulePolicy({
      default: 'deny',
      rules: [{ id: 'r', effect: 'allow', tools: ['get_?', 'a.b', 'x*y'] }],
    });
    const allowed = (name: string) => policy.decide(alice, tool('b', name)).allowed;
    expect(['get_a', 'a.b', 'xy', 'x__y'].map(allowed)).toEqual([true, true, true, true]);
    expect(['get_ab', 'aXb', 'xyz', 'pre_get_a'].map(allowed)).toEqual([false, false, false, false]);
  });

  it('the first matching allow rule in configuration order is the one named', () => {
    const policy = new RulePolicy({
      rules: [
        { id: 'first', effect: 'allow', groups: ['dev'] },
        { id: 'second', effect: 'allow', principals: ['alice'] },
      ],
    });
    expect(policy.decide(alice, tool('fs', 'x')).rule).toBe('first');
  });

  it('refuses rules without an id or sharing one, naming them', () => {
    try {
      new RulePolicy({
        rules: [
          { id: 'a', effect: 'allow' },
          { id: 'a', effect: 'deny' },
          { id: '', effect: 'deny' },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(isInvalidConfigError(e)).toBe(true);
      expect((e as Error).message).toBe(
        'invalid policy: rules[1].id "a" is used twice; rules[2].id is empty',
      );
    }
  });
});

/**
 * The access policy inside the coordinator, over real fixture processes: lists seen per caller
 * (after the shared list cache, which one caller's view never changes for another), calls refused
 * with POLICY_DENIED naming the rule, and the decision, rule and client id in the audit trail.
 */
import { createJournal, memoryDriver } from '@switchyard/journal';
import { describe, expect, it } from 'vitest';
import {
  type CallerClaims,
  finalResponse,
  type MCPCoordinator,
  POLICY_DENIED,
  RulePolicy,
} from '../src/index.ts';
import { errorOf, open, req, resultOf } from './support/protocol.ts';
import { rigPerTest } from './support/rig.ts';
import { StdioTier } from './support/stdio-tier.ts';

const CONFORMANCE = new URL('../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

const TWO = { a: ['--name', 'a'], b: ['--name', 'b'] };

const rig = rigPerTest();

async function setup(
  backends: ConstructorParameters<typeof StdioTier>[0] = TWO,
  policy = new RulePolicy({
    default: 'deny',
    rules: [
      { id: 'ops-everything', effect: 'allow', groups: ['ops'] },
      { id: 'dev-on-a', effect: 'allow', groups: ['dev'], backends: ['a'] },
      { id: 'no-sleep', effect: 'deny', tools: ['sleep'] },
      { id: 'bob-no-info', effect: 'deny', principals: ['bob'], resources: ['fixture://info'] },
    ],
  }),
) {
  const journal = await createJournal({ driver: memoryDriver() });
  const { coordinator } = rig(new StdioTier(backends), {
    backends: Object.keys(backends).map((name) => ({ name })),
    serverInfo: { name: 'switchyard', version: '0.0.0-test' },
    journal,
    policy,
  });
  return { coordinator, journal };
}

const ALICE: CallerClaims = { groups: ['dev'], clientId: 'ide' };
const BOB: CallerClaims = { groups: ['ops'] };

async function session(coordinator: MCPCoordinator, principal: string, claims: CallerClaims) {
  const { sessionId } = await open(coordinator, '2025-11-25', principal);
  const ask = async (method: string, params?: Record<string, unknown>) =>
    finalResponse(await coordinator.handle(req(method, params), { sessionId, principal, claims }));
  return { sessionId, ask };
}

const names = (result: Record<string, unknown>, field: string) =>
  (result[field] as { name?: string; uri?: string }[]).map((i) => (field === 'resources' ? i.uri : i.name));

describe('MCPCoordinator — access policy', () => {
  it('lists per caller: each sees what it may use, whoever listed first', async () => {
    const { coordinator } = await setup();
    const alice = await session(coordinator, 'alice', ALICE);
    const bob = await session(coordinator, 'bob', BOB);
    for (let round = 0; round < 2; round++) {
      // Alice first fills the shared cache; Bob's view is whole all the same, and Alice's again hers.
      const aliceTools = names(resultOf(await alice.ask('tools/list')), 'tools');
      const bobTools = names(resultOf(await bob.ask('tools/list')), 'tools');
      expect(aliceTools).toContain('a__echo');
      expect(aliceTools.filter((n) => !n?.startsWith('a__'))).toEqual([]);
      expect(aliceTools).not.toContain('a__sleep');
      expect(bobTools).toEqual(expect.arrayContaining(['a__echo', 'b__echo', 'b__whoami']));
      expect(bobTools).not.toContain('a__sleep');
      expect(bobTools).not.toContain('b__sleep');
    }
    expect(names(resultOf(await alice.ask('prompts/list')), 'prompts')).toEqual(['a__greet']);
    expect(names(resultOf(await bob.ask('prompts/list')), 'prompts')).toEqual(['a__greet', 'b__greet']);
    // Both backends list fixture://info: Alice sees a's, Bob neither (bob-no-info).
    expect(names(resultOf(await alice.ask('resources/list')), 'resources')).toEqual([
      `switchyard://a/${encodeURIComponent('fixture://info')}`,
    ]);
    expect(names(resultOf(await bob.ask('resources/list')), 'resources')).toEqual([]);
  });

  it('refuses a call outside the rules with POLICY_DENIED naming the rule, and audits the decision', async () => {
    const { coordinator, journal } = await setup();
    const alice = await session(coordinator, 'alice', ALICE);
    const bob = await session(coordinator, 'bob', BOB);

    const allowed = resultOf(await alice.ask('tools/call', { name: 'a__echo', arguments: { text: 'hi' } }));
    expect(allowed.content).toEqual([{ type: 'text', text: 'hi' }]);

    const denied = errorOf(await alice.ask('tools/call', { name: 'a__sleep', arguments: { ms: 1 } }));
    expect(denied).toEqual({
      code: POLICY_DENIED,
      message: 'Forbidden: tool "sleep" of backend "a" is denied by policy rule "no-sleep"',
      data: { rule: 'no-sleep', kind: 'tool', backend: 'a', name: 'sleep' },
    });
    // Deny wins over Bob's allow-everything.
    expect(errorOf(await bob.ask('tools/call', { name: 'b__sleep', arguments: { ms: 1 } }))).toMatchObject({
      code: POLICY_DENIED,
      data: { rule: 'no-sleep' },
    });
    // No rule lets Alice use b: the default (deny) says so.
    const byDefault = errorOf(await alice.ask('tools/call', { name: 'b__echo', arguments: { text: 'x' } }));
    expect(byDefault.message).toBe(
      'Forbidden: tool "echo" of backend "b" is denied by policy: no rule allows it (policy default: deny)',
    );
    expect(errorOf(await alice.ask('prompts/get', { name: 'b__greet', arguments: { name: 'x' } })).code).toBe(
      POLICY_DENIED,
    );
    const info = `switchyard://b/${encodeURIComponent('fixture://info')}`;
    expect(errorOf(await bob.ask('resources/read', { uri: info })).data).toMatchObject({
      rule: 'bob-no-info',
    });
    expect(errorOf(await bob.ask('resources/subscribe', { uri: info })).code).toBe(POLICY_DENIED);
    expect(
      resultOf(await bob.ask('prompts/get', { name: 'b__greet', arguments: { name: 'x' } })),
    ).toHaveProperty('messages');

    await journal.flush();
    const audit = await journal.queryAudit({ sessionId: alice.sessionId });
    const calls = audit.filter((r) => r.method === 'tools/call');
    expect(calls.map((r) => [r.name, r.outcome, r.decision, r.rule, r.clientId, r.principal])).toEqual([
      ['a__echo', 'ok', 'allowed', 'dev-on-a', 'ide', 'alice'],
      ['a__sleep', 'rejected', 'denied', 'no-sleep', 'ide', 'alice'],
      ['b__echo', 'rejected', 'denied', null, 'ide', 'alice'],
    ]);
    // Lists are not decisions.
    expect(audit.find((r) => r.method === 'initialize')).toMatchObject({ decision: null, rule: null });
    const bobAudit = await journal.queryAudit({ sessionId: bob.sessionId });
    expect(bobAudit.find((r) => r.method === 'resources/read')).toMatchObject({
      outcome: 'rejected',
      decision: 'denied',
      rule: 'bob-no-info',
      clientId: null,
    });
    expect(bobAudit.find((r) => r.method === 'prompts/get')).toMatchObject({
      outcome: 'ok',
      decision: 'allowed',
      rule: 'ops-everything',
    });
  });

  it('resource templates, reads through a template, completions and 2026 listen subscriptions follow the rules too', async () => {
    const { coordinator } = await setup(
      { c: { script: CONFORMANCE, args: [] } },
      new RulePolicy({
        rules: [
          { id: 'bob-no-templates', effect: 'deny', principals: ['bob'], resources: ['test://template/*'] },
          {
            id: 'bob-no-args-prompt',
            effect: 'deny',
            principals: ['bob'],
            prompts: ['test_prompt_with_arguments'],
          },
          { id: 'bob-no-static', effect: 'deny', principals: ['bob'], resources: ['test://static-*'] },
        ],
      }),
    );
    const alice = await session(coordinator, 'alice', {});
    const bob = await session(coordinator, 'bob', {});
    const templates = async (who: typeof alice) =>
      (
        resultOf(await who.ask('resources/templates/list')).resourceTemplates as { uriTemplate: string }[]
      ).map((t) => t.uriTemplate);
    expect(await templates(alice)).toEqual(['test://template/{id}/data']);
    expect(await templates(bob)).toEqual([]);

    // A URI only a template matches is judged by the URI.
    expect(resultOf(await alice.ask('resources/read', { uri: 'test://template/7/data' }))).toHaveProperty(
      'contents',
    );
    expect(errorOf(await bob.ask('resources/read', { uri: 'test://template/7/data' }))).toMatchObject({
      code: POLICY_DENIED,
      data: { rule: 'bob-no-templates', kind: 'resource', name: 'test://template/7/data' },
    });

    const complete = (who: typeof alice, ref: Record<string, unknown>) =>
      who.ask('completion/complete', { ref, argument: { name: 'arg1', value: 'p' } });
    const prompt = { type: 'ref/prompt', name: 'c__test_prompt_with_arguments' };
    expect(resultOf(await complete(alice, prompt))).toHaveProperty('completion');
    expect(errorOf(await complete(bob, prompt)).data).toMatchObject({ rule: 'bob-no-args-prompt' });
    const template = { type: 'ref/resource', uri: 'test://template/{id}/data' };
    expect(errorOf(await complete(bob, template)).data).toMatchObject({ rule: 'bob-no-templates' });

    // A 2026 listen: the subscription Bob may not have is not made (the acknowledgement leaves it out).
    const listen = async (principal: string) => {
      const outcome = await coordinator.handleModern(
        req('subscriptions/listen', {
          _meta: MODERN_META,
          notifications: { resourceSubscriptions: ['test://static-text', 'test://watched-resource'] },
        }),
        { principal, affinityKey: principal },
      );
      if (outcome.kind !== 'stream') throw new Error(JSON.stringify(outcome));
      const iterator = outcome.messages[Symbol.asyncIterator]();
      const ack = (await iterator.next()).value as { params: { notifications: unknown } };
      await iterator.return?.();
      return ack.params.notifications;
    };
    expect(await listen('alice')).toEqual({
      resourceSubscriptions: ['test://static-text', 'test://watched-resource'],
    });
    expect(await listen('bob')).toEqual({ resourceSubscriptions: ['test://watched-resource'] });
  });

  it('setPolicy puts other rules in force from the next request, and tells 2025 sessions the lists changed', async () => {
    const { coordinator } = await setup();
    const alice = await session(coordinator, 'alice', ALICE);
    const before = names(resultOf(await alice.ask('tools/list')), 'tools');
    expect(before.some((n) => n?.startsWith('b__'))).toBe(false);
    const outbound = coordinator.outbound(alice.sessionId, 'alice');
    if (!outbound) throw new Error('no outbound stream');
    const iterator = outbound[Symbol.asyncIterator]();

    coordinator.setPolicy(new RulePolicy({ rules: [{ id: 'no-a', effect: 'deny', backends: ['a'] }] }));
    const after = names(resultOf(await alice.ask('tools/list')), 'tools');
    expect(after.every((n) => n?.startsWith('b__'))).toBe(true);
    expect(
      errorOf(await alice.ask('tools/call', { name: 'a__echo', arguments: { text: 'x' } })).data,
    ).toMatchObject({ rule: 'no-a' });
    const changed = new Set<string>();
    while (changed.size < 3) {
      const next = await iterator.next();
      if (next.done) break;
      if ('method' in next.value) changed.add(next.value.method);
    }
    expect([...changed].sort()).toEqual([
      'notifications/prompts/list_changed',
      'notifications/resources/list_changed',
      'notifications/tools/list_changed',
    ]);

    // No policy: everything again, no decision audited.
    coordinator.setPolicy(undefined);
    expect(names(resultOf(await alice.ask('tools/list')), 'tools')).toEqual(
      expect.arrayContaining(['a__sleep', 'b__sleep']),
    );
  });
});

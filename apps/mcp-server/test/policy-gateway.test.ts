/**
 * `switchyard.policy` end to end (#21): a real in-process gateway over two stdio fixture backends,
 * callers with static tokens (groups from the configuration) and with JWT access tokens of a real
 * authorization server (scopes, client id), through the SDK v1 client (2025 sessions) and the v2
 * client pinned to 2026-07-28 (stateless). Each sees only what its rules allow in every list, is
 * refused the rest with -32052 naming the rule, and each call's decision is in the audit trail —
 * read back with `switchyard journal tail`.
 */
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { POLICY_DENIED } from '@switchyard/coordinator';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from './helpers.ts';
import { GATEWAY_CLIENT, secretOf, startAuthorizationServer } from './support/authorization-server.ts';
import { connectClient, fixtureEntry, serveGateway, startInProcess, tempDir } from './support/gateway.ts';

const ALICE = 'alice-static-token-0123456789abcdef';
const BOB = 'bob-static-token-0123456789abcdef00';
const MODERN = '2026-07-28';

const POLICY = {
  default: 'deny',
  rules: [
    { id: 'ops-everything', effect: 'allow', groups: ['ops'] },
    { id: 'dev-on-fs', effect: 'allow', groups: ['dev'], backends: ['fs'] },
    { id: 'no-sleep', effect: 'deny', tools: ['sleep'] },
  ],
};

function config(extra: Record<string, unknown> = {}) {
  return {
    mcpServers: { fs: fixtureEntry('fs', { tier: 'hot' }), db: fixtureEntry('db', { tier: 'hot' }) },
    switchyard: {
      auth: {
        tokens: [
          { token: ALICE, principal: 'alice', groups: ['dev'] },
          { token: BOB, principal: 'bob', groups: ['ops'] },
        ],
      },
      policy: POLICY,
      ...extra,
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const textOf = (result: unknown) =>
  (result as { content: { text: string }[] }).content.map((c) => c.text).join('');

/** The JSON-RPC error a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { code: number; message: string },
  );
  if (error === undefined) throw new Error('expected the call to be refused');
  return error;
}

const v2open: ClientV2[] = [];
afterEach(async () => {
  for (const c of v2open.splice(0)) await c.close().catch(() => {});
});

async function modernClient(url: string, token: string): Promise<ClientV2> {
  const client = new ClientV2(
    { name: 'v2-policy', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN } } },
  );
  v2open.push(client);
  await client.connect(new TransportV2(new URL(url), { requestInit: { headers: bearer(token) } }));
  return client;
}

/** What a v1 (2025) or v2 (2026) client sees and may do: the same answers in both eras. */
async function seenBy(client: Client | ClientV2) {
  return {
    tools: (await client.listTools()).tools.map((t) => t.name).sort(),
    prompts: (await client.listPrompts()).prompts.map((p) => p.name).sort(),
    resources: (await client.listResources()).resources.map((r) => r.uri).sort(),
  };
}

const FS_TOOLS = ['add', 'count', 'echo', 'hold', 'ping_client', 'recall', 'remember', 'whoami'];
const prefixed = (backend: string, names: string[]) => names.map((n) => `${backend}__${n}`);
const info = (backend: string) => `switchyard://${backend}/${encodeURIComponent('fixture://info')}`;

async function expectPolicyHolds(alice: Client | ClientV2, bob: Client | ClientV2): Promise<void> {
  // Alice (group dev) sees fs only; Bob (group ops) both backends; neither sees sleep (deny wins).
  expect(await seenBy(alice)).toEqual({
    tools: prefixed('fs', FS_TOOLS).sort(),
    prompts: ['fs__greet'],
    resources: [info('fs')],
  });
  expect(await seenBy(bob)).toEqual({
    tools: [...prefixed('db', FS_TOOLS), ...prefixed('fs', FS_TOOLS)].sort(),
    prompts: ['db__greet', 'fs__greet'],
    resources: [info('db'), info('fs')],
  });
  // Allowed calls go through.
  expect(textOf(await alice.callTool({ name: 'fs__echo', arguments: { text: 'a' } }))).toBe('a');
  expect(textOf(await bob.callTool({ name: 'db__add', arguments: { a: 2, b: 3 } }))).toBe('5');
  // Outside the rules: refused, naming the rule (or the default).
  expect(await refusal(alice.callTool({ name: 'db__echo', arguments: { text: 'x' } }))).toMatchObject({
    code: POLICY_DENIED,
    message: expect.stringContaining(
      'tool "echo" of backend "db" is denied by policy: no rule allows it (policy default: deny)',
    ),
  });
  expect(await refusal(bob.callTool({ name: 'fs__sleep', arguments: { ms: 1 } }))).toMatchObject({
    code: POLICY_DENIED,
    message: expect.stringContaining('is denied by policy rule "no-sleep"'),
  });
  expect(await refusal(alice.getPrompt({ name: 'db__greet', arguments: { name: 'x' } }))).toMatchObject({
    code: POLICY_DENIED,
  });
  expect(await refusal(alice.readResource({ uri: info('db') }))).toMatchObject({ code: POLICY_DENIED });
  expect((await bob.readResource({ uri: info('db') })).contents).toHaveLength(1);
}

describe('switchyard.policy at the gateway', () => {
  it('2025 sessions (SDK v1): two principals with static tokens and groups see and may call different things', async () => {
    const { url } = await startInProcess(config());
    const alice = await connectClient(url, { headers: bearer(ALICE) });
    const bob = await connectClient(url, { headers: bearer(BOB) });
    await expectPolicyHolds(alice, bob);
  });

  it('2026-07-28 (SDK v2 pinned): the same lists and refusals, stateless', async () => {
    const { url, gateway } = await startInProcess(config());
    const alice = await modernClient(url, ALICE);
    const bob = await modernClient(url, BOB);
    expect(alice.getProtocolEra()).toBe('modern');
    await expectPolicyHolds(alice, bob);
    const calls = gateway.activity.calls().filter((c) => c.method === 'tools/call');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.session?.startsWith('modern:'))).toBe(true);
  });

  it('a 2025 and a 2026 client of different principals at once: one listing never changes what the other sees', async () => {
    const { url } = await startInProcess(config());
    const alice = await connectClient(url, { headers: bearer(ALICE) });
    const bob = await modernClient(url, BOB);
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([alice.listTools(), bob.listTools()]);
      expect(a.tools.every((t) => t.name.startsWith('fs__'))).toBe(true);
      expect(b.tools.some((t) => t.name.startsWith('db__'))).toBe(true);
    }
  });

  it('a reload puts a changed policy in force at once, for both eras, and says so', async () => {
    const { url, gateway } = await startInProcess(config());
    const alice = await connectClient(url, { headers: bearer(ALICE) });
    const modern = await modernClient(url, ALICE);
    const changed = new Promise<void>((resolve) =>
      alice.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    expect((await alice.listTools()).tools.some((t) => t.name.startsWith('db__'))).toBe(false);
    const report = await gateway.reload({
      ...gateway.config,
      settings: {
        ...gateway.config.settings,
        policy: {
          ...gateway.config.settings.policy,
          rules: [
            ...gateway.config.settings.policy.rules,
            { id: 'dev-on-db', effect: 'allow', groups: ['dev'], backends: ['db'] },
          ],
        },
      },
    });
    expect(report).toMatchObject({ applied: ['switchyard.policy'], restartNeeded: [], replaced: [] });
    await changed;
    for (const client of [alice, modern]) {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['db__echo', 'fs__echo']));
      expect(textOf(await client.callTool({ name: 'db__echo', arguments: { text: 'now' } }))).toBe('now');
    }
    expect(gateway.config.settings.policy.rules.map((r) => r.id)).toContain('dev-on-db');
  });

  it('every call is audited with principal, decision and rule; `journal tail` shows them', async () => {
    const dir = await tempDir();
    const journal = `${dir}/journal.db`;
    const served = await serveGateway(config({ journal: { path: journal } }), dir);
    try {
      const alice = await connectClient(served.url, { headers: bearer(ALICE) });
      await alice.callTool({ name: 'fs__echo', arguments: { text: 'ok' } });
      await refusal(alice.callTool({ name: 'fs__sleep', arguments: { ms: 1 } }));
      await served.gateway.journal.flush();
    } finally {
      await served.stop();
    }
    const file = await writeConfig(dir, 'switchyard.json', config({ journal: { path: journal } }));
    const tail = await runCli(['journal', 'tail', '--config', file]);
    expect(tail.code).toBe(0);
    const calls = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e.method === 'tools/call');
    expect(calls.map((e) => [e.principal, e.name, e.outcome, e.decision, e.rule])).toEqual([
      ['alice', 'fs__echo', 'ok', 'allowed', 'dev-on-fs'],
      ['alice', 'fs__sleep', 'rejected', 'denied', 'no-sleep'],
    ]);
    expect(calls[1]?.error).toContain('policy rule "no-sleep"');
  });

  it('JWT access tokens of a real authorization server: rules by scope and by client, the client id audited', async () => {
    const as = await startAuthorizationServer();
    const served = await serveGateway(
      {
        mcpServers: { fs: fixtureEntry('fs', { tier: 'hot' }), db: fixtureEntry('db', { tier: 'hot' }) },
        switchyard: {
          auth: { oauth: { issuer: as.issuer, requiredScopes: ['mcp:tools'] } },
          policy: {
            default: 'deny',
            rules: [
              { id: 'admins', effect: 'allow', scopes: ['mcp:admin'] },
              { id: 'tool-users', effect: 'allow', scopes: ['mcp:tools'], tools: ['echo', 'add'] },
              { id: 'bob-no-add', effect: 'deny', clients: ['bob'], tools: ['add'] },
            ],
          },
        },
      },
      await tempDir(),
    );
    try {
      const resource = served.url;
      const admin = await as.token('alice', { resource, scope: 'mcp:tools mcp:admin' });
      const user = await as.token('bob', { resource, scope: 'mcp:tools' });
      const alice = await connectClient(served.url, { headers: bearer(admin) });
      const bob = await modernClient(served.url, user);

      const aliceTools = (await alice.listTools()).tools.map((t) => t.name);
      expect(aliceTools).toEqual(expect.arrayContaining(['fs__sleep', 'db__whoami', 'db__add']));
      expect((await bob.listTools()).tools.map((t) => t.name).sort()).toEqual(['db__echo', 'fs__echo']);
      expect((await bob.listPrompts()).prompts).toEqual([]);

      expect(textOf(await bob.callTool({ name: 'db__echo', arguments: { text: 'jwt' } }))).toBe('jwt');
      expect(await refusal(bob.callTool({ name: 'db__add', arguments: { a: 1, b: 1 } }))).toMatchObject({
        code: POLICY_DENIED,
        message: expect.stringContaining('policy rule "bob-no-add"'),
      });
      expect(textOf(await alice.callTool({ name: 'db__add', arguments: { a: 1, b: 1 } }))).toBe('2');

      await served.gateway.journal.flush();
      const audit = (await served.gateway.journal.queryAudit()).filter((e) => e.method === 'tools/call');
      expect(audit.map((e) => [e.principal, e.clientId, e.name, e.decision, e.rule])).toEqual([
        ['bob', 'bob', 'db__echo', 'allowed', 'tool-users'],
        ['bob', 'bob', 'db__add', 'denied', 'bob-no-add'],
        ['alice', 'alice', 'db__add', 'allowed', 'admins'],
      ]);
    } finally {
      await served.stop();
    }
  });

  it("JWT access tokens carrying groups: the configured groups claim decides, as a static token's groups do", async () => {
    const as = await startAuthorizationServer({
      extraClaims: { alice: { roles: ['ops', 'staff'] }, bob: { roles: 'dev staff' } },
    });
    const served = await serveGateway(
      {
        mcpServers: { fs: fixtureEntry('fs', { tier: 'hot' }), db: fixtureEntry('db', { tier: 'hot' }) },
        switchyard: {
          auth: { oauth: { issuer: as.issuer, requiredScopes: ['mcp:tools'] } },
          policy: { ...POLICY, groupsClaim: 'roles' },
        },
      },
      await tempDir(),
    );
    try {
      const alice = await connectClient(served.url, {
        headers: bearer(await as.token('alice', { resource: served.url })),
      });
      const bob = await modernClient(served.url, await as.token('bob', { resource: served.url }));
      expect((await seenBy(alice)).tools).toEqual(
        [...prefixed('db', FS_TOOLS), ...prefixed('fs', FS_TOOLS)].sort(),
      );
      expect((await seenBy(bob)).tools).toEqual(prefixed('fs', FS_TOOLS).sort());
      expect(await refusal(bob.callTool({ name: 'db__echo', arguments: { text: 'x' } }))).toMatchObject({
        code: POLICY_DENIED,
      });
      expect(textOf(await alice.callTool({ name: 'db__echo', arguments: { text: 'ops' } }))).toBe('ops');
    } finally {
      await served.stop();
    }
  });

  it('opaque access tokens: the groups claim of the introspection answer decides', async () => {
    const as = await startAuthorizationServer({ opaque: true, extraClaims: { alice: { groups: ['dev'] } } });
    const served = await serveGateway(
      {
        mcpServers: { fs: fixtureEntry('fs', { tier: 'hot' }), db: fixtureEntry('db', { tier: 'hot' }) },
        switchyard: {
          auth: {
            oauth: {
              issuer: as.issuer,
              requiredScopes: ['mcp:tools'],
              introspection: {
                endpoint: as.endpoints.introspection,
                clientId: GATEWAY_CLIENT,
                clientSecret: { env: 'INTROSPECTION_SECRET' },
              },
            },
          },
          policy: POLICY,
        },
      },
      await tempDir(),
      { INTROSPECTION_SECRET: secretOf(GATEWAY_CLIENT) },
    );
    try {
      const token = await as.token('alice', { resource: served.url });
      expect(token.split('.')).toHaveLength(1); // opaque
      const alice = await connectClient(served.url, { headers: bearer(token) });
      expect((await seenBy(alice)).tools).toEqual(prefixed('fs', FS_TOOLS).sort());
      expect(await refusal(alice.callTool({ name: 'db__echo', arguments: { text: 'x' } }))).toMatchObject({
        code: POLICY_DENIED,
      });
    } finally {
      await served.stop();
    }
  });
});

/**
 * The gateway end to end against real third-party MCP servers — server-everything, server-memory
 * and server-filesystem (npm packages, each a stdio process run by Bun) — plus the builtin module
 * backend, all behind one URL, driven by the SDK v1 client over Streamable HTTP. One gateway is
 * shared by the tests of this file (starting four backends per test would dominate the run).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startInProcess } from './support/gateway.ts';
import { EVERYTHING, type SharedGateway, startShared, textOf, within } from './support/third-party.ts';

describe('third-party MCP servers behind one gateway (SDK v1 client)', () => {
  let gw: SharedGateway;

  beforeAll(async () => {
    gw = await startShared();
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
  }, 30_000);

  it('lists the tools of all four backends, name-spaced', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const listed = await client.listTools();
    const { tools } = listed;
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'everything__echo',
        'everything__get-sum',
        'everything__trigger-long-running-operation',
        'everything__trigger-sampling-request',
        'everything__trigger-elicitation-request',
        'memory__create_entities',
        'memory__read_graph',
        'fs__write_file',
        'fs__read_text_file',
        'builtin__echo',
      ]),
    );
    expect(tools.find((t) => t.name === 'everything__echo')?.inputSchema.properties).toHaveProperty(
      'message',
    );
    // Nothing is reported unavailable.
    expect(listed._meta?.['switchyard/unavailable']).toBeUndefined();
  });

  it('calls everything__echo, everything__get-sum and builtin__echo', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    expect(
      textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'through the yard' } })),
    ).toBe('Echo: through the yard');
    expect(textOf(await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } }))).toBe(
      'The sum of 2 and 40 is 42.',
    );
    expect(textOf(await client.callTool({ name: 'builtin__echo', arguments: { text: 'thread' } }))).toBe(
      'thread',
    );
    // A backend's own input validation comes back as the tool's error result.
    const bad = await client.callTool({ name: 'everything__get-sum', arguments: { a: 'two', b: 1 } });
    expect(bad.isError).toBe(true);
  });

  it('server-memory: creates entities, then reads the graph back', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const created = await client.callTool({
      name: 'memory__create_entities',
      arguments: {
        entities: [
          { name: 'Ada Lovelace', entityType: 'person', observations: ['wrote the first program'] },
          { name: 'Analytical Engine', entityType: 'machine', observations: ['designed by Babbage'] },
        ],
      },
    });
    expect(created.isError).toBeFalsy();
    await client.callTool({
      name: 'memory__create_relations',
      arguments: {
        relations: [{ from: 'Ada Lovelace', to: 'Analytical Engine', relationType: 'programmed' }],
      },
    });
    const graph = await client.callTool({ name: 'memory__read_graph', arguments: {} });
    expect(graph.isError).toBeFalsy();
    const text = textOf(graph);
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('wrote the first program');
    expect(text).toContain('programmed');
    // The server really persisted it where we told it to (env passed through the gateway).
    expect(await readFile(gw.dirs.memoryFile, 'utf8')).toContain('Analytical Engine');
  });

  it('server-filesystem: writes a file in the allowed directory, then reads it', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url);
    const path = join(gw.dirs.files, 'hello.txt');
    const written = await client.callTool({
      name: 'fs__write_file',
      arguments: { path, content: 'hello from switchyard\n' },
    });
    expect(written.isError).toBeFalsy();
    expect(await readFile(path, 'utf8')).toBe('hello from switchyard\n');
    const read = await client.callTool({ name: 'fs__read_text_file', arguments: { path } });
    expect(textOf(read)).toBe('hello from switchyard\n');
    // Outside the allowed directory: refused by the server, reported as a tool error.
    const outside = await client.callTool({
      name: 'fs__read_text_file',
      arguments: { path: '/etc/hostname' },
    });
    expect(outside.isError).toBe(true);
  });

  it('reads an everything resource and gets an everything prompt', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain('memory://knowledge-graph');
    const doc = uris.find((u) => u.startsWith('demo://resource/static/document/'));
    expect(doc).toBeDefined();
    const read = await client.readResource({ uri: doc as string });
    expect(read.contents[0]?.uri).toBe(doc);
    expect((read.contents[0] as { text?: string }).text?.length).toBeGreaterThan(0);

    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(
      expect.arrayContaining(['everything__simple-prompt', 'everything__args-prompt']),
    );
    const simple = await client.getPrompt({ name: 'everything__simple-prompt' });
    expect(simple.messages.length).toBeGreaterThan(0);
    const withArgs = await client.getPrompt({
      name: 'everything__args-prompt',
      arguments: { city: 'Lyon', state: 'Rhône' },
    });
    expect(JSON.stringify(withArgs.messages)).toContain('Lyon');
  });

  it('relays progress of everything__trigger-long-running-operation', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const progress: { progress: number; total?: number }[] = [];
    const result = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.8, steps: 4 } },
      CallToolResultSchema,
      { onprogress: (p) => progress.push({ progress: p.progress, total: p.total }) },
    );
    expect(textOf(result)).toContain('Long running operation completed');
    expect(progress).toEqual([1, 2, 3, 4].map((n) => ({ progress: n, total: 4 })));
  });

  it('cancels the long operation: the client’s call ends at once, the audit says cancelled', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url);
    const before = gw.gateway.coordinator.stats().lateReplies;
    const abort = new AbortController();
    let firstProgress: () => void = () => {};
    const progressed = new Promise<void>((resolve) => {
      firstProgress = resolve;
    });
    const call = client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 6, steps: 6 } },
      CallToolResultSchema,
      { signal: abort.signal, onprogress: () => firstProgress() },
    );
    call.catch(() => {});
    await within(progressed, 5_000, 'first progress of the long operation'); // the backend is working on it
    const aborted = Date.now();
    abort.abort('changed my mind');
    await expect(call).rejects.toThrow();
    // At once: well before the 5 s the operation still had to run (a generous cap for busy machines).
    expect(Date.now() - aborted).toBeLessThan(4_000);
    // The session and the shared backend go on working.
    expect(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } }))).toBe(
      'Echo: after',
    );
    const deadline = Date.now() + 3_000;
    const session = client.transport?.sessionId;
    expect(session).toBeDefined();
    const outcome = () =>
      gw.gateway.activity
        .calls()
        .find(
          (c) =>
            c.session === session &&
            c.method === 'tools/call' &&
            c.name === 'everything__trigger-long-running-operation',
        )?.outcome;
    while (outcome() !== 'cancelled' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(outcome()).toBe('cancelled');
    // server-everything does not stop its loop, but its SDK drops the cancelled request's reply.
    expect(gw.gateway.coordinator.stats().lateReplies).toBe(before);
  });

  it('relays everything’s sampling request to the client and its answer back', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url, { capabilities: { sampling: {} } });
    const asked: unknown[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params);
      return {
        role: 'assistant',
        model: 'switchyard-test-model',
        content: { type: 'text', text: 'forty-two, said the handler' },
        stopReason: 'endTurn',
      };
    });
    const result = await client.callTool({
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'What is the answer?', maxTokens: 20 },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked[0])).toContain('What is the answer?');
    const text = textOf(result);
    expect(text).toContain('forty-two, said the handler');
    expect(text).toContain('switchyard-test-model');
  });

  it('a client without the sampling capability gets an error, not a hang', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const started = Date.now();
    const outcome = await client
      .callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'x' } })
      .then(
        (r) => ({ isError: r.isError === true, text: textOf(r) }),
        (e: unknown) => ({ isError: true, text: String(e) }),
      );
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/sampling/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('relays everything’s elicitation request to the client and its answer back', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url, { capabilities: { elicitation: {} } });
    const asked: { message: string }[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params as { message: string });
      return {
        action: 'accept',
        content: { name: 'Ada Lovelace', check: true, email: 'ada@example.org', integer: 7 },
      };
    });
    const result = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toMatch(/provide inputs/);
    const text = textOf(result);
    expect(text).toContain('User provided the requested information');
    expect(text).toContain('- Name: Ada Lovelace');
    expect(text).toContain('- Favorite Integer: 7');
  });

  it('two sessions call the same shared stdio backend at once and each gets its own answers', {
    timeout: 30_000,
  }, async () => {
    const [a, b] = await Promise.all([
      connectClient(gw.url, { name: 'client-a' }),
      connectClient(gw.url, { name: 'client-b' }),
    ]);
    const echo = (client: typeof a, message: string) =>
      client.callTool({ name: 'everything__echo', arguments: { message } }).then(textOf);
    const sum = (client: typeof a, x: number) =>
      client.callTool({ name: 'everything__get-sum', arguments: { a: x, b: 1000 } }).then(textOf);
    const rounds = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        Promise.all([echo(a, `a${i}`), echo(b, `b${i}`), sum(a, i), sum(b, -i)]),
      ),
    );
    for (const [i, [ea, eb, sa, sb]] of rounds.entries()) {
      expect(ea).toBe(`Echo: a${i}`);
      expect(eb).toBe(`Echo: b${i}`);
      expect(sa).toBe(`The sum of ${i} and 1000 is ${i + 1000}.`);
      expect(sb).toBe(`The sum of ${-i} and 1000 is ${1000 - i}.`);
    }
    // Progress of two concurrent long operations on the one worker reaches the right session.
    const progressOf = async (client: typeof a, steps: number) => {
      const seen: number[] = [];
      const totals = new Set<number | undefined>();
      await client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.6, steps } },
        CallToolResultSchema,
        {
          onprogress: (p) => {
            seen.push(p.progress);
            totals.add(p.total);
          },
        },
      );
      return { seen, totals: [...totals] };
    };
    const [pa, pb] = await Promise.all([progressOf(a, 3), progressOf(b, 5)]);
    expect(pa).toEqual({ seen: [1, 2, 3], totals: [3] });
    expect(pb).toEqual({ seen: [1, 2, 3, 4, 5], totals: [5] });
  });
  it('passes rich results through: structured content, images, embedded resources, links, templates, completions', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url);
    const structured = await client.callTool({
      name: 'everything__get-structured-content',
      arguments: { location: 'New York' },
    });
    expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    const image = await client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
    const png = (image.content as { type: string; mimeType?: string; data?: string }[]).find(
      (c) => c.type === 'image',
    );
    expect(png?.mimeType).toBe('image/png');
    expect(
      Buffer.from(png?.data ?? '', 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const reference = await client.callTool({
      name: 'everything__get-resource-reference',
      arguments: { resourceType: 'Text', resourceId: 2 },
    });
    expect(reference.content).toContainEqual(
      expect.objectContaining({
        type: 'resource',
        resource: expect.objectContaining({ uri: 'demo://resource/dynamic/text/2' }),
      }),
    );
    const links = await client.callTool({ name: 'everything__get-resource-links', arguments: { count: 2 } });
    expect((links.content as { type: string }[]).filter((c) => c.type === 'resource_link')).toHaveLength(2);

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain(
      'demo://resource/dynamic/text/{resourceId}',
    );
    const dynamic = await client.readResource({ uri: 'demo://resource/dynamic/text/7' });
    expect((dynamic.contents[0] as { text?: string }).text).toContain('Resource 7');

    const completed = await client.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'S' },
    });
    expect(completed.completion.values).toEqual(['Sales', 'Support']);
  });

  it('forwards everything’s log messages to a session that set a log level', {
    timeout: 20_000,
  }, async () => {
    const client = await connectClient(gw.url);
    const logs: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.setLoggingLevel('debug');
    const started = await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
    expect(textOf(started)).toMatch(/^Started simulated/);
    try {
      const deadline = Date.now() + 12_000; // it logs every 5 s
      while (logs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      const stopped = await client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} });
      expect(textOf(stopped)).toMatch(/^Stopped simulated/);
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0]?.level).toMatch(/^(debug|info|notice|warning|error|critical|alert|emergency)$/);
  });

  it('relays everything’s roots/list to the calling client', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///srv/front-root', name: 'front' }],
    }));
    const result = await client.callTool({ name: 'everything__get-roots-list', arguments: {} });
    expect(textOf(result)).toContain('file:///srv/front-root');
  });

  it('one client’s roots do not widen server-filesystem’s allowed directories for everyone', {
    timeout: 20_000,
  }, async () => {
    const wide = await connectClient(gw.url, { capabilities: { roots: { listChanged: true } } });
    wide.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///etc', name: 'etc' }],
    }));
    await wide.sendRootsListChanged();
    const other = await connectClient(gw.url);
    await new Promise((r) => setTimeout(r, 200)); // time for a (wrongly) forwarded notification to act
    const allowed = await other.callTool({ name: 'fs__list_allowed_directories', arguments: {} });
    expect(textOf(allowed)).toContain(gw.dirs.files);
    expect(textOf(allowed)).not.toContain('/etc');
    const outside = await other.callTool({
      name: 'fs__read_text_file',
      arguments: { path: '/etc/hostname' },
    });
    expect(outside.isError).toBe(true);
  });

  it('elicitation declined by the client is reported by the tool', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    const result = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(textOf(result)).toContain('User declined');
  });

  it('on the shared worker, a sampling request while another session is in flight fails fast (documented limit)', {
    timeout: 20_000,
  }, async () => {
    const busy = await connectClient(gw.url, { name: 'busy' });
    const sampler = await connectClient(gw.url, { name: 'sampler', capabilities: { sampling: {} } });
    sampler.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: 'm',
      content: { type: 'text', text: 'should not be asked' },
    }));
    let progressed: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const long = busy.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 1.5, steps: 6 } },
      CallToolResultSchema,
      { onprogress: () => progressed() },
    );
    await within(running, 5_000, 'first progress of the long operation');
    const started = Date.now();
    const outcome = await sampler
      .callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'x' } })
      .then(
        (r) => ({ isError: r.isError === true, text: textOf(r) }),
        (e: unknown) => ({ isError: true, text: String(e) }),
      );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/per-session isolation/);
    expect(textOf(await long)).toContain('Long running operation completed');
  });
  // GATEWAY BUG (left failing on purpose): a backend notification sent while no request of any
  // session is in flight on that worker is dropped. server-everything sends
  // notifications/resources/updated for a subscribed URI at once and then every 5 s; through the
  // gateway only the first (sent during the toggle call) arrives. Straight from the server over
  // stdio, all arrive. Keeping any request in flight on the worker makes them arrive, which points
  // at the worker's message listeners living only as long as a lease (multi-tier Lease.onMessage:
  // "the listener is removed at release"). Log messages and list_changed notifications sent
  // between requests take the same path.
  it('delivers a subscribed resource’s updates sent between requests', { timeout: 20_000 }, async () => {
    const client = await connectClient(gw.url);
    const uri = 'demo://resource/dynamic/text/1';
    const updates: number[] = [];
    const since = Date.now();
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      if (n.params.uri === uri) updates.push(Date.now() - since);
    });
    await client.subscribeResource({ uri });
    const toggled = await client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
    expect(textOf(toggled)).toMatch(/^Started simulated resource updated/);
    try {
      const deadline = Date.now() + 8_000; // the server sends one at once, then one every 5 s
      while (updates.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} });
      await client.unsubscribeResource({ uri });
    }
    expect(updates.length, `updates at ${JSON.stringify(updates)} ms`).toBeGreaterThanOrEqual(2);
  });
});

describe('server-everything with per-session isolation (a worker per front session)', () => {
  const perSession = (replicas?: unknown) => ({
    mcpServers: {
      everything: {
        command: process.execPath,
        args: [EVERYTHING, 'stdio'],
        tier: 'hot',
        isolation: 'per-session',
        ...(replicas === undefined ? {} : { replicas }),
      },
    },
  });
  const connect = async (url: string, who: string) => {
    const client = await connectClient(url, {
      name: who,
      capabilities: { sampling: {}, roots: { listChanged: true } },
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: `model-of-${who}`,
      content: { type: 'text', text: `answer of ${who}` },
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: `file:///home/${who}`, name: who }],
    }));
    return client;
  };
  const ask = async (client: Awaited<ReturnType<typeof connect>>) => {
    const [sampled, roots] = await Promise.all([
      client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi' } }),
      client.callTool({ name: 'everything__get-roots-list', arguments: {} }),
    ]);
    return { sampled: textOf(sampled), roots: textOf(roots) };
  };

  it('relays each session’s sampling and roots to that session only, concurrently', {
    timeout: 40_000,
  }, async () => {
    const { url } = await startInProcess(perSession({ min: 1, max: 4 }));
    const [a, b] = await Promise.all([connect(url, 'alice'), connect(url, 'bob')]);
    const [ra, rb] = await Promise.all([ask(a), ask(b)]);
    expect(ra.sampled).toContain('answer of alice');
    expect(rb.sampled).toContain('answer of bob');
    expect(ra.roots).toContain('file:///home/alice');
    expect(ra.roots).not.toContain('bob');
    expect(rb.roots).toContain('file:///home/bob');
    expect(rb.roots).not.toContain('alice');
  });

  // GATEWAY GAP (left failing on purpose): `isolation: "per-session"` without `replicas` takes the
  // config's default `replicas: 1` (min = max = 1), so the backend serves ONE session: a second
  // session's first call fails with "has its 1 workers (replicas.max) all bound to sessions".
  // Expected: a per-session backend with default replicas serves several sessions (multi-tier's
  // own per-session default is max 16), or the config refuses/warns at load time.
  it('with default replicas, serves two sessions at once', { timeout: 40_000 }, async () => {
    const { url } = await startInProcess(perSession());
    const [a, b] = await Promise.all([connect(url, 'alice'), connect(url, 'bob')]);
    const [ra, rb] = await Promise.all([ask(a), ask(b)]);
    expect(ra.sampled).toContain('answer of alice');
    expect(rb.sampled).toContain('answer of bob');
  });
});

describe('the gateway’s own secrets and third-party backends', () => {
  let gw: SharedGateway;
  const ALICE = 'alice-token-0123456789abcdef';
  const BOB = 'bob-token-fedcba9876543210';

  beforeAll(async () => {
    gw = await startShared(
      () => ({
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], tier: 'hot' } },
        switchyard: {
          auth: {
            tokens: [
              { tokenEnv: 'SWITCHYARD_TEST_TOKEN_ALICE', principal: 'alice' },
              { tokenEnv: 'SWITCHYARD_TEST_TOKEN_BOB', principal: 'bob' },
            ],
            allowUnauthenticatedLoopback: false,
          },
        },
      }),
      { env: { SWITCHYARD_TEST_TOKEN_ALICE: ALICE, SWITCHYARD_TEST_TOKEN_BOB: BOB } },
    );
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
  }, 30_000);

  // GATEWAY GAP (left failing on purpose; security): stdio backends inherit the gateway's whole
  // environment, including the variables named by switchyard.auth.tokens[].tokenEnv. Any backend
  // can read every principal's front-door token, and one that reports its environment (here
  // server-everything's get-env tool) hands them to any client: alice reads bob's token.
  // Expected: the variables the gateway reads its own secrets from are not passed to backends
  // (an entry's explicit `env` can still pass what a backend needs).
  it('does not hand the front door’s tokens to stdio backends', { timeout: 20_000 }, async () => {
    await expect(connectClient(gw.url)).rejects.toThrow(); // no token: refused
    const alice = await connectClient(gw.url, { headers: { authorization: `Bearer ${ALICE}` } });
    const env = textOf(await alice.callTool({ name: 'everything__get-env', arguments: {} }));
    // Booleans only: a failure must not print the environment.
    expect(env.includes('"PATH"'), 'the tool reports the backend’s environment').toBe(true);
    expect(env.includes(BOB), 'bob’s token reached the backend (and alice)').toBe(false);
    expect(env.includes(ALICE), 'alice’s token reached the backend').toBe(false);
  });
});

/**
 * 2026-07-28 requests on several nodes (issue #20): two real CLI nodes with `switchyard.cluster` on
 * one real redis-server, 2026 requests over raw HTTP. A stateless request is served by whichever
 * node it reaches — with the other node stopped (SIGSTOP), both still answer, so nothing was
 * forwarded. The one exception: the retry of a multi-round-trip call (a backend's sampling request,
 * parked on the node that got the call) reaching another node is forwarded to the parking node,
 * whose `requestState` names it; with that node gone the retry is answered at once as a
 * `requestState` no longer known (-32602), never a hang. And 2026 requests of one principal served
 * on both nodes at once hold no lease and lose nothing to the other node: a long call on one runs to
 * its answer through many lease renewals. A call of a `per-session` backend is the other exception:
 * the caller's affinity key holds that backend's worker on the first node that served it, so its
 * later calls of that backend reaching the other node are forwarded there (its state is found); that
 * node gone, the other takes the key over (the state reported lost by a fresh worker, no hang).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { parseSse, startNode, textOf } from './support/cluster.ts';
import { modernPost } from './support/gateway.ts';
import { EVERYTHING } from './support/third-party.ts';

const SECRET = 'modern-test-cluster-secret-0123456789abcdef';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { sampling: {} },
};
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let prefixes = 0;
const twoNodes = (cluster: Record<string, unknown> = {}, fx: Record<string, unknown> = {}) => {
  const shared = { url: redis.url, keyPrefix: `modern-${++prefixes}:` };
  const options = {
    switchyard: { cluster: { secret: '${CLUSTER_SECRET}', ...cluster } },
    fx,
    mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } },
    env: { CLIENT_SECRET_UNUSED: '', CLUSTER_SECRET: SECRET },
  };
  return Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
};

let ids = 0;
/** A 2026 tools/call to `url`: the JSON-RPC answer to it (from a JSON or an SSE body). */
async function callTool(url: string, name: string, args: Record<string, unknown>, extra = {}) {
  const id = ++ids;
  const response = await modernPost(
    url,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: META, ...extra } },
    { 'mcp-name': name },
  );
  const text = await response.text();
  const reply = parseSse(response.headers.get('content-type'), text)
    .filter((e) => e.data !== '')
    .map((e) => JSON.parse(e.data) as Record<string, unknown>)
    .find((m) => m.id === id);
  if (reply === undefined) throw new Error(`no answer (${response.status}): ${text.slice(0, 300)}`);
  return { status: response.status, reply };
}

describe('2026-07-28 requests on two nodes', { timeout: 90_000 }, () => {
  it('a stateless request is served by the node it reaches, with no hop: each answers with the other stopped', async () => {
    const [a, b] = await twoNodes();
    for (const [here, there] of [
      [a, b],
      [b, a],
    ] as const) {
      there.child.kill('SIGSTOP');
      try {
        for (let i = 0; i < 5; i++) {
          const { reply } = await callTool(here.url, 'fx__echo', { text: `${here.name}-${i}` });
          expect(textOf(reply.result as Record<string, unknown>)).toBe(`${here.name}-${i}`);
        }
      } finally {
        there.child.kill('SIGCONT');
      }
    }
  });

  it('a multi-round-trip retry on the other node is forwarded to the node holding the call; that node gone, -32602 at once', async () => {
    const [a, b] = await twoNodes();
    const sample = async (node: typeof a) => {
      const first = await callTool(node.url, 'everything__trigger-sampling-request', {
        prompt: 'hello',
        maxTokens: 10,
      });
      const result = first.reply.result as {
        resultType: string;
        inputRequests: Record<string, { method: string }>;
        requestState: string;
      };
      expect(result.resultType).toBe('input_required');
      const keys = Object.keys(result.inputRequests);
      expect(keys).toHaveLength(1);
      expect(result.inputRequests[keys[0]!]!.method).toBe('sampling/createMessage');
      // The state names the node (opaquely): not a session, not a secret.
      expect(result.requestState).toMatch(/^sy\.[A-Za-z0-9_-]+\.[0-9a-f]{32}$/);
      return { key: keys[0]!, requestState: result.requestState };
    };
    const answer = {
      role: 'assistant',
      model: 'cluster-test-model',
      content: { type: 'text', text: 'answered across nodes' },
    };

    // Parked on A, retried on B: B forwards it to A, where the call resumes and ends.
    for (const [parker, retrier] of [
      [a, b],
      [b, a],
    ] as const) {
      const { key, requestState } = await sample(parker);
      const retried = await callTool(
        retrier.url,
        'everything__trigger-sampling-request',
        { prompt: 'hello', maxTokens: 10 },
        { requestState, inputResponses: { [key]: answer } },
      );
      expect(retried.status).toBe(200);
      const result = retried.reply.result as Record<string, unknown>;
      expect(retried.reply.error, JSON.stringify(retried.reply)).toBeUndefined();
      expect(result.isError ?? false).toBe(false);
      expect(JSON.stringify(result)).toContain('answered across nodes');
    }

    // Parked on A, A killed: B answers the retry itself, as a state it does not know.
    const { key, requestState } = await sample(a);
    a.child.kill('SIGKILL');
    await a.child.exited;
    const orphan = await callTool(
      b.url,
      'everything__trigger-sampling-request',
      { prompt: 'hello', maxTokens: 10 },
      { requestState, inputResponses: { [key]: answer } },
    );
    expect(orphan.reply.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/requestState is unknown or expired/),
    });
  });

  it("one principal's 2026 calls on both nodes: each node keeps its own stand-in, unleased; a long call runs to its answer", async () => {
    // Leases renewed every 333 ms: several passes while the call runs.
    const [a, b] = await twoNodes({ leaseMs: 1_000 });
    // A serves the principal first, for a few renewal passes; then B takes a long call of it.
    for (let i = 0; i < 10; i++) {
      const { reply } = await callTool(a.url, 'fx__echo', { text: `first${i}` });
      expect(textOf(reply.result as Record<string, unknown>)).toBe(`first${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const long = callTool(b.url, 'fx__sleep', { ms: 2_500 });
    let calls = 0;
    let settled = false;
    void long.finally(() => {
      settled = true;
    });
    for (let i = 0; i < 200 && !settled; i++) {
      const { reply } = await callTool(a.url, 'fx__echo', { text: `a${i}` });
      expect(textOf(reply.result as Record<string, unknown>)).toBe(`a${i}`);
      calls++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const { reply } = await long;
    expect(reply.error, JSON.stringify(reply)).toBeUndefined();
    expect((reply.result as { isError?: boolean }).isError ?? false).toBe(false);
    expect(calls).toBeGreaterThan(0);
    // The stand-in sessions of 2026 callers are not leased: no lease key in Redis.
    const leases = (await redis.client.send('KEYS', [`modern-${prefixes}:lease:*`])) as string[];
    expect(leases).toEqual([]);
  });

  it("a per-session backend's calls follow the key's worker to its node; that node gone, the other takes over", async () => {
    const [a, b] = await twoNodes({}, { isolation: 'per-session' });
    // The affinity key is the principal (the default): its stand-in on A gets its own fx worker.
    const stored = await callTool(a.url, 'fx__remember', { key: 'who', value: 'stored on A' });
    expect(textOf(stored.reply.result as Record<string, unknown>)).toBe('ok');
    // The same key's calls of fx on B go to A's worker.
    for (let i = 0; i < 3; i++) {
      const { reply } = await callTool(b.url, 'fx__recall', { key: 'who' });
      expect(textOf(reply.result as Record<string, unknown>)).toBe('stored on A');
    }
    // A shared backend's call on B is B's own (nothing to follow).
    const shared = await callTool(b.url, 'everything__echo', { message: 'on B' });
    expect(JSON.stringify(shared.reply.result)).toContain('on B');
    // A gone: B takes the key over with a worker of its own (A's state is lost, said by its absence).
    a.child.kill('SIGKILL');
    await a.child.exited;
    const { reply } = await callTool(b.url, 'fx__recall', { key: 'who' });
    expect(textOf(reply.result as Record<string, unknown>)).toBe('');
    await callTool(b.url, 'fx__remember', { key: 'who', value: 'stored on B' });
    expect(
      textOf((await callTool(b.url, 'fx__recall', { key: 'who' })).reply.result as Record<string, unknown>),
    ).toBe('stored on B');
  });
});

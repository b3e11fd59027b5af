/**
 * The cluster bus (issue #20): a shared backend's `list_changed` on one node reaches the sessions of
 * every node. Two real CLI nodes with `switchyard.cluster` on one real redis-server; the fixture
 * (`--list-changes`) adds a tool when asked, which makes it send notifications/tools/list_changed to
 * its node. SDK v1 clients on each node listen for the notification. Then the subscriber's Redis
 * connection is killed (CLIENT KILL TYPE pubsub): the node subscribes again by itself, tells its
 * sessions their lists may have changed (news may have been missed), and news flows again.
 */
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../tooling/testing/redis-server.ts';
import { until } from '../../../tooling/testing/wait.ts';
import { startNode } from './support/cluster.ts';
import { connectClient, FIXTURE } from './support/gateway.ts';

const SECRET = 'bus-test-cluster-secret-0123456789abcdefghij';
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('the cluster bus', { timeout: 90_000 }, () => {
  it("a list change on one node's shared backend reaches the sessions of the other node, also after a dropped subscription", async () => {
    const shared = { url: redis.url, keyPrefix: 'bus-test:' };
    const options = {
      fx: { args: [FIXTURE, '--name', 'fx', '--list-changes'] },
      switchyard: { cluster: { secret: '${CLUSTER_SECRET}' } },
      env: { CLUSTER_SECRET: SECRET },
    };
    const [a, b] = await Promise.all([startNode('A', shared, options), startNode('B', shared, options)]);
    const onA = await connectClient(a.url);
    const onB = await connectClient(b.url);
    const seen = { a: [] as number[], b: [] as number[] };
    onA.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.a.push(performance.now()));
    onB.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.b.push(performance.now()));
    // Each client's GET stream is open once a first request went through.
    await onA.listTools();
    await onB.listTools();
    // Both nodes' buses are subscribed (they subscribe in the background at start).
    const subscribers = async () =>
      Number(((await redis.client.send('PUBSUB', ['NUMSUB', 'bus-test:bus'])) as [string, number])[1]);
    const deadline = Date.now() + 20_000;
    while ((await subscribers()) < 2 && Date.now() < deadline) await Bun.sleep(50);
    expect(await subscribers()).toBe(2);

    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = seen.b.length;
      const t0 = performance.now();
      const added = await onA.callTool({ name: 'fx__add_tool', arguments: { name: `extra_${i}` } });
      expect(JSON.stringify(added)).toContain(`added extra_${i}`);
      await until(() => seen.b.length > before, `B told of change ${i}`, 10_000);
      delays.push(seen.b.at(-1)! - t0);
    }
    // A's own session was told by its node as before.
    expect(seen.a.length).toBeGreaterThanOrEqual(1);
    delays.sort((x, y) => x - y);
    console.info(
      `cluster bus: list_changed from A's backend to B's session, p50 ${delays[4]!.toFixed(1)} ms, max ${delays.at(-1)!.toFixed(1)} ms`,
    );

    // Kill the subscribers' connections: each node subscribes again and tells its sessions.
    const beforeGap = seen.b.length;
    await redis.client.send('CLIENT', ['KILL', 'TYPE', 'pubsub']);
    await until(() => seen.b.length > beforeGap, "B's sessions told after the gap", 15_000);
    expect(b.stderr()).toContain('the cluster bus is subscribed again');
    // And news flows again.
    const after = seen.b.length;
    await onA.callTool({ name: 'fx__add_tool', arguments: { name: 'after_gap' } });
    await until(() => seen.b.length > after, 'B told of a change after the gap', 10_000);
  });
});

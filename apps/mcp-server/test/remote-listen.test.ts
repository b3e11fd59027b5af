/**
 * A 2026-07-28 client's `subscriptions/listen` through the gateway, against a shared remote backend
 * over Streamable HTTP, of either era (real servers in child processes):
 * - one that speaks only 2026-07-28 (`fixtures/modern-http-server.ts`, SDK v2, stateless): the
 *   gateway opens its own long-lived listens on the remote connection (the worker's list-change
 *   listen, one per watched resource);
 * - a 2025 one (`fixtures/legacy-http-server.ts`, SDK v1, a session per client): the gateway
 *   subscribes the resource in the connection's session, and the remote's notifications come on
 *   the session's event stream.
 * Either way what the remote announces — a resource update, a tools list change — reaches the
 * client's stream, tagged with its listen's id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, modernPost, startInProcess } from './support/gateway.ts';
import { within } from './support/third-party.ts';
import { spawnUrlServer } from './support/url-server.ts';

const REMOTES = [
  {
    era: '2026',
    script: new URL('./fixtures/modern-http-server.ts', import.meta.url).pathname,
    uri: 'modern://counter',
  },
  {
    era: '2025',
    script: new URL('./fixtures/legacy-http-server.ts', import.meta.url).pathname,
    uri: 'legacy://counter',
  },
] as const;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** SSE `data:` messages of `response`, read until `done` says so. */
async function readEvents(
  response: Response,
  done: (messages: Record<string, unknown>[]) => boolean,
  seen: (messages: Record<string, unknown>[]) => void,
): Promise<Record<string, unknown>[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: Record<string, unknown>[] = [];
  let buffer = '';
  while (!done(messages)) {
    const chunk = await within(reader.read(), 15_000, 'an SSE event');
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n'))
        if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)));
      end = buffer.indexOf('\n\n');
    }
    seen(messages);
  }
  await reader.cancel();
  return messages;
}

describe.each(REMOTES)(
  'subscriptions/listen of a 2026 client, against a $era remote',
  ({ era, script, uri }) => {
    it('reaches the remote’s resource updates and list changes, tagged with its id', {
      timeout: 60_000,
    }, async () => {
      const { url } = await spawnUrlServer(script, [], (kill) => stops.push(kill));
      const gw = await startInProcess({ mcpServers: { far: { url, tier: 'hot' } } });
      expect(gw.gateway.eraOf('far')).toBe(era);
      const meta = {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      };
      const listening = await modernPost(gw.url, {
        jsonrpc: '2.0',
        id: 'watch-far',
        method: 'subscriptions/listen',
        params: {
          _meta: meta,
          notifications: { toolsListChanged: true, resourceSubscriptions: [uri] },
        },
      });
      expect(listening.status).toBe(200);
      let acknowledged!: () => void;
      const ack = new Promise<void>((resolve) => {
        acknowledged = resolve;
      });
      const events = readEvents(
        listening,
        (ms) =>
          ms.some((m) => m.method === 'notifications/resources/updated') &&
          ms.some((m) => m.method === 'notifications/tools/list_changed'),
        (ms) => {
          if (ms.some((m) => m.method === 'notifications/subscriptions/acknowledged')) acknowledged();
        },
      );
      // Acknowledged once the remote's subscription is made: then the changes.
      await within(ack, 15_000, 'the listen’s acknowledgement');
      const legacy = await connectClient(gw.url);
      await legacy.callTool({ name: 'far__bump', arguments: {} });
      await legacy.callTool({ name: 'far__grow', arguments: { name: 'listened' } });
      const messages = await events;
      const first = messages[0] as { method: string; params: { notifications: unknown } };
      expect(first.method).toBe('notifications/subscriptions/acknowledged');
      expect(first.params.notifications).toEqual({
        toolsListChanged: true,
        resourceSubscriptions: [uri],
      });
      const update = messages.find((m) => m.method === 'notifications/resources/updated') as {
        params: { uri: string; _meta: Record<string, unknown> };
      };
      expect(update.params.uri).toBe(uri);
      expect(update.params._meta['io.modelcontextprotocol/subscriptionId']).toBe('watch-far');
      const changed = messages.find((m) => m.method === 'notifications/tools/list_changed') as {
        params: { _meta: Record<string, unknown> };
      };
      expect(changed.params._meta['io.modelcontextprotocol/subscriptionId']).toBe('watch-far');
      const { tools } = await legacy.listTools();
      expect(tools.map((t) => t.name)).toContain('far__listened');
    });
  },
);

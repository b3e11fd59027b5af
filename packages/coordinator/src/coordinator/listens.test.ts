import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../jsonrpc/types.ts';
import { Listens } from './listens.ts';

const SUB = 'io.modelcontextprotocol/subscriptionId';

async function drain(stream: AsyncIterable<JsonRpcMessage>): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  for await (const m of stream) out.push(m);
  return out;
}

describe('Listens', () => {
  const hooks = { subscribe: async (uri: string) => `b\u0000${uri}`, unsubscribe: () => {} };

  it('acknowledges what it honours, delivers what was asked, and ends with a complete result', async () => {
    const listens = new Listens();
    const stream = await listens.listen(
      's',
      'watch-1',
      { notifications: { toolsListChanged: true, resourceSubscriptions: ['x://a'] } },
      hooks,
    );
    listens.listChanged(new Set(['notifications/tools/list_changed', 'notifications/prompts/list_changed']));
    listens.resourceUpdated('b\u0000x://a', { uri: 'x://a' });
    listens.endAll();
    const messages = await drain(stream);
    expect(messages.map((m) => ('method' in m ? m.method : 'result'))).toEqual([
      'notifications/subscriptions/acknowledged',
      'notifications/tools/list_changed',
      'notifications/resources/updated',
      'result',
    ]);
    expect(messages[0]).toMatchObject({
      params: {
        notifications: { toolsListChanged: true, resourceSubscriptions: ['x://a'] },
        _meta: { [SUB]: 'watch-1' },
      },
    });
    expect(messages[3]).toEqual({
      jsonrpc: '2.0',
      id: 'watch-1',
      result: { resultType: 'complete', _meta: { [SUB]: 'watch-1' } },
    });
  });

  it('unsubscribes a watched resource when the last listen on it closes', async () => {
    const gone: string[] = [];
    const listens = new Listens();
    const watch = { ...hooks, unsubscribe: (key: string) => gone.push(key) };
    const params = { notifications: { resourceSubscriptions: ['x://a'] } };
    const a = (await listens.listen('s', 1, params, watch))[Symbol.asyncIterator]();
    const b = (await listens.listen('s', 2, params, watch))[Symbol.asyncIterator]();
    await a.return?.();
    expect(gone).toEqual([]);
    await b.return?.();
    expect(gone).toEqual(['b\u0000x://a']);
  });

  it('a listen not read holds at most maxBuffered messages; a change said again unread is kept once', async () => {
    const listens = new Listens(3);
    const stream = await listens.listen(
      's',
      'w',
      { notifications: { toolsListChanged: true, resourceSubscriptions: ['x://a', 'x://b'] } },
      hooks,
    );
    for (let i = 0; i < 1_000; i++) {
      listens.listChanged(new Set(['notifications/tools/list_changed']));
      listens.resourceUpdated('b\u0000x://a', { uri: 'x://a' });
    }
    listens.resourceUpdated('b\u0000x://b', { uri: 'x://b' });
    listens.endAll();
    const messages = await drain(stream);
    // Ack, one list change, two updates, the end: five, of which the three newest are kept.
    expect(
      messages.map((m) =>
        'method' in m ? `${m.method} ${(m.params as { uri?: string }).uri ?? ''}` : 'result',
      ),
    ).toEqual(['notifications/resources/updated x://a', 'notifications/resources/updated x://b', 'result']);
  });
});

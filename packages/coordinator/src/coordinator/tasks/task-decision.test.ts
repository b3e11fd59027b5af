import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../../jsonrpc/types.ts';
import { MessageStream } from '../message-stream.ts';
import { firstAct } from './task-decision.ts';

const asking: JsonRpcMessage = {
  jsonrpc: '2.0',
  id: 'x',
  result: { resultType: 'input_required', inputRequests: {}, requestState: 's1' },
};
const note: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } };
const done: JsonRpcMessage = { jsonrpc: '2.0', id: 'x', result: { content: [] } };

async function all(messages: AsyncIterable<JsonRpcMessage>): Promise<JsonRpcMessage[]> {
  const out: JsonRpcMessage[] = [];
  for await (const m of messages) out.push(m);
  return out;
}

describe('firstAct', () => {
  it('a call whose first message is its input_required answer asks', async () => {
    const stream = new MessageStream<JsonRpcMessage>();
    stream.push(asking);
    stream.end();
    expect(await firstAct(stream, 60_000)).toEqual({ kind: 'asks', answer: asking });
  });

  it('a call that says anything else first works: its whole stream is kept', async () => {
    const stream = new MessageStream<JsonRpcMessage>();
    stream.push(note);
    stream.push(asking);
    stream.end();
    const act = await firstAct(stream, 60_000);
    expect(act.kind).toBe('works');
    if (act.kind === 'works') expect(await all(act.messages)).toEqual([note, asking]);
  });

  it('a call silent for the window works; what it says later still comes', async () => {
    const stream = new MessageStream<JsonRpcMessage>();
    const act = await firstAct(stream, 1);
    expect(act.kind).toBe('works');
    stream.push(asking);
    stream.push(done);
    stream.end();
    if (act.kind === 'works') expect(await all(act.messages)).toEqual([asking, done]);
  });

  it('a reader that stops early abandons the call', async () => {
    let abandoned = false;
    const stream = new MessageStream<JsonRpcMessage>(() => {
      abandoned = true;
    });
    stream.push(note);
    stream.push(note);
    const act = await firstAct(stream, 60_000);
    if (act.kind !== 'works') throw new Error('expected works');
    for await (const _ of act.messages) break;
    expect(abandoned).toBe(true);
  });
});

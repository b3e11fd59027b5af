import { describe, expect, it } from 'vitest';
import { errorResponse } from '../jsonrpc/responses.ts';
import type { JsonRpcMessage, JsonRpcRequest, RequestId } from '../jsonrpc/types.ts';
import type { BackendWorker } from './backend-worker.ts';
import type { Call } from './call.ts';
import { MessageStream } from './message-stream.ts';
import { ServerRequests } from './server-requests.ts';
import { defaultRandomBytes, SessionTable } from './sessions.ts';

function setup(capabilities: Record<string, unknown>) {
  const sessions = new SessionTable(defaultRandomBytes);
  const session = sessions.add({
    id: 's1',
    principal: 'alice',
    protocolVersion: '2025-06-18',
    clientInfo: undefined,
    clientCapabilities: capabilities as never,
    era: 'legacy',
    lastSeenAt: 0,
  });
  const toWorker: JsonRpcMessage[] = [];
  const worker = {
    isClosed: false,
    channel: { send: (m: JsonRpcMessage) => toWorker.push(m) },
  } as unknown as BackendWorker;
  const stream = new MessageStream<JsonRpcMessage>();
  const call = { spec: { session }, sink: { stream } } as unknown as Call;
  const answered: RequestId[] = [];
  const requests = new ServerRequests({
    parking: { ask: () => {} },
    maxPending: 1,
    tooMany: (id) => errorResponse(id, { code: -32050, message: 'too many' }),
    answered: (_s, id) => answered.push(id),
  });
  return { session, worker, stream, call, requests, toWorker, answered };
}

const sampling = (id: number): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id,
  method: 'sampling/createMessage',
  params: { x: id },
});

async function pushed(stream: MessageStream<JsonRpcMessage>): Promise<JsonRpcMessage[]> {
  stream.end();
  const out: JsonRpcMessage[] = [];
  for await (const m of stream) out.push(m);
  return out;
}

describe('ServerRequests (2025 clients)', () => {
  it('relays a request under the session’s own id, and its answer back under the backend’s', async () => {
    const { requests, call, worker, stream, session, toWorker, answered } = setup({ sampling: {} });
    requests.ask(call, worker, sampling(41));
    // One unanswered at most: the next is refused to the backend.
    requests.ask(call, worker, sampling(42));
    expect(await pushed(stream)).toEqual([
      { jsonrpc: '2.0', id: 'switchyard-1', method: 'sampling/createMessage', params: { x: 41 } },
    ]);
    expect(toWorker).toEqual([{ jsonrpc: '2.0', id: 42, error: { code: -32050, message: 'too many' } }]);
    requests.answer(session, { jsonrpc: '2.0', id: 'switchyard-1', result: { ok: 1 } });
    // An answer to nothing asked is dropped.
    requests.answer(session, { jsonrpc: '2.0', id: 'switchyard-9', result: {} });
    expect(toWorker[1]).toEqual({ jsonrpc: '2.0', id: 41, result: { ok: 1 } });
    expect(answered).toEqual(['switchyard-1']);
    expect(session.serverRequests.size).toBe(0);
  });

  it('answers the backend at once when the client did not declare the capability', async () => {
    const { requests, call, worker, stream, toWorker } = setup({});
    requests.ask(call, worker, sampling(7));
    expect(await pushed(stream)).toEqual([]);
    expect(toWorker).toEqual([
      {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32601, message: 'the client does not support sampling/createMessage' },
      },
    ]);
  });
});

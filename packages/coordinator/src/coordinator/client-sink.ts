/**
 * Where a routed request's messages go: the stream of the client request that is waiting for
 * them. A 2026-07-28 request whose backend asks the client something (sampling, elicitation,
 * roots) is *parked*: its stream ends with an `input_required` result, the backend's call stays in
 * flight, and what the backend sends meanwhile is held; when the client retries with the answers
 * the call is *resumed* on the retry's stream, under the retry's id.
 */

import type { JsonRpcMessage, JsonRpcResponse, RequestId } from '../jsonrpc/types.ts';
import { MessageStream } from './message-stream.ts';

export class ClientSink {
  private out: MessageStream<JsonRpcMessage> | undefined;
  /** What came while parked (made on the first such message). */
  private held: JsonRpcMessage[] | undefined;
  private ended = false;
  /** The requestState of the park in force, if any. */
  parkedAs: string | undefined;

  constructor(
    private frontId: RequestId,
    private readonly onAbandon: () => void,
  ) {
    this.out = new MessageStream(onAbandon);
  }

  /** The stream of the client request in force (the first, or the latest retry). */
  get stream(): MessageStream<JsonRpcMessage> {
    this.out ??= new MessageStream(this.onAbandon);
    return this.out;
  }

  get id(): RequestId {
    return this.frontId;
  }

  /** The call has ended (answered, cancelled, timed out). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** A message for the client; a response goes out under the id of the request in force. */
  push(message: JsonRpcMessage): void {
    const m = 'method' in message ? message : { ...message, id: this.frontId };
    if (this.out) this.out.push(m);
    else {
      this.held ??= [];
      this.held.push(m);
    }
  }

  end(): void {
    this.ended = true;
    this.out?.end();
  }

  /** Ends the client's request with `answer` (an `input_required` result); holds what follows. */
  park(answer: JsonRpcResponse, requestState: string): void {
    this.parkedAs = requestState;
    this.out?.push(answer);
    this.out?.end();
    this.out = undefined;
  }

  /** The retry `id` takes the call over: what was held, then what comes. */
  resume(id: RequestId): MessageStream<JsonRpcMessage> {
    this.parkedAs = undefined;
    this.frontId = id;
    const out = new MessageStream<JsonRpcMessage>(this.onAbandon);
    this.out = out;
    const held = this.held ?? [];
    this.held = undefined;
    for (const m of held) out.push('method' in m ? m : { ...m, id });
    if (this.ended) out.end();
    return out;
  }
}

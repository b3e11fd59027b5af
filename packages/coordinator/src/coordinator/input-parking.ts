/**
 * The multi-round-trip flow (2026-07-28, basic/patterns/mrtr) for calls whose backend asks the
 * client something (sampling, elicitation, roots). A 2026 client takes no requests, so:
 *
 * - the backend's requests of one moment (within `gatherMs` of the first; a 2026 backend's
 *   `input_required` arrives as one burst) are gathered into one `input_required` result with
 *   one `inputRequests` entry each, and the call is *parked* under a fresh `requestState`;
 * - a request that arrives while the call is parked joins that park;
 * - the client's retry with `requestState` answers each backend request it has an answer for; the
 *   call resumes on the retry once none is left, else the retry gets `input_required` again with
 *   the ones still open;
 * - a park the client never comes back to ends after `waitMs` (the revision: servers MUST NOT
 *   assume the client will retry), and the backend's call is cancelled.
 */
import { invalidParams, resultResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcRequest,
  type RequestId,
} from '../jsonrpc/types.ts';
import type { BackendWorker } from './backend-worker.ts';
import type { ClientSink } from './client-sink.ts';
import type { Outcome } from './outcome.ts';
import { INPUT_KEY } from './port.ts';

/**
 * How long the backend's requests of one moment are gathered before the call is parked, ms. A
 * stdio backend that asks two things at once writes two lines; on a loaded machine the second can
 * come several milliseconds after the first (5 ms split them under load), and a client that asks
 * its user is far slower than this wait.
 */
export const DEFAULT_INPUT_GATHER_MS = 25;
/** How long a parked call waits for the client's retry, ms. */
export const DEFAULT_INPUT_WAIT_MS = 30_000;

interface Ask {
  backendRequestId: RequestId;
  inputRequest: JsonObject;
}

interface Park {
  principal: string | null;
  worker: BackendWorker;
  sink: ClientSink;
  asks: Map<string, Ask>;
  /** Ends the call: the client never came back. */
  expire: () => void;
  timer?: ReturnType<typeof setTimeout>;
}

export interface InputParkingOptions {
  newId: () => string;
  gatherMs?: number;
  waitMs?: number;
}

export class InputParking {
  private readonly parked = new Map<string, Park>();
  private readonly gathering = new Map<ClientSink, Park>();

  constructor(private readonly options: InputParkingOptions) {}

  /** Calls parked now (tests, metrics). */
  get size(): number {
    return this.parked.size;
  }

  /** A backend's request to the client during `sink`'s call. */
  ask(
    principal: string | null,
    worker: BackendWorker,
    sink: ClientSink,
    message: JsonRpcRequest,
    expire: () => void,
  ): void {
    const inputRequest: JsonObject = { method: message.method };
    if (message.params !== undefined) inputRequest.params = message.params;
    const ask: Ask = { backendRequestId: message.id, inputRequest };
    const open = sink.parkedAs === undefined ? this.gathering.get(sink) : this.parked.get(sink.parkedAs);
    const park = open ?? { principal, worker, sink, asks: new Map(), expire };
    park.asks.set(keyOf(message, park.asks), ask);
    if (open) return;
    this.gathering.set(sink, park);
    setTimeout(() => this.park(park), this.options.gatherMs ?? DEFAULT_INPUT_GATHER_MS);
  }

  /** The call ended (answered, cancelled, timed out): its park goes. */
  forget(sink: ClientSink): void {
    this.gathering.delete(sink);
    if (sink.parkedAs === undefined) return;
    const park = this.parked.get(sink.parkedAs);
    if (park) clearTimeout(park.timer);
    this.parked.delete(sink.parkedAs);
  }

  /** A 2026 retry carrying `requestState`. */
  resume(principal: string | null, request: JsonRpcRequest, requestState: string): Outcome {
    const park = this.parked.get(requestState);
    if (!park || park.principal !== principal) {
      return {
        kind: 'response',
        message: invalidParams(
          request.id,
          'requestState is unknown or expired; send the request again without it',
        ),
      };
    }
    const responses = isJsonObject(request.params?.inputResponses) ? request.params.inputResponses : {};
    for (const [key, ask] of park.asks) {
      const answer = responses[key];
      if (!isJsonObject(answer)) continue;
      park.asks.delete(key);
      if (!park.worker.isClosed) {
        park.worker.channel.send({ jsonrpc: JSONRPC_VERSION, id: ask.backendRequestId, result: answer });
      }
    }
    if (park.asks.size > 0) {
      return { kind: 'response', message: resultResponse(request.id, inputRequired(park, requestState)) };
    }
    clearTimeout(park.timer);
    this.parked.delete(requestState);
    return { kind: 'stream', messages: park.sink.resume(request.id) };
  }

  private park(park: Park): void {
    if (this.gathering.get(park.sink) !== park) return;
    this.gathering.delete(park.sink);
    if (park.sink.isEnded) return;
    const requestState = this.options.newId();
    this.parked.set(requestState, park);
    park.timer = setTimeout(() => {
      if (this.parked.get(requestState) !== park) return;
      this.parked.delete(requestState);
      park.expire();
    }, this.options.waitMs ?? DEFAULT_INPUT_WAIT_MS);
    park.sink.park(resultResponse(park.sink.id, inputRequired(park, requestState)), requestState);
  }
}

function inputRequired(park: Park, requestState: string): JsonObject {
  const inputRequests: JsonObject = {};
  for (const [key, ask] of park.asks) inputRequests[key] = ask.inputRequest;
  return { resultType: 'input_required', inputRequests, requestState };
}

/** The backend's own key when it named one (a 2026 backend), else one made from the request. */
function keyOf(message: JsonRpcRequest, taken: ReadonlyMap<string, Ask>): string {
  const own = (message as { [INPUT_KEY]?: unknown })[INPUT_KEY];
  const base = typeof own === 'string' ? own : `${message.method.replace(/\W+/g, '_')}_${String(message.id)}`;
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
  return key;
}

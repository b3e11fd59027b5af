/**
 * A backend's requests to the client during a call (sampling, elicitation, roots). To a 2025 client
 * they are relayed on the call's stream under an id of the session's own, and the client's answer
 * goes back to the worker that asked under the backend's id; to a 2026 client, which takes no
 * requests, they become an `input_required` result of the call (`InputParking`). A request needing
 * a capability the client did not declare is answered to the backend at once.
 */
import { METHOD_NOT_FOUND } from '../jsonrpc/codes.ts';
import { errorResponse } from '../jsonrpc/responses.ts';
import {
  isJsonObject,
  JSONRPC_VERSION,
  type JsonRpcErrorResponse,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../jsonrpc/types.ts';
import { ownEntry } from '../own.ts';
import type { BackendWorker } from './backend-worker.ts';
import type { Call } from './call.ts';
import type { InputParking } from './input-parking.ts';
import type { FrontSession } from './sessions.ts';

/** The client capability a server-to-client request needs. */
const CLIENT_CAPABILITY_OF: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface ServerRequestsOptions {
  /** 2026 calls waiting for the client's input. */
  parking: Pick<InputParking, 'ask'>;
  /** A backend's requests relayed to one 2025 session and not yet answered by its client, at most. */
  maxPending: number;
  /** The backend's answer when the session holds `maxPending` unanswered (`LIMIT_REACHED`). */
  tooMany: (id: RequestId) => JsonRpcErrorResponse;
  /** The client answered a relayed request (`frontId`, the id it saw). */
  answered: (sessionId: string, frontId: RequestId) => void;
}

export class ServerRequests {
  constructor(private readonly options: ServerRequestsOptions) {}

  /** A worker's request during `call`: to its client, as the client's era takes it. */
  ask(call: Call, worker: BackendWorker, message: JsonRpcRequest): void {
    if (call.spec.session.era === 'modern') this.askForInput(call, worker, message);
    else this.relay(call, worker, message);
  }

  /** The client's answer to a relayed request goes back to the worker that asked, with its id. */
  answer(session: FrontSession, message: JsonRpcResponse): void {
    if (message.id === undefined) return;
    const pending = session.serverRequests.get(message.id);
    if (!pending) return;
    session.serverRequests.delete(message.id);
    this.options.answered(session.id, message.id);
    if (pending.worker.isClosed) return;
    pending.worker.channel.send(
      'result' in message
        ? { jsonrpc: JSONRPC_VERSION, id: pending.backendRequestId, result: message.result }
        : { jsonrpc: JSONRPC_VERSION, id: pending.backendRequestId, error: message.error },
    );
  }

  /**
   * A 2026 client takes no requests: the backend's request becomes an `input_required` result of
   * the client's call (multi-round-trip, see `InputParking`).
   */
  private askForInput(call: Call, worker: BackendWorker, message: JsonRpcRequest): void {
    // A request needing a capability the client did not declare: the backend is told the client
    // cannot (it may do without); if the call then fails, the client gets -32021 naming it.
    const capability = ownEntry(CLIENT_CAPABILITY_OF, message.method);
    if (capability !== undefined && !isJsonObject(call.clientCapabilities[capability])) {
      call.lacks(capability);
      tellUnsupported(worker, message);
      return;
    }
    this.options.parking.ask(call.spec.session.principal, worker, call.sink, message, () =>
      call.abandon('timeout', 'the client did not come back with the input'),
    );
  }

  /** A worker's request, relayed on the stream of the client request it came during. */
  private relay(call: Call, worker: BackendWorker, message: JsonRpcRequest): void {
    const session = call.spec.session;
    const capability = ownEntry(CLIENT_CAPABILITY_OF, message.method);
    if (capability === undefined || !isJsonObject(session.clientCapabilities[capability])) {
      tellUnsupported(worker, message);
      return;
    }
    if (session.serverRequests.size >= this.options.maxPending) {
      worker.channel.send(this.options.tooMany(message.id));
      return;
    }
    const frontId = `switchyard-${++session.serverRequestSeq}`;
    session.serverRequests.set(frontId, { worker, backendRequestId: message.id });
    const relayed: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id: frontId, method: message.method };
    if (message.params !== undefined) relayed.params = message.params;
    call.sink.stream.push(relayed);
  }
}

/** Answers the worker: the client does not support its request. */
function tellUnsupported(worker: BackendWorker, message: JsonRpcRequest): void {
  worker.channel.send(
    errorResponse(message.id, {
      code: METHOD_NOT_FOUND,
      message: `the client does not support ${message.method}`,
    }),
  );
}

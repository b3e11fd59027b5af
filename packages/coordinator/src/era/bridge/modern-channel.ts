/**
 * A 2026-07-28 backend worker made to look, to the coordinator, like a 2025 one — so every front
 * (2025 sessions and 2026 requests alike) reaches it through the same routing core:
 *
 * - requests go out with the request envelope in `_meta` (revision, the gateway's identity, the
 *   capabilities of the client they are sent for) and their results come back without the
 *   2026-only `resultType` / `serverInfo`;
 * - an `input_required` result becomes the server-to-client requests it embeds (each tagged with
 *   its call, `RELATED_REQUEST`); when the client has answered them all, the call is sent again
 *   with `inputResponses` and the backend's `requestState`, until it completes (or `maxRounds`);
 * - `ping` and `logging/setLevel`, which the revision dropped, are answered here (the level rides
 *   in later requests' `_meta`);
 * - list changes: a `subscriptions/listen` is opened on the worker at the first send, and what it
 *   delivers reaches the coordinator as plain `notifications/…/list_changed`;
 * - `resources/subscribe` / `unsubscribe` open / cancel one `subscriptions/listen` per URI;
 *   `notifications/resources/updated` arrive as in 2025.
 * Long-lived listens go through the channel's `post` (outside any request queue or timeout).
 */
import type { Implementation } from '../../aggregate/initialize.ts';
import type { BackendHandshake, SendContext, WorkerChannel } from '../../coordinator/port.ts';
import { INPUT_KEY, RELATED_REQUEST } from '../../coordinator/port.ts';
import { INTERNAL_ERROR, INVALID_REQUEST } from '../../jsonrpc/codes.ts';
import { errorResponse, resultResponse } from '../../jsonrpc/responses.ts';
import {
  isJsonObject,
  isRequestId,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from '../../jsonrpc/types.ts';
import { SERVER_INFO_META_KEY, SUBSCRIPTION_ID_META_KEY } from '../modern/meta-keys.ts';
import { type EnvelopeInputs, withEnvelope } from './envelope.ts';

/** Input rounds one call may take before the gateway gives up on it, by default. */
export const DEFAULT_MAX_INPUT_ROUNDS = 8;

export interface ModernChannelOptions {
  clientInfo: Implementation;
  /** What to ask the backend to announce on the worker's own listen (from its capabilities). */
  listChanges?: { tools?: boolean; prompts?: boolean; resources?: boolean };
  maxRounds?: number;
}

interface Call {
  /** The request as last sent, without `inputResponses` / `requestState`. */
  request: JsonRpcRequest;
  context: SendContext | undefined;
  rounds: number;
  requestState: string | undefined;
  /** Ids of the made-up requests still unanswered this round, by key. */
  awaiting: Map<RequestId, string>;
  answers: JsonObject;
}

const DROPPED_NOTIFICATIONS = new Set(['notifications/initialized', 'notifications/roots/list_changed']);

export class ModernChannel implements WorkerChannel {
  private readonly listeners = new Set<(m: JsonRpcMessage) => void>();
  private readonly calls = new Map<RequestId, Call>();
  /** Made-up request id → the call it belongs to. */
  private readonly asks = new Map<RequestId, RequestId>();
  /** Resource URI → the id of the listen that watches it. */
  private readonly watched = new Map<string, string>();
  private logLevel: string | undefined;
  private listening = false;
  private seq = 0;

  constructor(
    private readonly inner: WorkerChannel,
    private readonly options: ModernChannelOptions,
  ) {
    inner.onMessage((m) => this.receive(m));
    inner.onClose(() => {
      this.calls.clear();
      this.asks.clear();
      this.watched.clear();
    });
  }

  get id(): string {
    return this.inner.id;
  }

  get initialized() {
    return this.inner.initialized;
  }

  onMessage(listener: (m: JsonRpcMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    return this.inner.onClose(listener);
  }

  send(message: JsonRpcMessage, context?: SendContext): void {
    this.listenForListChanges();
    if ('method' in message) {
      if ('id' in message && isRequestId(message.id)) this.request(message as JsonRpcRequest, context);
      else this.notification(message as JsonRpcNotification);
      return;
    }
    this.answer(message as JsonRpcResponse);
  }

  // ── coordinator → backend ──────────────────────────────────────────────────────────────────

  private request(request: JsonRpcRequest, context: SendContext | undefined): void {
    switch (request.method) {
      case 'ping':
        this.reply(resultResponse(request.id, {}));
        return;
      case 'logging/setLevel': {
        const level = request.params?.level;
        if (typeof level === 'string') this.logLevel = level;
        this.reply(resultResponse(request.id, {}));
        return;
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const uri = request.params?.uri;
        if (typeof uri !== 'string') {
          this.reply(
            errorResponse(request.id, { code: INVALID_REQUEST, message: 'params.uri must be a string' }),
          );
          return;
        }
        if (request.method === 'resources/subscribe') this.watch(uri);
        else this.unwatch(uri);
        this.reply(resultResponse(request.id, {}));
        return;
      }
      case 'initialize':
        this.reply(
          errorResponse(request.id, {
            code: INVALID_REQUEST,
            message: 'a 2026-07-28 backend takes no initialize',
          }),
        );
        return;
    }
    const out = withEnvelope(request, this.envelope(context));
    this.calls.set(request.id, {
      request: out,
      context,
      rounds: 0,
      requestState: undefined,
      awaiting: new Map(),
      answers: {},
    });
    this.inner.send(out, context);
  }

  private notification(message: JsonRpcNotification): void {
    if (DROPPED_NOTIFICATIONS.has(message.method)) return;
    if (message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (isRequestId(id)) this.forget(id);
    }
    this.inner.send(message);
  }

  /** The client's answer to one of the made-up requests. */
  private answer(message: JsonRpcResponse): void {
    const callId = message.id === undefined || message.id === null ? undefined : this.asks.get(message.id);
    if (callId === undefined) return;
    this.asks.delete(message.id as RequestId);
    const call = this.calls.get(callId);
    if (!call) return;
    const key = call.awaiting.get(message.id as RequestId);
    call.awaiting.delete(message.id as RequestId);
    if ('error' in message) {
      this.forget(callId);
      this.emit(errorResponse(callId, message.error));
      return;
    }
    if (key !== undefined) call.answers[key] = message.result;
    if (call.awaiting.size === 0) this.retry(callId, call);
  }

  private retry(callId: RequestId, call: Call): void {
    const params: JsonObject = { ...(call.request.params ?? {}) };
    if (Object.keys(call.answers).length > 0) params.inputResponses = call.answers;
    if (call.requestState !== undefined) params.requestState = call.requestState;
    call.answers = {};
    this.inner.send({ ...call.request, id: callId, params }, call.context);
  }

  // ── backend → coordinator ──────────────────────────────────────────────────────────────────

  private receive(message: JsonRpcMessage): void {
    if (!isJsonObject(message)) return;
    if ('method' in message && typeof message.method === 'string') {
      // A 2026 server sends no requests (basic/transports/stdio); a notification may be tagged.
      if (!('id' in message)) this.backendNotification(message as JsonRpcNotification);
      return;
    }
    const response = message as JsonRpcResponse;
    const id = response.id;
    if (id === undefined || id === null) return;
    const call = this.calls.get(id);
    if (call && 'result' in response && response.result.resultType === 'input_required') {
      this.inputRequired(id, call, response.result);
      return;
    }
    this.forget(id);
    this.emit('result' in response ? { ...response, result: legacyResult(response.result) } : response);
  }

  private inputRequired(id: RequestId, call: Call, result: JsonObject): void {
    const max = this.options.maxRounds ?? DEFAULT_MAX_INPUT_ROUNDS;
    if (++call.rounds > max) {
      this.forget(id);
      this.emit(
        errorResponse(id, {
          code: INTERNAL_ERROR,
          message: `the backend asked for input ${call.rounds - 1} times without completing the request`,
        }),
      );
      return;
    }
    call.requestState = typeof result.requestState === 'string' ? result.requestState : undefined;
    const requests = isJsonObject(result.inputRequests) ? Object.entries(result.inputRequests) : [];
    const asked: JsonRpcRequest[] = [];
    for (const [key, embedded] of requests) {
      if (!isJsonObject(embedded) || typeof embedded.method !== 'string') continue;
      const askId = `switchyard-input-${++this.seq}`;
      call.awaiting.set(askId, key);
      this.asks.set(askId, id);
      const ask: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id: askId, method: embedded.method };
      if (isJsonObject(embedded.params)) ask.params = embedded.params;
      Object.defineProperty(ask, RELATED_REQUEST, { value: id, enumerable: false });
      Object.defineProperty(ask, INPUT_KEY, { value: key, enumerable: false });
      asked.push(ask);
    }
    // Only a requestState: the backend wants the request again as it is, with that state.
    if (asked.length === 0) {
      this.retry(id, call);
      return;
    }
    for (const ask of asked) this.emit(ask);
  }

  private backendNotification(message: JsonRpcNotification): void {
    const meta = isJsonObject(message.params?._meta) ? message.params._meta : undefined;
    if (meta === undefined || !(SUBSCRIPTION_ID_META_KEY in meta)) {
      this.emit(message);
      return;
    }
    // On a listen: the acknowledgement and the backend's teardown are the channel's business.
    if (message.method === 'notifications/subscriptions/acknowledged') return;
    if (message.method === 'notifications/cancelled') return;
    const { [SUBSCRIPTION_ID_META_KEY]: _, ...rest } = meta;
    const params: JsonObject = { ...message.params };
    if (Object.keys(rest).length > 0) params._meta = rest;
    else delete params._meta;
    this.emit({ ...message, params });
  }

  // ── listens ────────────────────────────────────────────────────────────────────────────────

  private listenForListChanges(): void {
    if (this.listening) return;
    this.listening = true;
    const wanted = this.options.listChanges ?? {};
    const notifications: JsonObject = {};
    if (wanted.tools) notifications.toolsListChanged = true;
    if (wanted.prompts) notifications.promptsListChanged = true;
    if (wanted.resources) notifications.resourcesListChanged = true;
    if (Object.keys(notifications).length > 0) this.listen(notifications);
  }

  private watch(uri: string): void {
    if (this.watched.has(uri)) return;
    this.watched.set(uri, this.listen({ resourceSubscriptions: [uri] }));
  }

  private unwatch(uri: string): void {
    const listenId = this.watched.get(uri);
    if (listenId === undefined) return;
    this.watched.delete(uri);
    this.write({
      jsonrpc: JSONRPC_VERSION,
      method: 'notifications/cancelled',
      params: { requestId: listenId },
    });
  }

  /** Opens a listen; returns its id. */
  private listen(notifications: JsonObject): string {
    const id = `switchyard-listen-${++this.seq}`;
    const request = withEnvelope(
      { jsonrpc: JSONRPC_VERSION, id, method: 'subscriptions/listen', params: { notifications } },
      this.envelope(undefined),
    );
    this.write(request);
    return id;
  }

  private write(message: JsonRpcMessage): void {
    if (this.inner.post) this.inner.post(message);
    else this.inner.send(message);
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  private envelope(context: SendContext | undefined): EnvelopeInputs {
    const inputs: EnvelopeInputs = {
      clientInfo: this.options.clientInfo,
      clientCapabilities: context?.clientCapabilities ?? {},
    };
    if (this.logLevel !== undefined) inputs.logLevel = this.logLevel;
    return inputs;
  }

  private forget(callId: RequestId): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    for (const askId of call.awaiting.keys()) this.asks.delete(askId);
  }

  /** An answer made here, delivered after the caller has registered its sink. */
  private reply(message: JsonRpcResponse): void {
    queueMicrotask(() => this.emit(message));
  }

  private emit(message: JsonRpcMessage): void {
    for (const l of this.listeners) l(message);
  }
}

/** A 2026 result as a 2025 peer expects it: no `resultType`, no backend `serverInfo` in `_meta`. */
function legacyResult(result: JsonObject): JsonObject {
  const { resultType: _, ...rest } = result;
  if (!isJsonObject(rest._meta) || !(SERVER_INFO_META_KEY in rest._meta)) return rest;
  const { [SERVER_INFO_META_KEY]: __, ...meta } = rest._meta;
  if (Object.keys(meta).length > 0) rest._meta = meta;
  else delete rest._meta;
  return rest;
}

/**
 * What the coordinator is handed for a worker: `channel` itself, or for a worker whose handshake
 * found the 2026 era the bridge that makes it look like a 2025 one (asking it to announce the list
 * changes its capabilities offer).
 */
export function bridgeOf(
  channel: WorkerChannel,
  handshake: BackendHandshake | undefined,
  clientInfo: Implementation,
): WorkerChannel {
  if (handshake?.era !== 'modern') return channel;
  const capabilities = handshake.result.capabilities ?? {};
  const listChanged = (name: string) => {
    const c = capabilities[name];
    return isJsonObject(c) && c.listChanged === true;
  };
  return new ModernChannel(channel, {
    clientInfo,
    listChanges: {
      tools: listChanged('tools'),
      prompts: listChanged('prompts'),
      resources: listChanged('resources'),
    },
  });
}

/**
 * How the one routing core answers a 2026-07-28 client: results get `resultType` and the
 * gateway's `serverInfo` in `_meta` (and `resources/read` its cache hint); codes the revision
 * retired are translated (-32002 resource-not-found is -32602 now); `subscriptions/listen`
 * streams are tagged with their subscription id. Pure functions over messages.
 */
import type { Implementation } from '../aggregate/initialize.ts';
import type { HeaderGetter } from '../era/modern/headers.ts';
import { SERVER_INFO_META_KEY, SUBSCRIPTION_ID_META_KEY } from '../era/modern/meta-keys.ts';
import { INVALID_PARAMS, RESOURCE_NOT_FOUND } from '../jsonrpc/codes.ts';
import {
  isJsonObject,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type RequestId,
} from '../jsonrpc/types.ts';
import { MessageStream } from './message-stream.ts';
import type { Outcome } from './outcome.ts';

/** A 2026 client's `resources/read` result may be cached this long (the backend said nothing). */
export const MODERN_READ_TTL_MS = 0;

/** The methods a 2026-07-28 client may send (schema.ts `ClientRequest`). */
export const MODERN_CLIENT_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'completion/complete',
  'prompts/get',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'subscriptions/listen',
  'tools/call',
  'tools/list',
  // The tasks extension (coordinator/tasks/): gated on the client declaring it.
  'tasks/get',
  'tasks/cancel',
  'tasks/update',
]);

/** The requests that may answer `input_required` and be retried with `inputResponses`. */
export const MRTR_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

const CAPABILITIES: unique symbol = Symbol('switchyard.clientCapabilities');
const HEADERS: unique symbol = Symbol('switchyard.headers');

/** A routed 2026 request with its tags. */
type Tagged = JsonRpcRequest & { [CAPABILITIES]?: JsonObject; [HEADERS]?: HeaderGetter | undefined };

/**
 * Tags a routed 2026 request (in-process only) with the capabilities its client declared and,
 * over HTTP, its headers (`Mcp-Param-*` are checked against the tool's schema when it is routed).
 */
export function withCapabilities(
  request: JsonRpcRequest,
  capabilities: JsonObject,
  header?: HeaderGetter,
): void {
  Object.defineProperty(request, CAPABILITIES, { value: capabilities, enumerable: false });
  if (header) Object.defineProperty(request, HEADERS, { value: header, enumerable: false });
}

/**
 * A 2026 request as it is routed: under the gateway's own `id` (independent clients share a
 * stand-in session and may reuse ids), tagged like `withCapabilities` — in one object literal, not
 * a copy and then two property definitions. The tags are symbol keys: JSON never sees them.
 */
export function routedModern(
  request: JsonRpcRequest,
  id: RequestId,
  capabilities: JsonObject,
  header: HeaderGetter | undefined,
): JsonRpcRequest {
  const { jsonrpc, method, params } = request;
  const routed: Tagged =
    params === undefined
      ? { jsonrpc, id, method, [CAPABILITIES]: capabilities, [HEADERS]: header }
      : { jsonrpc, id, method, params, [CAPABILITIES]: capabilities, [HEADERS]: header };
  return routed;
}

/** The capabilities a routed 2026 request's client declared, if it is one. */
export function capabilitiesOf(request: JsonRpcRequest): JsonObject | undefined {
  return (request as { [CAPABILITIES]?: JsonObject })[CAPABILITIES];
}

/** The HTTP headers of a routed 2026 request, if it came over HTTP. */
export function headersOf(request: JsonRpcRequest): HeaderGetter | undefined {
  return (request as { [HEADERS]?: HeaderGetter })[HEADERS];
}

/** One message of a routed request, as a 2026 client is to see it (a response under `clientId`). */
export function toModern(
  message: JsonRpcMessage,
  method: string,
  serverInfo: Implementation,
  clientId?: RequestId,
): JsonRpcMessage {
  if ('method' in message) return message;
  if ('error' in message) {
    const error =
      message.error.code === RESOURCE_NOT_FOUND ? { ...message.error, code: INVALID_PARAMS } : message.error;
    if (clientId === undefined) return error === message.error ? message : { ...message, error };
    return { jsonrpc: JSONRPC_VERSION, id: clientId, error };
  }
  // One copy of the result (the backend's own object is not changed: the audit trail holds it),
  // made in one literal; the message is new, not a spread of the old one.
  const source = message.result;
  const meta = source._meta;
  const serverMeta: JsonObject = isJsonObject(meta)
    ? { ...meta, [SERVER_INFO_META_KEY]: serverInfo as unknown as JsonObject }
    : { [SERVER_INFO_META_KEY]: serverInfo as unknown as JsonObject };
  const result: JsonObject = { resultType: 'complete', ...source, _meta: serverMeta };
  if (method === 'resources/read' && result.resultType === 'complete') {
    result.ttlMs ??= MODERN_READ_TTL_MS;
    result.cacheScope ??= 'private';
  }
  return { jsonrpc: JSONRPC_VERSION, id: clientId ?? message.id, result };
}

/** Which list-changed notifications a `subscriptions/listen` asked for, by notification method. */
export function listenFilter(params: JsonObject | undefined): {
  honoured: JsonObject;
  methods: ReadonlySet<string>;
} {
  const asked = isJsonObject(params?.notifications) ? params.notifications : {};
  const honoured: JsonObject = {};
  const methods = new Set<string>();
  const map: [string, string][] = [
    ['toolsListChanged', 'notifications/tools/list_changed'],
    ['promptsListChanged', 'notifications/prompts/list_changed'],
    ['resourcesListChanged', 'notifications/resources/list_changed'],
  ];
  for (const [flag, method] of map) {
    if (asked[flag] !== true) continue;
    honoured[flag] = true;
    methods.add(method);
  }
  return { honoured, methods };
}

/** A notification on a listen stream: every message there carries the subscription id. */
export function tagged(
  method: string,
  subscriptionId: RequestId,
  params: JsonObject = {},
): JsonRpcNotification {
  const meta = isJsonObject(params._meta) ? params._meta : {};
  return {
    jsonrpc: JSONRPC_VERSION,
    method,
    params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_META_KEY]: subscriptionId } },
  };
}

/**
 * A routed request's outcome as a 2026 client sees it: every message through `toModern` (answers
 * under the client's own id), and a list result first through `decorateList` (its cache hint).
 * A call's own stream (`MessageStream`) maps each message as it is read — no wrapper, no promise
 * more per message; any other stream is wrapped, passing `return()` straight through, so a client
 * that closes its stream still cancels the request. Only a list answer waits (for its hint).
 */
export function modernOutcome(
  outcome: Outcome,
  method: string,
  serverInfo: Implementation,
  clientId: RequestId,
  decorateList: (result: JsonObject) => Promise<JsonObject>,
): Outcome | Promise<Outcome> {
  if (outcome.kind === 'response') {
    const message = outcome.message;
    if ('result' in message && method.endsWith('/list')) {
      return decorateList(message.result).then((result) => ({
        ...outcome,
        message: toModern({ ...message, result }, method, serverInfo, clientId) as typeof message,
      }));
    }
    return { ...outcome, message: toModern(message, method, serverInfo, clientId) as typeof message };
  }
  if (outcome.kind !== 'stream') return outcome;
  const map = (m: JsonRpcMessage) => toModern(m, method, serverInfo, clientId);
  if (outcome.messages instanceof MessageStream) {
    outcome.messages.mapItems(map);
    return outcome;
  }
  const source = outcome.messages[Symbol.asyncIterator]();
  const ended: IteratorResult<JsonRpcMessage> = { done: true, value: undefined };
  // Plain promise chains, not async functions: one promise per message instead of three.
  const mapped: AsyncIterable<JsonRpcMessage> = {
    [Symbol.asyncIterator]: () => ({
      next: () => source.next().then((next) => (next.done ? next : { done: false, value: map(next.value) })),
      return: () => (source.return ? source.return().then((done) => done ?? ended) : Promise.resolve(ended)),
    }),
  };
  return { kind: 'stream', messages: mapped };
}

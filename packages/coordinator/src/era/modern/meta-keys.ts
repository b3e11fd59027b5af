/**
 * The `_meta` keys 2026-07-28 reserves (basic/index.mdx, "General fields: `_meta`"). A request
 * carries its protocol version and the client's capabilities (both required) and identity; a
 * result carries the server's identity; a notification on a `subscriptions/listen` stream carries
 * the id of that request.
 */

export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
export const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
export const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';

/** `params._meta` of a message, when `params` is an object whose `_meta` is an object. */
export function requestMeta(params: unknown): { [key: string]: unknown } | undefined {
  if (!isObject(params)) return undefined;
  const meta = params._meta;
  return isObject(meta) ? meta : undefined;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

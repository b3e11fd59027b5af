/**
 * The MCP handshake with one backend worker: `initialize` at the latest 2025 revision, then
 * `notifications/initialized`. Written over two functions so that a tier manager's `ready` hook
 * can run it on its own worker type (`request` → the worker's request, `notify` → its post).
 */
import type { Implementation } from '../aggregate/initialize.ts';
import { isLegacyProtocolVersion, LATEST_LEGACY_PROTOCOL_VERSION } from '../era/legacy-versions.ts';
import { isJsonObject, type JsonObject } from '../jsonrpc/types.ts';
import type { BackendHandshake } from './port.ts';

export interface HandshakeTransport {
  request(method: string, params: JsonObject): Promise<unknown>;
  notify(method: string): void;
}

/** Runs the handshake; rejects with a readable `Error` when the backend's answer is unusable. */
export async function backendHandshake(
  transport: HandshakeTransport,
  clientInfo: Implementation,
): Promise<BackendHandshake> {
  const result = await transport.request('initialize', {
    protocolVersion: LATEST_LEGACY_PROTOCOL_VERSION,
    // Offered so backends may ask; the coordinator relays each request only to a client that
    // declared the capability, and answers the backend with an error otherwise.
    capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    clientInfo,
  });
  if (!isJsonObject(result) || typeof result.protocolVersion !== 'string') {
    throw new Error('its initialize result has no protocolVersion');
  }
  if (!isLegacyProtocolVersion(result.protocolVersion)) {
    throw new Error(
      `it answered with protocol version ${result.protocolVersion}, which the gateway does not speak`,
    );
  }
  transport.notify('notifications/initialized');
  return { protocolVersion: result.protocolVersion, result: result as BackendHandshake['result'] };
}

/**
 * The opening exchange with one backend worker, in the era the backend speaks:
 * - 2025 (`legacy`): `initialize` at the latest 2025 revision, then `notifications/initialized`;
 * - 2026 (`modern`): `server/discover` with the request envelope; nothing else is needed;
 * - `auto`: the probe the stdio binding recommends (basic/transports/stdio, "Backward
 *   Compatibility"): `server/discover` first — a `DiscoverResult` means modern, a recognised modern
 *   error (`-32022`) means modern but no common revision, anything else or no answer within the
 *   probe timeout means legacy, and `initialize` follows.
 * Written over two functions so that a tier manager's `ready` hook can run it on its own worker
 * type (`request` → the worker's request, `notify` → its post).
 */
import type { Implementation } from '../aggregate/initialize.ts';
import { envelopeMeta, MODERN_BACKEND_VERSION } from '../era/bridge/envelope.ts';
import { isLegacyProtocolVersion, LATEST_LEGACY_PROTOCOL_VERSION } from '../era/legacy-versions.ts';
import { UNSUPPORTED_PROTOCOL_VERSION } from '../era/modern/codes.ts';
import { SERVER_INFO_META_KEY } from '../era/modern/meta-keys.ts';
import { isJsonObject, type JsonObject } from '../jsonrpc/types.ts';
import type { BackendHandshake } from './port.ts';

export interface HandshakeTransport {
  request(method: string, params: JsonObject, options?: { timeoutMs?: number }): Promise<unknown>;
  notify(method: string): void;
}

/** The era a backend is configured to speak. */
export type BackendEraSetting = 'auto' | '2025' | '2026';

/** How long `auto` waits for an answer to `server/discover` before taking the backend for legacy. */
export const DEFAULT_DISCOVER_PROBE_MS = 3_000;

/** The capabilities the gateway offers backends: it relays each request to a client that declared it. */
const OFFERED_CAPABILITIES: JsonObject = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

export interface HandshakeOptions {
  era?: BackendEraSetting;
  probeTimeoutMs?: number;
}

/** Runs the handshake; rejects with a readable `Error` when the backend's answer is unusable. */
export async function backendHandshake(
  transport: HandshakeTransport,
  clientInfo: Implementation,
  options: HandshakeOptions = {},
): Promise<BackendHandshake> {
  const era = options.era ?? '2025';
  if (era === '2025') return legacyHandshake(transport, clientInfo);
  const params = { _meta: envelopeMeta(undefined, { clientInfo, clientCapabilities: OFFERED_CAPABILITIES }) };
  let result: unknown;
  try {
    result = await transport.request(
      'server/discover',
      params,
      era === 'auto' ? { timeoutMs: options.probeTimeoutMs ?? DEFAULT_DISCOVER_PROBE_MS } : {},
    );
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === UNSUPPORTED_PROTOCOL_VERSION) {
      const supported = (e as { data?: { supported?: unknown } }).data?.supported;
      throw new Error(
        `it speaks only protocol versions ${JSON.stringify(supported ?? [])}; the gateway speaks ${MODERN_BACKEND_VERSION} to 2026-era backends`,
      );
    }
    if (era === '2026') {
      throw new Error(
        `server/discover failed (${e instanceof Error ? e.message : String(e)}); is it a 2026-07-28 server? (era: 2026)`,
      );
    }
    return legacyHandshake(transport, clientInfo);
  }
  return modernHandshake(result, era);
}

function modernHandshake(result: unknown, era: BackendEraSetting): BackendHandshake {
  if (!isJsonObject(result) || !Array.isArray(result.supportedVersions)) {
    throw new Error(`its server/discover result has no supportedVersions (era: ${era})`);
  }
  if (!result.supportedVersions.includes(MODERN_BACKEND_VERSION)) {
    throw new Error(
      `it speaks only protocol versions ${JSON.stringify(result.supportedVersions)}; the gateway speaks ${MODERN_BACKEND_VERSION} to 2026-era backends`,
    );
  }
  const meta = isJsonObject(result._meta) ? result._meta : {};
  const serverInfo = isJsonObject(meta[SERVER_INFO_META_KEY]) ? meta[SERVER_INFO_META_KEY] : undefined;
  const shaped: BackendHandshake['result'] = {
    protocolVersion: MODERN_BACKEND_VERSION,
    capabilities: isJsonObject(result.capabilities) ? result.capabilities : {},
  };
  if (serverInfo) shaped.serverInfo = serverInfo;
  if (typeof result.instructions === 'string') shaped.instructions = result.instructions;
  return { protocolVersion: MODERN_BACKEND_VERSION, era: 'modern', result: shaped };
}

async function legacyHandshake(
  transport: HandshakeTransport,
  clientInfo: Implementation,
): Promise<BackendHandshake> {
  const result = await transport.request('initialize', {
    protocolVersion: LATEST_LEGACY_PROTOCOL_VERSION,
    // Offered so backends may ask; the coordinator relays each request only to a client that
    // declared the capability, and answers the backend with an error otherwise.
    capabilities: OFFERED_CAPABILITIES,
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
  return {
    protocolVersion: result.protocolVersion,
    era: 'legacy',
    result: result as BackendHandshake['result'],
  };
}

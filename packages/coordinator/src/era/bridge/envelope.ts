/**
 * What the gateway, as a client of a 2026-07-28 backend, puts in every request's `_meta`: the
 * revision, its own identity and the capabilities of the client on whose behalf it asks (so a
 * backend asks only what that client can answer). Keys already there (a progress token) stay.
 */
import type { Implementation } from '../../aggregate/initialize.ts';
import { isJsonObject, type JsonObject, type JsonRpcRequest } from '../../jsonrpc/types.ts';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '../modern/meta-keys.ts';

/** The revision the gateway speaks to modern backends. */
export const MODERN_BACKEND_VERSION = '2026-07-28';

export interface EnvelopeInputs {
  clientInfo: Implementation;
  clientCapabilities: JsonObject;
  logLevel?: string;
}

/** `params._meta` with the envelope added. */
export function envelopeMeta(params: JsonObject | undefined, inputs: EnvelopeInputs): JsonObject {
  const meta = isJsonObject(params?._meta) ? params._meta : {};
  const out: JsonObject = {
    ...meta,
    [PROTOCOL_VERSION_META_KEY]: MODERN_BACKEND_VERSION,
    [CLIENT_INFO_META_KEY]: inputs.clientInfo as unknown as JsonObject,
    [CLIENT_CAPABILITIES_META_KEY]: inputs.clientCapabilities,
  };
  if (inputs.logLevel !== undefined) out[LOG_LEVEL_META_KEY] = inputs.logLevel;
  return out;
}

/** `request` with the envelope in its params. */
export function withEnvelope(request: JsonRpcRequest, inputs: EnvelopeInputs): JsonRpcRequest {
  const params: JsonObject = { ...(request.params ?? {}) };
  params._meta = envelopeMeta(request.params, inputs);
  return { ...request, params };
}

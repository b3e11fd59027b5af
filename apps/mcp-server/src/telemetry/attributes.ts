/**
 * The attribute names of the OpenTelemetry semantic conventions for MCP (development status,
 * now kept in the GenAI conventions), from `@opentelemetry/semantic-conventions`, and the few of
 * Switchyard's own.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
export {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
} from '@opentelemetry/semantic-conventions/incubating';

/** The backend a call went to (Switchyard's). */
export const ATTR_SWITCHYARD_BACKEND = 'switchyard.backend';
/** The worker of the backend that served it. */
export const ATTR_SWITCHYARD_WORKER = 'switchyard.worker';
/** How the call ended, as the audit trail says: ok, error, timeout, cancelled, rejected. */
export const ATTR_SWITCHYARD_OUTCOME = 'switchyard.outcome';
/** `cold`: the worker was started for this call (its start is a span); `warm`: it was ready. */
export const ATTR_SWITCHYARD_BACKEND_START = 'switchyard.backend.start';
/** Why a 2025 session left the gateway: deleted, expired, shutdown, relinquished. */
export const ATTR_SWITCHYARD_SESSION_END = 'switchyard.session.end';
/** How long the call waited for its backend (a place in its admission queue, a ready worker), ms (on the CLIENT span). */
export const ATTR_SWITCHYARD_ACQUIRE_WAIT_MS = 'switchyard.backend.acquire.wait_ms';
/** The worker's start (spawn → ready), ms. */
export const ATTR_SWITCHYARD_BACKEND_START_MS = 'switchyard.backend.start_ms';

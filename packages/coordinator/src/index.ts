/**
 * @switchyard/coordinator — the MCP coordinator: `MCPCoordinator` (2025-era clients over 2025-era
 * backends, reached through a `TierPort`), and the runtime-free pieces it is wired from: JSON-RPC
 * parsing and error answers, id and progress-token remapping, namespacing, cursors, aggregation and
 * 2025-era version negotiation.
 */

export { mergeCapabilities, type ServerCapabilities } from './aggregate/capabilities.ts';
export type {
  BackendInitializeInfo,
  Implementation,
  InitializeResult,
  MergeInitializeInput,
} from './aggregate/initialize.ts';
export { mergeInitializeResult } from './aggregate/initialize.ts';
export { type BackendInstructions, mergeInstructions } from './aggregate/instructions.ts';
export {
  type FetchTicket,
  LIST_CHANGED_NOTIFICATIONS,
  ListCache,
  type ListKind,
} from './aggregate/list-cache.ts';
export {
  type MergedMeta,
  type MergedPrompts,
  type MergedResources,
  type MergedResourceTemplates,
  type MergedTools,
  mergePrompts,
  mergeResources,
  mergeResourceTemplates,
  mergeTools,
  type NamedItem,
  type ResourceItem,
} from './aggregate/lists.ts';
export { type BackendOutcome, UNAVAILABLE_META_KEY, type Unavailable } from './aggregate/outcome.ts';
export { auditPayload, DEFAULT_AUDIT_PAYLOAD_CHARS } from './coordinator/audit-payload.ts';
export { BackendRequestError } from './coordinator/backend-worker.ts';
export {
  type CoordinatorLimits,
  type CoordinatorStats,
  DEFAULT_COORDINATOR_LIMITS,
  DEFAULT_SESSION_IDLE_MS,
  MCPCoordinator,
  type MCPCoordinatorOptions,
} from './coordinator/coordinator.ts';
export { backendHandshake, type HandshakeTransport } from './coordinator/handshake.ts';
export { MessageStream } from './coordinator/message-stream.ts';
export { standInId } from './coordinator/modern-front.ts';
export { MODULE_MCP_HANDLER, MultiTierPort, type ReadyOptions } from './coordinator/multi-tier-port.ts';
export {
  finalResponse,
  type HandleContext,
  type ModernContext,
  type Outcome,
} from './coordinator/outcome.ts';
export type {
  AcquireOptions,
  BackendHandshake,
  TierPort,
  WorkerChannel,
  WorkerLease,
} from './coordinator/port.ts';
export {
  defaultRandomBytes,
  type RandomBytes,
  type SessionEnd,
  type SessionEndReason,
} from './coordinator/sessions.ts';
export type { TaskCluster } from './coordinator/tasks/gateway-tasks.ts';
export {
  type CallTrace,
  type CallTracing,
  type TracedCall,
  withMetaEntries,
} from './coordinator/tracing.ts';
export {
  CURSOR_VERSION,
  CursorCodec,
  type CursorCodecOptions,
  type CursorPosition,
  MAX_CURSOR_LENGTH,
  nextCursorPosition,
} from './cursor.ts';
export { bridgeOf, ModernChannel, type ModernChannelOptions } from './era/bridge/modern-channel.ts';
export type { EraVersions, ProtocolEra } from './era/era.ts';
export {
  allowsBatches,
  isClientRequestOf,
  isLegacyProtocolVersion,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  type LegacyProtocolVersion,
  type LegacyRevisionRules,
  legacyRevisionRules,
  legacyVersions,
  negotiateLegacyVersion,
} from './era/legacy-versions.ts';
export type { CacheHint, CacheScope } from './era/modern/cache-hint.ts';
export {
  HEADER_MISMATCH,
  HTTP_STATUS_OF_CODE,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  RETIRED_CODES,
  SPEC_RESERVED_CODES,
  UNSUPPORTED_PROTOCOL_VERSION,
} from './era/modern/codes.ts';
export {
  DEFAULT_DISCOVER_TTL_MS,
  type DiscoverResult,
  type MergeDiscoverInput,
  mergeDiscoverResult,
} from './era/modern/discover.ts';
export {
  type HeaderProblem,
  headerMismatch,
  invalidRequestMeta,
  type ModernRejection,
  missingRequiredClientCapability,
  type StandardHeader,
  unsupportedProtocolVersion,
} from './era/modern/errors.ts';
export {
  decodeHeaderValue,
  type HeaderCheck,
  type HeaderGetter,
  METHOD_HEADER,
  NAME_HEADER,
  NAME_HEADER_SOURCES,
  PARAM_HEADER_PREFIX,
  PROTOCOL_VERSION_HEADER,
  validateStandardHeaders,
} from './era/modern/headers.ts';
export {
  type BackendListFreshness,
  DEFAULT_INCOMPLETE_TTL_MS,
  DEFAULT_NOTIFIED_TTL_MS,
  DEFAULT_UNNOTIFIED_TTL_MS,
  decorateListResult,
  type ListMetaOptions,
  type ListResultKey,
  listCacheHint,
  type ModernListResult,
} from './era/modern/list-meta.ts';
export {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  requestMeta,
  SERVER_INFO_META_KEY,
  SUBSCRIPTION_ID_META_KEY,
} from './era/modern/meta-keys.ts';
export {
  detectEra,
  type EraDecision,
  type EraInput,
  type EraRejectionReason,
  FIRST_MODERN_PROTOCOL_VERSION,
  GATEWAY_PROTOCOL_VERSIONS,
  isModernEraVersion,
  isModernProtocolVersion,
  LATEST_MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  type ModernProtocolVersion,
  modernVersions,
} from './era/modern/versions.ts';
export {
  CoordinatorError,
  DuplicateRequestIdError,
  InvalidConfigError,
  InvalidCursorError,
  type InvalidCursorReason,
  isCoordinatorError,
  isDuplicateRequestIdError,
  isInvalidConfigError,
  isInvalidCursorError,
  isNameCollisionError,
  isTooManyPendingError,
  isUnknownBackendError,
  NameCollisionError,
  type NameKind,
  type NameOwner,
  TooManyPendingError,
  UnknownBackendError,
} from './errors.ts';
export {
  type Abandoned,
  IdRemapper,
  type IdRemapperOptions,
  type PendingOrigin,
  type ReplyRoute,
  type SettledReason,
} from './ids/id-remapper.ts';
export { type ReadableIssue, readableIssues } from './issues.ts';
export * from './jsonrpc/codes.ts';
export { jsonBytesAtMost } from './jsonrpc/json-size-bound.ts';
export { type ParamsCarrier, type ParamsCheck, validateParams } from './jsonrpc/params.ts';
export {
  DEFAULT_MAX_BATCH_LENGTH,
  DEFAULT_MAX_PARAMS_BYTES,
  type MessageEntry,
  MessageParser,
  type MessageParserOptions,
  type ParseOutcome,
  utf8ByteLength,
} from './jsonrpc/parse.ts';
export {
  errorResponse,
  internalError,
  invalidParams,
  invalidRequest,
  methodNotFound,
  parseError,
  resultResponse,
} from './jsonrpc/responses.ts';
export {
  isJsonObject,
  isJsonRpcErrorResponse,
  isRequestId,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcErrorObject,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcResultResponse,
  type ProgressToken,
  type RequestId,
} from './jsonrpc/types.ts';
export { NameFilter, type NameFilterConfig } from './naming/filter.ts';
export { globToRegExp } from './naming/glob.ts';
export { type BackendNames, NameTable } from './naming/name-table.ts';
export {
  type BackendNaming,
  type BackendNamingConfig,
  DEFAULT_SEPARATOR,
  type Isolation,
  Naming,
  type NamingOptions,
} from './naming/naming.ts';
export {
  type BackendUris,
  decodeSwitchyardUri,
  encodeSwitchyardUri,
  ResourceTable,
  SWITCHYARD_URI_SCHEME,
  type UriOwner,
} from './naming/resource-uris.ts';
export type {
  AccessPolicy,
  CallerClaims,
  PolicyDecision,
  PolicyItemKind,
  PolicySubject,
  PolicyTarget,
} from './policy/access-policy.ts';
export {
  type PolicyEffect,
  type PolicyRule,
  RulePolicy,
  type RulePolicyConfig,
} from './policy/rule-policy.ts';

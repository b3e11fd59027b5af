/**
 * The 2025 era: protocol revisions 2025-03-26, 2025-06-18 and 2025-11-25, how the gateway picks one
 * for a client's `initialize`, and what each revision allows.
 *
 * Negotiation follows the spec (basic/lifecycle, "Version Negotiation"): if the server supports the
 * requested version it answers with the same one; otherwise with another it supports, which
 * should be its latest. A client that cannot use that one disconnects. 2024-11-05 is not served:
 * a client asking for it is offered 2025-11-25.
 */
import { RESOURCE_NOT_FOUND } from '../jsonrpc/codes.ts';
import type { EraVersions } from './era.ts';

export const LEGACY_PROTOCOL_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25'] as const;
export type LegacyProtocolVersion = (typeof LEGACY_PROTOCOL_VERSIONS)[number];
export const LATEST_LEGACY_PROTOCOL_VERSION: LegacyProtocolVersion = '2025-11-25';

export function isLegacyProtocolVersion(version: unknown): version is LegacyProtocolVersion {
  return (LEGACY_PROTOCOL_VERSIONS as readonly unknown[]).includes(version);
}

/** The version to put in the `initialize` result for a client that requested `requested`. */
export function negotiateLegacyVersion(requested: string): LegacyProtocolVersion {
  return isLegacyProtocolVersion(requested) ? requested : LATEST_LEGACY_PROTOCOL_VERSION;
}

/** The 2025 era's version table (see `EraVersions`). */
export const legacyVersions: EraVersions<LegacyProtocolVersion> = {
  era: '2025',
  supported: LEGACY_PROTOCOL_VERSIONS,
  latest: LATEST_LEGACY_PROTOCOL_VERSION,
  supports: isLegacyProtocolVersion,
  negotiate: negotiateLegacyVersion,
};

/** What one 2025-era revision allows, from its schema and changelog. */
export interface LegacyRevisionRules {
  readonly version: LegacyProtocolVersion;
  /** JSON-RPC batches (arrays of messages): 2025-03-26 only; removed in 2025-06-18. */
  readonly batches: boolean;
  /** Clients must send `MCP-Protocol-Version` on every HTTP request after `initialize`: from 2025-06-18. */
  readonly protocolVersionHeader: boolean;
  /** `elicitation/create` (server → client): from 2025-06-18. */
  readonly elicitation: boolean;
  /** URL-mode elicitation and its error code -32042: 2025-11-25. */
  readonly urlElicitation: boolean;
  /** `structuredContent` / `outputSchema` on tools: from 2025-06-18. */
  readonly structuredToolOutput: boolean;
  /** `title` beside `name` on tools, prompts, resources and implementations: from 2025-06-18. */
  readonly titles: boolean;
  /** `icons` on tools, resources, prompts and implementations: 2025-11-25. */
  readonly icons: boolean;
  /** `tasks/*` and task-augmented requests (experimental): 2025-11-25. */
  readonly tasks: boolean;
  /** The code for "resource not found" (the 2026-07-28 revision moves it to -32602). */
  readonly resourceNotFoundCode: number;
  /** Requests a client may send. */
  readonly clientRequests: ReadonlySet<string>;
  /** Notifications a client may send. */
  readonly clientNotifications: ReadonlySet<string>;
  /** Requests a server may send to a client. */
  readonly serverRequests: ReadonlySet<string>;
  /** Notifications a server may send. */
  readonly serverNotifications: ReadonlySet<string>;
}

const CLIENT_REQUESTS_2025_03 = [
  'initialize',
  'ping',
  'completion/complete',
  'logging/setLevel',
  'prompts/get',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'tools/call',
  'tools/list',
];
const TASK_REQUESTS = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel'];
const CLIENT_NOTIFICATIONS_2025_03 = [
  'notifications/cancelled',
  'notifications/progress',
  'notifications/initialized',
  'notifications/roots/list_changed',
];
const SERVER_REQUESTS_2025_03 = ['ping', 'sampling/createMessage', 'roots/list'];
const SERVER_NOTIFICATIONS_2025_03 = [
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
];

function rules(version: LegacyProtocolVersion): LegacyRevisionRules {
  const from0618 = version !== '2025-03-26';
  const is1125 = version === '2025-11-25';
  return {
    version,
    batches: version === '2025-03-26',
    protocolVersionHeader: from0618,
    elicitation: from0618,
    urlElicitation: is1125,
    structuredToolOutput: from0618,
    titles: from0618,
    icons: is1125,
    tasks: is1125,
    resourceNotFoundCode: RESOURCE_NOT_FOUND,
    clientRequests: new Set([...CLIENT_REQUESTS_2025_03, ...(is1125 ? TASK_REQUESTS : [])]),
    clientNotifications: new Set([
      ...CLIENT_NOTIFICATIONS_2025_03,
      ...(is1125 ? ['notifications/tasks/status'] : []),
    ]),
    serverRequests: new Set([
      ...SERVER_REQUESTS_2025_03,
      ...(from0618 ? ['elicitation/create'] : []),
      ...(is1125 ? TASK_REQUESTS : []),
    ]),
    serverNotifications: new Set([
      ...SERVER_NOTIFICATIONS_2025_03,
      ...(is1125 ? ['notifications/elicitation/complete', 'notifications/tasks/status'] : []),
    ]),
  };
}

const RULES = new Map(LEGACY_PROTOCOL_VERSIONS.map((v) => [v, rules(v)]));

/** What `version` allows. */
export function legacyRevisionRules(version: LegacyProtocolVersion): LegacyRevisionRules {
  return RULES.get(version)!;
}

/** Whether a client on `version` may send a JSON-RPC batch. */
export function allowsBatches(version: LegacyProtocolVersion): boolean {
  return legacyRevisionRules(version).batches;
}

/** Whether `method` is a request a client on `version` may send (else: -32601). */
export function isClientRequestOf(version: LegacyProtocolVersion, method: string): boolean {
  return legacyRevisionRules(version).clientRequests.has(method);
}

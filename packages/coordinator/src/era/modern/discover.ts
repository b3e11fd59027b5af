/**
 * The gateway's answer to `server/discover` (server/discover.mdx; schema.ts `DiscoverResult`): the
 * revisions it serves, the union of its backends' capabilities, their instructions, its identity
 * in `_meta["io.modelcontextprotocol/serverInfo"]`, and caching hints (the result is cacheable).
 *
 * The same inputs as `mergeInitializeResult`, so a 2025 and a 2026 client are told the same
 * capabilities and instructions. Backends that could not answer are named in
 * `_meta["switchyard/unavailable"]`, and the result is then marked immediately stale (`ttlMs` 0):
 * a backend coming back may add capabilities.
 */
import { mergeCapabilities, type ServerCapabilities } from '../../aggregate/capabilities.ts';
import type { BackendInitializeInfo, Implementation } from '../../aggregate/initialize.ts';
import { mergeInstructions } from '../../aggregate/instructions.ts';
import {
  type BackendOutcome,
  splitOutcomes,
  UNAVAILABLE_META_KEY,
  type Unavailable,
  unavailableMeta,
} from '../../aggregate/outcome.ts';
import { InvalidConfigError } from '../../errors.ts';
import type { Naming } from '../../naming/naming.ts';
import { type CacheScope, checkCacheScope, checkTtl } from './cache-hint.ts';
import { SERVER_INFO_META_KEY } from './meta-keys.ts';
import { GATEWAY_PROTOCOL_VERSIONS } from './versions.ts';

/** How long a complete discover result may be kept by default: one minute. */
export const DEFAULT_DISCOVER_TTL_MS = 60_000;

export interface DiscoverResult {
  resultType: 'complete';
  supportedVersions: string[];
  capabilities: ServerCapabilities;
  instructions?: string;
  ttlMs: number;
  cacheScope: CacheScope;
  _meta: {
    [SERVER_INFO_META_KEY]: Implementation;
    [UNAVAILABLE_META_KEY]?: Unavailable[];
  };
}

export interface MergeDiscoverInput {
  /** The gateway's own identity. */
  serverInfo: Implementation;
  /** The gateway's own words, before the backends' instructions. */
  preamble?: string;
  /** Each backend's initialize (or discover) outcome. */
  backends: readonly BackendOutcome<BackendInitializeInfo>[];
  /** Default `GATEWAY_PROTOCOL_VERSIONS` (2026 and 2025 revisions, newest first). */
  supportedVersions?: readonly string[];
  /** `ttlMs` when every backend answered; default `DEFAULT_DISCOVER_TTL_MS`. */
  ttlMs?: number;
  /**
   * Default `private`: the gateway cannot tell whether a backend answers alike for every user
   * (a worker may be dedicated to one session), so it does not invite shared caches.
   */
  cacheScope?: CacheScope;
}

export function mergeDiscoverResult(naming: Naming, input: MergeDiscoverInput): DiscoverResult {
  const ttlMs = checkTtl('discover ttlMs', input.ttlMs ?? DEFAULT_DISCOVER_TTL_MS);
  const cacheScope = checkCacheScope('discover cacheScope', input.cacheScope ?? 'private');
  const supportedVersions = [...(input.supportedVersions ?? GATEWAY_PROTOCOL_VERSIONS)];
  if (supportedVersions.length === 0)
    throw new InvalidConfigError('supportedVersions', ['must not be empty']);
  const { answered, unavailable } = splitOutcomes(naming, input.backends);
  const result: DiscoverResult = {
    resultType: 'complete',
    supportedVersions,
    capabilities: mergeCapabilities(answered.map((a) => a.value.capabilities)),
    ttlMs: unavailable.length === 0 ? ttlMs : 0,
    cacheScope,
    _meta: { [SERVER_INFO_META_KEY]: input.serverInfo, ...unavailableMeta(unavailable) },
  };
  const instructions = mergeInstructions(
    naming,
    answered.map((a) => ({ backend: a.backend, instructions: a.value.instructions })),
    input.preamble,
  );
  if (instructions !== undefined) result.instructions = instructions;
  return result;
}

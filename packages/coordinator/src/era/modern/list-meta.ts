/**
 * A merged list result (`mergeTools`, `mergePrompts`, `mergeResources`, `mergeResourceTemplates`,
 * or one page of one) made ready for a 2026-07-28 client: `resultType: "complete"` (basic/index.mdx),
 * `ttlMs` and `cacheScope` (server/utilities/caching.mdx), the gateway's identity in `_meta`, and
 * the items in a deterministic order (changelog, minor change 3).
 *
 * `ttlMs` follows what the gateway can know about each backend that contributed:
 * - a backend that sends `list_changed` tells the gateway when its list changes, and the gateway
 *   tells listening clients, so its part may be kept long (`notifiedTtlMs`);
 * - a backend that does not can change unseen, so its part is kept briefly (`unnotifiedTtlMs`);
 * - a backend's own `ttlMs` (a 2026 backend's hint), when given, is used instead of either;
 * - a list with a backend missing (`_meta["switchyard/unavailable"]`) is incomplete and should be
 *   fetched again soon (`incompleteTtlMs`).
 * The result's `ttlMs` is the smallest of these.
 *
 * Order: `sorted` (default) orders items by front name (resources by URI), by UTF-16 code units,
 * so the list is the same whatever order backends list in; `merged` keeps the merge's order
 * (backends in configuration order, items as each listed them).
 */
import type { Implementation } from '../../aggregate/initialize.ts';
import { UNAVAILABLE_META_KEY } from '../../aggregate/outcome.ts';
import { InvalidConfigError } from '../../errors.ts';
import { type CacheHint, type CacheScope, checkCacheScope, checkTtl } from './cache-hint.ts';
import { SERVER_INFO_META_KEY } from './meta-keys.ts';

export type ListResultKey = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** What the gateway knows about how one backend's list changes. */
export interface BackendListFreshness {
  backend: string;
  /** The backend sends `notifications/<kind>/list_changed` (its capability says `listChanged: true`). */
  listChanged: boolean;
  /** The backend's own `ttlMs` for this list, if it gave one. */
  ttlMs?: number;
}

export interface ListMetaOptions {
  /** Default 300 000 (5 minutes). */
  notifiedTtlMs?: number;
  /** Default 10 000. */
  unnotifiedTtlMs?: number;
  /** Default 0 (immediately stale). */
  incompleteTtlMs?: number;
  /** Default `private` (see `mergeDiscoverResult`); the same for every page of a list. */
  cacheScope?: CacheScope;
  /** Default `sorted`. */
  order?: 'sorted' | 'merged';
  /** Put in `_meta["io.modelcontextprotocol/serverInfo"]` when given. */
  serverInfo?: Implementation;
}

export const DEFAULT_NOTIFIED_TTL_MS = 300_000;
export const DEFAULT_UNNOTIFIED_TTL_MS = 10_000;
export const DEFAULT_INCOMPLETE_TTL_MS = 0;

type ListItem = { [key: string]: unknown };
type ListResult<K extends ListResultKey> = { [P in K]: ListItem[] } & {
  _meta?: { [key: string]: unknown };
  nextCursor?: string;
};

export type ModernListResult<K extends ListResultKey, R extends ListResult<K>> = R & {
  resultType: 'complete';
  ttlMs: number;
  cacheScope: CacheScope;
};

/** The caching hint for a list made of `backends`' parts; `incomplete` when some backend is missing. */
export function listCacheHint(
  backends: readonly BackendListFreshness[],
  incomplete: boolean,
  options: ListMetaOptions = {},
): CacheHint {
  const notified = checkTtl('notifiedTtlMs', options.notifiedTtlMs ?? DEFAULT_NOTIFIED_TTL_MS);
  const unnotified = checkTtl('unnotifiedTtlMs', options.unnotifiedTtlMs ?? DEFAULT_UNNOTIFIED_TTL_MS);
  const missing = checkTtl('incompleteTtlMs', options.incompleteTtlMs ?? DEFAULT_INCOMPLETE_TTL_MS);
  let ttlMs = notified;
  for (const b of backends) {
    const own = b.ttlMs === undefined ? undefined : checkTtl(`ttlMs of backend "${b.backend}"`, b.ttlMs);
    ttlMs = Math.min(ttlMs, own ?? (b.listChanged ? notified : unnotified));
  }
  if (incomplete) ttlMs = Math.min(ttlMs, missing);
  return { ttlMs, cacheScope: checkCacheScope('cacheScope', options.cacheScope ?? 'private') };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKey(kind: ListResultKey, item: ListItem): string {
  const key = kind === 'resources' ? item.uri : item.name;
  return typeof key === 'string' ? key : '';
}

/** `result` (a merged list, or one page) decorated for a 2026 client; `result` itself is not changed. */
export function decorateListResult<K extends ListResultKey, R extends ListResult<K>>(
  kind: K,
  result: R,
  backends: readonly BackendListFreshness[],
  options: ListMetaOptions = {},
): ModernListResult<K, R> {
  const order = options.order ?? 'sorted';
  if (order !== 'sorted' && order !== 'merged') {
    throw new InvalidConfigError('order', [`must be "sorted" or "merged", got ${JSON.stringify(order)}`]);
  }
  const items = result[kind];
  const ordered =
    order === 'sorted'
      ? [...items].sort((a, b) => compareCodeUnits(sortKey(kind, a), sortKey(kind, b)))
      : [...items];
  const incomplete = result._meta?.[UNAVAILABLE_META_KEY] !== undefined;
  const hint = listCacheHint(backends, incomplete, options);
  const meta =
    options.serverInfo === undefined
      ? result._meta
      : { ...result._meta, [SERVER_INFO_META_KEY]: options.serverInfo };
  return {
    ...result,
    [kind]: ordered,
    resultType: 'complete',
    ttlMs: hint.ttlMs,
    cacheScope: hint.cacheScope,
    ...(meta === undefined ? {} : { _meta: meta }),
  };
}

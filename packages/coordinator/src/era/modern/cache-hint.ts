/**
 * Caching hints of 2026-07-28 (server/utilities/caching.mdx): results of `server/discover`,
 * `tools/list`, `prompts/list`, `resources/list`, `resources/templates/list` and `resources/read`
 * must carry `ttlMs` (an integer ≥ 0: how long the client may treat the result as fresh) and
 * `cacheScope` (`public`: any cache may share it across users; `private`: only within one
 * authorization context). Every page of one list carries the same scope.
 */
import { InvalidConfigError } from '../../errors.ts';

export type CacheScope = 'public' | 'private';

export interface CacheHint {
  ttlMs: number;
  cacheScope: CacheScope;
}

/** `value` as a TTL, or `InvalidConfigError` naming `field` when it is not an integer ≥ 0. */
export function checkTtl(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidConfigError(field, [`must be an integer number of milliseconds ≥ 0, got ${value}`]);
  }
  return value;
}

export function checkCacheScope(field: string, value: string): CacheScope {
  if (value !== 'public' && value !== 'private') {
    throw new InvalidConfigError(field, [`must be "public" or "private", got ${JSON.stringify(value)}`]);
  }
  return value;
}

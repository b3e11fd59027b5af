import { specTypeSchemas } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { mergeResources, mergeTools, type NamedItem } from '../../aggregate/lists.ts';
import { UNAVAILABLE_META_KEY } from '../../aggregate/outcome.ts';
import { isInvalidConfigError } from '../../errors.ts';
import { Naming } from '../../naming/naming.ts';
import {
  type BackendListFreshness,
  DEFAULT_NOTIFIED_TTL_MS,
  DEFAULT_UNNOTIFIED_TTL_MS,
  decorateListResult,
  listCacheHint,
} from './list-meta.ts';
import { SERVER_INFO_META_KEY } from './meta-keys.ts';

const naming = new Naming({ backends: [{ name: 'zeta' }, { name: 'alpha' }] });
const tool = (name: string): NamedItem => ({ name, inputSchema: { type: 'object' } });
const notified: BackendListFreshness[] = [
  { backend: 'zeta', listChanged: true },
  { backend: 'alpha', listChanged: true },
];

function valid(kind: 'ListToolsResult' | 'ListResourcesResult', value: unknown): boolean {
  const outcome = specTypeSchemas[kind]['~standard'].validate(value);
  if (outcome instanceof Promise) throw new Error('expected a synchronous schema');
  return outcome.issues === undefined;
}

describe('listCacheHint', () => {
  it('keeps a list long when every backend notifies changes, briefly otherwise', () => {
    expect(listCacheHint(notified, false)).toEqual({ ttlMs: DEFAULT_NOTIFIED_TTL_MS, cacheScope: 'private' });
    expect(listCacheHint([...notified, { backend: 'x', listChanged: false }], false).ttlMs).toBe(
      DEFAULT_UNNOTIFIED_TTL_MS,
    );
    expect(listCacheHint([], false).ttlMs).toBe(DEFAULT_NOTIFIED_TTL_MS);
  });

  it('uses a backend’s own ttlMs, the smallest one wins, and an incomplete list is stale', () => {
    expect(listCacheHint([{ backend: 'a', listChanged: false, ttlMs: 60_000 }], false).ttlMs).toBe(60_000);
    expect(listCacheHint([...notified, { backend: 'b', listChanged: true, ttlMs: 1_000 }], false).ttlMs).toBe(
      1_000,
    );
    expect(listCacheHint(notified, true).ttlMs).toBe(0);
    expect(listCacheHint(notified, true, { incompleteTtlMs: 2_000, cacheScope: 'public' })).toEqual({
      ttlMs: 2_000,
      cacheScope: 'public',
    });
  });

  it('refuses TTLs that are not integers ≥ 0 and unknown scopes', () => {
    const bad: [BackendListFreshness[], object][] = [
      [notified, { notifiedTtlMs: -1 }],
      [notified, { unnotifiedTtlMs: 0.5 }],
      [notified, { incompleteTtlMs: Number.POSITIVE_INFINITY }],
      [[{ backend: 'a', listChanged: true, ttlMs: -5 }], {}],
      [notified, { cacheScope: 'everyone' }],
    ];
    for (const [backends, options] of bad) {
      let thrown: unknown;
      try {
        listCacheHint(backends, false, options);
      } catch (e) {
        thrown = e;
      }
      expect(isInvalidConfigError(thrown), JSON.stringify(options)).toBe(true);
    }
  });
});

describe('decorateListResult', () => {
  const merged = mergeTools(naming, [
    { backend: 'alpha', ok: true, value: [tool('b'), tool('a')] },
    { backend: 'zeta', ok: true, value: [tool('a')] },
  ]).result;

  it('adds resultType, ttlMs and cacheScope, and sorts by front name', () => {
    const result = decorateListResult('tools', merged, notified);
    expect(result.tools.map((t) => t.name)).toEqual(['alpha__a', 'alpha__b', 'zeta__a']);
    expect(result).toMatchObject({
      resultType: 'complete',
      ttlMs: DEFAULT_NOTIFIED_TTL_MS,
      cacheScope: 'private',
    });
    expect(result).not.toHaveProperty('_meta');
    expect(valid('ListToolsResult', result)).toBe(true);
    // The merge's own order (configuration order) is untouched, and kept on request.
    expect(merged.tools.map((t) => t.name)).toEqual(['zeta__a', 'alpha__b', 'alpha__a']);
    expect(decorateListResult('tools', merged, notified, { order: 'merged' }).tools).toEqual(merged.tools);
  });

  it('gives the same list whatever order a backend lists in', () => {
    const again = mergeTools(naming, [
      { backend: 'zeta', ok: true, value: [tool('a')] },
      { backend: 'alpha', ok: true, value: [tool('a'), tool('b')] },
    ]).result;
    expect(decorateListResult('tools', again, notified)).toEqual(
      decorateListResult('tools', merged, notified),
    );
  });

  it('sorts resources by URI, keeps the unavailable backends and adds serverInfo to _meta', () => {
    const resources = mergeResources(naming, [
      {
        backend: 'zeta',
        ok: true,
        value: [
          { uri: 'file:///b', name: 'B' },
          { uri: 'file:///a', name: 'Z' },
        ],
      },
      { backend: 'alpha', ok: false, reason: 'down' },
    ]).result;
    const serverInfo = { name: 'switchyard', version: '1.0.0' };
    const result = decorateListResult('resources', resources, [{ backend: 'zeta', listChanged: true }], {
      serverInfo,
    });
    expect(result.resources.map((r) => r.uri)).toEqual(['file:///a', 'file:///b']);
    expect(result.ttlMs).toBe(0);
    expect(result._meta).toEqual({
      [UNAVAILABLE_META_KEY]: [{ backend: 'alpha', reason: 'down' }],
      [SERVER_INFO_META_KEY]: serverInfo,
    });
    expect(valid('ListResourcesResult', result)).toBe(true);
  });

  it('decorates one page, keeping its nextCursor', () => {
    const page = { ...merged, nextCursor: 'c1' };
    expect(decorateListResult('tools', page, notified).nextCursor).toBe('c1');
  });

  it('refuses an unknown order', () => {
    let thrown: unknown;
    try {
      decorateListResult('tools', merged, notified, { order: 'random' as 'sorted' });
    } catch (e) {
      thrown = e;
    }
    expect(isInvalidConfigError(thrown)).toBe(true);
  });
});

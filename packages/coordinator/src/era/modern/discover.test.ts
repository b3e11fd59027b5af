import { specTypeSchemas } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { mergeInitializeResult } from '../../aggregate/initialize.ts';
import { UNAVAILABLE_META_KEY } from '../../aggregate/outcome.ts';
import { isInvalidConfigError } from '../../errors.ts';
import { Naming } from '../../naming/naming.ts';
import { DEFAULT_DISCOVER_TTL_MS, mergeDiscoverResult } from './discover.ts';
import { SERVER_INFO_META_KEY } from './meta-keys.ts';

const naming = new Naming({ backends: [{ name: 'github' }, { name: 'fs', prefix: false }, { name: 'web' }] });
const serverInfo = { name: 'switchyard', version: '1.0.0' };

function accepted(value: unknown): boolean {
  const outcome = specTypeSchemas.DiscoverResult['~standard'].validate(value);
  if (outcome instanceof Promise) throw new Error('expected a synchronous schema');
  return outcome.issues === undefined;
}

describe('mergeDiscoverResult', () => {
  it('answers with the served revisions, merged capabilities, instructions, serverInfo and caching hints', () => {
    const result = mergeDiscoverResult(naming, {
      serverInfo,
      preamble: 'One gateway.',
      backends: [
        { backend: 'fs', ok: true, value: { capabilities: { resources: { subscribe: true } } } },
        {
          backend: 'github',
          ok: true,
          value: { capabilities: { tools: { listChanged: true } }, instructions: 'Be nice.' },
        },
      ],
    });
    expect(result).toEqual({
      resultType: 'complete',
      supportedVersions: ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26'],
      capabilities: { resources: { subscribe: true }, tools: { listChanged: true } },
      instructions:
        'One gateway.\n\n## github\n(Its tools and prompts are named `github__<name>` here.)\n\nBe nice.',
      ttlMs: DEFAULT_DISCOVER_TTL_MS,
      cacheScope: 'private',
      _meta: { [SERVER_INFO_META_KEY]: serverInfo },
    });
    expect(accepted(result)).toBe(true);
  });

  it('tells a 2026 client what a 2025 client is told at initialize', () => {
    const backends = [
      {
        backend: 'web',
        ok: true as const,
        value: { capabilities: { prompts: {}, logging: {} }, instructions: 'Hi' },
      },
      { backend: 'github', ok: true as const, value: { capabilities: { tools: {} } } },
    ];
    const discover = mergeDiscoverResult(naming, { serverInfo, backends });
    const initialize = mergeInitializeResult(naming, { protocolVersion: '2025-11-25', serverInfo, backends });
    expect(discover.capabilities).toEqual(initialize.capabilities);
    expect(discover.instructions).toEqual(initialize.instructions);
  });

  it('names backends that did not answer and marks the result immediately stale', () => {
    const result = mergeDiscoverResult(naming, {
      serverInfo,
      backends: [
        { backend: 'github', ok: true, value: { capabilities: { tools: {} } } },
        { backend: 'web', ok: false, reason: 'spawn failed' },
      ],
      ttlMs: 5_000,
      cacheScope: 'public',
    });
    expect(result.ttlMs).toBe(0);
    expect(result.cacheScope).toBe('public');
    expect(result._meta).toEqual({
      [SERVER_INFO_META_KEY]: serverInfo,
      [UNAVAILABLE_META_KEY]: [{ backend: 'web', reason: 'spawn failed' }],
    });
    expect(result).not.toHaveProperty('instructions');
    expect(accepted(result)).toBe(true);
  });

  it('takes the versions to advertise, e.g. only the 2026 ones as the v2 SDK does', () => {
    const result = mergeDiscoverResult(naming, {
      serverInfo,
      backends: [],
      supportedVersions: ['2026-07-28'],
    });
    expect(result.supportedVersions).toEqual(['2026-07-28']);
    expect(result.capabilities).toEqual({});
  });

  it('refuses bad options', () => {
    const bad = [
      { ttlMs: -1 },
      { ttlMs: 1.5 },
      { ttlMs: Number.NaN },
      { cacheScope: 'shared' as 'public' },
      { supportedVersions: [] },
    ];
    for (const options of bad) {
      let thrown: unknown;
      try {
        mergeDiscoverResult(naming, { serverInfo, backends: [], ...options });
      } catch (e) {
        thrown = e;
      }
      expect(isInvalidConfigError(thrown), JSON.stringify(options)).toBe(true);
    }
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tools } from '../src/builtin/tools.ts';
import { BUILTIN_MODULE, defaultConfig } from '../src/config/defaults.ts';

describe('the embedded default configuration', () => {
  it('is one hot in-process module backend, builtin, and the journal at ./switchyard.db', () => {
    const config = defaultConfig('/srv/app');
    expect(config.source).toBe('the embedded default');
    expect(config.backends).toHaveLength(1);
    expect(config.backends[0]).toMatchObject({
      name: 'builtin',
      kind: 'module',
      module: BUILTIN_MODULE,
      tier: 'hot',
    });
    expect(config.settings.journal.path).toBe(join('/srv/app', 'switchyard.db'));
  });

  it('keeps the journal within 7 days and 1 GiB, retention running on its own', () => {
    expect(defaultConfig('/srv/app').settings.journal.retention).toEqual({
      maxAgeMs: 7 * 24 * 60 * 60_000,
      maxBytes: 1024 * 1024 * 1024,
    });
  });

  it('points at the file that exports the builtin tools', async () => {
    const loaded = (await import(BUILTIN_MODULE)) as { tools: typeof tools };
    expect(Object.keys(loaded.tools)).toEqual(Object.keys(tools));
  });
});

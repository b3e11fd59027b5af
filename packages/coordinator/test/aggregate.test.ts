import {
  InitializeResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  ServerCapabilitiesSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import {
  type BackendOutcome,
  isNameCollisionError,
  mergeCapabilities,
  mergeInitializeResult,
  mergeInstructions,
  mergePrompts,
  mergeResources,
  mergeResourceTemplates,
  mergeTools,
  type NamedItem,
  Naming,
  type ResourceItem,
  UNAVAILABLE_META_KEY,
} from '../src/index.ts';
import { thrownBy } from './helpers.ts';

const tool = (name: string, description = `does ${name}`): NamedItem => ({
  name,
  description,
  inputSchema: { type: 'object', properties: {} },
});

const naming = new Naming({
  backends: [
    { name: 'github', tools: { deny: ['delete_*'] } },
    { name: 'fs', prefix: false, tools: { allow: ['read_*', 'list_dir'] } },
    { name: 'web', prefix: 'w' },
  ],
});

const okList = <T>(backend: string, value: T[]): BackendOutcome<readonly T[]> => ({
  backend,
  ok: true,
  value,
});

describe('mergeTools', () => {
  it('namespaces, filters and orders by configuration, whatever order the answers came in', () => {
    const merged = mergeTools(naming, [
      okList('web', [tool('fetch')]),
      okList('fs', [tool('read_file'), tool('write_file'), tool('list_dir')]),
      okList('github', [tool('search'), tool('delete_repo'), tool('create_issue')]),
    ]);
    expect(merged.result.tools.map((t) => t.name)).toEqual([
      'github__search',
      'github__create_issue',
      'read_file',
      'list_dir',
      'w__fetch',
    ]);
    expect(merged.result).not.toHaveProperty('_meta');
    expect(merged.result.tools[0]).toEqual({ ...tool('search'), name: 'github__search' });
    expect(ListToolsResultSchema.safeParse(merged.result).success).toBe(true);
    expect(merged.names.resolve('w__fetch')).toEqual({ backend: 'web', name: 'fetch' });
    // Filtered-out tools are not callable either.
    expect(merged.names.resolve('github__delete_repo')).toBeUndefined();
    expect(merged.names.resolve('write_file')).toBeUndefined();
  });

  it('gives the same list for the same answers in any order', () => {
    const answers = [
      okList('github', [tool('b'), tool('a')]),
      okList('web', [tool('z')]),
      okList('fs', [tool('read_x')]),
    ];
    const one = mergeTools(naming, answers).result;
    const other = mergeTools(naming, [...answers].reverse()).result;
    expect(other).toEqual(one);
  });

  it('reports a failing backend in _meta, not as an error, and lists the others', () => {
    const merged = mergeTools(naming, [
      okList('github', [tool('search')]),
      { backend: 'web', ok: false, reason: 'worker crashed during start (exit code 1)' },
      { backend: 'fs', ok: false, reason: 'timed out after 10 s' },
    ]);
    expect(merged.result.tools.map((t) => t.name)).toEqual(['github__search']);
    expect(merged.result._meta).toEqual({
      [UNAVAILABLE_META_KEY]: [
        { backend: 'fs', reason: 'timed out after 10 s' },
        { backend: 'web', reason: 'worker crashed during start (exit code 1)' },
      ],
    });
    expect(UNAVAILABLE_META_KEY).toBe('switchyard/unavailable');
    expect(ListToolsResultSchema.safeParse(merged.result).success).toBe(true);
  });

  it('gives an empty list with every backend named when all fail', () => {
    const merged = mergeTools(naming, [{ backend: 'github', ok: false, reason: 'down' }]);
    expect(merged.result.tools).toEqual([]);
    expect(merged.result._meta?.[UNAVAILABLE_META_KEY]).toEqual([{ backend: 'github', reason: 'down' }]);
    expect(merged.names.size).toBe(0);
  });

  it('throws NameCollisionError when the unprefixed backend shadows another', () => {
    const n = new Naming({
      backends: [
        { name: 'a', prefix: false },
        { name: 'b', prefix: false },
      ],
    });
    const thrown = thrownBy(
      () => mergeTools(n, [okList('a', [tool('x')]), okList('b', [tool('x')])]),
      isNameCollisionError,
    );
    expect(thrown.frontName).toBe('x');
  });
});

describe('mergePrompts, mergeResourceTemplates, mergeResources', () => {
  it('namespaces prompts (not filtered: the filters are for tools)', () => {
    const merged = mergePrompts(naming, [
      okList('github', [{ name: 'delete_summary', arguments: [{ name: 'repo', required: true }] }]),
      okList('fs', [{ name: 'explain' }]),
    ]);
    expect(merged.result.prompts.map((p) => p.name)).toEqual(['github__delete_summary', 'explain']);
    expect(merged.names.resolve('explain')).toEqual({ backend: 'fs', name: 'explain' });
    expect(ListPromptsResultSchema.safeParse(merged.result).success).toBe(true);
  });

  it('namespaces template names and keeps their URI templates', () => {
    const merged = mergeResourceTemplates(naming, [
      okList('github', [{ name: 'file', uriTemplate: 'repo://{owner}/{repo}/{path}' }]),
      okList('web', [{ name: 'file', uriTemplate: 'https://{host}/{path}' }]),
    ]);
    expect(merged.result.resourceTemplates).toEqual([
      { name: 'github__file', uriTemplate: 'repo://{owner}/{repo}/{path}' },
      { name: 'w__file', uriTemplate: 'https://{host}/{path}' },
    ]);
    expect(ListResourceTemplatesResultSchema.safeParse(merged.result).success).toBe(true);
  });

  it('keeps resource URIs, uses the switchyard form where two backends share one, and routes back', () => {
    const res = (uri: string, name: string): ResourceItem => ({ uri, name, mimeType: 'text/plain' });
    const merged = mergeResources(naming, [
      okList('web', [res('file:///README.md', 'readme'), res('https://example.com/', 'home')]),
      okList('github', [res('file:///README.md', 'readme')]),
      { backend: 'fs', ok: false, reason: 'not ready' },
    ]);
    expect(merged.result.resources.map((r) => r.uri)).toEqual([
      'switchyard://github/file%3A%2F%2F%2FREADME.md',
      'switchyard://web/file%3A%2F%2F%2FREADME.md',
      'https://example.com/',
    ]);
    expect(merged.result.resources[2]).toEqual(res('https://example.com/', 'home'));
    expect(merged.uris.resolve('https://example.com/')).toEqual({
      backend: 'web',
      uri: 'https://example.com/',
    });
    expect(merged.uris.resolve(merged.result.resources[0]!.uri)).toEqual({
      backend: 'github',
      uri: 'file:///README.md',
    });
    expect(merged.result._meta?.[UNAVAILABLE_META_KEY]).toEqual([{ backend: 'fs', reason: 'not ready' }]);
    expect(ListResourcesResultSchema.safeParse(merged.result).success).toBe(true);
  });
});

describe('mergeCapabilities', () => {
  it('offers a capability if any backend does, listChanged and subscribe if any says true', () => {
    const merged = mergeCapabilities([
      { tools: { listChanged: false }, logging: {} },
      { tools: { listChanged: true }, resources: { subscribe: true } },
      { prompts: {}, resources: { listChanged: true }, completions: {} },
    ]);
    expect(merged).toEqual({
      logging: {},
      completions: {},
      prompts: {},
      resources: { subscribe: true, listChanged: true },
      tools: { listChanged: true },
    });
    expect(ServerCapabilitiesSchema.safeParse(merged).success).toBe(true);
  });

  it('offers nothing nobody offers, and leaves out tasks and unknown keys', () => {
    expect(mergeCapabilities([])).toEqual({});
    expect(mergeCapabilities([{}, { tools: {} }])).toEqual({ tools: {} });
    const merged = mergeCapabilities([{ tasks: { list: {} }, madeUp: { x: 1 } }]);
    expect(merged).toEqual({});
  });

  it('unites experimental capabilities, the first backend winning a shared key', () => {
    const merged = mergeCapabilities([
      { experimental: { a: { v: 1 } } },
      { experimental: { a: { v: 2 }, b: {} } },
    ]);
    expect(merged.experimental).toEqual({ a: { v: 1 }, b: {} });
  });
});

describe('mergeInstructions', () => {
  it('puts each backend under a heading naming it, in configuration order', () => {
    const text = mergeInstructions(
      naming,
      [
        { backend: 'web', instructions: 'Use fetch for pages.' },
        { backend: 'github', instructions: '  Prefer search before create_issue.\n' },
        { backend: 'fs', instructions: 'Paths are relative.' },
      ],
      'Switchyard gateway.',
    );
    expect(text).toBe(
      [
        'Switchyard gateway.',
        '## github\n(Its tools and prompts are named `github__<name>` here.)\n\nPrefer search before create_issue.',
        '## fs\n(Its tools and prompts keep their own names here.)\n\nPaths are relative.',
        '## web\n(Its tools and prompts are named `w__<name>` here.)\n\nUse fetch for pages.',
      ].join('\n\n'),
    );
  });

  it('leaves out empty instructions and is undefined when nothing is left', () => {
    expect(
      mergeInstructions(naming, [{ backend: 'github' }, { backend: 'fs', instructions: '  ' }]),
    ).toBeUndefined();
  });
});

describe('mergeInitializeResult', () => {
  it('builds an initialize result the SDK accepts, naming backends that failed', () => {
    const result = mergeInitializeResult(naming, {
      protocolVersion: '2025-06-18',
      serverInfo: { name: 'switchyard', version: '0.1.0' },
      backends: [
        { backend: 'fs', ok: true, value: { capabilities: { resources: { subscribe: true } } } },
        {
          backend: 'github',
          ok: true,
          value: { capabilities: { tools: { listChanged: true } }, instructions: 'Be nice.' },
        },
        { backend: 'web', ok: false, reason: 'initialize failed: protocol version mismatch' },
      ],
    });
    expect(result).toEqual({
      protocolVersion: '2025-06-18',
      serverInfo: { name: 'switchyard', version: '0.1.0' },
      capabilities: { resources: { subscribe: true }, tools: { listChanged: true } },
      instructions: '## github\n(Its tools and prompts are named `github__<name>` here.)\n\nBe nice.',
      _meta: {
        [UNAVAILABLE_META_KEY]: [{ backend: 'web', reason: 'initialize failed: protocol version mismatch' }],
      },
    });
    expect(InitializeResultSchema.safeParse(result).success).toBe(true);
  });

  it('has no instructions or _meta when there are none', () => {
    const result = mergeInitializeResult(naming, {
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'switchyard', version: '0.1.0' },
      backends: [{ backend: 'fs', ok: true, value: { capabilities: {} } }],
    });
    expect(result).toEqual({
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'switchyard', version: '0.1.0' },
      capabilities: {},
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  decodeSwitchyardUri,
  encodeSwitchyardUri,
  globToRegExp,
  isInvalidConfigError,
  isNameCollisionError,
  isUnknownBackendError,
  type NameCollisionError,
  NameFilter,
  NameTable,
  Naming,
  ResourceTable,
} from '../src/index.ts';
import { thrownBy } from './helpers.ts';

const collision = (fn: () => unknown): NameCollisionError => thrownBy(fn, isNameCollisionError);

describe('Naming', () => {
  it('prefixes with the backend name and __ by default', () => {
    const n = new Naming({ backends: [{ name: 'github' }] });
    expect(n.frontName('github', 'create_issue')).toBe('github__create_issue');
  });

  it('takes a custom separator, a custom prefix, or none', () => {
    const n = new Naming({
      separator: '.',
      backends: [
        { name: 'github', prefix: 'gh' },
        { name: 'fs', prefix: false },
      ],
    });
    expect(n.frontName('github', 'list')).toBe('gh.list');
    expect(n.frontName('fs', 'read_file')).toBe('read_file');
  });

  it('refuses bad configuration with messages that say where', () => {
    const cases: [unknown, RegExp][] = [
      [{ backends: [{ name: '' }] }, /backends\[0\]\.name: a backend name cannot be empty/],
      [{ separator: '', backends: [] }, /separator: the separator cannot be empty/],
      [{ backends: [{ name: 'a' }, { name: 'a' }] }, /backends\[1\]\.name: backend "a" appears twice/],
      [{ backends: [{ name: 'a', prefix: '' }] }, /use false for none/],
      [{ backends: [{ name: 'a', tools: { deny: [''] } }] }, /backends\[0\]\.tools\.deny\[0\]/],
      [{ backends: [{ name: 'a', prefx: 'x' }] }, /prefx/],
    ];
    for (const [options, message] of cases) {
      const thrown = thrownBy(() => new Naming(options as never), isInvalidConfigError);
      expect(thrown.message).toMatch(message);
    }
  });

  it('throws UnknownBackendError for a backend it does not hold', () => {
    const n = new Naming({ backends: [{ name: 'a' }] });
    expect(thrownBy(() => n.frontName('b', 'x'), isUnknownBackendError).backend).toBe('b');
  });
});

describe('NameTable', () => {
  const naming = new Naming({
    backends: [{ name: 'github' }, { name: 'fs', prefix: false }, { name: 'web' }],
  });

  it('resolves a front name back to its backend and original name', () => {
    const t = NameTable.build(naming, 'tool', [
      { backend: 'github', names: ['search'] },
      { backend: 'fs', names: ['read_file'] },
      { backend: 'web', names: ['search'] },
    ]);
    expect(t.resolve('github__search')).toEqual({ backend: 'github', name: 'search' });
    expect(t.resolve('web__search')).toEqual({ backend: 'web', name: 'search' });
    expect(t.resolve('read_file')).toEqual({ backend: 'fs', name: 'read_file' });
    expect(t.resolve('search')).toBeUndefined();
    expect(t.size).toBe(3);
  });

  it('resolves names that hold the separator themselves', () => {
    const t = NameTable.build(naming, 'prompt', [{ backend: 'github', names: ['a__b'] }]);
    expect(t.resolve('github__a__b')).toEqual({ backend: 'github', name: 'a__b' });
  });

  it('refuses an unprefixed name that collides with another backend, naming both and the name', () => {
    const e = collision(() =>
      NameTable.build(naming, 'tool', [
        { backend: 'github', names: ['x'] },
        { backend: 'fs', names: ['github__x'] },
      ]),
    );
    expect(e.frontName).toBe('github__x');
    expect(e.first).toEqual({ backend: 'github', name: 'x' });
    expect(e.second).toEqual({ backend: 'fs', name: 'github__x' });
    expect(e.message).toContain('"github"');
    expect(e.message).toContain('"fs"');
    expect(e.message).toContain('"github__x"');
  });

  it('refuses two unprefixed backends that list the same name', () => {
    const n = new Naming({
      backends: [
        { name: 'a', prefix: false },
        { name: 'b', prefix: false },
      ],
    });
    const e = collision(() =>
      NameTable.build(n, 'tool', [
        { backend: 'a', names: ['read'] },
        { backend: 'b', names: ['read'] },
      ]),
    );
    expect(e.message).toMatch(/tool name "read" is ambiguous: backends "a" .* and "b" .* both claim it/);
  });

  it('catches prefixed names that meet through the separator', () => {
    const n = new Naming({ backends: [{ name: 'a' }, { name: 'a__b' }] });
    const e = collision(() =>
      NameTable.build(n, 'tool', [
        { backend: 'a', names: ['b__c'] },
        { backend: 'a__b', names: ['c'] },
      ]),
    );
    expect(e.frontName).toBe('a__b__c');
  });

  it('refuses a backend that lists one name twice', () => {
    const e = collision(() => NameTable.build(naming, 'tool', [{ backend: 'github', names: ['x', 'x'] }]));
    expect(e.message).toContain('lists it twice');
  });
});

describe('globs and tool filters', () => {
  it('match * and ? and treat everything else literally', () => {
    expect(globToRegExp('get_*').test('get_user')).toBe(true);
    expect(globToRegExp('get_*').test('get_')).toBe(true);
    expect(globToRegExp('get_*').test('set_user')).toBe(false);
    expect(globToRegExp('v?').test('v2')).toBe(true);
    expect(globToRegExp('v?').test('v10')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('a+(b)[c]{1}|^$\\/-').test('a+(b)[c]{1}|^$\\/-')).toBe(true);
    expect(globToRegExp('*').test('multi\nline')).toBe(true);
  });

  it('let everything through without rules', () => {
    expect(new NameFilter().allows('anything')).toBe(true);
  });

  it('allow by exact name or glob', () => {
    const f = new NameFilter({ allow: ['read_file', 'list_*'] });
    expect(f.allows('read_file')).toBe(true);
    expect(f.allows('list_dir')).toBe(true);
    expect(f.allows('write_file')).toBe(false);
  });

  it('deny wins over allow', () => {
    const f = new NameFilter({ allow: ['*'], deny: ['delete_*', 'drop_table'] });
    expect(f.allows('delete_repo')).toBe(false);
    expect(f.allows('drop_table')).toBe(false);
    expect(f.allows('create_repo')).toBe(true);
    expect(new NameFilter({ allow: ['rm'], deny: ['r?'] }).allows('rm')).toBe(false);
  });

  it('an empty allow list lets nothing through', () => {
    expect(new NameFilter({ allow: [] }).allows('x')).toBe(false);
  });
});

describe('resource URIs', () => {
  const naming = new Naming({ backends: [{ name: 'docs' }, { name: 'wiki' }, { name: 'my server' }] });

  it('keeps a URI one backend listed, and routes it there', () => {
    const t = ResourceTable.build(naming, [
      { backend: 'docs', uris: ['file:///a.md'] },
      { backend: 'wiki', uris: ['https://wiki/x'] },
    ]);
    expect(t.frontUri('docs', 'file:///a.md')).toBe('file:///a.md');
    expect(t.resolve('file:///a.md')).toEqual({ backend: 'docs', uri: 'file:///a.md' });
    expect(t.resolve('https://wiki/x')).toEqual({ backend: 'wiki', uri: 'https://wiki/x' });
    expect(t.resolve('file:///unknown')).toBeUndefined();
  });

  it('shows a URI two backends list in the switchyard form for both, and routes each back', () => {
    const t = ResourceTable.build(naming, [
      { backend: 'docs', uris: ['file:///README.md'] },
      { backend: 'wiki', uris: ['file:///README.md'] },
    ]);
    const docs = t.frontUri('docs', 'file:///README.md');
    const wiki = t.frontUri('wiki', 'file:///README.md');
    expect(docs).toBe('switchyard://docs/file%3A%2F%2F%2FREADME.md');
    expect(wiki).toBe('switchyard://wiki/file%3A%2F%2F%2FREADME.md');
    expect(t.resolve(docs)).toEqual({ backend: 'docs', uri: 'file:///README.md' });
    expect(t.resolve(wiki)).toEqual({ backend: 'wiki', uri: 'file:///README.md' });
    expect(t.isShared('file:///README.md')).toBe(true);
    expect(t.resolve('file:///README.md')).toBeUndefined();
  });

  it('encodes backend names and URIs that need it, and decodes them exactly', () => {
    const uri = 'db://q?x=1&y=a/b#frag ü';
    const front = encodeSwitchyardUri('my server', uri);
    expect(front.startsWith('switchyard://my%20server/')).toBe(true);
    expect(decodeSwitchyardUri(front)).toEqual({ backend: 'my server', uri });
    for (const bad of [
      'switchyard://',
      'switchyard:///x',
      'switchyard://docs/',
      'switchyard://docs/%E0%A4%A',
      'file:///x',
    ]) {
      expect(decodeSwitchyardUri(bad), bad).toBeUndefined();
    }
  });

  it('shows unlisted URIs and backend URIs in the gateway scheme in the switchyard form', () => {
    const t = ResourceTable.build(naming, [
      { backend: 'docs', uris: ['file:///a.md', 'switchyard://odd'] },
      { backend: 'wiki', uris: [] },
    ]);
    expect(t.frontUri('docs', 'switchyard://odd')).toBe(encodeSwitchyardUri('docs', 'switchyard://odd'));
    expect(t.resolve(encodeSwitchyardUri('docs', 'switchyard://odd'))).toEqual({
      backend: 'docs',
      uri: 'switchyard://odd',
    });
    // From a template, or another backend's URI in a notification: routed back to where it came from.
    expect(t.frontUri('docs', 'file:///made/from/template')).toBe(
      encodeSwitchyardUri('docs', 'file:///made/from/template'),
    );
    expect(t.frontUri('wiki', 'file:///a.md')).toBe(encodeSwitchyardUri('wiki', 'file:///a.md'));
    expect(t.resolve(encodeSwitchyardUri('wiki', 'file:///a.md'))).toEqual({
      backend: 'wiki',
      uri: 'file:///a.md',
    });
    expect(t.resolve(encodeSwitchyardUri('nobody', 'file:///a.md'))).toBeUndefined();
  });
});

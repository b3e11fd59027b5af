import { describe, expect, it } from 'vitest';
import { launcherCall, specName } from './launcher.ts';

describe('launcherCall', () => {
  it('reads npx -y and bunx lines: the spec, its package name, the server’s own arguments', () => {
    expect(launcherCall('npx', ['-y', '@scope/server@1.2.3', '--root', '/tmp'])).toEqual({
      launcher: 'npx',
      spec: '@scope/server@1.2.3',
      name: '@scope/server',
      rest: ['--root', '/tmp'],
    });
    expect(launcherCall('/usr/bin/bunx', ['--bun', 'server-x'])).toEqual({
      launcher: 'bunx',
      spec: 'server-x',
      name: 'server-x',
      rest: [],
    });
  });

  it('leaves alone what it does not understand: other commands, other options, paths and URLs', () => {
    expect(launcherCall('node', ['server.js'])).toBeUndefined();
    expect(launcherCall('npx', ['--package', 'a', 'b'])).toBeUndefined();
    expect(launcherCall('npx', ['-y'])).toBeUndefined();
    expect(launcherCall('npx', ['./local-server'])).toBeUndefined();
    expect(launcherCall('npx', ['github:owner/repo'])).toBeUndefined();
  });

  it('names the package of a spec', () => {
    expect(specName('pkg')).toBe('pkg');
    expect(specName('pkg@latest')).toBe('pkg');
    expect(specName('@s/p')).toBe('@s/p');
    expect(specName('@s/p@^2')).toBe('@s/p');
  });
});

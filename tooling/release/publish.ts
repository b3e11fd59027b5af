/**
 * The release path: publishes every public workspace package whose version is not on the registry
 * yet, in dependency order. `bun run release` (root) runs it after `turbo run build`, then tags.
 *
 *   bun tooling/release/publish.ts [--registry URL] [--ignore-scripts] [--no-provenance] [--dry-run]
 *
 * Each package is packed by `bun pm pack` — which turns `workspace:*` dependencies into the
 * versions they stand for — and the tarball is published by `npm publish` (the client that can
 * sign provenance). A packed manifest that still says `workspace:` stops the release before
 * anything of that package is published. Exit 0 when every package is published or already was.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type PublicPackage, publicPackages } from './packages.ts';

interface PackedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** The `workspace:` specs a packed manifest still holds (none when it is publishable). */
export function workspaceSpecs(m: PackedManifest): string[] {
  const left: string[] = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
    for (const [dep, spec] of Object.entries(m[field] ?? {})) {
      if (spec.startsWith('workspace:')) left.push(`${field}.${dep}: ${spec}`);
    }
  }
  return left;
}

function registryArgs(registry: string | undefined): string[] {
  return registry ? ['--registry', registry] : [];
}

function isPublished(p: PublicPackage, registry: string | undefined): boolean {
  const r = spawnSync('npm', ['view', `${p.name}@${p.version}`, 'version', ...registryArgs(registry)], {
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout.trim() === p.version;
}

function pack(p: PublicPackage, out: string, ignoreScripts: boolean): string {
  const args = [
    'pm',
    'pack',
    '--destination',
    out,
    '--quiet',
    ...(ignoreScripts ? ['--ignore-scripts'] : []),
  ];
  const printed = execFileSync('bun', args, { cwd: p.dir, encoding: 'utf8' }).trim();
  const tarball = printed.split('\n').at(-1)!.trim();
  return tarball.startsWith('/') ? tarball : join(out, tarball);
}

function manifestOf(tarball: string): PackedManifest {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    'ignore-scripts': { type: 'boolean' },
    'no-provenance': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
});

const out = mkdtempSync(join(tmpdir(), 'switchyard-release-'));
let failed = false;
try {
  for (const p of publicPackages()) {
    if (isPublished(p, values.registry)) {
      console.log(`${p.name}@${p.version}: already published`);
      continue;
    }
    const tarball = pack(p, out, values['ignore-scripts'] === true);
    const left = workspaceSpecs(manifestOf(tarball));
    if (left.length > 0) {
      console.error(`${p.name}@${p.version}: the packed manifest still has ${left.join(', ')}`);
      failed = true;
      break;
    }
    const args = [
      'publish',
      tarball,
      '--access',
      'public',
      ...registryArgs(values.registry),
      ...(values['no-provenance'] ? ['--provenance=false'] : []),
      ...(values['dry-run'] ? ['--dry-run'] : []),
      '--loglevel=warn',
    ];
    const r = spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      console.error(`${p.name}@${p.version}: npm publish exited ${r.status ?? r.signal}`);
      failed = true;
      break;
    }
    console.log(`${p.name}@${p.version}: published`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/**
 * The workspace packages that are published: every `packages/*` and `apps/*` package that is not
 * `private`, in dependency order (a package comes after the `@switchyard/*` packages it needs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface PublicPackage {
  name: string;
  version: string;
  dir: string;
  /** The `@switchyard/*` packages it depends on at run time. */
  needs: string[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

export function publicPackages(root = repoRoot): PublicPackage[] {
  const found = new Map<string, PublicPackage>();
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, name);
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (m.private) continue;
      const needs = Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@switchyard/'));
      found.set(m.name, { name: m.name, version: m.version, dir, needs });
    }
  }
  const ordered: PublicPackage[] = [];
  const placed = new Set<string>();
  const place = (p: PublicPackage, path: string[]) => {
    if (placed.has(p.name)) return;
    if (path.includes(p.name)) throw new Error(`dependency cycle: ${[...path, p.name].join(' → ')}`);
    for (const dep of p.needs) {
      const d = found.get(dep);
      if (!d) throw new Error(`${p.name} depends on ${dep}, which is private or not in the workspace`);
      place(d, [...path, p.name]);
    }
    placed.add(p.name);
    ordered.push(p);
  };
  for (const p of found.values()) place(p, []);
  return ordered;
}

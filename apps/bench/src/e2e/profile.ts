/**
 * `--cpu-prof`: the gateway of each Switchyard setup runs under Bun's CPU profiler; when it has
 * stopped, the ten heaviest functions (self time) are printed and the `.cpuprofile` (for Chrome
 * DevTools or speedscope) and its Markdown summary are kept in `results/profiles/`.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PROFILE_DIR = join(import.meta.dir, '..', '..', 'results', 'profiles');

export function profiling(): boolean {
  return process.argv.includes('--cpu-prof');
}

/** Bun's flags that profile the process they start. */
export function profileArgs(): string[] {
  if (!profiling()) return [];
  mkdirSync(PROFILE_DIR, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${PROFILE_DIR}`];
}

/** The newest profile's "Top 10" line and where the profile is, or a word that there is none. */
export function profileReport(): string {
  const newest = (ext: string) =>
    readdirSync(PROFILE_DIR)
      .filter((f) => f.endsWith(ext))
      .map((f) => join(PROFILE_DIR, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const md = newest('.md');
  if (!md) return 'no CPU profile was written (did the gateway exit cleanly?)';
  const top = readFileSync(md, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('**Top 10:**'));
  return `${top ?? '(no Top 10 line in the summary)'}\n  profile: ${newest('.cpuprofile') ?? '(missing)'}; summary: ${md}`;
}

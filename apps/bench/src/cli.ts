/**
 * `bun src/cli.ts [suite …] [--quick] [--dry]` — runs the micro-benchmark suites in
 * `src/micro/*.ts` and the end-to-end load suite `e2e` (`src/e2e/index.ts`), all or those named, prints a Markdown table of every figure with its ratio to
 * the baseline measured in the same run, and writes `results/<date>-<commit>.json` (not with --dry).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchSuite, Figure } from './harness.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const dry = args.includes('--dry');
const wanted = args.filter((a) => !a.startsWith('--'));

const microDir = join(import.meta.dir, 'micro');
const suites: BenchSuite[] = [];
for (const file of readdirSync(microDir).sort()) {
  if (!file.endsWith('.ts')) continue;
  const mod = (await import(join(microDir, file))) as { default: BenchSuite };
  suites.push(mod.default);
}
suites.push(((await import('./e2e/index.ts')) as { default: BenchSuite }).default);
const chosen = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites;
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const results: Record<string, Figure[]> = {};
for (const suite of chosen) {
  console.log(`\n## ${suite.name} — ${suite.description}\n`);
  const figures = await suite.run({ quick, dry, log: (line) => console.log(line) });
  results[suite.name] = figures;
  console.log('\n| figure | value | unit | baseline | ratio |\n| --- | ---: | --- | --- | ---: |');
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${fmt(f.value)} | ${f.unit} | ${f.baseline ?? ''} | ${f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`} |`,
    );
  }
}

if (!dry) {
  const commit = tryGit(['rev-parse', '--short', 'HEAD']) ?? 'nocommit';
  const date = new Date().toISOString().slice(0, 10);
  const out = join(import.meta.dir, '..', 'results', `${date}-${commit}.json`);
  mkdirSync(join(import.meta.dir, '..', 'results'), { recursive: true });
  const machine = {
    platform: platform(),
    arch: arch(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memory: totalmem(),
  };
  writeFileSync(
    out,
    JSON.stringify({ date, commit, machine, runtime: { bun: Bun.version }, quick, results }, null, 2),
  );
  console.log(`\nresults written to ${out}`);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

function tryGit(gitArgs: string[]): string | undefined {
  try {
    return execFileSync('git', gitArgs, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

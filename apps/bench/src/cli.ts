/**
 * `bun src/cli.ts [suite …] [--quick] [--dry]` — runs the micro-benchmark suites in
 * `src/micro/*.ts` and the suites registered below (`e2e`, `tiers`, `sessions`, `overload`), all or
 * those named, prints a Markdown table of every figure with its ratio to the baseline measured in
 * the same run, and writes `results/<date>-<commit>.json` plus the same tables as
 * `results/<date>-<commit>.md` (not with --dry).
 *
 * `bun src/cli.ts compare <a.json> <b.json>` — the figures present in both, A, B and B ÷ A.
 *
 * `bun src/cli.ts chart <results.json>` — SVG charts of its figures in `results/<date>-<commit>/`
 * (a normal run draws them for the file it wrote).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { chartMain, writeCharts } from './charts/index.ts';
import { compareMain, fmt } from './compare.ts';
import type { BenchSuite, Figure } from './harness.ts';

const args = process.argv.slice(2);
if (args[0] === 'compare') process.exit(compareMain(args.slice(1)));
if (args[0] === 'chart') process.exit(await chartMain(args.slice(1)));
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
for (const entry of [
  './e2e/index.ts',
  './idle/index.ts',
  './openloop/index.ts',
  './tiers/index.ts',
  './sessions/index.ts',
  './overload/index.ts',
]) {
  suites.push(((await import(entry)) as { default: BenchSuite }).default);
}
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
  console.log(`\n${figureTable(figures).join('\n')}`);
}

/** One suite's figures as a Markdown table. */
function figureTable(figures: Figure[]): string[] {
  return [
    '| figure | value | unit | baseline | ratio |',
    '| --- | ---: | --- | --- | ---: |',
    ...figures.map(
      (f) =>
        `| ${f.name} | ${fmt(f.value)} | ${f.unit} | ${f.baseline ?? ''} | ${f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`} |`,
    ),
  ];
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
  const md = out.replace(/\.json$/, '.md');
  const summary = [
    `# Switchyard bench — ${date} ${commit}${quick ? ' (--quick)' : ''}`,
    '',
    `${machine.platform} ${machine.arch}, ${machine.cpus} × ${machine.cpu ?? 'unknown CPU'}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB; bun ${Bun.version}. Figures and ratios as printed by the run; the JSON next to this file holds them all.`,
  ];
  for (const suite of chosen) {
    summary.push(
      '',
      `## ${suite.name}`,
      '',
      suite.description,
      '',
      ...figureTable(results[suite.name] ?? []),
    );
  }
  writeFileSync(md, `${summary.join('\n')}\n`);
  console.log(`\nresults written to ${out} and ${md}`);
  console.log('\ncharts:');
  await writeCharts(out, (line) => console.log(line));
}

function tryGit(gitArgs: string[]): string | undefined {
  try {
    return execFileSync('git', gitArgs, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

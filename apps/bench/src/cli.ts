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
 *
 * `--help` / `-h` anywhere prints the usage and exits 0 before any suite is loaded; an unknown
 * option or suite exits 2 with the usage on stderr.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chartMain, writeCharts } from './charts/index.ts';
import { compareMain, fmt } from './compare.ts';
import type { BenchSuite, Figure } from './harness.ts';

const microDir = join(import.meta.dir, 'micro');
const REGISTERED = [
  './e2e/index.ts',
  './idle/index.ts',
  './journal-soak/index.ts',
  './openloop/index.ts',
  './tiers/index.ts',
  './sessions/index.ts',
  './restore/index.ts',
  './cluster/index.ts',
  './overload/index.ts',
  './telemetry/index.ts',
];
/** Suite names without importing a suite (each is named after its file or folder). */
const microFiles = readdirSync(microDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();
const SUITE_NAMES = [
  ...microFiles.map((f) => f.replace(/\.ts$/, '')),
  ...REGISTERED.map((e) => basename(join(e, '..'))),
];

const USAGE = `Usage: bun src/cli.ts [suite …] [--quick] [--dry] [--cpu-prof] [--setups=a,b]
       bun src/cli.ts compare <a.json> <b.json>
       bun src/cli.ts chart <results.json> [more.json …]`;

const HELP = `${USAGE}

Runs the benchmark suites named (all when none is named: about 10 minutes on 2 cores), prints
a Markdown table of every figure with its ratio to the baseline measured in the same run, and
writes results/<date>-<commit>.json and .md plus SVG charts (not with --dry).

Suites: ${SUITE_NAMES.join(', ')}

  --quick               Shorter runs, smallest sizes.
  --dry                 Run, but write no results files.
  --cpu-prof            e2e: run each Switchyard gateway under Bun's CPU profiler.
  --setups=a,b          e2e: only the setups named.
  -h, --help            Show this help and exit.

  compare <a> <b>       The figures present in both results files: A, B and B ÷ A.
  chart <file …>        SVG charts of a results file, in results/<date>-<commit>/.

Exit codes: 0 done, 2 usage error.`;

function usageError(message: string): never {
  console.error(`bench: ${message}\n${USAGE}\nRun "bun src/cli.ts --help" for more.`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
if (wantsHelp) {
  console.log(HELP);
  process.exit(0);
}
if (argv[0] === 'compare') process.exit(compareMain(argv.slice(1)));
if (argv[0] === 'chart') process.exit(await chartMain(argv.slice(1)));

let parsed: ReturnType<typeof parseOptions>;
function parseOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      quick: { type: 'boolean' },
      dry: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      setups: { type: 'string' },
    },
    allowPositionals: true,
  });
}
try {
  parsed = parseOptions(argv);
} catch (error) {
  usageError((error as Error).message.split('. ')[0] ?? String(error));
}
const quick = parsed.values.quick === true;
const dry = parsed.values.dry === true;
const wanted = parsed.positionals;
const unknown = wanted.filter((w) => !SUITE_NAMES.includes(w));
if (unknown.length) usageError(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITE_NAMES.join(', ')}`);

const suites: BenchSuite[] = [];
for (const file of microFiles) {
  if (wanted.length && !wanted.includes(file.replace(/\.ts$/, ''))) continue;
  const mod = (await import(join(microDir, file))) as { default: BenchSuite };
  suites.push(mod.default);
}
for (const entry of REGISTERED) {
  if (wanted.length && !wanted.includes(basename(join(entry, '..')))) continue;
  suites.push(((await import(entry)) as { default: BenchSuite }).default);
}
const chosen = suites;

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

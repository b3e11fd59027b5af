/**
 * `bun src/cli.ts chart <results.json>`: draws every chart whose suite the results file holds, as
 * SVG files in a folder named after it (`results/<date>-<commit>.json` →
 * `results/<date>-<commit>/<chart>.svg`). A chart whose suite is missing, or whose figures are not
 * there, is skipped with a note. A file that cannot be read or is not a results file is an error
 * (exit 2). A normal run (not `--dry`) calls `writeCharts` on the file it wrote.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CompareError, readResults } from '../compare.ts';
import { type Chart, isSkip } from './chart.ts';
import { idleRssChart } from './idle-rss.ts';
import { openloopLatencyChart } from './openloop-latency.ts';
import { overloadLatencyChart } from './overload-latency.ts';
import { renderSvg } from './render.ts';
import { throughputChart } from './throughput.ts';
import { tiersChart } from './tiers.ts';

export const CHARTS: Chart[] = [
  throughputChart,
  openloopLatencyChart,
  overloadLatencyChart,
  tiersChart,
  idleRssChart,
];

/** The folder the charts of `jsonPath` go to: the file's path without `.json`. */
export const chartDir = (jsonPath: string): string => jsonPath.replace(/\.json$/, '');

/** `path` relative to the working folder when it lies below it, else as given. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** Draws every chart the file's suites allow; returns the SVG paths written. */
export async function writeCharts(jsonPath: string, log: (line: string) => void): Promise<string[]> {
  const file = readResults(jsonPath);
  const label = [file.date, file.commit].filter(Boolean).join(' ') || jsonPath;
  const dir = chartDir(jsonPath);
  const written: string[] = [];
  for (const chart of CHARTS) {
    const figures = file.results[chart.suite];
    if (!figures) {
      log(`- ${chart.name}: skipped (no ${chart.suite} suite in ${shown(jsonPath)})`);
      continue;
    }
    const spec = chart.spec(figures, label);
    if (isSkip(spec)) {
      log(`- ${chart.name}: skipped (${chart.suite}: ${spec.skip})`);
      continue;
    }
    const svg = await renderSvg(spec);
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `${chart.name}.svg`);
    writeFileSync(out, svg);
    written.push(out);
    log(`- ${chart.name}: ${shown(out)}`);
  }
  return written;
}

export async function chartMain(paths: string[]): Promise<number> {
  if (paths.length === 0) {
    console.error('usage: bun src/cli.ts chart <results.json> [more.json …]');
    return 2;
  }
  try {
    for (const path of paths) {
      console.log(`charts of ${path}:`);
      await writeCharts(path, (line) => console.log(line));
    }
    return 0;
  } catch (e) {
    if (e instanceof CompareError) {
      console.error(`chart: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/**
 * `bun src/cli.ts compare <a.json> <b.json>`: for each figure present in both results files (same
 * suite, same name), value A, value B and the change B ÷ A, as a Markdown table. A file that cannot
 * be read or is not a results file is an error (exit 2).
 */
import { readFileSync } from 'node:fs';
import type { Figure } from './harness.ts';

export interface ResultsFile {
  date?: string;
  commit?: string;
  results: Record<string, Figure[]>;
}

export class CompareError extends Error {}

export function readResults(path: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CompareError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CompareError(`${path}: not JSON`);
  }
  const results = (data as { results?: unknown } | null)?.results;
  if (typeof results !== 'object' || results === null || Array.isArray(results))
    throw new CompareError(`${path}: not a bench results file (no "results" object of suites)`);
  for (const [suite, figures] of Object.entries(results)) {
    if (
      !Array.isArray(figures) ||
      figures.some((f) => typeof f?.name !== 'string' || typeof f?.value !== 'number')
    )
      throw new CompareError(`${path}: results.${suite} is not a list of { name, value, unit } figures`);
  }
  return data as ResultsFile;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

/** The Markdown table; `a` and `b` are the column titles. */
export function compareTable(a: ResultsFile, b: ResultsFile, titles = ['A', 'B']): string[] {
  const lines = [
    `| suite | figure | unit | ${titles[0]} | ${titles[1]} | B ÷ A |`,
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  let shared = 0;
  for (const [suite, figures] of Object.entries(a.results)) {
    const other = new Map((b.results[suite] ?? []).map((f) => [f.name, f]));
    for (const fa of figures) {
      const fb = other.get(fa.name);
      if (!fb) continue;
      shared++;
      const change =
        fa.value === 0 ? (fb.value === 0 ? '1.00×' : '') : `${(fb.value / fa.value).toFixed(2)}×`;
      lines.push(`| ${suite} | ${fa.name} | ${fa.unit} | ${fmt(fa.value)} | ${fmt(fb.value)} | ${change} |`);
    }
  }
  if (shared === 0) lines.push('| (no figure is in both files) | | | | | |');
  return lines;
}

export function compareMain(paths: string[]): number {
  if (paths.length !== 2) {
    console.error('usage: bun src/cli.ts compare <a.json> <b.json>');
    return 2;
  }
  try {
    const [a, b] = paths.map(readResults) as [ResultsFile, ResultsFile];
    const title = (r: ResultsFile, p: string) => (r.date && r.commit ? `${r.date} ${r.commit}` : p);
    console.log(`A: ${paths[0]}\nB: ${paths[1]}\n`);
    for (const line of compareTable(a, b, [`A (${title(a, 'A')})`, `B (${title(b, 'B')})`]))
      console.log(line);
    return 0;
  } catch (e) {
    if (e instanceof CompareError) {
      console.error(`compare: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

#!/usr/bin/env bun
/**
 * Runs the MCP conformance suite's server scenarios against a Streamable HTTP endpoint and prints
 * a score:
 *
 *   bun tooling/conformance/run.ts <url> [--json out.json] [--next]
 *
 * Without `--next`: the stable suite (`@modelcontextprotocol/conformance` 0.1.x, its default
 * "active" suite). With `--next`: the pre-release installed as `conformance-next` (0.2.x), run with
 * `--requirements 2026-07-28`, the frozen set of scenarios the 2026-07-28 revision requires, at
 * that revision's wire; the scenarios it runs but does not score (extensions, pending) are marked
 * `not scored` and count in the score all the same.
 *
 * One line per scenario (`pass` / `fail` and why), then `conformance: N/M scenarios passed`.
 * A scenario passes when none of its checks failed (warnings are shown, not counted). The whole
 * run is bounded by RUN_TIMEOUT_MS; scenarios it did not reach count as failed. The exit code is 0
 * whatever the score; 1 only when the suite could not run at all.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const RUN_TIMEOUT_MS = 5 * 60_000;

/** One check as the suite writes it to `checks.json`. */
interface Check {
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
}

interface ScenarioResult {
  name: string;
  passed: boolean;
  reason?: string;
  warnings: string[];
  checks: Check[];
  /** Why the suite runs this scenario without scoring it (`extension`, `pending`, …), if it does. */
  notScored?: string;
}

/** A version of the suite: the package it is installed as, and the arguments that pick its scenarios. */
interface Suite {
  pkg: string;
  args: string[];
}

const STABLE: Suite = { pkg: '@modelcontextprotocol/conformance', args: [] };
const NEXT: Suite = { pkg: 'conformance-next', args: ['--requirements', '2026-07-28'] };

/** The suite's CLI, installed as a devDependency of apps/mcp-server. */
async function suiteCli(pkg: string): Promise<{ cli: string; version: string }> {
  const from = new URL('../../apps/mcp-server/', import.meta.url).pathname;
  const manifest = Bun.resolveSync(`${pkg}/package.json`, from);
  const { version } = (await Bun.file(manifest).json()) as { version: string };
  return { cli: join(dirname(manifest), 'dist/index.js'), version };
}

async function runSuite(cli: string, args: string[], url: string, outDir: string) {
  const deadline = AbortSignal.timeout(RUN_TIMEOUT_MS);
  const argv = [process.execPath, cli, 'server', '--url', url, ...args, '--output-dir', outDir];
  const child = Bun.spawn(argv, {
    stdout: 'pipe',
    stderr: 'pipe',
    signal: deadline,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code, timedOut: deadline.aborted };
}

/** The `checks.json` the suite wrote for `scenario`, if it wrote one. */
async function readChecks(outDir: string, scenario: string): Promise<Check[] | undefined> {
  const escaped = scenario.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^server-${escaped}-\\d{4}-\\d\\d-\\d\\dT`);
  const dir = (await readdir(outDir)).find((d) => pattern.test(d));
  // The suite makes the folder before the scenario runs and writes checks.json after it ends.
  const file = dir === undefined ? undefined : Bun.file(join(outDir, dir, 'checks.json'));
  return (await file?.exists()) ? ((await file!.json()) as Check[]) : undefined;
}

function judge(name: string, checks: Check[] | undefined, whyMissing: string): ScenarioResult {
  if (checks === undefined || checks.length === 0)
    return { name, passed: false, reason: whyMissing, warnings: [], checks: checks ?? [] };
  const failures = checks.filter((c) => c.status === 'FAILURE');
  const warnings = checks.filter((c) => c.status === 'WARNING').map((c) => `${c.name}: ${c.description}`);
  const reason = failures.map((c) => `${c.name}: ${c.errorMessage ?? c.description}`).join('; ');
  return { name, passed: failures.length === 0, ...(reason && { reason }), warnings, checks };
}

/** Why a scenario left no results: the suite's own words from stderr, or the timeout. */
function missingReason(stderr: string, scenario: string, timedOut: boolean): string {
  const line = stderr.split('\n').find((l) => l.startsWith(`Failed to run scenario ${scenario}:`));
  if (line) return line.slice(`Failed to run scenario ${scenario}:`.length).trim() || 'the scenario threw';
  return timedOut ? `the run hit its ${RUN_TIMEOUT_MS / 1000} s limit` : 'the suite wrote no results';
}

/** The scenarios a `--requirements` run lists under "Not scored", with the reason it gives. */
function notScored(stdout: string): Map<string, string> {
  const tail = stdout.slice(Math.max(0, stdout.indexOf('\nNot scored for ')));
  return new Map([...tail.matchAll(/^ {2}[✓✗] (\S+) \(([^)]+)\)$/gm)].map((m) => [m[1]!, m[2]!]));
}

function report(results: ScenarioResult[], total: number): void {
  for (const r of results) {
    const notes = [
      r.notScored && `not scored (${r.notScored})`,
      r.reason,
      ...r.warnings.map((w) => `warning ${w}`),
    ]
      .filter(Boolean)
      .join('; ');
    console.log(`${r.passed ? 'pass' : 'fail'}  ${r.name}${notes ? `  ${notes}` : ''}`);
  }
  if (results.length < total) console.log(`fail  ${total - results.length} scenario(s) never started`);
  console.log(`conformance: ${results.filter((r) => r.passed).length}/${total} scenarios passed`);
}

async function main(): Promise<number> {
  const [url, ...rest] = process.argv.slice(2);
  const jsonAt = rest.indexOf('--json');
  const jsonOut = jsonAt === -1 ? undefined : rest[jsonAt + 1];
  const suite = rest.includes('--next') ? NEXT : STABLE;
  const known = rest.every((a, i) => a === '--next' || a === '--json' || (i === jsonAt + 1 && jsonAt !== -1));
  if (
    url === undefined ||
    !/^https?:$/.test(URL.parse(url)?.protocol ?? '') ||
    (jsonAt !== -1 && !jsonOut) ||
    !known
  ) {
    console.error('usage: bun tooling/conformance/run.ts <url> [--json out.json] [--next]');
    return 1;
  }
  const { cli, version } = await suiteCli(suite.pkg);
  const outDir = await mkdtemp(join(tmpdir(), 'switchyard-conformance-'));
  try {
    const run = await runSuite(cli, suite.args, url, outDir);
    const total = Number(/Running (?:\w+ suite|requirements \S+) \((\d+) scenarios\)/.exec(run.stdout)?.[1]);
    if (!Number.isInteger(total)) {
      console.error(`the conformance suite did not run (exit ${run.code}):\n${run.stderr || run.stdout}`);
      return 1;
    }
    const started = [...run.stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]!);
    const unscored = notScored(run.stdout);
    const results = await Promise.all(
      started.map(async (name) => {
        const result = judge(
          name,
          await readChecks(outDir, name),
          missingReason(run.stderr, name, run.timedOut),
        );
        const why = unscored.get(name);
        return why === undefined ? result : { ...result, notScored: why };
      }),
    );
    report(results, total);
    if (jsonOut) {
      const passed = results.filter((r) => r.passed).length;
      await writeFile(
        jsonOut,
        JSON.stringify({ url, suite: version, args: suite.args, passed, total, scenarios: results }, null, 2),
      );
    }
    return 0;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

process.exit(await main());

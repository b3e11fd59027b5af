/**
 * The MCP conformance suite through a gateway served in this process: the repo's conformance
 * fixture served unprefixed behind `/mcp`, and `tooling/conformance/run.ts` (stable suite, or
 * `--next` for the 2026-07-28 requirements) run against it as a child process.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToEnd } from '../../../../tooling/testing/run.ts';
import { startInProcess, tempDir } from './gateway.ts';

const FIXTURE = new URL('../../../../tooling/fixtures/mcp/conformance-server.ts', import.meta.url).pathname;
const RUNNER = new URL('../../../../tooling/conformance/run.ts', import.meta.url).pathname;

export interface Score {
  suite: string;
  passed: number;
  total: number;
  scenarios: { name: string; passed: boolean; reason?: string; notScored?: string }[];
}

export interface ConformanceRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The runner's JSON; read only when it exited 0. */
  score(): Promise<Score>;
}

/** Serves the fixture through a fresh gateway and runs the suite against it (`args`: e.g. `--next`). */
export async function runConformance(args: string[] = []): Promise<ConformanceRun> {
  const { url } = await startInProcess({
    mcpServers: { conformance: { command: process.execPath, args: [FIXTURE], prefix: false, tier: 'hot' } },
  });
  const out = join(await tempDir(), 'score.json');
  const ran = await runToEnd([process.execPath, RUNNER, url, ...args, '--json', out]);
  return { ...ran, score: async () => JSON.parse(await readFile(out, 'utf8')) as Score };
}

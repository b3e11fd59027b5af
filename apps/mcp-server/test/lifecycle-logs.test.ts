/**
 * The backends' lifecycle in the operator's log at the default level (`info`), read from the
 * stderr of the real CLI: a backend started (pid, tier, ms), one whose command exits 3 (failed,
 * with its stderr tail, then restarting), one whose command is not on PATH, a crash, and the stop.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../../../tooling/testing/wait.ts';
import { connectClient, fixtureEntry, startServe, tempDir } from './support/gateway.ts';

type Line = Record<string, unknown> & { msg: string; level: number };

function linesOf(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

describe('backend lifecycle logs at the default level', () => {
  it('tell of starts, exits with code 3, commands not on PATH, restarts, crashes and stops', async () => {
    const dir = await tempDir();
    const config = join(dir, 'switchyard.json');
    const good = fixtureEntry('good', { tier: 'hot' });
    good.args = [...(good.args as string[]), '--crash-on', 'die'];
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          good,
          three: { command: 'sh', args: ['-c', 'echo three-is-broken >&2; exit 3'], tier: 'hot' },
          nopath: { command: 'switchyard-no-such-command', tier: 'hot' },
        },
      }),
    );
    const serve = await startServe(['--config', config, '--log-level', 'info'], { cwd: dir });
    const lines = () => linesOf(serve.stderr());
    const find = (msg: string, backend: string) =>
      lines().find((l) => l.msg === msg && l.backend === backend);

    // The log is asynchronous: its lines may reach stderr after the URL did.
    for (const [msg, backend] of [
      ['backend started', 'good'],
      ['backend failed', 'three'],
      ['backend failed', 'nopath'],
    ] as const) {
      await until(() => find(msg, backend) !== undefined, `${msg} ${backend}`, 20_000);
    }
    const started = find('backend started', 'good');
    expect(started).toMatchObject({ level: 30, tier: 'hot' });
    expect(started?.pid).toEqual(expect.any(Number));
    expect(started?.ms).toEqual(expect.any(Number));

    const three = find('backend failed', 'three');
    expect(three).toMatchObject({ level: 50, state: 'failed', reason: 'exit code 3' });
    expect(three?.stderrTail).toContain('three-is-broken');
    expect(three?.retryInMs).toEqual(expect.any(Number));

    const nopath = find('backend failed', 'nopath');
    expect(nopath).toMatchObject({ level: 50, state: 'failed' });
    expect(String(nopath?.reason)).toMatch(/switchyard-no-such-command/);

    await until(() => find('backend restarting', 'three') !== undefined, 'three to be retried', 20_000);
    expect(find('backend restarting', 'three')).toMatchObject({ level: 30, attempt: 2 });

    // A crash mid-call: exit code and stderr tail, then a new worker started.
    const client = await connectClient(serve.url);
    await client.callTool({ name: 'good__echo', arguments: { text: 'die' } }).catch(() => undefined);
    await until(() => find('backend worker died', 'good') !== undefined, 'the crash to be logged', 20_000);
    const died = find('backend worker died', 'good');
    expect(died).toMatchObject({ level: 40, pid: started?.pid, detail: 'exit code 3' });
    expect(died?.stderrTail).toEqual(expect.arrayContaining([expect.stringMatching(/crashing on "die"/)]));
    await until(
      () => lines().filter((l) => l.msg === 'backend started' && l.backend === 'good').length >= 2,
      'a new worker for good',
      20_000,
    );

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(find('backend stopped', 'good')).toMatchObject({ level: 30, why: 'manager-stop' });
  }, 90_000);
});

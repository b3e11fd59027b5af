/**
 * A real `haproxy` (Debian's 2.6) on deploy/haproxy.cfg for the tests: only the addresses are the
 * test's (the bind address, the server lines pointing at loopback ports); the health check,
 * stickiness and redispatch rules are the file's own, unless a test asks for plain round robin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../tooling/testing/ports.ts';

const DEPLOY_CFG = new URL('../../../../deploy/haproxy.cfg', import.meta.url).pathname;

export interface Balancer {
  url: string;
  /** HAProxy's runtime API (its admin socket): one command, its answer. */
  admin(command: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * deploy/haproxy.cfg with the test's addresses: `servers` by name → loopback port. `roundRobin`:
 * without the file's stickiness and hashing — each request to the next node, as a balancer with no
 * affinity does.
 */
export async function startHaproxy(
  servers: Record<string, number>,
  options: { roundRobin?: boolean } = {},
): Promise<Balancer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-haproxy-'));
  const socket = join(dir, 'admin.sock');
  const port = freePort();
  let cfg = await Bun.file(DEPLOY_CFG).text();
  cfg = cfg.replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${port}`);
  cfg = cfg.replace(/^global$/m, `global\n  stats socket ${socket} mode 600 level admin`);
  if (options.roundRobin) {
    cfg = cfg
      .replace(/^\s*(stick|stick-table|hash-type) .*$/gm, '')
      .replace(/balance hdr\(authorization\)/, 'balance roundrobin');
  }
  // The file's server lines, kept for the servers the test runs (their check settings as written,
  // a shorter interval so a dead node is seen within a second), the rest dropped.
  cfg = cfg.replace(/^(\s*)server (\S+) \S+:\d+ (.*)$/gm, (_line, indent, name: string, rest: string) =>
    servers[name] === undefined
      ? ''
      : `${indent}server ${name} 127.0.0.1:${servers[name]} ${rest.replace(/inter \S+/, 'inter 300ms')}`,
  );
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, cfg);
  const child = Bun.spawn(['haproxy', '-db', '-f', file], { stdout: 'pipe', stderr: 'pipe', cwd: dir });
  let log = '';
  for (const stream of [child.stdout, child.stderr]) {
    void (async () => {
      for await (const chunk of stream as ReadableStream<Uint8Array>) log += new TextDecoder().decode(chunk);
    })();
  }
  const admin = (command: string) =>
    new Promise<string>((resolve, reject) => {
      let answer = '';
      Bun.connect({
        unix: socket,
        socket: {
          open: (s) => void s.write(`${command}\n`),
          data: (_s, d) => {
            answer += d.toString();
          },
          close: () => resolve(answer),
          error: (_s, e) => reject(e),
          connectError: (_s, e) => reject(e),
        },
      }).catch(reject);
    });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await child.exited;
    await rm(dir, { recursive: true, force: true });
  };
  // Up when its runtime API answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await admin('show info');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy did not start: ${String(error)}\n${log}`);
      }
      await Bun.sleep(50);
    }
  }
  return { url: `http://127.0.0.1:${port}/mcp`, admin, log: () => log, stop };
}

/** Each server's state as HAProxy's health checks see it (`UP`, `DOWN`, …). */
export async function serverStates(balancer: Balancer): Promise<Record<string, string>> {
  const csv = await balancer.admin('show stat');
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (row: string[], name: string) => row[columns.indexOf(name)]!;
  const states: Record<string, string> = {};
  for (const row of rows.map((r) => r.split(','))) {
    if (at(row, 'pxname') === 'switchyard' && !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
      states[at(row, 'svname')] = at(row, 'status');
  }
  return states;
}

export async function untilAsync(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

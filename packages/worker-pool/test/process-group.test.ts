/**
 * Process workers and what they start never outlive the pool: a wrapper that ignores SIGTERM and
 * the end of stdin, with a child that does the same, is gone — both — after `stop()`, and after
 * the pool's own process is killed with SIGKILL.
 */
import { describe, expect, it } from 'vitest';
import type { ProcessPoolOptions } from '../src/index.ts';
import { fixture, isAlive, poolMaker, until } from './helpers.ts';

const make = poolMaker<ProcessPoolOptions>({
  kind: 'process',
  command: process.execPath,
  args: [fixture('forking-server.ts')],
  min: 1,
  max: 1,
  stopGraceMs: 100,
  killGraceMs: 100,
});

describe('process groups', () => {
  it('stop() ends the worker and the child it started (SIGTERM, then SIGKILL to the group)', async () => {
    const pool = make();
    await pool.start();
    const child = (await pool.run('pid')) as number;
    const wrapper = pool.workers()[0]!.pid!;
    expect(child).not.toBe(wrapper);
    expect(isAlive(child) && isAlive(wrapper)).toBe(true);
    await pool.stop();
    await until(() => !isAlive(wrapper) && !isAlive(child), 'the wrapper and its child to be gone', 10_000);
  });

  it('a SIGKILL of the pool’s process takes the worker and its child with it', async () => {
    const host = Bun.spawn([process.execPath, fixture('pool-host.ts')], {
      stdout: 'pipe',
      stderr: 'inherit',
    });
    try {
      const reader = host.stdout.getReader();
      let text = '';
      const deadline = Date.now() + 20_000;
      while (!text.includes('\n') && Date.now() < deadline) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const [wrapper, child] = text.trim().split(' ').map(Number) as [number, number];
      expect(isAlive(wrapper) && isAlive(child)).toBe(true);
      host.kill('SIGKILL');
      await host.exited;
      await until(() => !isAlive(wrapper) && !isAlive(child), 'the wrapper and its child to be gone', 10_000);
    } finally {
      if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
    }
  });
});

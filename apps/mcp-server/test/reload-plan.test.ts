import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../src/config/load.ts';
import { planReload, reportOf } from '../src/gateway/reload.ts';

const parse = (value: unknown) =>
  parseConfigValue(value as never, { source: 'test', baseDir: '/tmp', env: {} });

describe('planReload', () => {
  it('sorts backends into added, removed, replaced and unchanged, and names settings that need a restart', () => {
    const before = parse({
      mcpServers: { keep: { command: 'a' }, change: { command: 'b' }, drop: { command: 'c' } },
      switchyard: { listen: { port: 7000 } },
    });
    const after = parse({
      mcpServers: {
        keep: { command: 'a' },
        change: { command: 'b', args: ['--new'] },
        add: { url: 'http://127.0.0.1:1/mcp' },
      },
      switchyard: { listen: { port: 7001 } },
    });
    expect(reportOf(planReload(before, after))).toEqual({
      added: ['add'],
      removed: ['drop'],
      replaced: ['change'],
      unchanged: ['keep'],
      restartNeeded: ['switchyard.listen'],
      applied: [],
    });
  });

  it('finds nothing to do in the same file', () => {
    const config = parse({ mcpServers: { a: { command: 'a', tier: 'hot' } } });
    const plan = planReload(config, parse({ mcpServers: { a: { command: 'a', tier: 'hot' } } }));
    expect(reportOf(plan)).toEqual({
      added: [],
      removed: [],
      replaced: [],
      unchanged: ['a'],
      restartNeeded: [],
      applied: [],
    });
  });

  it('applies a changed policy at once, while other settings wait for a restart', () => {
    const before = parse({ mcpServers: {}, switchyard: { listen: { port: 7000 } } });
    const after = parse({
      mcpServers: {},
      switchyard: { listen: { port: 7001 }, policy: { rules: [{ id: 'r', effect: 'deny', tools: ['x'] }] } },
    });
    expect(reportOf(planReload(before, after))).toMatchObject({
      restartNeeded: ['switchyard.listen'],
      applied: ['switchyard.policy'],
    });
  });
});

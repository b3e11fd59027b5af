/**
 * A backend whose every call fails opens its circuit breaker: the next calls are refused at once
 * with an error naming the backend and when to come back, `/readyz` gives the reason, and other
 * backends go on serving. Real gateway, real stdio backends (the flaky fixture), the SDK client.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { connectClient, fixtureEntry, startInProcess, tempDir } from './support/gateway.ts';

const FLAKY = new URL('../../../tooling/fixtures/mcp/flaky-server.ts', import.meta.url).pathname;

async function failureOf(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('the circuit breaker of a backend whose calls fail', () => {
  it('opens after ≥ 50 % of ≥ 20 calls failed: calls fail fast with the reason and retry time, /readyz says why', async () => {
    const { url, origin } = await startInProcess({
      mcpServers: {
        down: { command: process.execPath, args: [FLAKY, '--name', 'down', '--fail', 'all'], tier: 'hot' },
        fine: fixtureEntry('fine', { tier: 'hot' }),
      },
    });
    const client = await connectClient(url);
    const readyz = async () =>
      (await (await fetch(`${origin}/readyz`)).json()) as {
        ready: boolean;
        backends: { name: string; breaker?: string; reason?: string }[];
      };

    // Every call fails (the backend's own JSON-RPC error reaches the client) until 20 calls were
    // seen in the window — the gateway's own tools/list counts among them — and ≥ 50 % failed.
    let failed = 0;
    let refused: McpError | undefined;
    while (refused === undefined && failed < 25) {
      const e = await failureOf(client.callTool({ name: 'down__pid', arguments: {} }));
      if (e.message.includes('failing as asked')) failed++;
      else refused = e;
    }
    expect(failed).toBeGreaterThanOrEqual(19);
    expect(failed).toBeLessThanOrEqual(20);
    expect(refused!.message).toMatch(
      /Backend "down" is unavailable: circuit open, retry after (9|10) s \(its calls failed at a high rate\)/,
    );
    expect(refused!.data).toMatchObject({ backend: 'down', circuit: 'open' });
    const retryAfterMs = (refused!.data as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(10_000);
    // Still refused at once while open (the backend is not sent the call).
    const again = await failureOf(client.callTool({ name: 'down__pid', arguments: {} }));
    expect(again.message).toContain('circuit open, retry after');

    const body = await readyz();
    const down = body.backends.find((b) => b.name === 'down')!;
    expect(down.breaker).toBe('open');
    expect(down.reason).toMatch(/circuit open: its calls failed at a high rate; a probe call in \d+ s/);
    expect(body.ready).toBe(true); // the node still serves its other backends
    expect(body.backends.find((b) => b.name === 'fine')!.breaker).toBeUndefined();

    const echoed = (await client.callTool({ name: 'fine__echo', arguments: { text: 'still here' } })) as {
      content: { text: string }[];
    };
    expect(echoed.content[0]!.text).toBe('still here');
  });

  it('takes its figures from resilience.breaker, and a probe after the cooldown closes it once the backend recovers', async () => {
    const healed = join(await tempDir(), 'healed');
    const { url, origin } = await startInProcess({
      mcpServers: {
        down: {
          command: process.execPath,
          args: [FLAKY, '--name', 'down', '--fail', 'all', '--heal-marker', healed],
          tier: 'hot',
          resilience: { outlier: false, breaker: { minimumCalls: 4, cooldownMs: 1000 } },
        },
      },
    });
    const client = await connectClient(url);
    const call = async () => {
      try {
        const r = (await client.callTool({ name: 'down__pid', arguments: {} })) as {
          content: { text: string }[];
        };
        return `ok ${r.content[0]!.text}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    let failed = 0;
    let answer = await call();
    while (answer.includes('failing as asked') && failed < 10) {
      failed++;
      answer = await call();
    }
    expect(failed).toBeLessThanOrEqual(4); // the gateway's tools/list counts among the 4 calls
    expect(answer).toContain('Backend "down" is unavailable: circuit open, retry after 1 s');

    writeFileSync(healed, 'ok\n');
    // After the cooldown one probe goes through; it succeeds, and the breaker closes.
    await expect.poll(call, { timeout: 10_000, interval: 100 }).toMatch(/^ok \d+$/);
    expect(await call()).toMatch(/^ok \d+$/);
    const body = (await (await fetch(`${origin}/readyz`)).json()) as {
      backends: { name: string; breaker?: string; reason?: string }[];
    };
    expect(body.backends.find((b) => b.name === 'down')).not.toHaveProperty('breaker');
  });

  it('a tool’s isError result is its own answer, not a failure of the backend', async () => {
    const { url, gateway } = await startInProcess({
      mcpServers: {
        tool: {
          command: process.execPath,
          args: [FLAKY, '--name', 'tool'],
          tier: 'hot',
          resilience: { breaker: { minimumCalls: 4 } },
        },
      },
    });
    const client = await connectClient(url);
    for (let i = 0; i < 6; i++) {
      const r = (await client.callTool({ name: 'tool__oops', arguments: {} })) as { isError?: boolean };
      expect(r.isError).toBe(true);
    }
    expect(gateway.manager.stats().backends.tool).toMatchObject({ breaker: 'closed', callFailures: 0 });
  });
});

describe('outlier ejection behind the gateway', () => {
  it('a shared backend’s worker that fails its calls is left out: after resilience.outlier.consecutiveFailures the calls are served by the other', async () => {
    const claim = join(await tempDir(), 'claim');
    const { url, origin, gateway } = await startInProcess({
      mcpServers: {
        pair: {
          command: process.execPath,
          args: [FLAKY, '--name', 'pair', '--fail', 'all', '--fail-claim', claim],
          tier: 'hot',
          replicas: { min: 2, max: 2 },
          resilience: { outlier: { consecutiveFailures: 2 }, breaker: false },
        },
      },
    });
    // Two sessions: each is bound to its own worker (the least busy, then the one fewer sessions
    // are bound to), so one of them meets the bad worker.
    const clients = [await connectClient(url), await connectClient(url)];
    const results: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (const client of clients) {
        try {
          const r = (await client.callTool({ name: 'pair__pid', arguments: {} })) as {
            content: { text: string }[];
          };
          results.push(`ok ${r.content[0]!.text}`);
        } catch (e) {
          results.push((e as Error).message);
        }
      }
    }
    // The bad worker's session failed twice in a row; then it was moved to the healthy worker.
    expect(results.filter((r) => r.includes('failing as asked'))).toHaveLength(2);
    expect(results.slice(4).every((r) => r.startsWith('ok '))).toBe(true);
    expect(new Set(results.slice(4)).size).toBe(1); // one worker serves both sessions
    expect(gateway.manager.stats().backends.pair).toMatchObject({ ejectedWorkers: 1, ejections: 1 });
    const body = (await (await fetch(`${origin}/readyz`)).json()) as {
      backends: { name: string; ejectedWorkers?: number }[];
    };
    expect(body.backends.find((b) => b.name === 'pair')!.ejectedWorkers).toBe(1);
  });
});

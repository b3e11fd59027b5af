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
});

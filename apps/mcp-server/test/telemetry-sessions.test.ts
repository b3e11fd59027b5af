/**
 * `mcp.server.session.duration` through a real gateway: each 2025 session that ends here — by the
 * client's DELETE, by idle expiry, at the gateway's stop — is one observation, exported over
 * OTLP/HTTP to a receiver the test runs and on `/metrics`, by protocol version and how it ended.
 */
import {
  ATTR_MCP_PROTOCOL_VERSION,
  METRIC_MCP_SERVER_SESSION_DURATION,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { connectClient, serveGateway, tempDir } from './support/gateway.ts';
import { attr, type OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver.ts';

const TRACE_FIXTURE = new URL('./fixtures/trace-server.ts', import.meta.url).pathname;

function config(receiver: OtlpReceiver, sessions: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mcpServers: { tr: { command: process.execPath, args: [TRACE_FIXTURE], tier: 'hot' } },
    switchyard: { telemetry: { enabled: true, endpoint: receiver.endpoint }, sessions },
  };
}

/** The session-duration points exported so far: count by `switchyard.session.end`. */
function exported(receiver: OtlpReceiver): Record<string, number> {
  const counts: Record<string, number> = {};
  // Cumulative temporality: the newest export of each point holds its total.
  for (const metric of receiver.metrics().filter((m) => m.name === METRIC_MCP_SERVER_SESSION_DURATION)) {
    for (const point of metric.histogram?.dataPoints ?? []) {
      expect(attr(point.attributes, ATTR_MCP_PROTOCOL_VERSION)).toMatch(/^2025-/);
      counts[String(attr(point.attributes, 'switchyard.session.end'))] = Number(point.count);
    }
  }
  return counts;
}

/** `/metrics`' mcp_server_session_duration_seconds counts by end. */
async function scraped(origin: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^mcp_server_session_duration_seconds_count\{(.*)\} (\d+)$/.exec(line);
    if (!m) continue;
    expect(m[1]).toMatch(/mcp_protocol_version="2025-/);
    const end = /switchyard_session_end="([a-z]+)"/.exec(m[1]!)?.[1];
    counts[end!] = Number(m[2]);
  }
  return counts;
}

describe('mcp.server.session.duration', () => {
  it('a DELETE and a stop are each one observation, over OTLP and on /metrics', {
    timeout: 40_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const served = await serveGateway(config(receiver), await tempDir());
    try {
      const deleted = await connectClient(served.url);
      await (deleted.transport as unknown as { terminateSession(): Promise<void> }).terminateSession();
      await connectClient(served.url);
      await connectClient(served.url);
      expect(await scraped(served.origin)).toEqual({ deleted: 1 });
      await served.gateway.telemetry?.flush();
      expect(exported(receiver)).toEqual({ deleted: 1 });
    } finally {
      await served.stop();
    }
    // The stop ended the two others; its last export carries them.
    expect(exported(receiver)).toEqual({ deleted: 1, shutdown: 2 });
    const metric = receiver.metrics().find((m) => m.name === METRIC_MCP_SERVER_SESSION_DURATION);
    expect(metric?.unit).toBe('s');
  });

  it('a session left idle past sessions.idleTimeoutMs is observed as expired', {
    timeout: 40_000,
  }, async () => {
    const receiver = startOtlpReceiver();
    const served = await serveGateway(config(receiver, { idleTimeoutMs: 1_000 }), await tempDir());
    try {
      await connectClient(served.url);
      // The sweeper ends it within a pass or two (every second here).
      await expect
        .poll(() => scraped(served.origin), { timeout: 20_000, interval: 200 })
        .toEqual({ expired: 1 });
      await served.gateway.telemetry?.flush();
      expect(exported(receiver)).toEqual({ expired: 1 });
    } finally {
      await served.stop();
    }
  });
});

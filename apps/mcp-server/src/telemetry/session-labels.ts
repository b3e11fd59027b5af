/**
 * The attributes of `mcp.server.session.duration` for one 2025 session that ended here, shared by
 * the OpenTelemetry histogram and its Prometheus twin (dots as underscores), bounded: the protocol
 * version is one the gateway negotiates (three), the end one of `SessionEndReason`'s four.
 */
import type { SessionEnd } from '@switchyard/coordinator';
import { ATTR_MCP_PROTOCOL_VERSION, ATTR_SWITCHYARD_SESSION_END } from './attributes.ts';
import { MCP_DURATION_BUCKETS } from './operation-labels.ts';

/**
 * Session durations, seconds: the conventions' advice (10 ms … 5 min), then on to a day — MCP
 * sessions often outlive five minutes, and a histogram whose every count is in `+Inf` says nothing.
 */
export const SESSION_DURATION_BUCKETS: readonly number[] = [
  ...MCP_DURATION_BUCKETS,
  600,
  1_800,
  3_600,
  14_400,
  86_400,
];

export interface SessionLabels {
  [ATTR_MCP_PROTOCOL_VERSION]: string;
  /** deleted, expired, shutdown or relinquished. */
  [ATTR_SWITCHYARD_SESSION_END]: string;
}

export function sessionLabels(end: SessionEnd): SessionLabels {
  return {
    [ATTR_MCP_PROTOCOL_VERSION]: end.protocolVersion,
    [ATTR_SWITCHYARD_SESSION_END]: end.reason,
  };
}

/** How long the session lasted here, seconds. */
export function sessionSeconds(end: SessionEnd): number {
  return Math.max(0, end.endedAt - end.openedAt) / 1000;
}

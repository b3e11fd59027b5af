/**
 * The attributes of `mcp.server.operation.duration` for one finished request, shared by the
 * OpenTelemetry histogram and its Prometheus twin (where dots become underscores), bounded: the
 * method is one the gateway serves or `other`, the tool one of the catalogue (`ToolLabels`), the
 * backend a configured one or `""`, the outcome one of the audit trail's five.
 */
import type { RecentCall } from '../gateway/activity.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_SWITCHYARD_BACKEND,
  ATTR_SWITCHYARD_OUTCOME,
} from './attributes.ts';
import { OTHER, type ToolLabels } from './labels.ts';

/** The buckets the conventions advise for MCP durations, seconds. */
export const MCP_DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
];

export const OUTCOMES: ReadonlySet<string> = new Set(['ok', 'error', 'timeout', 'cancelled', 'rejected']);

export interface OperationLabels {
  [ATTR_MCP_METHOD_NAME]: string;
  /** `""` when the method names no tool. */
  [ATTR_GEN_AI_TOOL_NAME]: string;
  /** `""` when no backend served it. */
  [ATTR_SWITCHYARD_BACKEND]: string;
  [ATTR_SWITCHYARD_OUTCOME]: string;
  /** `""` when it went well. */
  [ATTR_ERROR_TYPE]: string;
}

/** `methods`: the methods counted under their own name (metrics.ts's `KNOWN_METHODS`). */
export function operationLabels(
  call: RecentCall,
  tools: ToolLabels,
  methods: ReadonlySet<string>,
): OperationLabels {
  const method = methods.has(call.method) ? call.method : OTHER;
  const outcome = OUTCOMES.has(call.outcome) ? call.outcome : OTHER;
  return {
    [ATTR_MCP_METHOD_NAME]: method,
    [ATTR_GEN_AI_TOOL_NAME]:
      call.method === 'tools/call' && call.name !== null ? tools.of(call.name, call.backend) : '',
    [ATTR_SWITCHYARD_BACKEND]: call.backend ?? '',
    [ATTR_SWITCHYARD_OUTCOME]: outcome,
    [ATTR_ERROR_TYPE]: outcome === 'ok' ? '' : outcome,
  };
}

/** The labels as OpenTelemetry attributes: the empty ones left out. */
export function asAttributes(labels: OperationLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (value !== '') out[key] = value;
  return out;
}

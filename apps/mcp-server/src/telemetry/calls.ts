/**
 * The coordinator's `CallTracing` over OpenTelemetry: for each routed call made under a server
 * span (see `front.ts`), the children
 *
 *     switchyard.backend.acquire    waiting for a place in the backend's admission queue and a ready
 *                                   worker (≥ 10 ms, or a cold start, or the call ended waiting)
 *       switchyard.backend.start    a cold start: the worker's spawn → ready, as multi-tier reported it
 *     {method} {name}  (CLIENT)     the request on the backend, from send to answer
 *                                   (`switchyard.backend.start`: cold | warm)
 *
 * and the CLIENT span's `traceparent` (and `tracestate`) for the `_meta` of the message to the
 * backend. A call made outside a server span (the stdio front door, the gateway's own work) is
 * not traced.
 */
import {
  type Context,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type {
  CallTrace,
  CallTracing,
  JsonObject,
  JsonRpcResponse,
  TracedCall,
} from '@switchyard/coordinator';
import type { AuditOutcome } from '@switchyard/journal';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_SWITCHYARD_ACQUIRE_WAIT_MS,
  ATTR_SWITCHYARD_BACKEND,
  ATTR_SWITCHYARD_BACKEND_START,
  ATTR_SWITCHYARD_BACKEND_START_MS,
  ATTR_SWITCHYARD_OUTCOME,
  ATTR_SWITCHYARD_WORKER,
} from './attributes.ts';
import { activeTrace } from './context.ts';
import { markRpcError } from './rpc-error.ts';
import { traceMeta } from './trace-meta.ts';

/**
 * Waits shorter than this (ms) make no span of their own: the CLIENT span carries every wait as
 * `switchyard.backend.acquire.wait_ms`. A loaded gateway's calls
 * wait a millisecond or so for a slot most of the time, and a span for each such wait cost as much
 * again as the call's two spans of the conventions (measured: 3.4 spans a call at 1 ms).
 */
export const MIN_WAIT_MS = 10;

/** When a worker became ready, and how long its start took (ms). */
interface Readiness {
  at: number;
  startMs: number;
}

export class OtelCallTracing implements CallTracing {
  /** Workers by channel id (`backend#workerId`), while they live. */
  private readonly ready = new Map<string, Readiness>();
  /**
   * The trace id of the sampled call that ended last, until `traceIdOf` takes it: the coordinator
   * tells a call's trace of its end and, at once and synchronously, the audit of the same call.
   */
  endedTraceId: string | undefined;

  constructor(
    readonly tracer: Tracer,
    readonly now: () => number = Date.now,
  ) {}

  /** multi-tier's `worker-ready`. */
  workerReady(backend: string, workerId: number, startMs: number): void {
    this.ready.set(`${backend}#${workerId}`, { at: this.now(), startMs });
  }

  /** multi-tier's `worker-stopped` / `worker-died`. */
  workerGone(backend: string, workerId: number): void {
    this.ready.delete(`${backend}#${workerId}`);
  }

  /**
   * The trace id of the request an audit entry records, if it was sampled (the dashboard's recent
   * calls): a routed call's own (it ended just now); else — the gateway answered the request
   * itself, in its handling — the trace the request is served in.
   */
  traceIdOf(entry: { backend?: string | null }): string | undefined {
    const ended = this.endedTraceId;
    this.endedTraceId = undefined;
    if (ended !== undefined || (entry.backend ?? null) !== null) return ended;
    const active = activeTrace();
    const span = active && trace.getSpanContext(active);
    return span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0 ? span.traceId : undefined;
  }

  readinessOf(worker: string): Readiness | undefined {
    return this.ready.get(worker);
  }

  start(call: TracedCall): CallTrace | undefined {
    const parent = activeTrace();
    if (parent === undefined) return undefined;
    // A trace not sampled records nothing: the backend only gets its (unsampled) context to continue.
    const span = trace.getSpan(parent);
    if (span?.isRecording() !== true) return new UnsampledCallTrace(span?.spanContext());
    return new OtelCallTrace(this, call, parent);
  }
}

/** A call of a trace not sampled: no spans, the server span's context passed on to the backend. */
class UnsampledCallTrace implements CallTrace {
  constructor(private readonly parent: SpanContext | undefined) {}

  admitted(): void {}

  leased(): JsonObject | undefined {
    return traceMeta(this.parent);
  }

  ended(): void {}
}

class OtelCallTrace implements CallTrace {
  /**
   * When the call began to wait for its backend (a place in its admission queue, then a worker:
   * one acquire, which the coordinator starts as it admits the call), until a worker is leased, ms.
   */
  private acquireSince: number | undefined;
  private client: Span | undefined;
  /** How long the call waited for its backend, ms. */
  private acquireWaitMs = 0;

  constructor(
    private readonly owner: OtelCallTracing,
    private readonly call: TracedCall,
    private readonly parent: Context,
  ) {}

  admitted(): void {
    this.acquireSince = this.owner.now();
  }

  leased(worker: string): JsonObject | undefined {
    const { tracer } = this.owner;
    const { method, name, backend, requestId } = this.call;
    const attributes: Record<string, string | number> = {
      [ATTR_MCP_METHOD_NAME]: method,
      [ATTR_JSONRPC_REQUEST_ID]: String(requestId),
      [ATTR_SWITCHYARD_BACKEND]: backend,
      [ATTR_SWITCHYARD_WORKER]: worker,
    };
    if (this.acquireSince !== undefined) {
      const readiness = this.owner.readinessOf(worker);
      const cold = readiness !== undefined && readiness.at >= this.acquireSince;
      attributes[ATTR_SWITCHYARD_BACKEND_START] = cold ? 'cold' : 'warm';
      const now = this.owner.now();
      this.acquireWaitMs = now - this.acquireSince;
      const acquire = this.waited(
        'switchyard.backend.acquire',
        this.acquireSince,
        now,
        cold ? worker : undefined,
      );
      if (cold && acquire) {
        tracer
          .startSpan(
            'switchyard.backend.start',
            {
              kind: SpanKind.INTERNAL,
              startTime: readiness.at - readiness.startMs,
              attributes: {
                [ATTR_SWITCHYARD_BACKEND]: backend,
                [ATTR_SWITCHYARD_WORKER]: worker,
                [ATTR_SWITCHYARD_BACKEND_START_MS]: readiness.startMs,
              },
            },
            trace.setSpan(this.parent, acquire),
          )
          .end(readiness.at);
        acquire.end();
      }
      this.acquireSince = undefined;
    }
    // A second attempt (the first worker died): the first attempt's span ends here.
    this.client?.end();
    attributes[ATTR_SWITCHYARD_ACQUIRE_WAIT_MS] = this.acquireWaitMs;
    if (method === 'tools/call' && name !== null) {
      attributes[ATTR_GEN_AI_TOOL_NAME] = name;
      attributes[ATTR_GEN_AI_OPERATION_NAME] = 'execute_tool';
    }
    const spanName =
      name !== null && (method === 'tools/call' || method === 'prompts/get') ? `${method} ${name}` : method;
    const client = tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes }, this.parent);
    this.client = client;
    return traceMeta(client.spanContext());
  }

  /**
   * A wait of the call as a span, made after the fact — only when it lasted `MIN_WAIT_MS` (a
   * shorter one is only an attribute of the CLIENT span). `open` (the worker started for it): the
   * span is returned unended, for its child.
   */
  private waited(name: string, from: number, to: number, open: string | undefined): Span | undefined {
    if (to - from < MIN_WAIT_MS && open === undefined) return undefined;
    const span = this.owner.tracer.startSpan(
      name,
      {
        kind: SpanKind.INTERNAL,
        startTime: from,
        attributes: { [ATTR_SWITCHYARD_BACKEND]: this.call.backend },
      },
      this.parent,
    );
    if (open === undefined) span.end(to);
    return span;
  }

  ended(outcome: AuditOutcome, message: JsonRpcResponse | undefined, error: string | undefined): void {
    this.owner.endedTraceId = trace.getSpanContext(this.parent)?.traceId;
    // Ended while still waiting (refused, timed out, cancelled): the wait is a span, marked.
    const waiting = this.acquireSince;
    if (waiting !== undefined) {
      const now = this.owner.now();
      const span = this.owner.tracer.startSpan(
        'switchyard.backend.acquire',
        {
          kind: SpanKind.INTERNAL,
          startTime: waiting,
          attributes: { [ATTR_SWITCHYARD_BACKEND]: this.call.backend, [ATTR_ERROR_TYPE]: outcome },
        },
        this.parent,
      );
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error !== undefined && { message: error }) });
      span.end(now);
      this.acquireSince = undefined;
    }
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    client.setAttribute(ATTR_SWITCHYARD_OUTCOME, outcome);
    if (message !== undefined && 'error' in message) {
      markRpcError(client, message.error);
    } else if (outcome !== 'ok') {
      client.setAttribute(ATTR_ERROR_TYPE, outcome);
      client.setStatus({ code: SpanStatusCode.ERROR, ...(error !== undefined && { message: error }) });
    }
    client.end();
  }
}

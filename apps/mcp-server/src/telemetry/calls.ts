/**
 * The coordinator's `CallTracing` over OpenTelemetry: for each routed call made under a server
 * span (see `front.ts`), the children
 *
 *     switchyard.admission          waiting for the backend's admission permit
 *     switchyard.backend.acquire    waiting for a ready worker (`switchyard.backend.start`: cold | warm)
 *       switchyard.backend.start    a cold start: the worker's spawn → ready, as multi-tier reported it
 *     {method} {name}  (CLIENT)     the request on the backend, from send to answer
 *
 * and the CLIENT span's `traceparent` (and `tracestate`) for the `_meta` of the message to the
 * backend. A call made outside a server span (the stdio front door, the gateway's own work) is
 * not traced.
 */
import {
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
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
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SWITCHYARD_BACKEND,
  ATTR_SWITCHYARD_BACKEND_START,
  ATTR_SWITCHYARD_BACKEND_START_MS,
  ATTR_SWITCHYARD_OUTCOME,
  ATTR_SWITCHYARD_WORKER,
} from './attributes.ts';
import { activeTrace } from './context.ts';

const metaSetter: TextMapSetter<JsonObject> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** When a worker became ready, and how long its start took (ms). */
interface Readiness {
  at: number;
  startMs: number;
}

export class OtelCallTracing implements CallTracing {
  /** Workers by channel id (`backend#workerId`), while they live. */
  private readonly ready = new Map<string, Readiness>();

  constructor(
    readonly tracer: Tracer,
    readonly propagator: W3CTraceContextPropagator,
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

  readinessOf(worker: string): Readiness | undefined {
    return this.ready.get(worker);
  }

  start(call: TracedCall): CallTrace | undefined {
    const parent = activeTrace();
    if (parent === undefined) return undefined;
    // A trace not sampled records nothing: the backend only gets its (unsampled) context to continue.
    if (trace.getSpan(parent)?.isRecording() !== true) return new UnsampledCallTrace(this.propagator, parent);
    return new OtelCallTrace(this, call, parent);
  }
}

/** A call of a trace not sampled: no spans, the server span's context passed on to the backend. */
class UnsampledCallTrace implements CallTrace {
  constructor(
    private readonly propagator: W3CTraceContextPropagator,
    private readonly parent: Context,
  ) {}

  admitted(): void {}

  leased(): JsonObject | undefined {
    const carrier: JsonObject = {};
    this.propagator.inject(this.parent, carrier, metaSetter);
    return carrier;
  }

  ended(): void {}
}

class OtelCallTrace implements CallTrace {
  private admission: Span | undefined;
  private acquire: Span | undefined;
  private acquireSince = 0;
  private client: Span | undefined;

  constructor(
    private readonly owner: OtelCallTracing,
    private readonly call: TracedCall,
    private readonly parent: Context,
  ) {
    this.admission = owner.tracer.startSpan(
      'switchyard.admission',
      { kind: SpanKind.INTERNAL, attributes: { [ATTR_SWITCHYARD_BACKEND]: call.backend } },
      parent,
    );
  }

  admitted(): void {
    this.admission?.end();
    this.admission = undefined;
    this.acquireSince = this.owner.now();
    this.acquire = this.owner.tracer.startSpan(
      'switchyard.backend.acquire',
      { kind: SpanKind.INTERNAL, attributes: { [ATTR_SWITCHYARD_BACKEND]: this.call.backend } },
      this.parent,
    );
  }

  leased(worker: string): JsonObject | undefined {
    const { tracer, propagator } = this.owner;
    if (this.acquire) {
      const readiness = this.owner.readinessOf(worker);
      const cold = readiness !== undefined && readiness.at >= this.acquireSince;
      this.acquire.setAttribute(ATTR_SWITCHYARD_BACKEND_START, cold ? 'cold' : 'warm');
      this.acquire.setAttribute(ATTR_SWITCHYARD_WORKER, worker);
      if (cold) {
        this.acquire.setAttribute(ATTR_SWITCHYARD_BACKEND_START_MS, readiness.startMs);
        tracer
          .startSpan(
            'switchyard.backend.start',
            {
              kind: SpanKind.INTERNAL,
              startTime: readiness.at - readiness.startMs,
              attributes: {
                [ATTR_SWITCHYARD_BACKEND]: this.call.backend,
                [ATTR_SWITCHYARD_WORKER]: worker,
                [ATTR_SWITCHYARD_BACKEND_START_MS]: readiness.startMs,
              },
            },
            trace.setSpan(this.parent, this.acquire),
          )
          .end(readiness.at);
      }
      this.acquire.end();
      this.acquire = undefined;
    }
    // A second attempt (the first worker died): the first attempt's span ends here.
    this.client?.end();
    const { method, name, backend, requestId } = this.call;
    const attributes: Record<string, string> = {
      [ATTR_MCP_METHOD_NAME]: method,
      [ATTR_JSONRPC_REQUEST_ID]: String(requestId),
      [ATTR_SWITCHYARD_BACKEND]: backend,
      [ATTR_SWITCHYARD_WORKER]: worker,
    };
    if (method === 'tools/call' && name !== null) {
      attributes[ATTR_GEN_AI_TOOL_NAME] = name;
      attributes[ATTR_GEN_AI_OPERATION_NAME] = 'execute_tool';
    }
    const spanName =
      name !== null && (method === 'tools/call' || method === 'prompts/get') ? `${method} ${name}` : method;
    const client = tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes }, this.parent);
    this.client = client;
    const carrier: JsonObject = {};
    propagator.inject(trace.setSpan(this.parent, client), carrier, metaSetter);
    return carrier;
  }

  ended(outcome: AuditOutcome, message: JsonRpcResponse | undefined, error: string | undefined): void {
    for (const span of [this.admission, this.acquire]) {
      if (!span) continue;
      span.setAttribute(ATTR_ERROR_TYPE, outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error !== undefined && { message: error }) });
      span.end();
    }
    this.admission = undefined;
    this.acquire = undefined;
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    client.setAttribute(ATTR_SWITCHYARD_OUTCOME, outcome);
    if (message !== undefined && 'error' in message) {
      const code = String(message.error.code);
      client.setAttribute(ATTR_ERROR_TYPE, code);
      client.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, code);
      client.setStatus({ code: SpanStatusCode.ERROR, message: message.error.message });
    } else if (outcome !== 'ok') {
      client.setAttribute(ATTR_ERROR_TYPE, outcome);
      client.setStatus({ code: SpanStatusCode.ERROR, ...(error !== undefined && { message: error }) });
    }
    client.end();
  }
}

/**
 * The server span of each client request and notification at the front doors — HTTP and stdio,
 * both eras — after the OpenTelemetry conventions for MCP: named `{mcp.method.name} {target}` (the
 * tool or prompt), kind SERVER, continuing the caller's trace — from `params._meta.traceparent`
 * (SEP-414), else from the HTTP `traceparent` header — and ended when the request's response is
 * sent (or its stream ends without one), a notification's when it is handled. The coordinator's
 * handling runs inside the span's context (`context.ts`), so the spans of the routed call are its
 * children.
 *
 * Responses (to the gateway's requests) and 2025-03-26 batches are not traced.
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
} from '@opentelemetry/api';
import {
  isJsonObject,
  isRequestId,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type Outcome,
  PROTOCOL_VERSION_META_KEY,
} from '@switchyard/coordinator';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
} from './attributes.ts';
import { runTraced } from './context.ts';
import { markRpcError } from './rpc-error.ts';
import type { TelemetrySdk } from './sdk.ts';
import { withSpan } from './span-in-context.ts';

/** What the front door knows of the request a message came in. */
export interface FrontFacts {
  /** The HTTP request's header by name (case-insensitive); stdio: none. */
  header(name: string): string | null;
  /** The front session named by `Mcp-Session-Id` (stdio: the session of the process), if any. */
  sessionId?: string | undefined;
  /** `stdio`: the message came on stdin (`network.transport` pipe). Default: HTTP. */
  transport?: 'stdio';
  /** The protocol version in use, where no `Mcp-Protocol-Version` header says (stdio). */
  protocolVersion?: string | undefined;
}

const SERVER_SPAN = { kind: SpanKind.SERVER } as const;

const metaGetter: TextMapGetter<JsonObject> = {
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
  keys: (carrier) => Object.keys(carrier),
};

const headerGetter: TextMapGetter<FrontFacts> = {
  get: (facts, key) => facts.header(key) ?? undefined,
  keys: () => ['traceparent', 'tracestate'],
};

/** The span's name; the attributes of its target (tool, prompt, resource) set on `span`. */
function targetOf(method: string, params: JsonObject | undefined, span: Span): string {
  const name = typeof params?.name === 'string' ? params.name : undefined;
  if (method === 'tools/call' && name !== undefined) {
    span.setAttribute(ATTR_GEN_AI_TOOL_NAME, name);
    span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
    return `${method} ${name}`;
  }
  if (method === 'prompts/get' && name !== undefined) {
    span.setAttribute(ATTR_GEN_AI_PROMPT_NAME, name);
    return `${method} ${name}`;
  }
  if (typeof params?.uri === 'string' && method.startsWith('resources/')) {
    span.setAttribute(ATTR_MCP_RESOURCE_URI, params.uri);
  }
  return method;
}

export class FrontTracing {
  constructor(private readonly sdk: TelemetrySdk) {}

  /** Runs `handle` (the coordinator's handling of `message`) under the request's server span. */
  serve(message: unknown, facts: FrontFacts, handle: () => Promise<Outcome>): Promise<Outcome> {
    if (!isJsonObject(message) || typeof message.method !== 'string') return handle();
    const { method } = message;
    const params = isJsonObject(message.params) ? message.params : undefined;
    const meta = isJsonObject(params?._meta) ? params._meta : undefined;
    // The caller's context: its _meta first (it names this very request), else the HTTP header.
    const parent =
      meta !== undefined && typeof meta.traceparent === 'string'
        ? this.sdk.propagator.extract(ROOT_CONTEXT, meta, metaGetter)
        : facts.header('traceparent') !== null
          ? this.sdk.propagator.extract(ROOT_CONTEXT, facts, headerGetter)
          : ROOT_CONTEXT;
    // Named by its method until it is known to record (the samplers do not read the name): a span
    // not recorded gets no name built for it.
    const span = this.sdk.tracer.startSpan(method, SERVER_SPAN, parent);
    const context: Context = withSpan(parent, span);
    // A span not sampled records nothing, and its end does nothing: the handling only needs its
    // context (for the backend's traceparent), not a frame awaiting the outcome or a watched stream.
    if (!span.isRecording()) return runTraced(context, handle);
    // The attributes are set once the span is known to record (none are made for a span that does
    // not), each straight onto the span: no object of them made first and copied.
    span.updateName(setAttributes(span, message, method, params, meta, facts));
    return this.recorded(span, context, handle);
  }

  /** `handle` under the recording server `span`, ended when the client has its answer. */
  private async recorded(span: Span, context: Context, handle: () => Promise<Outcome>): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await runTraced(context, handle);
    } catch (error) {
      span.recordException(error as Error);
      span.setAttribute(ATTR_ERROR_TYPE, (error as Error)?.name ?? 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    }
    switch (outcome.kind) {
      case 'response':
        if (outcome.sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, outcome.sessionId);
        finish(span, outcome.message);
        return outcome;
      case 'session-not-found':
        finish(span, outcome.message);
        return outcome;
      case 'accepted':
        finish(span, undefined);
        return outcome;
      case 'stream':
        return { kind: 'stream', messages: new Watched(outcome.messages, span) };
    }
  }
}

/** The conventions' attributes of a message's server span, set on it; answers the span's name. */
function setAttributes(
  span: Span,
  message: JsonObject,
  method: string,
  params: JsonObject | undefined,
  meta: JsonObject | undefined,
  facts: FrontFacts,
): string {
  if (facts.transport === 'stdio') span.setAttribute(ATTR_NETWORK_TRANSPORT, 'pipe');
  else {
    span.setAttribute(ATTR_NETWORK_TRANSPORT, 'tcp');
    span.setAttribute(ATTR_NETWORK_PROTOCOL_NAME, 'http');
  }
  span.setAttribute(ATTR_MCP_METHOD_NAME, method);
  if (isRequestId(message.id)) span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(message.id));
  const version =
    method === 'initialize' && typeof params?.protocolVersion === 'string'
      ? params.protocolVersion
      : (facts.header('mcp-protocol-version') ??
        (typeof meta?.[PROTOCOL_VERSION_META_KEY] === 'string'
          ? meta[PROTOCOL_VERSION_META_KEY]
          : undefined) ??
        facts.protocolVersion);
  if (version !== undefined) span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, version);
  if (facts.sessionId !== undefined) span.setAttribute(ATTR_MCP_SESSION_ID, facts.sessionId);
  return targetOf(method, params, span);
}

/** Ends the server span with what the client was answered (`undefined`: nothing). */
function finish(span: Span, response: JsonRpcResponse | undefined): void {
  if (response !== undefined && 'error' in response) {
    markRpcError(span, response.error);
  } else if (response !== undefined && isJsonObject(response.result) && response.result.isError === true) {
    span.setAttribute(ATTR_ERROR_TYPE, 'tool_error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * `source`, ending the server span once: at its response (the request is answered), or when it
 * ends or is closed without one. One object per stream — the iterable is its own iterator (a
 * stream is read once) — and its two callbacks, instead of an object and a closure per step: it
 * wraps every traced request's answer.
 */
class Watched implements AsyncIterable<JsonRpcMessage>, AsyncIterator<JsonRpcMessage> {
  private inner: AsyncIterator<JsonRpcMessage> | undefined;
  private told = false;

  constructor(
    private readonly source: AsyncIterable<JsonRpcMessage>,
    private readonly span: Span,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<JsonRpcMessage> {
    this.inner ??= this.source[Symbol.asyncIterator]();
    return this;
  }

  next(): Promise<IteratorResult<JsonRpcMessage>> {
    this.inner ??= this.source[Symbol.asyncIterator]();
    return this.inner.next().then(this.seen, this.failed);
  }

  return(value?: unknown): Promise<IteratorResult<JsonRpcMessage>> {
    this.tell(undefined);
    const inner = this.inner;
    return inner?.return ? inner.return(value) : Promise.resolve({ done: true, value: undefined });
  }

  private tell(response: JsonRpcResponse | undefined): void {
    if (this.told) return;
    this.told = true;
    finish(this.span, response);
  }

  private readonly seen = (step: IteratorResult<JsonRpcMessage>): IteratorResult<JsonRpcMessage> => {
    if (step.done) this.tell(undefined);
    else if (!('method' in step.value)) this.tell(step.value);
    return step;
  };

  private readonly failed = (error: unknown): never => {
    this.tell(undefined);
    throw error;
  };
}

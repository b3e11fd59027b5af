/**
 * The Streamable HTTP transport of the 2025 revisions (2025-03-26 … 2025-11-25) on `/mcp`, around
 * the coordinator:
 *
 * - POST: one JSON-RPC message (a batch too while the client speaks 2025-03-26). A request's answer
 *   is JSON when its first message is its response, else an SSE stream (progress, relayed server
 *   requests, then the response). Notifications and responses alone get 202.
 * - GET: the session's stream of server-initiated messages (one reader at a time: a second GET is
 *   409), or, with `Last-Event-ID`, the rest of an interrupted stream replayed from the journal.
 *   SSE answers of 2025 sessions carry event ids and run on when the client disconnects.
 * - DELETE: ends the session.
 *
 * Checks, in order, each with its own status: 405 for other methods, 415 for a body that is not
 * JSON, 406 for an `Accept` that excludes what the answer may be, 413 for a body over the limit,
 * 400 (JSON-RPC -32700) for unparsable JSON, 400 for an unsupported `MCP-Protocol-Version`, 400
 * for a missing session id, 404 for an unknown or foreign session. Backend admission refusals
 * come back from the coordinator as errors marked `overloaded` and leave as 503 with `Retry-After`.
 *
 * Admission at the front door (`FrontAdmission`) is asked once the body has been read (a body
 * slower than `bodyTimeoutMs` gets 408) and found to be JSON: a batch larger than `maxBatchSize`
 * gets 413; each message of a batch counts against the rate limit; a `subscriptions/listen` and a
 * GET stream count against the principal's streams, the rest against its call slots. The
 * coordinator's bounds (sessions, listens) come back with their `httpStatus` (429 / 503) and leave
 * with `Retry-After`.
 */
import {
  type CallerClaims,
  detectEra,
  HTTP_STATUS_OF_CODE,
  INVALID_REQUEST,
  isJsonObject,
  isLegacyProtocolVersion,
  isModernEraVersion,
  isModernProtocolVersion,
  isRequestId,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  LEGACY_PROTOCOL_VERSIONS,
  LIMIT_REACHED,
  type MCPCoordinator,
  methodNotFound,
  type Outcome,
  PARSE_ERROR,
  type RequestId,
  requestMeta,
  SESSION_STORE_UNAVAILABLE,
  validateStandardHeaders,
} from '@switchyard/coordinator';
import type { Clock } from '@switchyard/flow-balancer';
import type { RefusalReason } from '../metrics/metrics.ts';
import type { FrontTracing } from '../telemetry/front.ts';
import type { AdmissionResult, FrontAdmission } from './admission.ts';
import { accepted, json, jsonInSession, messagesJson, rpcError } from './answers.ts';
import { readBody } from './body.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';
import { accepts, acceptsJsonAndSse, isJsonContentType } from './media.ts';
import { ReadDeadlines } from './read-deadlines.ts';
import { noteMessage } from './request-facts.ts';
import { type ResumableStreams, sendsPriming } from './resumable.ts';
import { sseResponse, withoutIds } from './sse.ts';

export const SESSION_HEADER = 'mcp-session-id';
export const PROTOCOL_VERSION_HEADER = 'mcp-protocol-version';
/** Assumed when a client sends no version header (the transport's rule). */
const ASSUMED_VERSION = '2025-03-26';
const RETRY_AFTER_SECONDS = '1';
/** The name of a session's GET stream among its journaled streams. */
const GET_STREAM = 'get';

export interface McpFrontOptions {
  coordinator: MCPCoordinator;
  /** Where SSE answers of 2025 sessions are journaled, for `Last-Event-ID` resumption. */
  streams: ResumableStreams;
  /** Told of each request refused, and each stream dropped, by reason (metrics). */
  onRefusal?: (reason: RefusalReason) => void;
  /** Admission per principal, then for the gateway; none: everything is admitted. */
  admission?: FrontAdmission;
  /** The affinity key of a 2026 request (see `switchyard.affinity.key`). */
  affinityKey: (request: Request, principal: string | null) => string | null;
  maxBodyBytes: number;
  /** Longest a request body may take to arrive, ms; then 408. Default: no limit. */
  bodyTimeoutMs?: number;
  /** The clock of the body deadlines. Default: the system's. */
  clock?: Clock;
  /** Most messages in one batch; more get 413. Default: no limit. */
  maxBatchSize?: number;
  keepAliveMs: number;
  /** Bytes a 2026 SSE answer or listen may hold for a client that does not read; then it is dropped. Default: no bound. */
  bufferedBytesPerStream?: number;
  /** A server span per request (OpenTelemetry), when telemetry is on. */
  tracing?: FrontTracing;
  /**
   * With several nodes (`switchyard.cluster`): a request of a session another node owns is answered
   * by that node (`route` gives its answer); `served` is told of each session served here.
   */
  cluster?: {
    route(request: Request, caller: Caller, body?: string): Promise<Response | undefined>;
    served(sessionId: string): Promise<void>;
  };
}

/** The coordinator's bounds, as refusal reasons. */
const LIMIT_REASONS: Readonly<Record<string, RefusalReason>> = {
  sessions: 'sessions',
  sessionsPerPrincipal: 'sessions-per-principal',
  listensPerSession: 'listens-per-session',
};

/** The refusal reason of a coordinator's `LIMIT_REACHED` answer, if the message is one. */
function limitReason(message: JsonRpcMessage): RefusalReason | undefined {
  if (!('error' in message) || message.error.code !== LIMIT_REACHED) return undefined;
  const limit = (message.error.data as { limit?: unknown } | undefined)?.limit;
  return typeof limit === 'string' && Object.hasOwn(LIMIT_REASONS, limit) ? LIMIT_REASONS[limit] : undefined;
}

export interface Caller {
  principal: string | null;
  /** What its token says of it beyond the principal (client id, groups, scopes): the access policy reads it. */
  claims?: CallerClaims;
}

function isOverloaded(message: JsonRpcResponse): boolean {
  if (!('error' in message)) return false;
  const data = message.error.data as { overloaded?: unknown } | undefined;
  return data?.overloaded === true;
}

function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !('method' in message);
}

export class McpFront {
  /** The body deadlines, on one shared timer (none without `bodyTimeoutMs`). */
  private readonly bodyDeadlines: ReadDeadlines | undefined;

  constructor(private readonly options: McpFrontOptions) {
    this.bodyDeadlines =
      options.bodyTimeoutMs === undefined
        ? undefined
        : new ReadDeadlines(options.bodyTimeoutMs, options.clock);
  }

  handle(request: Request, caller: Caller): Promise<Response> | Response {
    if (request.method !== 'POST' && isModernProtocolVersion(request.headers.get(PROTOCOL_VERSION_HEADER))) {
      // 2026-07-28 has no session streams: its clients only POST.
      return rpcError(405, INVALID_REQUEST, `Method ${request.method} is not part of MCP 2026-07-28`, {
        headers: { allow: 'POST' },
      });
    }
    switch (request.method) {
      case 'POST':
        return this.post(request, caller);
      case 'GET':
        return this.get(request, caller);
      case 'DELETE':
        return this.delete(request, caller);
      default:
        return rpcError(405, INVALID_REQUEST, `Method ${request.method} is not allowed on /mcp`, {
          headers: { allow: 'GET, POST, DELETE' },
        });
    }
  }

  /** `version`: the request's `MCP-Protocol-Version` header. */
  private versionProblem(version: string | null): Response | undefined {
    if (version === null || isLegacyProtocolVersion(version)) return undefined;
    return rpcError(400, INVALID_REQUEST, `Unsupported MCP-Protocol-Version: ${version}`, {
      data: { supported: [...LEGACY_PROTOCOL_VERSIONS] },
    });
  }

  private async post(request: Request, caller: Caller): Promise<Response> {
    const headers = request.headers;
    if (!isJsonContentType(headers.get('content-type'))) {
      return rpcError(415, INVALID_REQUEST, 'Content-Type must be application/json');
    }
    if (!acceptsJsonAndSse(headers.get('accept'))) {
      return rpcError(406, INVALID_REQUEST, 'Accept must include application/json and text/event-stream');
    }
    const body = await readBody(request, this.options.maxBodyBytes, this.bodyDeadlines);
    if (!body.ok) {
      if (body.status === 408) {
        this.options.onRefusal?.('body-timeout');
        // The rest of the body may never come: the connection is not kept for another request.
        return rpcError(408, INVALID_REQUEST, `Request timeout: ${body.reason}`, {
          headers: { connection: 'close' },
          data: { limit: 'bodyTimeoutMs', max: this.options.bodyTimeoutMs },
        });
      }
      return rpcError(body.status, body.status === 413 ? INVALID_REQUEST : PARSE_ERROR, body.reason);
    }
    // Deeper nesting would overflow the stack of whatever walks the message later (a 500).
    if (nestsDeeperThan(body.text, MAX_JSON_DEPTH)) {
      return rpcError(400, INVALID_REQUEST, `The JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch (error) {
      return rpcError(400, PARSE_ERROR, `Parse error: ${(error as Error).message}`);
    }
    const maxBatch = this.options.maxBatchSize;
    if (Array.isArray(parsed) && maxBatch !== undefined && parsed.length > maxBatch) {
      this.options.onRefusal?.('batch-size');
      return rpcError(
        413,
        INVALID_REQUEST,
        `The batch holds ${parsed.length} messages, more than the limit of ${maxBatch} (limit maxBatchSize); send it in parts`,
        { data: { limit: 'maxBatchSize', max: maxBatch } },
      );
    }
    const { cluster, admission } = this.options;
    if (cluster) {
      const owned = await cluster.route(request, caller, body.text);
      if (owned) return owned;
    }
    if (admission === undefined) return this.dispatch(request, parsed, caller);
    const admitting = admission.admit(caller.principal ?? '', {
      messages: Array.isArray(parsed) ? parsed.length : 1,
      stream: isJsonObject(parsed) && parsed.method === 'subscriptions/listen',
    });
    const admitted = admitting instanceof Promise ? await admitting : admitting;
    return this.underPermit(admitted, () => this.dispatch(request, parsed, caller));
  }

  /** `work`'s answer, with the permit (if any) held until it has been sent; a refusal as it is. */
  private underPermit(
    admitted: AdmissionResult | undefined,
    work: () => Promise<Response>,
  ): Promise<Response> {
    if (admitted === undefined) return work();
    if (!admitted.ok) {
      this.options.onRefusal?.(admitted.reason);
      return Promise.resolve(admitted.response);
    }
    return work().then(admitted.release, (error: unknown) => {
      admitted.release(new Response(null, { status: 500 }));
      throw error;
    });
  }

  /** A parsed POST body, admitted: to the coordinator. */
  private async dispatch(request: Request, parsed: unknown, caller: Caller): Promise<Response> {
    const inherited = inheritedMethodAnswer(parsed);
    if (inherited) return inherited.kind === 'response' ? messagesJson(inherited.message) : accepted();
    // Read once: the header is looked at by every step below.
    const header = request.headers.get(PROTOCOL_VERSION_HEADER);
    if (isJsonObject(parsed) && typeof parsed.method === 'string') {
      const era = detectEra({
        id: isRequestId(parsed.id) ? parsed.id : undefined,
        protocolVersionHeader: header,
        method: parsed.method,
        meta: requestMeta(parsed.params),
      });
      if (era.era === 'rejected') return json(era.rejection.httpStatus, era.rejection.response);
      if (era.era === 'modern') return this.modern(request, parsed, caller, header);
    }
    if (Array.isArray(parsed) && header !== null && isModernEraVersion(header)) {
      return rpcError(
        400,
        INVALID_REQUEST,
        `Batches are not part of MCP ${header}; send one message per POST`,
      );
    }
    const versionProblem = this.versionProblem(header);
    if (versionProblem) return versionProblem;
    const sessionId = request.headers.get(SESSION_HEADER) ?? undefined;
    const context = {
      principal: caller.principal,
      ...(caller.claims && { claims: caller.claims }),
      ...(sessionId !== undefined && { sessionId }),
    };
    noteMessage(parsed);

    if (Array.isArray(parsed)) {
      const version = header ?? ASSUMED_VERSION;
      if (version !== '2025-03-26') {
        return rpcError(
          400,
          INVALID_REQUEST,
          `Batches are not part of MCP ${version}; send one message per request`,
        );
      }
      if (parsed.length === 0) return rpcError(400, INVALID_REQUEST, 'An empty batch is not a valid request');
      const outcomes = await Promise.all(
        parsed.map((m) => inheritedMethodAnswer(m) ?? this.options.coordinator.handle(m, context)),
      );
      return this.batchAnswer(outcomes);
    }
    const { tracing, coordinator } = this.options;
    const outcome = await (tracing
      ? tracing.serve(parsed, { header: (name) => request.headers.get(name), sessionId }, () =>
          coordinator.handle(parsed, context),
        )
      : coordinator.handle(parsed, context));
    const resumeIn = outcome.kind === 'response' ? outcome.sessionId : sessionId;
    if (resumeIn !== undefined && this.options.cluster) await this.options.cluster.served(resumeIn);
    // Until its first message, an answer has no event id to resume from: a client gone by then
    // cancels the request (a 2025 SSE answer, once open, outlives its connection up to resumeGraceMs).
    const priming = sendsPriming(header);
    const requestId = requestIdIn(parsed);
    return this.answer(
      outcome,
      sessionId !== undefined,
      resumeIn,
      undefined,
      request.signal,
      priming,
      requestId,
      sessionId,
    );
  }

  /**
   * A 2026-07-28 request: its standard headers checked, then the coordinator's stateless path.
   * `version`: its `MCP-Protocol-Version` header, read once already.
   */
  private async modern(
    request: Request,
    message: JsonObject,
    caller: Caller,
    version: string | null,
  ): Promise<Response> {
    const headers = request.headers;
    const header = (name: string) =>
      name.length === PROTOCOL_VERSION_HEADER.length && name.toLowerCase() === PROTOCOL_VERSION_HEADER
        ? version
        : headers.get(name);
    const checked = validateStandardHeaders(header, message as unknown as JsonRpcRequest);
    if (!checked.ok) return json(checked.rejection.httpStatus, checked.rejection.response);
    const affinityKey = this.options.affinityKey(request, caller.principal);
    noteMessage(message);
    const { tracing, coordinator } = this.options;
    const modernContext = {
      principal: caller.principal,
      ...(caller.claims && { claims: caller.claims }),
      affinityKey,
      header,
    };
    const outcome = await (tracing
      ? tracing.serve(message, modernContext, () => coordinator.handleModern(message, modernContext))
      : coordinator.handleModern(message, modernContext));
    return this.answer(outcome, false, undefined, request.signal);
  }

  /** `resumeIn`: the 2025 session whose journal makes an SSE answer resumable; none for 2026 clients. */
  private async answer(
    outcome: Outcome,
    hadSession: boolean,
    resumeIn: string | undefined,
    /** A 2026 request's own signal: its client going away before the first message cancels it. */
    modernSignal?: AbortSignal,
    /** A 2025 request's signal: its client going away before the first message cancels it. */
    legacySignal?: AbortSignal,
    /** A resumable SSE answer starts with a priming event (the client speaks 2025-11-25 or later). */
    priming = false,
    /** The id of the request answered: a resumable SSE answer's stream is named after it. */
    requestId?: RequestId,
    /** The 2025 session the request named: the answer carries its id (see `echoSession`). */
    echoed?: string,
  ): Promise<Response> {
    switch (outcome.kind) {
      case 'accepted':
        return echoSession(accepted(), echoed);
      case 'session-not-found':
        // A request without a session id is malformed (400); one whose session is gone is 404,
        // which tells a 2025 client to initialize again.
        return json(hadSession ? 404 : 400, outcome.message);
      case 'response': {
        const status = outcome.httpStatus ?? 200;
        const reason = limitReason(outcome.message);
        if (reason) this.options.onRefusal?.(reason);
        // The request's own session id wins, as `echoSession` would have set it over the outcome's.
        const session = echoed !== undefined && status !== 404 && status !== 400 ? echoed : outcome.sessionId;
        if (status !== 429 && status !== 503) {
          return session === undefined
            ? json(status, outcome.message)
            : jsonInSession(status, outcome.message, SESSION_HEADER, session);
        }
        // 429 / 503: when to come back.
        return json(status, outcome.message, sessionHeaders(session, { 'retry-after': RETRY_AFTER_SECONDS }));
      }
      case 'stream': {
        const iterator = outcome.messages[Symbol.asyncIterator]();
        const first = await firstOrAbort(iterator, modernSignal ?? legacySignal);
        if (first.done) return echoSession(accepted(), echoed);
        if (isResponse(first.value)) {
          await iterator.return?.();
          if (isOverloaded(first.value)) {
            this.options.onRefusal?.('overload');
            return json(503, first.value, sessionHeaders(echoed, { 'retry-after': RETRY_AFTER_SECONDS }));
          }
          // 2026-07-28 names 400 for -32020 / -32021 / -32022, wherever in the routing they arise.
          const status =
            modernSignal && 'error' in first.value
              ? HTTP_STATUS_OF_CODE.get(first.value.error.code)
              : undefined;
          if (status === 400) return json(400, first.value);
          return echoed === undefined
            ? messagesJson(first.value)
            : jsonInSession(200, first.value, SESSION_HEADER, echoed);
        }
        if (resumeIn === undefined) {
          // 2026-07-28: closing the stream cancels the request; nothing to resume.
          return sseResponse(withoutIds(iterator, [first.value]), {
            keepAliveMs: this.options.keepAliveMs,
            headers: { 'x-accel-buffering': 'no' },
            // Dropping the stream closes its source: the request is cancelled, the listen closed.
            ...(this.options.bufferedBytesPerStream !== undefined && {
              maxBufferedBytes: this.options.bufferedBytesPerStream,
              onSlowReader: () => this.options.onRefusal?.('slow-reader'),
            }),
          });
        }
        const items = this.options.streams.open(resumeIn, iterator, [first.value], undefined, {
          priming,
          ...(requestId !== undefined && { requestId }),
        });
        return echoSession(sseResponse(items, { keepAliveMs: this.options.keepAliveMs }), echoed);
      }
    }
  }

  /** A 2025-03-26 batch: the responses as one JSON array once every request has ended. */
  private async batchAnswer(outcomes: Outcome[]): Promise<Response> {
    const responses: JsonRpcMessage[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind === 'response' || outcome.kind === 'session-not-found') {
        const reason = limitReason(outcome.message);
        if (reason) this.options.onRefusal?.(reason);
        responses.push(outcome.message);
      }
      if (outcome.kind !== 'stream') continue;
      for await (const m of outcome.messages) if (isResponse(m)) responses.push(m);
    }
    return responses.length === 0 ? accepted() : messagesJson(responses);
  }

  private async get(request: Request, caller: Caller): Promise<Response> {
    if (!accepts(request.headers.get('accept'), 'text/event-stream')) {
      return rpcError(406, INVALID_REQUEST, 'Accept must include text/event-stream');
    }
    const versionProblem = this.versionProblem(request.headers.get(PROTOCOL_VERSION_HEADER));
    if (versionProblem) return versionProblem;
    const sessionId = request.headers.get(SESSION_HEADER);
    if (sessionId === null) return rpcError(400, INVALID_REQUEST, 'Mcp-Session-Id header is required');
    const owned = await this.options.cluster?.route(request, caller);
    if (owned) return owned;
    const { coordinator } = this.options;
    // A session another process held (the gateway restarted) is read back from the journal first.
    let outbound = coordinator.outbound(sessionId, caller.principal);
    if (!outbound) {
      const restored = await coordinator.restoreSession(sessionId, caller.principal);
      if (restored === 'unavailable') {
        return rpcError(
          503,
          SESSION_STORE_UNAVAILABLE,
          'the session store cannot be reached; retry shortly',
          {
            headers: { 'retry-after': RETRY_AFTER_SECONDS },
          },
        );
      }
      if (restored) outbound = coordinator.outbound(sessionId, caller.principal);
    }
    if (!outbound) return rpcError(404, INVALID_REQUEST, 'Session not found');
    const lastEventId = request.headers.get('last-event-id');
    if (lastEventId === null && this.options.streams.isAttached(sessionId, GET_STREAM)) {
      return rpcError(409, INVALID_REQUEST, 'This session already has an open GET stream');
    }
    const admitted = this.options.admission?.openStream(caller.principal ?? '');
    return this.underPermit(admitted, async () => {
      if (lastEventId !== null) {
        // A GET stream another process journaled goes on live here, from this session's messages.
        const resumed = await this.options.streams.resume(sessionId, lastEventId, {
          key: GET_STREAM,
          source: () => outbound[Symbol.asyncIterator](),
        });
        if (!resumed.ok) return rpcError(resumed.status, INVALID_REQUEST, resumed.reason);
        return echoSession(sseResponse(resumed.items, { keepAliveMs: this.options.keepAliveMs }), sessionId);
      }
      // The session's outbound messages are journaled whether or not a GET is connected, so a
      // reconnect with Last-Event-ID loses nothing.
      const priming = sendsPriming(request.headers.get(PROTOCOL_VERSION_HEADER));
      const items = this.options.streams.open(sessionId, outbound[Symbol.asyncIterator](), [], GET_STREAM, {
        priming,
      });
      return echoSession(sseResponse(items, { keepAliveMs: this.options.keepAliveMs }), sessionId);
    });
  }

  private async delete(request: Request, caller: Caller): Promise<Response> {
    const sessionId = request.headers.get(SESSION_HEADER);
    if (sessionId === null) return rpcError(400, INVALID_REQUEST, 'Mcp-Session-Id header is required');
    const owned = await this.options.cluster?.route(request, caller);
    if (owned) return owned;
    const closed = await this.options.coordinator.closeSession(sessionId, caller.principal);
    return closed ? new Response(null, { status: 200 }) : rpcError(404, INVALID_REQUEST, 'Session not found');
  }
}

/**
 * An answer within a session carries the session's id (unless the session is unknown there), so a
 * sticky load balancer learns the node that served it — again after a node died and another took the
 * session over — from any answer, not only the one to initialize.
 */
function echoSession(response: Response, sessionId: string | undefined): Response {
  if (sessionId !== undefined && response.status !== 404 && response.status !== 400)
    response.headers.set(SESSION_HEADER, sessionId);
  return response;
}

/** `extra`, with the session's id when there is one (a JSON answer is made with it, not given it after). */
function sessionHeaders(
  sessionId: string | undefined,
  extra?: Record<string, string>,
): Record<string, string> | undefined {
  if (sessionId === undefined) return extra;
  return { ...extra, [SESSION_HEADER]: sessionId };
}

/**
 * A request or notification whose method is a name every plain object inherits (`__proto__`,
 * `constructor`, `toString`, …) is answered here: no MCP method has such a name, and lookups of it
 * in plain objects further in would find `Object.prototype`'s member instead of nothing.
 */
function inheritedMethodAnswer(
  message: unknown,
): Extract<Outcome, { kind: 'accepted' | 'response' }> | undefined {
  if (!isJsonObject(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') {
    return undefined;
  }
  if (!Object.hasOwn(Object.prototype, message.method)) return undefined;
  if (!isRequestId(message.id)) return { kind: 'accepted' };
  return { kind: 'response', message: methodNotFound(message.id, message.method) };
}

/**
 * The stream's first message; when `signal` aborts first (the client closed the connection before
 * anything was sent), the stream is closed, which cancels the request, and it counts as ended.
 */
function firstOrAbort(
  iterator: AsyncIterator<JsonRpcMessage>,
  signal: AbortSignal | undefined,
): Promise<IteratorResult<JsonRpcMessage>> {
  if (!signal) return iterator.next();
  if (signal.aborted) {
    return Promise.resolve(iterator.return?.()).then(() => ({ done: true, value: undefined }));
  }
  // One promise settled by whichever comes first (no race of two). The listener is not removed
  // (the request's signal goes with the request; removing costs more than leaving it): once the
  // first message is there, an abort does nothing here.
  let first = false;
  return new Promise<IteratorResult<JsonRpcMessage>>((resolve, reject) => {
    signal.addEventListener('abort', () => {
      if (first) return;
      first = true;
      void iterator.return?.();
      resolve({ done: true, value: undefined });
    });
    iterator.next().then(
      (next) => {
        first = true;
        resolve(next);
      },
      (error: unknown) => {
        first = true;
        reject(error);
      },
    );
  });
}

/** The id of a JSON-RPC request (not a notification or a response), if `message` is one. */
function requestIdIn(message: unknown): RequestId | undefined {
  if (typeof message !== 'object' || message === null || !('method' in message) || !('id' in message))
    return undefined;
  const id = (message as { id: unknown }).id;
  return isRequestId(id) ? id : undefined;
}

/**
 * The stdio front door: MCP over newline-delimited JSON-RPC on stdin/stdout, for clients that
 * launch the whole gateway as one stdio server. Requests are handled concurrently (a long call
 * does not hold up the next line); each message written is one line.
 *
 * - A 2025-era client: the `initialize` it sends makes the front session, and every later message
 *   belongs to it; the session's server-initiated messages are written as they come.
 * - A 2026-07-28 client (its version in each request's `_meta`): each request is served
 *   statelessly, its progress and its response written as they come; `notifications/cancelled`
 *   with the request's id cancels it (the stdio form of closing an HTTP stream: the backend is
 *   told, nothing more is written for it), and ends a `subscriptions/listen`. The client is one
 *   client: its requests keep to one worker of each shared backend (affinity key `stdio`).
 *
 * With telemetry on, each request and notification is a server span (`FrontTracing`, transport
 * `pipe`), continuing a `traceparent` in its `_meta`, as at the HTTP front door.
 */
import {
  detectEra,
  internalError,
  isJsonObject,
  isRequestId,
  type JsonObject,
  type JsonRpcMessage,
  type MCPCoordinator,
  type Outcome,
  parseError,
  type RequestId,
  requestMeta,
} from '@switchyard/coordinator';
import type { FrontFacts, FrontTracing } from '../telemetry/front.ts';

/** The principal of the stdio client: whoever launched the process. */
export const STDIO_PRINCIPAL = 'local';

/** The affinity key of a 2026 stdio client's requests. */
export const STDIO_AFFINITY_KEY = 'stdio';

export class StdioFront {
  private sessionId: string | undefined;
  private readonly pending = new Set<Promise<void>>();
  /** 2026 requests in flight, by their id: what `notifications/cancelled` stops. */
  private readonly modern = new Map<RequestId, AsyncIterator<JsonRpcMessage>>();
  /** Those of them that are `subscriptions/listen`. */
  private readonly listens = new Set<RequestId>();

  /** The protocol version the 2025 session negotiated (for its spans). */
  private protocolVersion: string | undefined;

  constructor(
    private readonly coordinator: MCPCoordinator,
    private readonly write: (line: string) => void,
    /** A server span per message (OpenTelemetry), when telemetry is on. */
    private readonly tracing?: FrontTracing,
  ) {}

  /** `handle` under the message's server span, when traced. */
  private traced(message: unknown, handle: () => Promise<Outcome>): Promise<Outcome> {
    if (this.tracing === undefined) return handle();
    const facts: FrontFacts = {
      header: () => null,
      transport: 'stdio',
      sessionId: this.sessionId,
      protocolVersion: this.protocolVersion,
    };
    return this.tracing.serve(message, facts, handle);
  }

  /** One line from stdin (blank lines are skipped). */
  receive(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.send(parseError(`Parse error: ${(error as Error).message}`));
      return;
    }
    const work = (
      Array.isArray(message) ? Promise.all(message.map((m) => this.handle(m))) : this.handle(message)
    )
      .then(() => {})
      .catch((error: unknown) => this.send(internalError(undefined, String(error))))
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** Waits for the requests in flight (at end of input); 2026 listens, which never end, are ended. */
  async settle(): Promise<void> {
    for (const id of [...this.listens]) this.cancelModern({ requestId: id });
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Ends the session and the 2026 requests still open, such as listens (stdin closed). */
  async close(): Promise<void> {
    for (const iterator of [...this.modern.values()]) await iterator.return?.();
    if (this.sessionId !== undefined) await this.coordinator.closeSession(this.sessionId, STDIO_PRINCIPAL);
    this.sessionId = undefined;
  }

  private async handle(message: unknown): Promise<void> {
    if (isJsonObject(message) && typeof message.method === 'string') {
      if (message.method === 'notifications/cancelled' && this.cancelModern(message.params)) return;
      const id = isRequestId(message.id) ? message.id : undefined;
      const era = detectEra({
        id,
        protocolVersionHeader: null,
        method: message.method,
        meta: requestMeta(message.params),
      });
      if (era.era === 'rejected') {
        if (id !== undefined) this.send(era.rejection.response);
        return;
      }
      if (era.era === 'modern') return this.handleModern(message);
    }
    return this.handleLegacy(message);
  }

  /** A 2026 `notifications/cancelled` for a request of this front: true when it named one. */
  private cancelModern(params: unknown): boolean {
    const requestId = isJsonObject(params) ? params.requestId : undefined;
    if (!isRequestId(requestId)) return false;
    const iterator = this.modern.get(requestId);
    if (!iterator) return false;
    this.modern.delete(requestId);
    void iterator.return?.();
    return true;
  }

  private async handleModern(message: JsonObject): Promise<void> {
    const outcome = await this.traced(message, () =>
      this.coordinator.handleModern(message, { principal: STDIO_PRINCIPAL, affinityKey: STDIO_AFFINITY_KEY }),
    );
    if (outcome.kind !== 'stream') return this.deliver(outcome);
    const id = message.id as RequestId;
    const iterator = outcome.messages[Symbol.asyncIterator]();
    this.modern.set(id, iterator);
    if (message.method === 'subscriptions/listen') this.listens.add(id);
    try {
      for (;;) {
        const next = await iterator.next();
        // Cancelled: nothing more is written for this request.
        if (next.done || this.modern.get(id) !== iterator) break;
        this.send(next.value);
      }
    } finally {
      if (this.modern.get(id) === iterator) this.modern.delete(id);
      this.listens.delete(id);
    }
  }

  private async handleLegacy(message: unknown): Promise<void> {
    const context =
      this.sessionId === undefined
        ? { principal: STDIO_PRINCIPAL }
        : { principal: STDIO_PRINCIPAL, sessionId: this.sessionId };
    const outcome = await this.traced(message, () => this.coordinator.handle(message, context));
    await this.deliver(outcome);
  }

  private async deliver(outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'accepted':
        return;
      case 'response':
        if (outcome.sessionId !== undefined && this.sessionId === undefined) {
          this.sessionId = outcome.sessionId;
          const result = 'result' in outcome.message ? outcome.message.result : undefined;
          if (isJsonObject(result) && typeof result.protocolVersion === 'string')
            this.protocolVersion = result.protocolVersion;
          this.pumpOutbound(outcome.sessionId);
        }
        this.send(outcome.message);
        return;
      case 'session-not-found':
        this.send(outcome.message);
        return;
      case 'stream':
        for await (const m of outcome.messages) this.send(m);
    }
  }

  private pumpOutbound(sessionId: string): void {
    const outbound = this.coordinator.outbound(sessionId, STDIO_PRINCIPAL);
    if (!outbound) return;
    void (async () => {
      for await (const m of outbound) this.send(m);
    })();
  }

  private send(message: JsonRpcMessage): void {
    this.write(`${JSON.stringify(message)}\n`);
  }
}

/**
 * The stdio front door: MCP over newline-delimited JSON-RPC on stdin/stdout, for clients that
 * launch the whole gateway as one stdio server. One client, one session: the `initialize` it sends
 * makes the front session, and every later message belongs to it; the session's server-initiated
 * messages are written as they come. Requests are handled concurrently (a long call does not hold
 * up the next line); each message written is one line.
 */
import {
  internalError,
  type JsonRpcMessage,
  type MCPCoordinator,
  type Outcome,
  parseError,
} from '@switchyard/coordinator';

/** The principal of the stdio client: whoever launched the process. */
export const STDIO_PRINCIPAL = 'local';

export class StdioFront {
  private sessionId: string | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly coordinator: MCPCoordinator,
    private readonly write: (line: string) => void,
  ) {}

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

  /** Waits for the requests in flight (at end of input). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Ends the session (stdin closed). */
  async close(): Promise<void> {
    if (this.sessionId !== undefined) await this.coordinator.closeSession(this.sessionId, STDIO_PRINCIPAL);
    this.sessionId = undefined;
  }

  private async handle(message: unknown): Promise<void> {
    const context =
      this.sessionId === undefined
        ? { principal: STDIO_PRINCIPAL }
        : { principal: STDIO_PRINCIPAL, sessionId: this.sessionId };
    const outcome = await this.coordinator.handle(message, context);
    await this.deliver(outcome);
  }

  private async deliver(outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'accepted':
        return;
      case 'response':
        if (outcome.sessionId !== undefined && this.sessionId === undefined) {
          this.sessionId = outcome.sessionId;
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

/**
 * 2025-11-25 tasks whose call asked its client something (elicitation, sampling, roots): the
 * requests the client has not answered yet, by the session and id they went out under. A task with
 * one open reads `input_required`; once the client has answered them all, `working` again.
 */
export class TaskAsks {
  /** `session\0requestId` → the task whose call asked. */
  private readonly open = new Map<string, string>();

  /** `taskId`'s call asked the client of `sessionId` request `requestId`. */
  asked(sessionId: string, requestId: string | number, taskId: string): void {
    this.open.set(keyOf(sessionId, requestId), taskId);
  }

  /**
   * The client of `sessionId` answered `requestId`: the task that asked, when it now waits for no
   * other answer (else undefined).
   */
  answered(sessionId: string, requestId: unknown): string | undefined {
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return undefined;
    const key = keyOf(sessionId, requestId);
    const taskId = this.open.get(key);
    if (taskId === undefined) return undefined;
    this.open.delete(key);
    return [...this.open.values()].includes(taskId) ? undefined : taskId;
  }

  /** `taskId` ended: its open requests are forgotten. */
  end(taskId: string): void {
    for (const [key, id] of this.open) if (id === taskId) this.open.delete(key);
  }
}

function keyOf(sessionId: string, requestId: string | number): string {
  return `${sessionId}\u0000${typeof requestId}:${requestId}`;
}

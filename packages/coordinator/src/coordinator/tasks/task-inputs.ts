/**
 * 2026-07-28 tasks waiting for their client's input (the tasks extension with SEP-2322's
 * multi-round trip): a task's call answered `input_required`; the task shows the open
 * `inputRequests` on `tasks/get`, and the client answers them with `tasks/update` — all at once or
 * a few at a time. Once every open request has its answer, the waiting task gets them all (and
 * resumes its call with them); a task that ends meanwhile (cancel, expiry) gets none.
 */
import { isJsonObject, type JsonObject } from '../../jsonrpc/types.ts';

interface Waiting {
  /** The requests not answered yet, by key. */
  readonly open: Map<string, JsonObject>;
  /** The answers so far, by key. */
  readonly answers: JsonObject;
  readonly done: (answers: JsonObject | undefined) => void;
}

/** What `tasks/update` did. */
export type UpdateAnswer = 'accepted' | 'not-waiting';

export class TaskInputs {
  private readonly waiting = new Map<string, Waiting>();

  /** `taskId` waits for answers to `inputRequests`: they all, or undefined if the task ends first. */
  wait(taskId: string, inputRequests: JsonObject): Promise<JsonObject | undefined> {
    this.end(taskId);
    return new Promise((done) => {
      const open = new Map<string, JsonObject>();
      for (const [key, request] of Object.entries(inputRequests))
        if (isJsonObject(request)) open.set(key, request);
      this.waiting.set(taskId, { open, answers: {}, done });
    });
  }

  /** The requests `taskId` still waits for (`tasks/get`'s `inputRequests`), if it waits. */
  open(taskId: string): JsonObject | undefined {
    const w = this.waiting.get(taskId);
    return w && Object.fromEntries(w.open);
  }

  /**
   * `tasks/update`: each answer (an object) to an open request is taken; others are ignored. When
   * none is left open, the task gets its answers.
   */
  update(taskId: string, inputResponses: JsonObject): UpdateAnswer {
    const w = this.waiting.get(taskId);
    if (!w) return 'not-waiting';
    for (const [key, answer] of Object.entries(inputResponses)) {
      if (!w.open.has(key) || !isJsonObject(answer)) continue;
      w.open.delete(key);
      w.answers[key] = answer;
    }
    if (w.open.size === 0) {
      this.waiting.delete(taskId);
      w.done(w.answers);
    }
    return 'accepted';
  }

  /** `taskId` ended: it waits no more. */
  end(taskId: string): void {
    const w = this.waiting.get(taskId);
    if (!w) return;
    this.waiting.delete(taskId);
    w.done(undefined);
  }
}

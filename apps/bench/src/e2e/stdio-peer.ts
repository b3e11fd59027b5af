/**
 * One stdio MCP server process driven over its stdin/stdout as the bench's raw baselines do it
 * (pipe-driver.ts, servers/floor-pipe.ts): newline-delimited JSON-RPC, a fresh numeric id per
 * call, the writes of one turn of the event loop flushed together, each answer line parsed once
 * and matched to its call by id (notifications and the server's own requests are skipped).
 */
export interface StdioAnswer {
  id?: number;
  result?: unknown;
  error?: unknown;
}

export interface StdioPeer {
  readonly proc: ReturnType<typeof spawnPiped>;
  /** Sends one message as it is. */
  send(message: unknown): void;
  /** `method` with `params` under a fresh id; resolves with the server's answer. */
  call(method: string, params: unknown): Promise<StdioAnswer>;
  /** Calls still waiting for their answer. */
  readonly waiting: number;
}

const spawnPiped = (command: string, args: string[]) =>
  Bun.spawn([command, ...args], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });

/** Starts `command` and reads its answers; `onClosed` runs when its stdout ends. */
export function startStdioPeer(
  command: string,
  args: string[],
  onClosed?: (peer: StdioPeer) => void,
): StdioPeer {
  const proc = spawnPiped(command, args);
  const pending = new Map<number, (answer: StdioAnswer) => void>();
  let flushQueued = false;
  let nextId = 0;
  const peer: StdioPeer = {
    proc,
    send(message) {
      proc.stdin.write(`${JSON.stringify(message)}\n`);
      if (flushQueued) return;
      flushQueued = true;
      queueMicrotask(() => {
        flushQueued = false;
        void proc.stdin.flush();
      });
    },
    call(method, params) {
      const id = ++nextId;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        peer.send({ jsonrpc: '2.0', id, method, params });
      });
    },
    get waiting() {
      return pending.size;
    },
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of proc.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (!line.trim()) continue;
        const answer = JSON.parse(line) as StdioAnswer;
        if (typeof answer.id !== 'number') continue; // a notification or a request to the client
        const done = pending.get(answer.id);
        pending.delete(answer.id);
        done?.(answer);
      }
    }
    onClosed?.(peer);
  })();
  return peer;
}

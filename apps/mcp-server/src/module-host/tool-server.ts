/**
 * A tool module served as an MCP server by the official SDK (`McpServer`), one request at a time
 * through an in-memory transport: the thread entry (`thread.ts`) hands worker-pool's `mcp` handler
 * a JSON-RPC request and gets its JSON-RPC response back.
 *
 * A tool module exports `tools`: `{ [name]: { description, inputSchema (a zod object), handler } }`
 * (see `../builtin/tools.ts`). The SDK validates arguments (a bad one is a tool result with
 * `isError: true`, as MCP asks), lists the tools with their JSON Schemas and negotiates the
 * protocol version. Cancellation: the caller's signal becomes `notifications/cancelled`, which
 * aborts the handler's signal.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { JsonRpcRequest, JsonRpcResponse, RequestId } from '@switchyard/coordinator';
import { z } from 'zod';

/** The environment variable that names a thread's tool module (an absolute path). */
export const TOOL_MODULE_ENV = 'SWITCHYARD_TOOL_MODULE';

export interface ModuleTool {
  description?: string;
  inputSchema: z.ZodObject;
  handler(args: never, context: { signal: AbortSignal }): unknown;
}

export interface ToolServerOptions {
  /** `serverInfo` of the module. */
  name: string;
  version: string;
  tools: Readonly<Record<string, ModuleTool>>;
}

export type ToolServer = (
  request: JsonRpcRequest,
  context: { signal: AbortSignal },
) => Promise<JsonRpcResponse>;

/** Checks what a module exported; throws a `TypeError` naming the first bad tool. */
export function toolsOf(exported: unknown, where: string): Record<string, ModuleTool> {
  const tools = (exported as { tools?: unknown } | null)?.tools;
  if (typeof tools !== 'object' || tools === null) {
    throw new TypeError(`${where} must export \`tools\`: an object of tools by name`);
  }
  for (const [name, tool] of Object.entries(tools)) {
    const t = tool as Partial<ModuleTool> | null;
    if (typeof t?.handler !== 'function' || !(t.inputSchema instanceof z.ZodObject)) {
      throw new TypeError(`${where}: tools.${name} needs a handler function and a zod object inputSchema`);
    }
  }
  return tools as Record<string, ModuleTool>;
}

/** The SDK server's side of an in-memory pipe: requests in, each answer to its waiting caller. */
class CallTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly waiting = new Map<RequestId, (response: JsonRpcResponse) => void>();

  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    // Answers go to their caller; notifications (progress, logs) have no way back from a thread yet.
    if (!('id' in message) || 'method' in message) return;
    const id = message.id as RequestId;
    this.waiting.get(id)?.(message as unknown as JsonRpcResponse);
    this.waiting.delete(id);
  }

  call(request: JsonRpcRequest, signal: AbortSignal): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, resolve);
      const onAbort = () => {
        this.waiting.delete(request.id);
        this.onmessage?.({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: request.id, reason: 'cancelled by the gateway' },
        });
        reject(signal.reason ?? new Error('cancelled'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.onmessage?.(request as unknown as JSONRPCMessage);
    });
  }
}

export async function toolServer(options: ToolServerOptions): Promise<ToolServer> {
  const server = new McpServer(
    { name: options.name, version: options.version },
    { capabilities: { tools: {} } },
  );
  for (const [name, tool] of Object.entries(options.tools)) {
    server.registerTool(
      name,
      {
        ...(tool.description !== undefined && { description: tool.description }),
        inputSchema: tool.inputSchema.shape,
      },
      async (args, extra) => (await tool.handler(args as never, { signal: extra.signal })) as never,
    );
  }
  const transport = new CallTransport();
  await server.connect(transport);
  // The gateway speaks to a worker over one session; a fresh `initialize` is fine for each thread.
  return (request, { signal }) => transport.call(request, signal);
}

/**
 * A tool module served as a minimal MCP server: `initialize`, `ping`, `tools/list`, `tools/call`
 * (and `logging/setLevel`, accepted: a tool's log lines are filtered by the gateway per session).
 * A tool's handler gets `{ signal, progress?, log? }`: progress when the caller sent a
 * `progressToken`, and log lines, both sent while the call runs.
 * Not the SDK's `McpServer`: behind it, the builtin module's end-to-end rate fell by about a fifth
 * (`bench e2e`, same run, against the SDK's own server), and a tool module needs only these four
 * methods.
 * A tool module exports `tools`: `{ [name]: { description, inputSchema (a zod object), handler } }`
 * (see `../builtin/tools.ts`). The server takes one JSON-RPC request and returns its response;
 * the thread entry (`thread.ts`) exposes it to worker-pool as the `mcp` handler.
 *
 * Arguments that fail the tool's schema give a tool result with `isError: true` naming each bad
 * argument (MCP treats input validation as the tool's own failure, so the model can correct it);
 * an unknown tool is -32602; a tool that throws is a tool error with its message, except
 * cancellation, which rejects (the caller already gave up on the answer).
 */
import {
  INVALID_PARAMS,
  type JsonRpcRequest,
  type JsonRpcResponse,
  METHOD_NOT_FOUND,
  negotiateLegacyVersion,
} from '@switchyard/coordinator';
import { z } from 'zod';

/** The environment variable that names a thread's tool module (an absolute path). */
export const TOOL_MODULE_ENV = 'SWITCHYARD_TOOL_MODULE';

/** What a module tool's handler gets beside its arguments. */
export interface ModuleToolContext {
  /** Aborted when the call is cancelled or times out. */
  signal: AbortSignal;
  /** Progress for the caller, when it asked for it (a `progressToken`); otherwise absent. */
  progress?: (progress: number, total?: number, message?: string) => void;
  /** A log line (`notifications/message`) to the sessions the gateway lets hear this backend. */
  log?: (level: LogLevel, data: unknown) => void;
  /**
   * The request's `params._meta`, when it has one: the W3C trace context (`traceparent`,
   * `tracestate`, SEP-414) of the gateway's call to this tool, with telemetry on; `progressToken`.
   */
  meta?: Readonly<Record<string, unknown>>;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

export interface ModuleTool {
  description?: string;
  inputSchema: z.ZodObject;
  handler(args: never, context: ModuleToolContext): unknown;
}

export interface ToolServerOptions {
  /** `serverInfo` of the module. */
  name: string;
  version: string;
  tools: Readonly<Record<string, ModuleTool>>;
}

/**
 * One request in, its response out. `notify` (when the host has a way back, as a thread task's
 * `ctx.notify`) carries a tool's progress and log lines out while it runs.
 */
export type ToolServer = (
  request: JsonRpcRequest,
  context: { signal: AbortSignal; notify?: (message: JsonRpcNotificationOut) => void },
) => Promise<JsonRpcResponse>;

interface JsonRpcNotificationOut {
  jsonrpc: '2.0';
  method: string;
  params: Record<string, unknown>;
}

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

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

export function toolServer(options: ToolServerOptions): ToolServer {
  const listed = Object.entries(options.tools).map(([name, tool]) => ({
    name,
    ...(tool.description !== undefined && { description: tool.description }),
    inputSchema: z.toJSONSchema(tool.inputSchema, { io: 'input' }),
  }));
  const ok = (id: JsonRpcRequest['id'], result: Record<string, unknown>): JsonRpcResponse => ({
    jsonrpc: '2.0',
    id,
    result,
  });
  const fail = (id: JsonRpcRequest['id'], code: number, message: string): JsonRpcResponse => ({
    jsonrpc: '2.0',
    id,
    error: { code, message },
  });

  async function call(
    request: JsonRpcRequest,
    signal: AbortSignal,
    notify: ((message: JsonRpcNotificationOut) => void) | undefined,
  ): Promise<JsonRpcResponse> {
    const name = request.params?.name;
    const tool = typeof name === 'string' ? options.tools[name] : undefined;
    if (!tool) return fail(request.id, INVALID_PARAMS, `Unknown tool: ${String(name)}`);
    const parsed = tool.inputSchema.safeParse(request.params?.arguments ?? {});
    if (!parsed.success) {
      const words = `Invalid arguments for tool ${String(name)}: ${describeIssues(parsed.error)}`;
      return ok(request.id, { content: [{ type: 'text', text: words }], isError: true });
    }
    const context: ModuleToolContext = { signal };
    const meta = request.params?._meta;
    if (meta !== null && typeof meta === 'object' && !Array.isArray(meta))
      context.meta = meta as Record<string, unknown>;
    if (notify) {
      const token = context.meta?.progressToken;
      if (typeof token === 'string' || typeof token === 'number') {
        context.progress = (progress, total, message) => {
          if (signal.aborted) return;
          notify({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: {
              progressToken: token,
              progress,
              ...(total !== undefined && { total }),
              ...(message !== undefined && { message }),
            },
          });
        };
      }
      context.log = (level, data) =>
        notify({
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: { level, logger: options.name, data },
        });
    }
    try {
      const result = await tool.handler(parsed.data as never, context);
      return ok(request.id, result as Record<string, unknown>);
    } catch (error) {
      if (signal.aborted) throw error;
      const words = error instanceof Error ? error.message : String(error);
      return ok(request.id, { content: [{ type: 'text', text: words }], isError: true });
    }
  }

  return async (request, { signal, notify }) => {
    switch (request.method) {
      case 'initialize': {
        const asked = request.params?.protocolVersion;
        return ok(request.id, {
          protocolVersion: negotiateLegacyVersion(typeof asked === 'string' ? asked : ''),
          capabilities: { tools: {}, logging: {} },
          serverInfo: { name: options.name, version: options.version },
        });
      }
      case 'ping':
      // Log lines are filtered per session by the gateway, which answers clients' setLevel itself.
      case 'logging/setLevel':
        return ok(request.id, {});
      case 'tools/list':
        return ok(request.id, { tools: listed });
      case 'tools/call':
        return call(request, signal, notify);
      default:
        return fail(request.id, METHOD_NOT_FOUND, `Method not found: ${request.method}`);
    }
  };
}

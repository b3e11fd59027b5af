/**
 * The module a module backend's worker threads load: it imports the tool module named by
 * `SWITCHYARD_TOOL_MODULE` (an absolute path) and exports the `mcp` handler that worker-pool calls
 * with each JSON-RPC request (a tool's progress and log lines go out through the task's
 * `ctx.notify` while it runs). A module that cannot be loaded fails the thread's start, and so the
 * backend's, with the reason.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsonRpcRequest } from '@switchyard/coordinator';
import { TOOL_MODULE_ENV, toolServer, toolsOf } from './tool-server.ts';

const path = process.env[TOOL_MODULE_ENV];
if (!path) throw new Error(`${TOOL_MODULE_ENV} is not set: the thread does not know its tool module`);
const exported: unknown = await import(pathToFileURL(path).href);
const serve = toolServer({
  name: basename(path).replace(/\.[cm]?[jt]s$/, ''),
  version: String((exported as { version?: unknown }).version ?? '0.0.0'),
  tools: toolsOf(exported, path),
});

/**
 * One JSON-RPC request as JSON text in, its response as JSON text out (`MODULE_MCP_HANDLER`'s
 * wire form: Bun's `postMessage` clones a string about 4× faster than the same object).
 */
export async function mcp(
  request: string,
  ctx: { signal: AbortSignal; notify(message: unknown): void },
): Promise<string> {
  return JSON.stringify(
    await serve(JSON.parse(request) as JsonRpcRequest, { signal: ctx.signal, notify: (m) => ctx.notify(m) }),
  );
}

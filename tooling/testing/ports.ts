/** A port on 127.0.0.1 that was free a moment ago (for a server a test starts, or one it wants dead). */
export function freePort(): number {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

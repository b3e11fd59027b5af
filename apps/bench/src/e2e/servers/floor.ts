/**
 * The floor of the e2e suite: a bare `Bun.serve` that parses the JSON-RPC body of a POST and
 * answers `tools/call echo {text}` with `{content:[{type:'text',text}]}` — no MCP library, no
 * session, no validation beyond what the answer needs (floor-serve.ts). Listens on 127.0.0.1, a
 * free port; the first stdout line is its URL. SIGTERM stops it.
 */
import { serveFloor } from './floor-serve.ts';

serveFloor((call) =>
  call.params?.name === 'echo'
    ? { result: { content: [{ type: 'text', text: String(call.params.arguments?.text ?? '') }] } }
    : undefined,
);

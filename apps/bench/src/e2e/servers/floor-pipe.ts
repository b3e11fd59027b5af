/**
 * The floor in front of one stdio MCP server: the floor's `Bun.serve` (servers/floor.ts) forwarding
 * each `tools/call` to one process of the server over its stdin/stdout (newline-delimited JSON-RPC,
 * a fresh numeric id per call, the writes of one tick flushed together) and answering with its
 * result under the client's id. No session, no validation, no journal: the least an HTTP front in
 * front of that one process can cost, beside the backend's own pipe ceiling.
 * `bun floor-pipe.ts '<json {command, args}>'`; listens on 127.0.0.1, a free port; the first stdout
 * line is its URL (after the server is initialized). SIGTERM stops it and the server.
 */
import { startStdioPeer } from '../stdio-peer.ts';
import { type FloorAnswer, serveFloor } from './floor-serve.ts';

const { command, args } = JSON.parse(process.argv[2] ?? '{}') as { command: string; args: string[] };
const { proc, send, call } = startStdioPeer(command, args);

await call('initialize', {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'switchyard-bench-floor-pipe', version: '0.0.0' },
});
send({ jsonrpc: '2.0', method: 'notifications/initialized' });

serveFloor(
  (msg) =>
    call('tools/call', msg.params).then(
      (answer): FloorAnswer =>
        answer.error === undefined ? { result: answer.result } : { error: answer.error },
    ),
  () => proc.kill(),
);

/**
 * `switchyard serve`: the HTTP front door. Loads the configuration (or the embedded default),
 * starts the gateway, listens, and prints the MCP URL as the first line on stdout. SIGTERM or
 * SIGINT: stop accepting, let requests in flight finish up to the grace period, flush the journal,
 * stop every backend, exit 0.
 *
 * Every serve listens with SO_REUSEPORT and names itself in a serve file beside its journal, so that
 * `serve --takeover` can start beside it on the same port and tell it to hand over (SIGUSR2, see
 * `takeover.ts`): the port never refuses a connection during an upgrade.
 */
import { parseArgs } from 'node:util';
import { faultAnswer } from '../http/answers.ts';
import { createHttpHandler } from '../http/router.ts';
import { withAccessLog } from './access-log.ts';
import { COMMAND_HELP } from './help.ts';
import { type CliIo, EXIT } from './io.ts';
import { launch, openLog } from './launch.ts';
import { listenProblem } from './listen-rules.ts';
import { startReloader } from './reloader.ts';
import { readServeFile, removeServeFile, serveFilePath, writeServeFile } from './serve-file.ts';
import { steerNewConnections } from './steer.ts';
import {
  closingConnection,
  findPredecessor,
  HAND_OVER_SIGNAL,
  type Predecessor,
  untilQuiet,
} from './takeover.ts';
import { usageError } from './usage.ts';

/** After the gateway stopped, how long its last answers may take to reach their clients. */
const ANSWER_FLUSH_MS = 2_000;

function portOf(text: string | undefined): number | undefined | 'bad' {
  if (text === undefined) return undefined;
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= 0 && n <= 65_535 ? n : 'bad';
}

/** Resolves when `check()` holds (polled) or after `timeoutMs`. */
async function settle(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

export async function serve(args: string[], io: CliIo, version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'log-level': { type: 'string' },
      takeover: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(COMMAND_HELP.serve);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    return usageError(io, `serve takes no arguments; found ${positionals.join(' ')}`);
  const port = portOf(values.port);
  if (port === 'bad')
    return usageError(io, `--port must be an integer from 0 to 65535; found "${values.port}"`);
  const log = openLog(values['log-level'], io, 'info');
  if (typeof log === 'number') return log;
  const launched = await launch(values.config, io, log, version, (config) =>
    listenProblem(config, values.host ?? config.settings.listen.host),
  );
  if (typeof launched === 'number') return launched;
  const { config, gateway } = launched;
  const serveFile = serveFilePath(config.settings.journal.path);
  let predecessor: Predecessor | undefined;
  if (values.takeover) {
    predecessor = findPredecessor(serveFile);
    if ('none' in predecessor)
      io.err(`switchyard serve --takeover: nothing to take over (${predecessor.none}); starting`);
  }
  const from = predecessor && 'found' in predecessor ? predecessor.found : undefined;
  // Taking over: where the predecessor listens, unless asked otherwise.
  const host = values.host ?? from?.host ?? config.settings.listen.host;

  const onFault = (error: unknown, where: { method: string; path: string }) =>
    log.error({ err: error, ...where }, 'request failed');
  const handler = createHttpHandler(gateway, {
    host,
    // Read at the first request, once `server` listens (the port may have been 0).
    listenOrigin: () => server.url.origin,
    onFault,
    warn: (fields, message) => log.warn(fields, message),
  });
  // One access line per request at info, unless switchyard.log.access is false.
  const served = config.settings.log.access ? withAccessLog(handler, log) : handler;
  const listenPort = port ?? from?.port ?? config.settings.listen.port;
  // Handing over (SIGUSR2): every answer closes its connection, and the time of the last request
  // says when the clients have all moved on.
  let handingOver = false;
  let lastRequestAt = 0;
  let server: ReturnType<typeof Bun.serve>;
  try {
    // SO_REUSEPORT lets a successor listen beside this process; it would as well let a second serve
    // started by mistake share the port unnoticed, so without --takeover the port is first bound
    // alone, which fails if anyone listens there.
    if (from === undefined && listenPort !== 0)
      Bun.serve({ hostname: host, port: listenPort, fetch: () => new Response() }).stop(true);
    server = Bun.serve({
      hostname: host,
      port: listenPort,
      reusePort: true,
      idleTimeout: 60,
      // No development error page (it carries source lines and paths): a fault the handler did not
      // answer itself is logged here and answered with a bare JSON-RPC internal error.
      development: false,
      error: (error) => {
        onFault(error, { method: '?', path: '?' });
        return faultAnswer();
      },
      fetch: (request, srv) => {
        // The caller's address is asked for only by a request that needs it (see ClientAddress).
        const address = () => srv.requestIP(request)?.address ?? null;
        if (!handingOver) return served(request, address);
        lastRequestAt = Date.now();
        return Promise.resolve(served(request, address)).then(closingConnection);
      },
    });
  } catch (error) {
    await gateway.stop();
    const inUse = (error as { code?: string }).code === 'EADDRINUSE';
    const holder = serveFile === undefined ? undefined : findPredecessor(serveFile);
    io.err(
      inUse
        ? holder !== undefined && 'found' in holder
          ? `switchyard serve: ${host}:${listenPort} is in use by switchyard serve (pid ${holder.found.pid}, same journal); to replace it without dropping a connection, run serve --takeover`
          : `switchyard serve: ${host}:${listenPort} is in use; choose another port with --port (or switchyard.listen.port), or --port 0 for any free one`
        : `switchyard serve: cannot listen on ${host}:${listenPort}: ${(error as Error).message}`,
    );
    return EXIT.invalid;
  }
  const stopReloading =
    // The file found (--config, $SWITCHYARD_CONFIG or ./switchyard.json) is watched; the embedded default is not.
    launched.file === undefined ? () => {} : startReloader(launched.file, gateway, io, log);
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    stopReloading();
    // Stop accepting, let routed requests finish (open GET streams would never end on their own),
    // then end the sessions — calls still running get a JSON-RPC error (-32000 "gateway shutting
    // down") on their stream or response —, stop the backends, flush the journal, give those
    // answers a moment to reach their clients and drop what connections remain.
    void server.stop(false);
    const graceMs = config.settings.shutdown.graceMs;
    await settle(() => gateway.coordinator.stats().inFlight === 0, graceMs);
    const cut = gateway.coordinator.stats().inFlight;
    if (cut > 0)
      log.warn(
        { calls: cut, graceMs },
        'calls still running after the grace: answering "gateway shutting down"',
      );
    await gateway.stop({ timeoutMs: 2_000 });
    await settle(() => server.pendingRequests === 0, ANSWER_FLUSH_MS);
    await server.stop(true);
    if (serveFile !== undefined) removeServeFile(serveFile, process.pid);
    log.info({}, 'stopped');
    // The log is written asynchronously: out before the process ends.
    await new Promise<void>((done) => log.flush(() => done()));
    resolve();
  };
  const onSignal = (signal: NodeJS.Signals) => void shutdown(signal);
  // A successor listens on the same port: the clients move to it as their connections close, and
  // once none has sent a request for a moment (at most the grace), stop as on SIGTERM.
  const onHandOver = async () => {
    if (stopping || handingOver) return;
    handingOver = true;
    lastRequestAt = Date.now();
    const successor = serveFile === undefined ? undefined : readServeFile(serveFile)?.pid;
    log.info({ successor }, 'handing over to the successor');
    const quiet = await untilQuiet(
      () => gateway.coordinator.stats().inFlight > 0,
      () => lastRequestAt,
      config.settings.shutdown.graceMs,
    );
    if (!quiet)
      log.warn({ graceMs: config.settings.shutdown.graceMs }, 'requests still coming after the grace');
    await shutdown(HAND_OVER_SIGNAL);
  };
  const onHandOverSignal = () => void onHandOver();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on(HAND_OVER_SIGNAL, onHandOverSignal);
  if (from !== undefined) {
    // New connections to this socket first, then the predecessor may close its own (steer.ts).
    const steered = await steerNewConnections(server.port as number);
    if (steered !== 'steered')
      log.warn(
        { reason: steered },
        'new connections not steered here: the predecessor may reset the few queued on its socket as it closes',
      );
  }
  // Named in the serve file only once SIGUSR2 is handled: its default action ends the process.
  if (serveFile !== undefined) {
    try {
      writeServeFile(serveFile, {
        pid: process.pid,
        host,
        port: server.port as number,
        started: new Date().toISOString(),
      });
    } catch (error) {
      log.warn(
        { file: serveFile, err: error },
        'no serve file written: serve --takeover will not find this process',
      );
    }
  }
  // Ready: the URL is the first line on stdout once the serve file names this process.
  io.out(`${server.url.origin}/mcp`);
  log.info(
    { url: `${server.url.origin}/mcp`, config: config.source, backends: config.backends.map((b) => b.name) },
    'listening',
  );

  if (from !== undefined) {
    // After the serve file names this process: the predecessor, exiting, leaves it alone.
    try {
      process.kill(from.pid, HAND_OVER_SIGNAL);
      log.info({ predecessor: from.pid }, 'took over: the predecessor hands over');
    } catch (error) {
      log.warn({ predecessor: from.pid, err: error }, 'could not signal the predecessor');
    }
  }

  await stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.off(HAND_OVER_SIGNAL, onHandOverSignal);
  return EXIT.ok;
}

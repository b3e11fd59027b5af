/**
 * What `serve` and `stdio` share before their front doors open: the logger at the asked level,
 * the configuration (`--config`, `$SWITCHYARD_CONFIG`, `./switchyard.json`, or the embedded
 * default), a last check of it, and the gateway
 * started, with the backends that failed to start logged. A problem is a number: the exit code,
 * its message already written.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultConfig } from '../config/defaults.ts';
import { type ConfigError, isConfigError } from '../config/errors.ts';
import { loadConfigFile } from '../config/load.ts';
import type { GatewayConfig } from '../config/resolve.ts';
import { type Gateway, startGateway } from '../gateway/gateway.ts';
import { ensurePrefetched } from '../prefetch/ensure.ts';
import { type CliIo, EXIT } from './io.ts';
import { createLogger, isLogLevel, LOG_LEVELS, type Logger } from './logger.ts';
import { usageError } from './usage.ts';

/** The file `./switchyard.json` names when no file is given and SWITCHYARD_CONFIG is unset. */
export const LOCAL_CONFIG = 'switchyard.json';

/**
 * Which configuration file a command reads: `--config <file>`, else `$SWITCHYARD_CONFIG`, else
 * `./switchyard.json` if it exists (relative paths against `io.cwd`, the directory the command was
 * run from); `undefined` for the embedded default.
 */
export function findConfigFile(flag: string | undefined, io: CliIo): string | undefined {
  if (flag !== undefined) return flag;
  const fromEnv = io.env.SWITCHYARD_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return existsSync(resolve(io.cwd, LOCAL_CONFIG)) ? LOCAL_CONFIG : undefined;
}

/** The configuration `findConfigFile` picks, or the embedded default. */
export async function loadConfigOrDefault(flag: string | undefined, io: CliIo): Promise<GatewayConfig> {
  const file = findConfigFile(flag, io);
  return file === undefined ? defaultConfig(io.cwd) : loadConfigFile(file, { env: io.env, cwd: io.cwd });
}

/** The logger of `--log-level` (or `SWITCHYARD_LOG_LEVEL`, or `fallback`). */
export function openLog(requested: string | undefined, io: CliIo, fallback: string): Logger | number {
  const level = requested ?? io.env.SWITCHYARD_LOG_LEVEL ?? fallback;
  if (!isLogLevel(level)) {
    return usageError(io, `--log-level must be one of ${LOG_LEVELS.join(', ')}; found "${level}"`);
  }
  return createLogger(level);
}

export interface Launched {
  config: GatewayConfig;
  gateway: Gateway;
  /** The file the configuration came from (`findConfigFile`), watched for reloads; undefined: the embedded default. */
  file: string | undefined;
}

export async function launch(
  file: string | undefined,
  io: CliIo,
  log: Logger,
  version: string,
  vet?: (config: GatewayConfig) => ConfigError | undefined,
): Promise<Launched | number> {
  try {
    const found = findConfigFile(file, io);
    const config =
      found === undefined ? defaultConfig(io.cwd) : await loadConfigFile(found, { env: io.env, cwd: io.cwd });
    const problem = vet?.(config);
    if (problem) throw problem;
    await ensurePrefetched(config.backends, io.env, log);
    const gateway = await startGateway(config, {
      version,
      onError: (e) => log.error({ err: e }, 'background error'),
      log,
    });
    for (const f of gateway.started.failed) {
      log.error({ backend: f.backend, reason: f.reason }, 'backend failed to start');
    }
    return { config, gateway, file: found };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(error.message);
    return EXIT.invalid;
  }
}

/**
 * Structured JSON logs on stderr (stdout belongs to the URL line of `serve` and to the MCP stream
 * of `stdio`), one object per line, with levels: pino, writing asynchronously (a slow or blocked
 * stderr never stalls the event loop that serves requests) and flushed when the process exits.
 */
import pino, { type Logger } from 'pino';
import { traceFields } from '../telemetry/context.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

export function createLogger(level: LogLevel): Logger {
  return pino(
    // A line logged while a traced request is served carries its trace_id and span_id.
    { level, base: { name: 'switchyard' }, mixin: traceFields },
    pino.destination({ fd: 2, sync: false }),
  );
}

export type { Logger };

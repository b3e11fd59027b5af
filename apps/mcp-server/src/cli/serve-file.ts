/**
 * The serve file: `<journal path>.serve.json`, written by `switchyard serve` once it listens and
 * removed when it exits, says which process serves that journal and where (pid, host, port,
 * started). `serve --takeover` reads it to find the process it takes over from. One journal, one
 * serving process (a takeover is the moment two overlap), so the journal's path names it; an
 * in-memory journal (`:memory:`) has no serve file and cannot be taken over.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface ServeRecord {
  pid: number;
  host: string;
  port: number;
  /** ISO 8601. */
  started: string;
}

/** Where `serve` on `journalPath` writes its record; undefined for an in-memory journal. */
export function serveFilePath(journalPath: string): string | undefined {
  return journalPath === ':memory:' ? undefined : `${journalPath}.serve.json`;
}

/** The record in `file`, or undefined when there is none or it is not one (a torn write, by hand). */
export function readServeFile(file: string): ServeRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const r = parsed as Partial<ServeRecord> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Number.isInteger(r.pid) ||
    typeof r.host !== 'string' ||
    !Number.isInteger(r.port) ||
    typeof r.started !== 'string'
  )
    return undefined;
  return { pid: r.pid as number, host: r.host, port: r.port as number, started: r.started };
}

/** Writes `record` to `file` whole (a temporary file renamed over it): a reader never sees half. */
export function writeServeFile(file: string, record: ServeRecord): void {
  const temporary = `${file}.${record.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Removes `file` if it still names `pid`: after a takeover it names the successor, whose file the
 * predecessor leaves alone when it exits.
 */
export function removeServeFile(file: string, pid: number): void {
  if (readServeFile(file)?.pid !== pid) return;
  rmSync(file, { force: true });
}

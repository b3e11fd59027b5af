/**
 * The tools of the embedded `builtin` backend: small, useful, and handy in tests of the gateway
 * (`sleep` reports progress and honours cancellation).
 *
 * The export is the shape a thread worker runs: `tools[name] = { description, inputSchema,
 * handler(args, context) }`, where `inputSchema` is a zod object and `handler` returns an MCP
 * tool result (text content, plus `structuredContent` where the answer has fields). A tool's own
 * failure (bad base64, a path with no value) is a result with `isError: true`, as MCP asks;
 * only cancellation rejects.
 */
import { z } from 'zod';

export interface ToolContext {
  /** Aborted when the call is cancelled or times out. */
  signal: AbortSignal;
  /** Progress, for clients that asked for it. */
  progress?: (progress: number, total?: number, message?: string) => void;
  /** The clock; `Date.now` unless a test injects one. */
  now?: () => number;
}

export interface ToolResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  description: string;
  inputSchema: S;
  handler(args: z.output<S>, context: ToolContext): ToolResult | Promise<ToolResult>;
}

function define<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition<S> {
  return tool;
}

function text(value: string, structured?: Record<string, unknown>): ToolResult {
  return structured
    ? { content: [{ type: 'text', text: value }], structuredContent: structured }
    : { content: [{ type: 'text', text: value }] };
}

function failure(message: string): ToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `2026-11-25 08:31:02` and `+01:00` for an instant in a zone. */
function inZone(ms: number, timeZone: string): { local: string; offset: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return {
    local: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`,
    offset,
  };
}

/** A value at a dotted path (`a.b.0.c`, `items[2].name`), or `found: false`. */
export function queryPath(
  root: unknown,
  path: string,
): { found: true; value: unknown } | { found: false; at: string } {
  const segments =
    path === ''
      ? []
      : path
          .replace(/\[(\d+)\]/g, '.$1')
          .replace(/^\./, '')
          .split('.');
  let here = root;
  const walked: string[] = [];
  for (const segment of segments) {
    walked.push(segment);
    if (Array.isArray(here) && /^\d+$/.test(segment) && Number(segment) < here.length) {
      here = here[Number(segment)];
    } else if (
      here !== null &&
      typeof here === 'object' &&
      !Array.isArray(here) &&
      Object.hasOwn(here, segment)
    ) {
      here = (here as Record<string, unknown>)[segment];
    } else {
      return { found: false, at: walked.join('.') };
    }
  }
  return { found: true, value: here };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export const tools = {
  echo: define({
    description: 'Returns the text it is given, unchanged.',
    inputSchema: z.object({ text: z.string().describe('The text to return.') }),
    handler: ({ text: value }) => text(value),
  }),

  now: define({
    description:
      'The current time: ISO 8601 in UTC, and the local date, time and UTC offset in an IANA time zone.',
    inputSchema: z.object({
      timeZone: z
        .string()
        .refine(isTimeZone, { error: 'an IANA time zone such as Europe/Paris or UTC' })
        .default('UTC')
        .describe('IANA time zone, e.g. Europe/Paris. Default UTC.'),
    }),
    handler: ({ timeZone }, { now = Date.now }) => {
      const ms = now();
      const { local, offset } = inZone(ms, timeZone);
      const iso = new Date(ms).toISOString();
      return text(`${local} ${timeZone} (UTC${offset}); ${iso}`, { iso, timeZone, local, offset });
    },
  }),

  uuid: define({
    description: 'Random UUIDs: v4 (random) or v7 (time-ordered).',
    inputSchema: z.object({
      version: z.enum(['v4', 'v7']).default('v4').describe('v4 or v7. Default v4.'),
      count: z.number().int().min(1).max(100).default(1).describe('How many, 1 to 100. Default 1.'),
    }),
    handler: ({ version, count }) => {
      const uuids = Array.from({ length: count }, () =>
        version === 'v7' ? Bun.randomUUIDv7() : crypto.randomUUID(),
      );
      return text(uuids.join('\n'), { uuids });
    },
  }),

  hash: define({
    description: 'The sha256, sha1 or md5 digest of a text (UTF-8), in hex or base64.',
    inputSchema: z.object({
      text: z.string().describe('The text to hash, as UTF-8.'),
      algorithm: z.enum(['sha256', 'sha1', 'md5']).default('sha256').describe('Default sha256.'),
      encoding: z.enum(['hex', 'base64']).default('hex').describe('Default hex.'),
    }),
    handler: ({ text: value, algorithm, encoding }) => {
      const digest = new Bun.CryptoHasher(algorithm).update(value).digest(encoding);
      return text(digest, { algorithm, encoding, digest });
    },
  }),

  base64: define({
    description:
      'Encodes UTF-8 text as base64, or decodes base64 to UTF-8 text (standard or URL-safe alphabet).',
    inputSchema: z.object({
      mode: z.enum(['encode', 'decode']).describe('encode or decode.'),
      text: z.string().describe('The text to encode, or the base64 to decode.'),
      urlSafe: z.boolean().default(false).describe('Use the URL-safe alphabet (- and _). Default false.'),
    }),
    handler: ({ mode, text: value, urlSafe }) => {
      const alphabet = urlSafe ? 'base64url' : 'base64';
      if (mode === 'encode') return text(Buffer.from(value, 'utf8').toString(alphabet));
      const compact = value.replace(/\s+/g, '');
      if (!(urlSafe ? BASE64URL : BASE64).test(compact) || (!urlSafe && compact.length % 4 !== 0)) {
        return failure(`not ${urlSafe ? 'URL-safe ' : ''}base64: ${JSON.stringify(value.slice(0, 40))}`);
      }
      return text(Buffer.from(compact, alphabet).toString('utf8'));
    },
  }),

  json_query: define({
    description:
      'The value at a path in a JSON document: dotted keys and array indexes (a.b.0.c or items[0].name); an empty path is the whole document.',
    inputSchema: z.object({
      json: z.string().describe('The JSON text.'),
      path: z.string().describe('The path, e.g. items[0].name.'),
    }),
    handler: ({ json, path }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(json);
      } catch (error) {
        return failure(`not JSON: ${(error as Error).message}`);
      }
      const result = queryPath(doc, path);
      if (!result.found) return failure(`no value at ${result.at}`);
      return text(JSON.stringify(result.value, null, 2) ?? 'undefined', { value: result.value });
    },
  }),

  sleep: define({
    description:
      'Waits, then answers. Reports progress after each of its steps (when the caller asked for progress) and stops at once when cancelled; for trying out progress and cancellation.',
    inputSchema: z.object({
      ms: z.number().int().min(0).max(600_000).describe('How long, in milliseconds (at most 10 minutes).'),
      steps: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(1)
        .describe('Progress reports, evenly spaced. Default 1.'),
    }),
    handler: async ({ ms, steps }, { signal, progress }) => {
      for (let i = 1; i <= steps; i++) {
        await delay(Math.round((ms * i) / steps) - Math.round((ms * (i - 1)) / steps), signal);
        progress?.(i, steps, `${i}/${steps}`);
      }
      return text(`slept ${ms} ms`, { ms });
    },
  }),
} satisfies Record<string, ToolDefinition>;

export type BuiltinToolName = keyof typeof tools;

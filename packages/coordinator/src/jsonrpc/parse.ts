/**
 * The front door's first look at a message: JSON text (or an already parsed value) in, a
 * classification out — one request, notification or response, a batch of them, or the error to
 * answer with. Every fault gets the precise JSON-RPC code:
 *
 * | fault | code | reply |
 * | --- | --- | --- |
 * | not JSON | -32700 | yes, without id |
 * | not an object, `jsonrpc` not `"2.0"`, `method` not a non-empty string, id `null` / fractional / of another type, `params` neither object nor array, `method` together with `result`/`error` | -32600 | yes (with the id when it could be read) |
 * | a batch where the revision has none, an empty batch, a batch longer than `maxBatchLength`, a batch mixing requests and responses | -32600 | yes, without id |
 * | `params` an array (MCP uses named params), `params` larger than `maxParamsBytes` | -32602 | for a request; a notification is dropped |
 * | a malformed response (both `result` and `error`, bad id, bad error object) | -32600 | never: nobody answers a response |
 *
 * Decision — oversized params are -32602, not -32600: the envelope is a well-formed request whose
 * id we know, so the client gets a correlated answer; it is what is *in* params that this server
 * will not take, which is what -32602 means. `error.data` carries `{ limit, size }` in bytes, size
 * measured as compact JSON (UTF-8). The whole-body limit is the front door's (HTTP 413), before this.
 *
 * The envelope is checked by hand rather than with zod: it is on every message's path and each
 * fault needs its own code; zod validates what sits inside params (see `params.ts`).
 */
import { z } from 'zod';
import { InvalidConfigError } from '../errors.ts';
import { describeIssues, readableIssues } from '../issues.ts';
import { jsonBytesAtMost } from './json-size-bound.ts';
import { errorResponse, invalidParams, invalidRequest, parseError } from './responses.ts';
import {
  isJsonObject,
  isRequestId,
  JSONRPC_VERSION,
  type JsonObject,
  type JsonRpcErrorResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from './types.ts';

/** One message of the input, classified. */
export type MessageEntry =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  /** `reply`: whether JSON-RPC wants `error` sent back (false for notifications and responses). */
  | { kind: 'invalid'; error: JsonRpcErrorResponse; reply: boolean };

/** What the input as a whole was. `rejected` is always answered with `error`. */
export type ParseOutcome =
  | { kind: 'single'; entry: MessageEntry }
  | { kind: 'batch'; entries: MessageEntry[] }
  | { kind: 'rejected'; error: JsonRpcErrorResponse };

const ParserOptionsSchema = z.strictObject({
  allowBatch: z.boolean().optional(),
  maxBatchLength: z.number().int().positive().optional(),
  maxParamsBytes: z.number().positive().optional(),
});

export interface MessageParserOptions {
  /** Accept a JSON array of messages (only MCP 2025-03-26 has batches). Default false. */
  allowBatch?: boolean;
  /** The most messages one batch may hold. Default 100. */
  maxBatchLength?: number;
  /** The largest `params` accepted, in bytes of compact UTF-8 JSON. Default 4 MiB; `Infinity` for none. */
  maxParamsBytes?: number;
}

export const DEFAULT_MAX_PARAMS_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_LENGTH = 100;

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

function invalid(error: JsonRpcErrorResponse, reply: boolean): MessageEntry {
  return { kind: 'invalid', error, reply };
}

/** Parses and classifies JSON-RPC input under one set of limits. */
export class MessageParser {
  readonly allowBatch: boolean;
  readonly maxBatchLength: number;
  readonly maxParamsBytes: number;

  constructor(options: MessageParserOptions = {}) {
    const checked = ParserOptionsSchema.safeParse(options);
    if (!checked.success) {
      throw new InvalidConfigError('message parser options', [describeIssues(readableIssues(checked.error))]);
    }
    this.allowBatch = options.allowBatch ?? false;
    this.maxBatchLength = options.maxBatchLength ?? DEFAULT_MAX_BATCH_LENGTH;
    this.maxParamsBytes = options.maxParamsBytes ?? DEFAULT_MAX_PARAMS_BYTES;
  }

  /** Classifies JSON text: a parse error, one message, or a batch. */
  parse(text: string): ParseOutcome {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { kind: 'rejected', error: parseError(e instanceof Error ? e.message : String(e)) };
    }
    // No part of the text can be larger than all of it, and UTF-8 is at most 3 bytes per UTF-16 unit.
    return this.classify(value, text.length * 3 > this.maxParamsBytes);
  }

  /** Classifies a value already parsed from JSON. */
  classify(value: unknown, measureParams = true): ParseOutcome {
    if (!Array.isArray(value)) return { kind: 'single', entry: this.classifyOne(value, measureParams) };
    if (!this.allowBatch) {
      return {
        kind: 'rejected',
        error: invalidRequest(
          undefined,
          'JSON-RPC batches are not accepted; of the MCP revisions only 2025-03-26 allows them',
        ),
      };
    }
    if (value.length === 0)
      return { kind: 'rejected', error: invalidRequest(undefined, 'the batch is empty') };
    if (value.length > this.maxBatchLength) {
      return {
        kind: 'rejected',
        error: invalidRequest(
          undefined,
          `the batch holds ${value.length} messages, more than ${this.maxBatchLength}`,
        ),
      };
    }
    const entries = value.map((v) => this.classifyOne(v, measureParams));
    const calls = entries.some((e) => e.kind === 'request' || e.kind === 'notification');
    if (calls && entries.some((e) => e.kind === 'response')) {
      return {
        kind: 'rejected',
        error: invalidRequest(undefined, 'a batch holds requests and notifications, or responses, not both'),
      };
    }
    return { kind: 'batch', entries };
  }

  private classifyOne(value: unknown, measureParams: boolean): MessageEntry {
    if (!isJsonObject(value)) {
      return invalid(
        invalidRequest(undefined, `a message must be a JSON object, not ${describe(value)}`),
        true,
      );
    }
    const hasMethod = 'method' in value;
    const isResponse = !hasMethod && ('result' in value || 'error' in value);
    const readableId = isRequestId(value.id) ? value.id : undefined;
    if (value.jsonrpc !== JSONRPC_VERSION) {
      const problem =
        value.jsonrpc === undefined
          ? '"jsonrpc" is missing; it must be "2.0"'
          : `"jsonrpc" must be "2.0", not ${describe(value.jsonrpc)}`;
      return invalid(invalidRequest(readableId, problem), !isResponse);
    }
    if (hasMethod) return this.classifyCall(value, readableId, measureParams);
    if (isResponse) return classifyResponse(value, readableId);
    return invalid(
      invalidRequest(
        readableId,
        'a message needs "method" (a request or notification) or "result" / "error" (a response)',
      ),
      true,
    );
  }

  private classifyCall(
    value: JsonObject,
    readableId: RequestId | undefined,
    measureParams: boolean,
  ): MessageEntry {
    if ('result' in value || 'error' in value) {
      return invalid(
        invalidRequest(readableId, 'a message cannot carry "method" and "result" / "error"'),
        true,
      );
    }
    const method = value.method;
    if (typeof method !== 'string' || method === '') {
      return invalid(
        invalidRequest(readableId, `"method" must be a non-empty string, not ${describe(method)}`),
        true,
      );
    }
    const isRequest = 'id' in value && value.id !== undefined;
    if (isRequest && readableId === undefined) {
      const problem =
        value.id === null
          ? '"id" must not be null: MCP requests carry a string or integer id'
          : `"id" must be a string or an integer, not ${describe(value.id)}`;
      return invalid(invalidRequest(undefined, problem), true);
    }
    const params = value.params;
    if (params !== undefined) {
      if (Array.isArray(params)) {
        return invalid(
          invalidParams(readableId, `"params" of ${method} must be an object: MCP passes parameters by name`),
          isRequest,
        );
      }
      if (!isJsonObject(params)) {
        return invalid(
          invalidRequest(readableId, `"params" must be an object, not ${describe(params)}`),
          true,
        );
      }
      // Exactly measured (a serialization) only when a cheap bound cannot tell it is within the limit.
      if (
        measureParams &&
        Number.isFinite(this.maxParamsBytes) &&
        jsonBytesAtMost(params, this.maxParamsBytes) > this.maxParamsBytes
      ) {
        const size = utf8ByteLength(JSON.stringify(params));
        if (size > this.maxParamsBytes) {
          return invalid(
            invalidParams(
              readableId,
              `"params" of ${method} is ${size} bytes, more than the limit of ${this.maxParamsBytes}`,
              { limit: this.maxParamsBytes, size },
            ),
            isRequest,
          );
        }
      }
    }
    if (isRequest) {
      const message: JsonRpcRequest = { jsonrpc: JSONRPC_VERSION, id: readableId!, method };
      if (params !== undefined) message.params = params as JsonObject;
      return { kind: 'request', message };
    }
    const message: JsonRpcNotification = { jsonrpc: JSONRPC_VERSION, method };
    if (params !== undefined) message.params = params as JsonObject;
    return { kind: 'notification', message };
  }
}

function classifyResponse(value: JsonObject, readableId: RequestId | undefined): MessageEntry {
  const bad = (problem: string) =>
    invalid(invalidRequest(readableId, `malformed response: ${problem}`), false);
  if ('result' in value && 'error' in value) return bad('it carries both "result" and "error"');
  if ('result' in value) {
    if (readableId === undefined)
      return bad(`"id" must be a string or an integer, not ${describe(value.id)}`);
    if (!isJsonObject(value.result)) return bad(`"result" must be an object, not ${describe(value.result)}`);
    return { kind: 'response', message: { jsonrpc: JSONRPC_VERSION, id: readableId, result: value.result } };
  }
  if (readableId === undefined && value.id !== undefined && value.id !== null) {
    return bad(`"id" must be a string, an integer or null, not ${describe(value.id)}`);
  }
  const error = value.error;
  if (!isJsonObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') {
    return bad('"error" must be an object with an integer "code" and a string "message"');
  }
  const object =
    error.data === undefined
      ? { code: error.code as number, message: error.message }
      : { code: error.code as number, message: error.message, data: error.data };
  return { kind: 'response', message: errorResponse(readableId, object) };
}

/**
 * The gateway's OTLP/HTTP span exporter: each export request written whole (on the span thread:
 * `request-json.ts`, `request-protobuf.ts`; the SDK's spans as JSON: `otlp-json.ts`) and POSTed
 * with the runtime's `fetch`. `@opentelemetry/exporter-trace-otlp-http` built a tree of
 * objects per span, stringified it and sent it through `node:http`, which on Bun cost the gateway
 * about a sixth of its CPU with every call traced (measured with the telemetry bench). Like it: the
 * configured headers, a deadline per request, a few retries with backoff when the collector
 * answers 429 / 502 / 503 / 504 or cannot be reached, and a failed export dropped (the batch
 * processor goes on).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { exportTraceRequestJson } from './otlp-json.ts';

export interface SpanExporterOptions {
  url: string;
  headers?: Record<string, string>;
  /** Deadline of each POST, ms. Default 10 s. */
  timeoutMs?: number;
  /** Tries per batch (the first included). Default 3. */
  attempts?: number;
  /** The first retry's delay, ms; doubled for each next one. Default 500. */
  backoffMs?: number;
  /** The bodies' `content-type`: `application/json` (default) or `application/x-protobuf`. */
  contentType?: string;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

export class OtlpSpanExporter implements SpanExporter {
  private readonly pending = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly headers: Record<string, string>;

  constructor(private readonly options: SpanExporterOptions) {
    this.headers = { ...options.headers, 'content-type': options.contentType ?? 'application/json' };
  }

  /** The SDK's spans, as OTLP JSON (for an exporter whose `contentType` is JSON's). */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopping.signal.aborted) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
      return;
    }
    if (this.headers['content-type'] !== 'application/json') {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error('export() writes OTLP JSON: this exporter sends another content type'),
      });
      return;
    }
    void this.post(exportTraceRequestJson(spans)).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) =>
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
  }

  /**
   * POSTs one export request already written (`span-batches.ts`); rejects when it could not be
   * sent, after the retries, or once the exporter is shut down.
   */
  post(body: string | Uint8Array): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new Error('the exporter is shut down'));
    const sent = this.send(body);
    const settled = sent.catch(() => undefined);
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    return sent;
  }

  private async send(body: string | Uint8Array): Promise<void> {
    const { url, timeoutMs = 10_000, attempts = 3, backoffMs = 500 } = this.options;
    for (let attempt = 1; ; attempt++) {
      let retryable: boolean;
      let failure: Error;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopping.signal]),
        });
        // The collector's answer is not needed, but its body is read so the connection is reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        retryable = RETRYABLE.has(response.status);
        failure = new Error(`the collector answered HTTP ${response.status}`);
      } catch (error) {
        retryable = !this.stopping.signal.aborted;
        failure = error instanceof Error ? error : new Error(String(error));
      }
      if (!retryable || attempt >= attempts) throw failure;
      await sleep(backoffMs * 2 ** (attempt - 1));
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopping.abort();
  }
}

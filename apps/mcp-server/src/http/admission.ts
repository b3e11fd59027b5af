/**
 * Gateway-wide admission at the front door (`switchyard.admission`): a token bucket per principal
 * (refused → 429 with `Retry-After`) and one bulkhead for all MCP POSTs (a concurrency limit and a
 * bounded queue with a wait limit; refused → 503 with `Retry-After`). A permit is held until the
 * answer has been sent in full (an SSE answer: until its stream ends or the client goes away).
 */

import { INTERNAL_ERROR } from '@switchyard/coordinator';
import {
  Bulkhead,
  type Clock,
  FixedLimiter,
  KeyedRateLimiter,
  type Permit,
  systemClock,
} from '@switchyard/flow-balancer';
import { rpcError } from './answers.ts';

export interface AdmissionSettings {
  rateLimit: false | { perSecond: number; burst?: number };
  concurrency: number;
  queue: number;
  queueTimeoutMs: number;
}

export type AdmissionResult =
  | { ok: true; release: (response: Response) => Response }
  | { ok: false; response: Response; reason: 'rate-limit' | 'overload' };

/**
 * A response whose body, when fully read or cancelled, calls `done` (once). Only streams are
 * wrapped: a JSON or empty answer is complete when it is made, so `done` is called at once.
 */
function onBodyEnd(response: Response, done: () => void): Response {
  // The content type first: reading `body` of a JSON answer would make Bun turn it into a stream.
  if (response.headers.get('content-type') !== 'text/event-stream' || !response.body) {
    done();
    return response;
  }
  const reader = response.body.getReader();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export class FrontAdmission {
  private readonly rate: KeyedRateLimiter | undefined;
  private readonly bulkhead: Bulkhead;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly clock: Clock = systemClock,
  ) {
    const limit = settings.rateLimit;
    this.rate =
      limit === false
        ? undefined
        : new KeyedRateLimiter({
            ratePerSecond: limit.perSecond,
            burst: limit.burst ?? limit.perSecond,
            clock,
          });
    this.bulkhead = new Bulkhead({
      limiter: new FixedLimiter({ limit: settings.concurrency }),
      queueCapacity: settings.queue,
      clock,
    });
  }

  async admit(principal: string | null): Promise<AdmissionResult> {
    const taken = this.rate?.tryTake(principal ?? '');
    if (taken && !taken.ok) {
      const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      return {
        ok: false,
        reason: 'rate-limit',
        response: rpcError(429, INTERNAL_ERROR, `Too many requests: over ${this.rateWords()}`, {
          headers: { 'retry-after': String(seconds) },
          data: { retryAfterMs: Math.ceil(taken.retryAfterMs) },
        }),
      };
    }
    let permit: Permit;
    const started = this.clock.now();
    try {
      permit = await this.bulkhead.acquire({ deadline: started + this.settings.queueTimeoutMs });
    } catch (error) {
      return {
        ok: false,
        reason: 'overload',
        response: rpcError(503, INTERNAL_ERROR, `Overloaded: ${(error as Error).message}`, {
          headers: { 'retry-after': '1' },
        }),
      };
    }
    return {
      ok: true,
      release: (response) =>
        onBodyEnd(response, () =>
          permit.release({
            latencyMs: Math.max(0, this.clock.now() - started),
            outcome: response.status < 500 ? 'success' : 'failure',
          }),
        ),
    };
  }

  private rateWords(): string {
    const limit = this.settings.rateLimit;
    return limit === false ? '' : `${limit.perSecond} requests per second for this client`;
  }
}

/**
 * Admission at the front door, per principal first, then for the gateway (`switchyard.admission`,
 * `switchyard.limits.streamsPerPrincipal`). It is asked once the request's body has been read:
 *
 * 1. a token bucket per principal (`rateLimit`), each message of a batch one token; refused → 429;
 * 2. calls: the principal's fair share (`concurrencyPerPrincipal`, or its own entry of
 *    `principals`: a bulkhead per principal, with as many waiting as running), refused → 429; then
 *    the gateway-wide bulkhead (`concurrency`, `queue`, `queueTimeoutMs`), refused → 503;
 * 3. long-lived streams (a GET stream, a 2026 `subscriptions/listen`, `/dashboard/events`) take no
 *    call slot: they count against `streamsPerPrincipal`, refused → 429.
 *
 * Every refusal carries `Retry-After` and a JSON-RPC error body. A permit is held until the answer
 * has been sent in full (an SSE answer: until its stream ends or the client goes away).
 */

import { INTERNAL_ERROR, LIMIT_REACHED } from '@switchyard/coordinator';
import {
  Bulkhead,
  type Clock,
  FixedLimiter,
  KeyedBulkhead,
  KeyedRateLimiter,
  type Permit,
  systemClock,
} from '@switchyard/flow-balancer';
import type { RefusalReason } from '../metrics/metrics.ts';
import { rpcError } from './answers.ts';

export interface AdmissionSettings {
  rateLimit: false | { perSecond: number; burst?: number };
  concurrency: number;
  queue: number;
  queueTimeoutMs: number;
  /** A principal's requests in flight, unless `principals` names it. */
  concurrencyPerPrincipal: number;
  /** Shares that differ from `concurrencyPerPrincipal`, by principal. */
  principals: Readonly<Record<string, { concurrency: number }>>;
  /** Long-lived streams of one principal. */
  streamsPerPrincipal: number;
}

export type Release = (response: Response) => Response;

export type AdmissionResult =
  | { ok: true; release: Release }
  | { ok: false; response: Response; reason: RefusalReason };

/** What is being admitted: `messages` tokens of the rate limit; a stream or a call. */
export interface AdmitRequest {
  messages?: number;
  stream?: boolean;
}

/**
 * A response whose body, when fully read or cancelled, calls `done` (once). Only streams are
 * wrapped: a JSON or empty answer is complete when it is made, so `done` is called at once.
 */
export function onBodyEnd(response: Response, done: () => void): Response {
  // The content type first: reading `body` of a JSON answer would make Bun turn it into a stream.
  if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) {
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

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** Where the rate limit's tokens come from: this process's buckets, or the cluster's (Redis). */
export interface RateGate {
  take(
    key: string,
    n: number,
  ):
    | { ok: true }
    | { ok: false; retryAfterMs: number }
    | Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

export class FrontAdmission {
  private readonly rate: RateGate | undefined;
  private readonly bulkhead: Bulkhead;
  /** Each principal's share (as many may wait as run); only principals with calls are held. */
  private readonly shares: KeyedBulkhead<string>;
  /** Open long-lived streams by principal (only those with one or more). */
  private readonly streams = new Map<string, number>();

  /** `rate`: the buckets to take tokens from, when not this process's own (a cluster-wide limit). */
  constructor(
    private readonly settings: AdmissionSettings,
    private readonly clock: Clock = systemClock,
    rate?: RateGate,
  ) {
    const limit = settings.rateLimit;
    this.rate = limit === false ? undefined : (rate ?? localRate(limit, clock));
    this.bulkhead = new Bulkhead({
      limiter: new FixedLimiter({ limit: settings.concurrency }),
      queueCapacity: settings.queue,
      clock,
    });
    this.shares = new KeyedBulkhead({ limit: (principal: string) => this.shareOf(principal), clock });
  }

  /** Calls and streams held now (tests, metrics). */
  stats(): { inFlight: number; queued: number; principals: number; streams: number } {
    let streams = 0;
    for (const n of this.streams.values()) streams += n;
    return {
      inFlight: this.bulkhead.inFlight,
      queued: this.bulkhead.queued,
      principals: this.shares.size,
      streams,
    };
  }

  /** The principal's share of calls in flight. */
  shareOf(principal: string): number {
    return Object.hasOwn(this.settings.principals, principal)
      ? (this.settings.principals[principal]?.concurrency ?? this.settings.concurrencyPerPrincipal)
      : this.settings.concurrencyPerPrincipal;
  }

  /** Synchronous while there is room and no rate limit to ask (the common case on the hot path). */
  admit(principal: string, request: AdmitRequest = {}): AdmissionResult | Promise<AdmissionResult> {
    if (!this.rate) return request.stream ? this.openStream(principal) : this.call(principal);
    return this.limited(principal, request);
  }

  private async limited(principal: string, request: AdmitRequest): Promise<AdmissionResult> {
    const messages = Math.max(1, request.messages ?? 1);
    if (this.rate) {
      // A batch larger than the bucket could never pass: refused with the bucket's size named.
      const pending = this.rate.take(principal, Math.min(messages, this.burst()));
      const taken = pending instanceof Promise ? await pending : pending;
      if (!taken.ok || messages > this.burst()) {
        const retryMs = taken.ok ? 1000 : taken.retryAfterMs;
        return {
          ok: false,
          reason: 'rate-limit',
          response: rpcError(
            429,
            LIMIT_REACHED,
            `Too many requests: over ${this.rateWords()}` +
              (messages > 1 ? ` (this batch counts ${messages})` : ''),
            {
              headers: { 'retry-after': seconds(retryMs) },
              data: { limit: 'rateLimit', ...this.rateData(), retryAfterMs: Math.ceil(retryMs) },
            },
          ),
        };
      }
    }
    return request.stream ? this.openStream(principal) : this.call(principal);
  }

  /** A long-lived stream of `principal` (its body's end closes it), or a 429. */
  openStream(principal: string): AdmissionResult {
    const open = this.streams.get(principal) ?? 0;
    const max = this.settings.streamsPerPrincipal;
    if (open >= max) {
      return {
        ok: false,
        reason: 'streams',
        response: rpcError(
          429,
          LIMIT_REACHED,
          `Too many open streams: this client holds ${open} (limit streamsPerPrincipal: ${max}); close one first`,
          { headers: { 'retry-after': '5' }, data: { limit: 'streamsPerPrincipal', max } },
        ),
      };
    }
    this.streams.set(principal, open + 1);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const left = (this.streams.get(principal) ?? 1) - 1;
      if (left <= 0) this.streams.delete(principal);
      else this.streams.set(principal, left);
    };
    return { ok: true, release: (response) => onBodyEnd(response, close) };
  }

  /** A call slot: the principal's share, then the gateway's; at once when both have room. */
  private call(principal: string): AdmissionResult | Promise<AdmissionResult> {
    const started = this.clock.now();
    const own = this.shares.tryAcquire(principal);
    if (own === undefined) return this.waitForShare(principal, started);
    const permit = this.bulkhead.tryAcquire();
    if (permit === undefined) return this.waitForSlot(started, own);
    return this.granted(started, own, permit);
  }

  /** The principal's share is full (or others of it wait): wait up to `queueTimeoutMs`, or 429. */
  private async waitForShare(principal: string, started: number): Promise<AdmissionResult> {
    let own: Permit;
    try {
      own = await this.shares.acquire(principal, { deadline: started + this.settings.queueTimeoutMs });
    } catch (error) {
      const max = this.shareOf(principal);
      return {
        ok: false,
        reason: 'principal-share',
        response: rpcError(
          429,
          LIMIT_REACHED,
          `Too many requests in flight for this client (limit concurrencyPerPrincipal: ${max}): ${(error as Error).message}`,
          { headers: { 'retry-after': '1' }, data: { limit: 'concurrencyPerPrincipal', max } },
        ),
      };
    }
    return this.waitForSlot(started, own);
  }

  /** With the principal's share held: a gateway slot, waited for up to the same deadline, or 503. */
  private async waitForSlot(started: number, own: Permit): Promise<AdmissionResult> {
    let permit: Permit;
    try {
      permit = await this.bulkhead.acquire({ deadline: started + this.settings.queueTimeoutMs });
    } catch (error) {
      this.releaseShare(own, started, false);
      return {
        ok: false,
        reason: 'overload',
        response: rpcError(503, INTERNAL_ERROR, `Overloaded: ${(error as Error).message}`, {
          headers: { 'retry-after': '1' },
        }),
      };
    }
    return this.granted(started, own, permit);
  }

  /** Released, the principal's share is forgotten once it holds no other call. */
  private releaseShare(own: Permit, started: number, ok: boolean): void {
    own.release({
      latencyMs: Math.max(0, this.clock.now() - started),
      outcome: ok ? 'success' : 'failure',
    });
  }

  /** Both held: released once the answer has been sent. */
  private granted(started: number, own: Permit, permit: Permit): AdmissionResult {
    return {
      ok: true,
      release: (response) =>
        onBodyEnd(response, () => {
          const ok = response.status < 500;
          permit.release({
            latencyMs: Math.max(0, this.clock.now() - started),
            outcome: ok ? 'success' : 'failure',
          });
          this.releaseShare(own, started, ok);
        }),
    };
  }

  private burst(): number {
    const limit = this.settings.rateLimit;
    return limit === false ? Number.POSITIVE_INFINITY : (limit.burst ?? limit.perSecond);
  }

  private rateData(): { perSecond: number; burst: number } | undefined {
    const limit = this.settings.rateLimit;
    return limit === false
      ? undefined
      : { perSecond: limit.perSecond, burst: limit.burst ?? limit.perSecond };
  }

  private rateWords(): string {
    const limit = this.settings.rateLimit;
    return limit === false ? '' : `${limit.perSecond} requests per second for this client`;
  }
}

function localRate(limit: { perSecond: number; burst?: number }, clock: Clock): RateGate {
  const buckets = new KeyedRateLimiter({
    ratePerSecond: limit.perSecond,
    burst: limit.burst ?? limit.perSecond,
    clock,
  });
  return { take: (key, n) => buckets.tryTake(key, n) };
}

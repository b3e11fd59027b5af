/**
 * `admission.rateLimit.scope: "cluster"`: one token bucket per principal shared by every node, kept
 * in the cluster's Redis (a Lua script, on Redis's own clock, so nodes' clocks do not matter). A
 * principal gets `perSecond` across the cluster, not on each node. When Redis cannot be reached the
 * request is let through (a rate limit is not worth refusing every client for) and the operator is
 * told once per outage.
 */
import type { SharedRedis } from '@switchyard/journal';
import type { RateGate } from '../http/admission.ts';

/** ARGV: key, tokens per ms, burst, n, ttl ms → { 1, 0 } taken, or { 0, ms until n are there }. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst, n = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', ARGV[1], 'tokens', 'ts')
local tokens, ts = tonumber(h[1]) or burst, tonumber(h[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local ok = 0
local wait = 0
if tokens >= n then
  tokens = tokens - n
  ok = 1
else
  wait = math.ceil((n - tokens) / rate)
end
redis.call('HSET', ARGV[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', ARGV[1], ARGV[5])
return { ok, wait }
`;

export interface ClusterRateOptions {
  redis: Pick<SharedRedis, 'send'>;
  keyPrefix: string;
  perSecond: number;
  burst: number;
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

export class ClusterRateLimit implements RateGate {
  #sha: string | undefined;
  #failing = false;

  constructor(private readonly options: ClusterRateOptions) {}

  async take(key: string, n: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    const { perSecond, burst, keyPrefix } = this.options;
    // The bucket's key lives as long as it takes to fill up again, and a little more.
    const ttlMs = Math.ceil((burst / perSecond) * 1000) + 1_000;
    const args = [
      `${keyPrefix}rate:${key}`,
      String(perSecond / 1000),
      String(burst),
      String(n),
      String(ttlMs),
    ];
    try {
      const reply = (await this.#eval(args)) as [number, number];
      if (this.#failing) {
        this.#failing = false;
        this.options.warn?.({}, 'the cluster rate limit reaches Redis again');
      }
      return Number(reply[0]) === 1 ? { ok: true } : { ok: false, retryAfterMs: Number(reply[1]) };
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.options.warn?.(
          { err: error },
          'the cluster rate limit cannot reach Redis: requests are let through until it can',
        );
      }
      return { ok: true };
    }
  }

  async #eval(args: string[]): Promise<unknown> {
    const { redis } = this.options;
    if (this.#sha !== undefined) {
      try {
        return await redis.send('EVALSHA', [this.#sha, '0', ...args]);
      } catch (error) {
        if (!String((error as Error)?.message ?? error).includes('NOSCRIPT')) throw error;
      }
    }
    const sha = (await redis.send('SCRIPT', ['LOAD', TAKE])) as string;
    this.#sha = sha;
    return redis.send('EVALSHA', [sha, '0', ...args]);
  }
}

/**
 * `@opentelemetry/sdk-trace`'s `TraceIdRatioBasedSampler` — the same decision for the same trace
 * id and ratio — for the trace ids the gateway's tracer hands a sampler (`lean-tracer.ts`): its own
 * (valid by construction) or a parent's it has checked. The SDK's checks each id again with a
 * regular expression, which was a tenth of what starting a root span cost; and at a ratio of 0 or
 * 1 the id is not read at all (the XOR of its words was ~0.4% of a gateway's samples at 0%).
 */
import { type Context, SamplingDecision } from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const NOT_SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export class CheckedIdsRatioSampler implements Sampler {
  private readonly ratio: number;
  private readonly upperBound: number;

  constructor(ratio = 0) {
    this.ratio = typeof ratio !== 'number' || Number.isNaN(ratio) ? 0 : Math.min(1, Math.max(0, ratio));
    this.upperBound = this.ratio === 1 ? 4_294_967_296 : Math.floor(this.ratio * 4_294_967_295);
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    const { upperBound } = this;
    // Nothing (0) and everything (1), the usual settings, decide without reading the id.
    if (upperBound === 0) return NOT_SAMPLED;
    if (upperBound > 4_294_967_295) return SAMPLED;
    return accumulate(traceId) < upperBound ? SAMPLED : NOT_SAMPLED;
  }

  toString(): string {
    return `TraceIdRatioBased{${this.ratio}}`;
  }
}

/** The SDK's: the trace id's four 32-bit words XORed. */
function accumulate(traceId: string): number {
  let accumulation = 0;
  for (let i = 0; i < 32; i += 8) {
    let part = 0;
    for (let j = 0; j < 8; j++) {
      const c = traceId.charCodeAt(i + j);
      const v = c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87;
      part = (part << 4) | v;
    }
    accumulation = (accumulation ^ part) >>> 0;
  }
  return accumulation;
}

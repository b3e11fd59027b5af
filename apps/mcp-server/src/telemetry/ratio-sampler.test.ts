import { ROOT_CONTEXT } from '@opentelemetry/api';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { IdSource } from './ids.ts';
import { CheckedIdsRatioSampler } from './ratio-sampler.ts';

describe('CheckedIdsRatioSampler', () => {
  it('decides as the SDK’s TraceIdRatioBasedSampler for every valid trace id and ratio', () => {
    const ids = new IdSource();
    const traceIds = Array.from({ length: 4_000 }, () => ids.traceId());
    traceIds.push(
      'ffffffffffffffffffffffffffffffff',
      '0000000000000000000000000000000f',
      'ABCDEF0123456789abcdef0123456789',
    );
    for (const ratio of [0, 1e-9, 0.1, 0.25, 0.5, 0.999, 1, 2, -1, Number.NaN]) {
      const ours = new CheckedIdsRatioSampler(ratio);
      const sdk = new TraceIdRatioBasedSampler(ratio);
      expect(ours.toString()).toBe(sdk.toString());
      for (const id of traceIds)
        expect(ours.shouldSample(ROOT_CONTEXT, id).decision).toBe(
          sdk.shouldSample(ROOT_CONTEXT, id).decision,
        );
    }
  });
});

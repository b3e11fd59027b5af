import { defineSwitchyardConfig } from '../vitest/config.ts';

export default defineSwitchyardConfig({ serial: true, testTimeoutMs: 240_000 });

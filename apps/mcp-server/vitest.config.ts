import { defineSwitchyardConfig } from '../../tooling/vitest/config.ts';

export default defineSwitchyardConfig();

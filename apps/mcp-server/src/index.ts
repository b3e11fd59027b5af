/**
 * What the gateway's configuration layer offers the rest of the app: loading and validating a
 * configuration, its types, its errors, and the embedded default.
 */
export { DEFAULT_CONFIG, DEFAULT_SOURCE, defaultConfig } from './config/defaults.ts';
export type { Environment } from './config/env.ts';
export { ConfigError, type ConfigIssue, formatIssue, isConfigError } from './config/errors.ts';
export { configJsonSchema } from './config/json-schema.ts';
export {
  type LoadOptions,
  loadConfigFile,
  type ParseOptions,
  parseConfigText,
  parseConfigValue,
} from './config/load.ts';
export type { BackendConfig, BackendKind, GatewayConfig, GatewaySettings } from './config/resolve.ts';
export { CLIENT_KEYS, type ConfigFileInput, ConfigFileSchema, ServerEntrySchema } from './config/schema.ts';

/**
 * The little of `oidc-provider` the tests use (it ships no types): a provider built from a
 * configuration, and its Node request listener.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    // biome-ignore lint/suspicious/noExplicitAny: the grant handler's context is the provider's own
    registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params?: string[]): void;
  }

  class ProviderError extends Error {
    constructor(description?: string);
  }
  export const errors: {
    InvalidRequest: typeof ProviderError;
    InvalidGrant: typeof ProviderError;
    InvalidTarget: typeof ProviderError;
  };
}

/**
 * A `fetch` that sets headers got per request (a backend's exchanged token, fetched or cached by
 * token exchange) on every request of a remote's transport — the POSTs, the event stream's GET, the
 * session's DELETE — over the headers the transport built. When the headers cannot be had, the
 * request is not sent and the failure is the request's: a `CredentialsUnavailableError` whose
 * message (and cause) is the reason (e.g. a `TokenExchangeError`'s).
 */

/** A request's credentials could not be had (e.g. the token exchange failed): it was not sent. */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export function withCredentials(
  base: typeof fetch,
  credentials: (signal: AbortSignal | undefined) => Promise<Record<string, string>>,
): typeof fetch {
  return Object.assign(
    async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const signal = init?.signal ?? undefined;
      let extra: Record<string, string>;
      try {
        extra = await credentials(signal);
      } catch (e) {
        // A request given up on fails as given up, not as refused.
        if (signal?.aborted) throw e;
        throw new CredentialsUnavailableError(e);
      }
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(extra)) headers.set(name, value);
      return base(input, { ...init, headers });
    },
    { preconnect: fetch.preconnect },
  );
}

/**
 * A `fetch` that sets headers got per request (a backend's exchanged token, fetched or cached by
 * token exchange) on every request of a remote's transport — the POSTs, the event stream's GET, the
 * session's DELETE — over the headers the transport built. When the headers cannot be had, the
 * request is not sent and the failure (a `TokenExchangeError`) is the request's.
 */
export function withCredentials(
  base: typeof fetch,
  credentials: (signal: AbortSignal | undefined) => Promise<Record<string, string>>,
): typeof fetch {
  return Object.assign(
    async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const extra = await credentials(init?.signal ?? undefined);
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(extra)) headers.set(name, value);
      return base(input, { ...init, headers });
    },
    { preconnect: fetch.preconnect },
  );
}

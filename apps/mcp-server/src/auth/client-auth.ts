/**
 * The gateway authenticating as its own confidential client at the authorization server
 * (`client_secret_basic`, RFC 6749 §2.3.1): client id and secret form-urlencoded, then Basic.
 */
export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${btoa(`${enc(clientId)}:${enc(secret)}`)}`;
}

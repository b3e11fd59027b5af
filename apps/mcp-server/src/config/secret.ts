/**
 * A credential read from the configuration (a backend's header, a client secret): its value is had
 * by `reveal()` only. Printed, logged (pino serializes with `toJSON`), inspected (`console.log`,
 * `Bun.inspect`) or turned into a string, it is `[redacted …]` — never the value — so a
 * configuration object can be logged, dumped or put on the dashboard without leaking one.
 *
 * The redacted form carries a fingerprint: an HMAC of the value under a key drawn once per process.
 * Two configurations compare equal as JSON (`planReload`) exactly when their secrets are equal, so a
 * credential changed in its file or variable replaces the backend on reload; the fingerprint says
 * nothing of the value, and is meaningless across processes.
 */
import { createHmac, randomBytes } from 'node:crypto';

const FINGERPRINT_KEY = randomBytes(32);
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  readonly #value: string;
  readonly #redacted: string;

  constructor(value: string) {
    this.#value = value;
    const mac = createHmac('sha256', FINGERPRINT_KEY).update(value).digest('base64url').slice(0, 12);
    this.#redacted = `[redacted ${mac}]`;
  }

  /** The credential itself: for the request that carries it, nothing else. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return this.#redacted;
  }

  toString(): string {
    return this.#redacted;
  }

  [INSPECT](): string {
    return this.#redacted;
  }
}

/** A record of secrets as the plain strings a request carries. */
export function revealAll(secrets: Readonly<Record<string, Secret>>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v.reveal()]));
}

/**
 * What the nodes of a cluster compare: a hash of the configuration a node runs, leaving out what
 * differs from node to node by design (its journal file, its cluster identity and address, where it
 * listens) and every secret (tokens, passwords, client secrets are replaced before hashing, so the
 * hash says nothing about them and nodes with the same secrets agree).
 */
import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../config/resolve.ts';
import { Secret } from '../config/secret.ts';

const SECRET_KEYS = new Set(['token', 'secret', 'clientSecret', 'password']);

export function configHash(config: GatewayConfig): string {
  const { cluster: _cluster, listen: _listen, journal, ...settings } = config.settings;
  const { path: _path, ...sharedJournal } = journal;
  const text = JSON.stringify(
    { backends: config.backends, settings: { ...settings, journal: sharedJournal } },
    (key, value) => {
      if (value instanceof Secret || (SECRET_KEYS.has(key) && typeof value === 'string')) return '[secret]';
      if (key === 'url' && typeof value === 'string') {
        const url = URL.parse(value);
        if (url?.password) {
          url.password = '';
          return url.toString();
        }
      }
      return value;
    },
  );
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

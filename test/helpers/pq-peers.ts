/**
 * The post-quantum peers .ci/install-pq-peers.sh installs: OpenSSL 3.5 (`openssl35`, Debian 13's
 * build through its own loader) and Node 24 (`node24`, the official binary from npm), found in
 * `$TLSGLASS_PQ_PEERS/bin` or `<repo>/.pq-peers/bin`.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inCI } from './peers.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url)); // dist/test/helpers → repo
export const PQ_PEERS_BIN = join(process.env['TLSGLASS_PQ_PEERS'] ?? join(REPO, '.pq-peers'), 'bin');
export const OPENSSL35 = join(PQ_PEERS_BIN, 'openssl35');
export const NODE24 = join(PQ_PEERS_BIN, 'node24');

/** For `{ skip: pqPeerMissing(OPENSSL35) }`: the reason, or false (always false in CI, where a missing peer must fail). */
export function pqPeerMissing(...paths: string[]): string | false {
  const missing = paths.filter((p) => {
    try {
      accessSync(p, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0 || inCI) return false;
  return `${missing.join(', ')} not installed (run .ci/install-pq-peers.sh)`;
}

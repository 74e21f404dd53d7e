/** RandomSource over the OS CSPRNG (node:crypto randomFillSync). */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../provider.js';

/**
 * Small requests are served from a block of CSPRNG output, refilled when used up: a
 * randomFillSync call costs about 6 µs whatever its size, and a handshake makes five or six
 * (randoms, session IDs, ticket nonces and keys), a few percent of its CPU (bench/profile.ts).
 * Node's crypto.randomUUID() caches random data the same way. Every byte is handed out once and
 * zeroed in the block as it leaves, so no value stays behind in it; large requests bypass it.
 */
const BLOCK = 4096;
const MAX_POOLED = 256;
const block = new Uint8Array(BLOCK);
let offset = BLOCK;

export const nodeRandom: RandomSource = {
  bytes(n: number): Uint8Array {
    // A fresh array either way, never Buffer.allocUnsafe memory (security.md §3.3 item 9).
    if (n > MAX_POOLED) return randomFillSync(new Uint8Array(n));
    if (offset + n > BLOCK) {
      randomFillSync(block);
      offset = 0;
    }
    const out = block.slice(offset, offset + n);
    block.fill(0, offset, offset + n);
    offset += n;
    return out;
  },
};

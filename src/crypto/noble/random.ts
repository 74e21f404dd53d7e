/** RandomSource over the Web Crypto CSPRNG (`globalThis.crypto.getRandomValues`), which every runtime has. */
import type { RandomSource } from '../provider.js';

/** getRandomValues fills at most 65,536 bytes per call (W3C Web Crypto §10.1.1). */
const MAX_CALL = 65536;

export const nobleRandom: RandomSource = {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += MAX_CALL) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + MAX_CALL)));
    return out;
  },
};

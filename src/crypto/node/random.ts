/** RandomSource over the OS CSPRNG (node:crypto randomFillSync). */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../provider.js';

export const nodeRandom: RandomSource = {
  bytes(n: number): Uint8Array {
    // A fresh, non-pooled array: never Buffer.allocUnsafe memory (security.md §3.3 item 9).
    return randomFillSync(new Uint8Array(n));
  },
};

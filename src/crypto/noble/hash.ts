/** HashProvider over @noble/hashes: SHA-256/384/512, running hashes whose peek() digests a clone, HMAC over parts. */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { HashAlgorithm, HashProvider, RunningHash } from '../provider.js';

export const NOBLE_HASHES = { sha256, sha384, sha512 } as const;
type NobleHash = (typeof NOBLE_HASHES)[HashAlgorithm];

/** Refuses anything but our three names (no prototype lookups: `constructor` is not a hash). */
export function nobleHashOf(algorithm: HashAlgorithm): NobleHash {
  if (!Object.hasOwn(NOBLE_HASHES, algorithm)) throw new Error(`unsupported hash ${String(algorithm)}`);
  return NOBLE_HASHES[algorithm];
}

export const nobleHash: HashProvider = {
  outputLength(algorithm) {
    return nobleHashOf(algorithm).outputLen;
  },

  create(algorithm) {
    return new NobleRunningHash(algorithm, nobleHashOf(algorithm));
  },

  digest(algorithm, data) {
    return nobleHashOf(algorithm)(data);
  },

  hmac(algorithm, key, ...data) {
    const mac = hmac.create(nobleHashOf(algorithm), key);
    for (const part of data) mac.update(part);
    return mac.digest();
  },
};

class NobleRunningHash implements RunningHash {
  readonly #hash: ReturnType<NobleHash['create']>;

  constructor(
    readonly algorithm: HashAlgorithm,
    hash: NobleHash,
  ) {
    this.#hash = hash.create();
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  peek(): Uint8Array {
    return this.#hash.clone().digest();
  }
}

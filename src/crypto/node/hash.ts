/**
 * HashProvider over node:crypto: SHA-256/384/512, running hashes with non-destructive digests
 * (Hash.copy(), performance.md §4.1 rule 6) and HMAC over a list of parts.
 */
import { createHash, createHmac, type Hash } from 'node:crypto';
import type { HashAlgorithm, HashProvider, RunningHash } from '../provider.js';

const OUTPUT_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

export const nodeHash: HashProvider = {
  outputLength(algorithm: HashAlgorithm): number {
    return OUTPUT_LENGTH[checked(algorithm)];
  },

  create(algorithm: HashAlgorithm): RunningHash {
    return new NodeRunningHash(checked(algorithm));
  },

  digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
    return bytesOf(createHash(checked(algorithm)).update(data).digest());
  },

  hmac(algorithm: HashAlgorithm, key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
    const mac = createHmac(checked(algorithm), key);
    for (const part of data) mac.update(part);
    return bytesOf(mac.digest());
  },
};

/** A transcript-style hash: `peek()` digests a copy, so the running state is never finalised. */
class NodeRunningHash implements RunningHash {
  readonly #hash: Hash;

  constructor(readonly algorithm: HashAlgorithm) {
    this.#hash = createHash(algorithm);
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  peek(): Uint8Array {
    return bytesOf(this.#hash.copy().digest());
  }
}

/** Refuses anything but our three names: a typo must not reach OpenSSL (which knows md5, sha1, …). */
function checked(algorithm: HashAlgorithm): HashAlgorithm {
  if (!Object.hasOwn(OUTPUT_LENGTH, algorithm)) throw new Error(`unsupported hash ${String(algorithm)}`);
  return algorithm;
}

/** A plain Uint8Array over a node:crypto output Buffer (which owns its memory), or a copy if it does not. */
function bytesOf(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? new Uint8Array(b.buffer, 0, b.length) : new Uint8Array(b);
}

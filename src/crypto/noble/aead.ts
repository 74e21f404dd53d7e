/**
 * AeadProvider over @noble/ciphers: AES-128/256-GCM and ChaCha20-Poly1305 with 12-byte nonces and
 * 16-byte tags. noble checks the tag (in constant time) before it returns any plaintext and throws
 * for a bad one; that becomes `null` here, as the interface asks.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { Aead, AeadAlgorithm, AeadProvider } from '../provider.js';

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
const KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };

type Construction = typeof gcm | typeof chacha20poly1305;

export const nobleAead: AeadProvider = {
  keyLength(algorithm) {
    if (!Object.hasOwn(KEY_LENGTH, algorithm)) throw new Error(`unsupported AEAD ${String(algorithm)}`);
    return KEY_LENGTH[algorithm];
  },

  create(algorithm, key) {
    const n = nobleAead.keyLength(algorithm);
    if (key.length !== n) throw new Error(`${algorithm} needs a ${n}-byte key, got ${key.length}`);
    return new NobleAead(algorithm, algorithm === 'chacha20-poly1305' ? chacha20poly1305 : gcm, key.slice());
  },
};

class NobleAead implements Aead {
  readonly #construction: Construction;
  readonly #key: Uint8Array;

  constructor(
    readonly algorithm: AeadAlgorithm,
    construction: Construction,
    key: Uint8Array,
  ) {
    this.#construction = construction;
    this.#key = key;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkNonce(nonce);
    return this.#construction(this.#key, nonce, aad).encrypt(plaintext);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    checkNonce(nonce);
    if (ciphertextAndTag.length < TAG_LENGTH) return null;
    try {
      return this.#construction(this.#key, nonce, aad).decrypt(ciphertextAndTag);
    } catch {
      return null; // a bad tag (noble throws before it decrypts anything)
    }
  }
}

/** Both TLS 1.2 (RFC 5288 §3, RFC 7905 §2) and TLS 1.3 (RFC 8446 §5.3) build 12-byte nonces. */
function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) throw new Error(`AEAD nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
}

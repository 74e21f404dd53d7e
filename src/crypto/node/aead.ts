/**
 * AeadProvider over node:crypto: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 with 96-bit nonces.
 * Where node:crypto has no ChaCha20-Poly1305 (Bun), it comes from @noble/ciphers, probed once at
 * load, so the same suites are offered on every runtime.
 * One createCipheriv/createDecipheriv per call (performance.md §4.1 rule 1). Tags are always
 * 16 bytes: `authTagLength: 16` is passed every time, because without it Node accepts a 4-byte
 * GCM tag (security.md §3.3 item 1). Nothing decrypted is returned before `final()` has checked
 * the tag (§3.3 item 2); a bad tag is `null`, never an exception.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherChaCha20Poly1305, CipherGCM, DecipherChaCha20Poly1305, DecipherGCM } from 'node:crypto';
import { nobleChaCha20Poly1305 } from '../chacha20-poly1305-noble.js';
import type { Aead, AeadAlgorithm, AeadProvider } from '../provider.js';

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
const KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};

export const nodeAead: AeadProvider = {
  keyLength(algorithm: AeadAlgorithm): number {
    const n = KEY_LENGTH[algorithm];
    if (n === undefined) throw new Error(`unsupported AEAD ${String(algorithm)}`);
    return n;
  },

  create(algorithm: AeadAlgorithm, key: Uint8Array): Aead {
    const n = nodeAead.keyLength(algorithm);
    if (key.length !== n) throw new Error(`${algorithm} needs a ${n}-byte key, got ${key.length}`);
    if (algorithm === 'chacha20-poly1305' && !NATIVE_CHACHA) return nobleChaCha20Poly1305(key);
    return new NodeAead(algorithm, key.slice());
  },
};

class NodeAead implements Aead {
  readonly #key: Uint8Array;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    this.#key = key;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + TAG_LENGTH);
    this.sealInto(nonce, aad, plaintext, out, 0);
    return out;
  }

  /**
   * seal() writing ciphertext ‖ tag into `out` at `offset` (Aead.sealInto), so that the record
   * layer builds each record in place. node:crypto can only return new Buffers, so the ciphertext
   * is copied once into `out` (a 16 KiB copy is ≈ 0.4 µs against ≈ 10 µs for the seal); because
   * update() has read all of `plaintext` before anything is written, sealing in place is safe.
   */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    checkNonce(nonce);
    const length = plaintext.length;
    if (offset < 0 || offset + length + TAG_LENGTH > out.length) throw new RangeError('sealInto: output too small');
    const cipher = newCipher(this.algorithm, this.#key, nonce);
    cipher.setAAD(aad, { plaintextLength: length });
    let pos = put(out, offset, cipher.update(plaintext));
    pos = put(out, pos, cipher.final()); // empty for GCM and ChaCha20-Poly1305, but honour it
    if (pos !== offset + length) throw new Error('AEAD output length differs from its input');
    out.set(cipher.getAuthTag(), pos);
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    checkNonce(nonce);
    if (ciphertextAndTag.length < TAG_LENGTH) return null;
    const split = ciphertextAndTag.length - TAG_LENGTH;
    const decipher = newDecipher(this.algorithm, this.#key, nonce);
    decipher.setAAD(aad, { plaintextLength: split });
    decipher.setAuthTag(ciphertextAndTag.subarray(split));
    const body = decipher.update(ciphertextAndTag.subarray(0, split));
    try {
      decipher.final(); // checks the tag (in constant time, inside OpenSSL)
    } catch {
      body.fill(0); // never let unauthenticated plaintext escape
      return null;
    }
    return body.byteOffset === 0 && body.buffer.byteLength === body.length
      ? new Uint8Array(body.buffer, 0, body.length)
      : new Uint8Array(body);
  }
}

/** Whether this runtime's createCipheriv knows ChaCha20-Poly1305 (Bun's BoringSSL build does not). */
const NATIVE_CHACHA = ((): boolean => {
  try {
    createCipheriv('chacha20-poly1305', new Uint8Array(32), new Uint8Array(NONCE_LENGTH), { authTagLength: TAG_LENGTH });
    return true;
  } catch {
    return false;
  }
})();

// node:crypto types GCM and ChaCha20-Poly1305 by separate overloads; the branch only picks one.
const OPTIONS = Object.freeze({ authTagLength: TAG_LENGTH });

function newCipher(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  return algorithm === 'chacha20-poly1305'
    ? createCipheriv(algorithm, key, nonce, OPTIONS)
    : createCipheriv(algorithm, key, nonce, OPTIONS);
}

function newDecipher(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
  return algorithm === 'chacha20-poly1305'
    ? createDecipheriv(algorithm, key, nonce, OPTIONS)
    : createDecipheriv(algorithm, key, nonce, OPTIONS);
}

/** Copies `bytes` into `out` at `pos`; returns the position after them. */
function put(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  if (bytes.length > 0) out.set(bytes, pos);
  return pos + bytes.length;
}

/** Both TLS 1.2 (RFC 5288 §3, RFC 7905 §2) and TLS 1.3 (RFC 8446 §5.3) build 12-byte nonces. */
function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== NONCE_LENGTH) throw new Error(`AEAD nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
}

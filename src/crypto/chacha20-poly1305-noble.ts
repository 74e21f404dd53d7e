/**
 * ChaCha20-Poly1305 (RFC 8439) from @noble/ciphers (audited, pure JavaScript, constant-time tag
 * check): for runtimes whose crypto has no ChaCha20-Poly1305 (Bun's BoringSSL does not offer it
 * through createCipheriv), so that every runtime offers the same cipher suites. Same contract as
 * the node:crypto AEAD: 16-byte tags, 12-byte nonces, a bad tag is `null`, never an exception.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { Aead } from './provider.js';

const TAG_LENGTH = 16;

export function nobleChaCha20Poly1305(key: Uint8Array): Aead {
  const k = key.slice();
  return {
    algorithm: 'chacha20-poly1305',
    seal(nonce, aad, plaintext) {
      return chacha20poly1305(k, nonce, aad).encrypt(plaintext);
    },
    open(nonce, aad, ciphertextAndTag) {
      if (ciphertextAndTag.length < TAG_LENGTH) return null;
      try {
        return chacha20poly1305(k, nonce, aad).decrypt(ciphertextAndTag);
      } catch {
        return null; // noble checks the tag before decrypting anything
      }
    },
  };
}

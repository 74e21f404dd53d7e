/**
 * The second AEAD implementation record-layer tests build their expected records with: node:crypto's
 * createCipheriv for AES-GCM, and @noble/ciphers for ChaCha20-Poly1305 on every runtime (Bun's
 * BoringSSL-based node:crypto has no 'chacha20-poly1305' cipher; on Node, noble is a second
 * implementation beside the OpenSSL one the node provider uses).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { createCipheriv } from 'node:crypto';
import type { AeadAlgorithm } from '../../src/crypto/provider.js';

/** ciphertext ‖ 16-byte tag, as RFC 5116 defines it. */
export function referenceSeal(aead: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  if (aead === 'chacha20-poly1305') return Buffer.from(chacha20poly1305(key, nonce, aad).encrypt(plaintext));
  const cipher = createCipheriv(aead, key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

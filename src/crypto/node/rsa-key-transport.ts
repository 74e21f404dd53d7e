/**
 * TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1). Encryption is plain RSAES-PKCS1-v1_5.
 * Decryption is the Bleichenbacher/ROBOT/Marvin countermeasure of security.md KX-1 and §3.1:
 * raw RSA (RSA_NO_PADDING, never RSA_PKCS1_PADDING), then a branch-free check of the block and
 * a masked select between the decrypted premaster and the caller's pre-drawn random `fallback`.
 * Nothing here throws, logs or returns early because of the ciphertext's content.
 */
import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import type { PrivateKey, PublicKey, RsaKeyTransport } from '../provider.js';
import { keyObjectOf } from './signatures.js';

const PREMASTER_LENGTH = 48;

export const nodeRsaKeyTransport: RsaKeyTransport = {
  encrypt(publicKey: PublicKey, premaster: Uint8Array): Uint8Array {
    if (publicKey.type !== 'rsa') throw new Error('RSA key transport needs an RSA public key');
    const ct = publicEncrypt({ key: keyObjectOf(publicKey), padding: constants.RSA_PKCS1_PADDING }, premaster);
    return new Uint8Array(ct.buffer, ct.byteOffset, ct.byteLength);
  },

  decrypt(privateKey: PrivateKey, ciphertext: Uint8Array, clientVersion: number, fallback: Uint8Array): Uint8Array {
    // Errors about our own inputs (public, fixed per configuration) may throw; the ciphertext may not.
    if (privateKey.type !== 'rsa') throw new Error('RSA key transport needs an RSA private key');
    if (fallback.length !== PREMASTER_LENGTH) throw new Error(`fallback premaster must be ${PREMASTER_LENGTH} bytes`);
    const key = keyObjectOf(privateKey);
    const k = (privateKey.bits + 7) >>> 3;

    // KX-1 (a): a ciphertext that is not exactly k bytes is handled like bad padding. Decrypt a
    // zero block instead so that the work is the same shape (the length is public anyway).
    const lengthOk = ciphertext.length === k ? 1 : 0;
    const input = lengthOk === 1 ? ciphertext : new Uint8Array(k);

    // KX-1 (c): raw RSA returns exactly k bytes. It throws only for a ciphertext ≥ n, which is
    // public information; continue on the fallback path exactly as for bad padding.
    let em: Uint8Array;
    let decrypted = 1;
    try {
      em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, input);
    } catch {
      em = new Uint8Array(k);
      decrypted = 0;
    }
    if (em.length !== k) {
      // Not reachable with OpenSSL's RSA_NO_PADDING; refuse rather than index out of bounds.
      em = new Uint8Array(k);
      decrypted = 0;
    }

    const premaster = selectPremaster(em, k, clientVersion, fallback, lengthOk & decrypted);
    em.fill(0);
    return premaster;
  },
};

/**
 * KX-1 (d), (e): with masks only, good = EM[0]=00 ∧ EM[1]=02 ∧ EM[2..k−50] ≠ 00 ∧ EM[k−49]=00 ∧
 * EM[k−48..k−47] = clientVersion, then PMS = good ? EM[k−48..k−1] : fallback, byte by byte.
 * All values are integers 0..255 (monomorphic, no branches on secret bytes).
 * Exported only for the paired timing test (test/hostile/rsa-timing.test.ts); not part of the API.
 */
export function selectPremaster(em: Uint8Array, k: number, clientVersion: number, fallback: Uint8Array, good: number): Uint8Array {
  const sep = k - PREMASTER_LENGTH - 1; // index of the 00 separator
  good &= isZero(em[0] as number) & isEqual(em[1] as number, 2);
  for (let i = 2; i < sep; i++) good &= 1 ^ isZero(em[i] as number); // at least 8 non-zero padding bytes (k ≥ 59)
  good &= isZero(em[sep] as number);
  // RFC 5246 §7.4.7.1: the version is the one the client offered in ClientHello.client_version.
  good &= isEqual(em[sep + 1] as number, (clientVersion >>> 8) & 0xff) & isEqual(em[sep + 2] as number, clientVersion & 0xff);

  const mask = -good & 0xff; // 0xff when good, 0x00 otherwise
  const out = new Uint8Array(PREMASTER_LENGTH);
  for (let i = 0; i < PREMASTER_LENGTH; i++) {
    out[i] = ((em[sep + 1 + i] as number) & mask) | ((fallback[i] as number) & ~mask & 0xff);
  }
  return out;
}

/** 1 if x = 0 else 0, for x in 0..255, without a branch. */
function isZero(x: number): number {
  return (((x | -x) >>> 31) ^ 1) & 1;
}

function isEqual(a: number, b: number): number {
  return isZero(a ^ b);
}

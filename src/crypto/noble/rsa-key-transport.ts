/**
 * TLS 1.2 RSA key transport (RFC 5246 §7.4.7.1) with BigInt. The client side (encrypt) is a public
 * operation and safe. The server side is not offered: a BigInt modular exponentiation takes time
 * that depends on the ciphertext and the key, and a server that decrypts attacker-chosen ciphertexts
 * with it is a timing oracle (Marvin, CVE-2023-50782 class), whatever the padding check does
 * afterwards. So `decrypt` throws a clear error before touching the ciphertext; the server then
 * fails the handshake with internal_error. Configure such a server with ECDHE or DHE suites (the
 * default), or with the node provider. The decryption itself exists for tests
 * (rsaDecryptPremasterNotConstantTime) and for a runtime that accepts the risk.
 */
import type { PrivateKey, PublicKey, RsaKeyTransport } from '../provider.js';
import { toBigInt, toBytes } from './bigint.js';
import { rsaEncryptPkcs1, rsaPrivate } from './rsa.js';
import { rsaPrivateOf, rsaPublicOf } from './signatures.js';

const PREMASTER_LENGTH = 48;

export const RSA_DECRYPT_REFUSED =
  'the noble crypto provider does not decrypt the TLS 1.2 RSA key exchange as a server: BigInt RSA is not constant-time (a Bleichenbacher/Marvin timing oracle); use ECDHE or DHE suites, or the node crypto provider';

export const nobleRsaKeyTransport: RsaKeyTransport = {
  encrypt(publicKey: PublicKey, premaster: Uint8Array): Uint8Array {
    if (publicKey.type !== 'rsa') throw new Error('RSA key transport needs an RSA public key');
    return rsaEncryptPkcs1(rsaPublicOf(publicKey), premaster);
  },

  decrypt(): Uint8Array {
    throw new Error(RSA_DECRYPT_REFUSED);
  },
};

/**
 * RsaKeyTransport.decrypt's contract (implicit rejection: the decrypted premaster or `fallback`, never
 * an exception for a bad ciphertext) on BigInt, whose exponentiation is NOT constant-time (see above).
 * The padding check is branch-free, as in the node provider.
 */
export function rsaDecryptPremasterNotConstantTime(privateKey: PrivateKey, ciphertext: Uint8Array, clientVersion: number, fallback: Uint8Array): Uint8Array {
  if (fallback.length !== PREMASTER_LENGTH) throw new Error(`fallback premaster must be ${PREMASTER_LENGTH} bytes`);
  const key = rsaPrivateOf(privateKey);
  const k = (privateKey.bits + 7) >>> 3;
  let good = ciphertext.length === k ? 1 : 0;
  let c = good === 1 ? toBigInt(ciphertext) : 0n;
  if (c >= key.n) {
    c = 0n;
    good = 0;
  }
  const em = toBytes(rsaPrivate(key, c), k);
  const sep = k - PREMASTER_LENGTH - 1;
  good &= isZero(em[0]!) & isZero(em[1]! ^ 2);
  for (let i = 2; i < sep; i++) good &= 1 ^ isZero(em[i]!);
  good &= isZero(em[sep]!) & isZero(em[sep + 1]! ^ ((clientVersion >>> 8) & 0xff)) & isZero(em[sep + 2]! ^ (clientVersion & 0xff));
  const mask = -good & 0xff;
  const out = new Uint8Array(PREMASTER_LENGTH);
  for (let i = 0; i < PREMASTER_LENGTH; i++) out[i] = (em[sep + 1 + i]! & mask) | (fallback[i]! & ~mask & 0xff);
  em.fill(0);
  return out;
}

function isZero(x: number): number {
  return (((x | -x) >>> 31) ^ 1) & 1;
}

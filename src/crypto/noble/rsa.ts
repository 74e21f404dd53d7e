/**
 * RSA with BigInt (RFC 8017): RSASSA-PKCS1-v1_5 and RSASSA-PSS signatures (salt = hash length, MGF1
 * with the same hash, as TLS uses them, RFC 8446 §4.2.3), RSAES-PKCS1-v1_5 encryption, and the raw
 * private operation with the Chinese remainder theorem. Our own rather than micro-rsa-dsa-dh's,
 * which keeps only (n, d): measured on Node 20, its RSA-2048 signature costs 33 ms against 8.4 ms
 * with CRT here, and its verify 0.96 ms against 0.1 ms.
 */
import type { HashAlgorithm } from '../provider.js';
import { bitLength, modPow, toBigInt, toBytes } from './bigint.js';
import { nobleHashOf } from './hash.js';
import { nobleRandom } from './random.js';

export interface RsaPublic {
  readonly n: bigint;
  readonly e: bigint;
}

export interface RsaPrivate extends RsaPublic {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

export const modulusBits = (key: RsaPublic): number => bitLength(key.n);
const modulusBytes = (key: RsaPublic): number => (modulusBits(key) + 7) >> 3;

/** RSAVP1/RSAEP: s^e mod n for a k-byte input below n, as k bytes; undefined otherwise. */
export function rsaPublic(key: RsaPublic, input: Uint8Array): Uint8Array | undefined {
  const k = modulusBytes(key);
  if (input.length !== k) return undefined;
  const s = toBigInt(input);
  if (s >= key.n) return undefined;
  return toBytes(modPow(s, key.e, key.n), k);
}

/** RSADP/RSASP1 with CRT (m^d mod n), checked against the public exponent so that a faulty result never leaves. */
export function rsaPrivate(key: RsaPrivate, input: bigint): bigint {
  const m1 = modPow(input, key.dp, key.p);
  const m2 = modPow(input, key.dq, key.q);
  const h = (key.qi * (((m1 - m2) % key.p) + key.p)) % key.p;
  const s = m2 + h * key.q;
  if (modPow(s, key.e, key.n) !== input % key.n) throw new Error('RSA private operation failed its check (inconsistent key)');
  return s;
}

/** DigestInfo prefixes of RFC 8017 §9.2 note 1. */
const DIGEST_INFO: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF… 00 DigestInfo, emLen bytes. */
function pkcs1Encode(hash: HashAlgorithm, data: Uint8Array, emLen: number): Uint8Array | undefined {
  const prefix = DIGEST_INFO[hash];
  const t = new Uint8Array(prefix.length / 2 + nobleHashOf(hash).outputLen);
  for (let i = 0; i < prefix.length / 2; i++) t[i] = parseInt(prefix.slice(2 * i, 2 * i + 2), 16);
  t.set(nobleHashOf(hash)(data), prefix.length / 2);
  if (emLen < t.length + 11) return undefined;
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[emLen - t.length - 1] = 0;
  em.set(t, emLen - t.length);
  return em;
}

function mgf1(hash: HashAlgorithm, seed: Uint8Array, length: number): Uint8Array {
  const h = nobleHashOf(hash);
  const out = new Uint8Array(length);
  const block = new Uint8Array(seed.length + 4);
  block.set(seed);
  for (let counter = 0, at = 0; at < length; counter++, at += h.outputLen) {
    new DataView(block.buffer).setUint32(seed.length, counter);
    const d = h(block);
    out.set(d.subarray(0, Math.min(d.length, length - at)), at);
  }
  return out;
}

/** M' = 0x00 × 8 ‖ mHash ‖ salt, hashed (RFC 8017 §9.1.1 steps 5–6). */
function pssHash(hash: HashAlgorithm, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + mHash.length + salt.length);
  m.set(mHash, 8);
  m.set(salt, 8 + mHash.length);
  return nobleHashOf(hash)(m);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with sLen = hLen. */
function pssEncode(hash: HashAlgorithm, data: Uint8Array, emBits: number): Uint8Array {
  const hLen = nobleHashOf(hash).outputLen;
  const emLen = (emBits + 7) >> 3;
  if (emLen < 2 * hLen + 2) throw new Error('RSA key too small for RSA-PSS with this hash');
  const salt = nobleRandom.bytes(hLen);
  const h = pssHash(hash, nobleHashOf(hash)(data), salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - hLen - 1] = 1;
  db.set(salt, db.length - hLen);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with sLen = hLen: any other salt length fails. */
function pssVerify(hash: HashAlgorithm, data: Uint8Array, em: Uint8Array, emBits: number): boolean {
  const hLen = nobleHashOf(hash).outputLen;
  const emLen = em.length;
  if (emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const topMask = 0xff >> (8 * emLen - emBits);
  const db = em.slice(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0]! & ~topMask) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const sep = db.length - hLen - 1;
  for (let i = 0; i < sep; i++) if (db[i] !== 0) return false;
  if (db[sep] !== 1) return false;
  return equal(pssHash(hash, nobleHashOf(hash)(data), db.subarray(sep + 1)), h);
}

export function rsaVerify(key: RsaPublic, padding: 'pkcs1' | 'pss', hash: HashAlgorithm, data: Uint8Array, signature: Uint8Array): boolean {
  const m = rsaPublic(key, signature);
  if (!m) return false;
  if (padding === 'pkcs1') {
    const expected = pkcs1Encode(hash, data, m.length);
    return expected !== undefined && equal(m, expected);
  }
  const emBits = modulusBits(key) - 1;
  const emLen = (emBits + 7) >> 3;
  // With emBits a multiple of 8 the encoded message is one byte shorter than the modulus: that byte is 0.
  if (emLen < m.length && m[0] !== 0) return false;
  return pssVerify(hash, data, m.subarray(m.length - emLen), emBits);
}

export function rsaSign(key: RsaPrivate, padding: 'pkcs1' | 'pss', hash: HashAlgorithm, data: Uint8Array): Uint8Array {
  const k = modulusBytes(key);
  const em = padding === 'pkcs1' ? pkcs1Encode(hash, data, k) : pssEncode(hash, data, modulusBits(key) - 1);
  if (!em) throw new Error('RSA key too small for this signature scheme');
  return toBytes(rsaPrivate(key, toBigInt(em)), k);
}

/** RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1): 00 02 ‖ non-zero random ‖ 00 ‖ message. */
export function rsaEncryptPkcs1(key: RsaPublic, message: Uint8Array): Uint8Array {
  const k = modulusBytes(key);
  if (message.length > k - 11) throw new Error('message too long for RSA PKCS#1 v1.5 encryption');
  const em = new Uint8Array(k);
  em[1] = 2;
  const ps = em.subarray(2, k - message.length - 1);
  for (let filled = 0; filled < ps.length; ) {
    for (const b of nobleRandom.bytes(ps.length - filled)) if (b !== 0) ps[filled++] = b;
  }
  em.set(message, k - message.length);
  return toBytes(modPow(toBigInt(em), key.e, key.n), k);
}

/** Constant-time for equal lengths (only public values are compared here, but it costs nothing). */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

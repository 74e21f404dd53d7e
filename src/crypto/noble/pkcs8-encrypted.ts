/**
 * EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 §6.2): PBKDF2 with HMAC-SHA-1/-256/-384/-512
 * and AES-128/192/256-CBC, which is what `openssl pkcs8 -topk8` and node:crypto's
 * `export({ cipher: 'aes-256-cbc', passphrase })` write. Older PBES1 schemes (DES, RC2) are refused.
 */
import { cbc } from '@noble/ciphers/aes.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { DerReader, Tag, decodeOid, decodeSmallUnsigned, readDer } from '../../pki/der-reader.js';

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const PRFS = {
  '1.2.840.113549.2.7': sha1,
  '1.2.840.113549.2.9': sha256,
  '1.2.840.113549.2.10': sha384,
  '1.2.840.113549.2.11': sha512,
} as const;
const AES_CBC: Readonly<Record<string, number>> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
};
/** Beyond this PBKDF2 costs seconds in pure JavaScript; OpenSSL writes 2048 by default. */
const MAX_ITERATIONS = 10_000_000;

/** The PKCS#8 PrivateKeyInfo inside an EncryptedPrivateKeyInfo. Throws for a wrong passphrase or an unsupported scheme. */
export function decryptPkcs8(der: Uint8Array, passphrase: string): Uint8Array {
  const r = new DerReader(readDer(der, Tag.SEQUENCE, 'EncryptedPrivateKeyInfo').value);
  const alg = new DerReader(r.read(Tag.SEQUENCE, 'encryptionAlgorithm').value);
  const data = r.read(Tag.OCTET_STRING, 'encryptedData').value;
  r.end('EncryptedPrivateKeyInfo');
  const scheme = decodeOid(alg.read(Tag.OBJECT_IDENTIFIER, 'encryptionAlgorithm').value);
  if (scheme !== PBES2) throw new Error(`encrypted private key uses ${scheme}; only PBES2 (PBKDF2 + AES-CBC) is supported`);
  const params = new DerReader(alg.read(Tag.SEQUENCE, 'PBES2-params').value);
  const kdf = new DerReader(params.read(Tag.SEQUENCE, 'keyDerivationFunc').value);
  const enc = new DerReader(params.read(Tag.SEQUENCE, 'encryptionScheme').value);
  if (decodeOid(kdf.read(Tag.OBJECT_IDENTIFIER, 'keyDerivationFunc').value) !== PBKDF2) throw new Error('encrypted private key: only PBKDF2 is supported');
  const kp = new DerReader(kdf.read(Tag.SEQUENCE, 'PBKDF2-params').value);
  const salt = kp.read(Tag.OCTET_STRING, 'salt').value;
  const c = decodeSmallUnsigned(kp.read(Tag.INTEGER, 'iterationCount').value, 'iterationCount');
  const keyLengthField = kp.optional(Tag.INTEGER, 'keyLength');
  const prfField = kp.optional(Tag.SEQUENCE, 'prf');
  const prfOid = prfField ? decodeOid(new DerReader(prfField.value).read(Tag.OBJECT_IDENTIFIER, 'prf').value) : '1.2.840.113549.2.7';
  const prf = PRFS[prfOid as keyof typeof PRFS];
  if (!prf) throw new Error(`encrypted private key: unsupported PBKDF2 PRF ${prfOid}`);
  const cipherOid = decodeOid(enc.read(Tag.OBJECT_IDENTIFIER, 'encryptionScheme').value);
  const dkLen = AES_CBC[cipherOid];
  if (!dkLen) throw new Error(`encrypted private key: unsupported cipher ${cipherOid} (AES-CBC only)`);
  if (keyLengthField && decodeSmallUnsigned(keyLengthField.value) !== dkLen) throw new Error('encrypted private key: keyLength does not match the cipher');
  const iv = enc.read(Tag.OCTET_STRING, 'IV').value;
  if (iv.length !== 16) throw new Error('encrypted private key: AES-CBC IV must be 16 bytes');
  if (c < 1 || c > MAX_ITERATIONS) throw new Error(`encrypted private key: ${c} PBKDF2 iterations refused`);
  const key = pbkdf2(prf, new TextEncoder().encode(passphrase), salt, { c, dkLen });
  try {
    return cbc(key, iv).decrypt(data); // PKCS#7 padding checked
  } catch (cause) {
    throw new Error('cannot decrypt the private key: bad passphrase', { cause });
  }
}

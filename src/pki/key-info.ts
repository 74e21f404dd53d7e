import { DecodeError } from '../codec/reader.js';
import { DerReader, Tag, decodeOid, readDer } from './der-reader.js';
import { mlDsaByOid } from './ml-dsa.js';

/**
 * What a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) holds, read from its DER: the key type in
 * node:crypto's asymmetricKeyType words, the RSA modulus size and the EC curve (RFC 3279 §2.3,
 * RFC 5480 §2.1.1, RFC 8410 §4, RFC 9881 §4). For policy and traces; the key itself is loaded
 * by the crypto provider where a signature is checked.
 */
export interface KeyDescription {
  /** 'rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448', 'dsa', 'x25519', 'x448', 'ml-dsa-44', …; undefined for an algorithm we do not know. */
  readonly type: string | undefined;
  /** RSA modulus bits. */
  readonly modulusLength?: number;
  /** EC curve in OpenSSL's words ('prime256v1', 'secp384r1', …); undefined for explicit parameters or an unknown curve. */
  readonly namedCurve?: string;
}

const KEY_TYPES = new Map<string, string>([
  ['1.2.840.113549.1.1.1', 'rsa'],
  ['1.2.840.113549.1.1.10', 'rsa-pss'],
  ['1.2.840.10045.2.1', 'ec'],
  ['1.3.101.112', 'ed25519'],
  ['1.3.101.113', 'ed448'],
  ['1.3.101.110', 'x25519'],
  ['1.3.101.111', 'x448'],
  ['1.2.840.10040.4.1', 'dsa'],
  ['1.2.840.113549.1.3.1', 'dh'],
]);

const CURVES = new Map<string, string>([
  ['1.2.840.10045.3.1.7', 'prime256v1'],
  ['1.3.132.0.34', 'secp384r1'],
  ['1.3.132.0.35', 'secp521r1'],
  ['1.3.132.0.10', 'secp256k1'],
  ['1.3.132.0.33', 'secp224r1'],
  ['1.2.840.10045.3.1.1', 'prime192v1'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
]);

/** The key a DER SubjectPublicKeyInfo holds; DecodeError when it is not DER of one (or an RSA key's modulus is not). */
export function describeKey(spki: Uint8Array): KeyDescription {
  const r = new DerReader(readDer(spki, Tag.SEQUENCE, 'subjectPublicKeyInfo').value);
  const alg = new DerReader(r.read(Tag.SEQUENCE, 'algorithm').value);
  const oid = decodeOid(alg.read(Tag.OBJECT_IDENTIFIER, 'algorithm.algorithm').value);
  const params = alg.done ? undefined : alg.read(undefined, 'algorithm.parameters');
  const bits = r.read(Tag.BIT_STRING, 'subjectPublicKey').value.subarray(1);
  const type = KEY_TYPES.get(oid) ?? mlDsaByOid(oid)?.name;
  if (type === 'rsa' || type === 'rsa-pss') {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1)
    const modulus = new DerReader(readDer(bits, Tag.SEQUENCE, 'RSAPublicKey').value).read(Tag.INTEGER, 'modulus').value;
    let i = 0;
    while (i < modulus.length && modulus[i] === 0) i++;
    if (i === modulus.length) throw new DecodeError('RSAPublicKey: zero modulus');
    return { type, modulusLength: (modulus.length - i - 1) * 8 + (32 - Math.clz32(modulus[i]!)) };
  }
  if (type === 'ec') {
    const curve = params?.tag === Tag.OBJECT_IDENTIFIER ? CURVES.get(decodeOid(params.value)) : undefined;
    return curve ? { type, namedCurve: curve } : { type };
  }
  return { type };
}

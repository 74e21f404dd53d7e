/**
 * Key material from DER with our own reader (src/pki/der-reader.ts): SubjectPublicKeyInfo (RFC 5280
 * §4.1.2.7) for RSA (RFC 8017 A.1.1), RSASSA-PSS (RFC 4055 §3.1), EC on P-256/P-384/P-521 (RFC 5480)
 * and Ed25519 (RFC 8410); private keys as PKCS#8 (RFC 5958), PKCS#1 RSAPrivateKey (RFC 8017 A.1.2)
 * and SEC1 ECPrivateKey (RFC 5915). ML-DSA keys are read by src/pki/ml-dsa.ts.
 */
import { DecodeError } from '../../codec/reader.js';
import { DerReader, Tag, checkIntegerEncoding, contextConstructed, decodeOid, decodeSmallUnsigned, readDer } from '../../pki/der-reader.js';
import type { HashAlgorithm } from '../provider.js';
import { toBigInt } from './bigint.js';
import type { RsaPrivate, RsaPublic } from './rsa.js';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export type PublicKeyMaterial =
  | { readonly kind: 'rsa'; readonly key: RsaPublic; /** RSASSA-PSS keys: PSS only, with this hash when the parameters name one. */ readonly pss?: { readonly hash: string | undefined } }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly point: Uint8Array }
  | { readonly kind: 'ed25519'; readonly publicKey: Uint8Array };

export type PrivateKeyMaterial =
  | { readonly kind: 'rsa'; readonly key: RsaPrivate }
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly secretKey: Uint8Array }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array };

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
};

const CURVE_OIDS: Readonly<Record<string, EcCurve>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

const HASH_OIDS: Readonly<Record<string, HashAlgorithm>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** A positive INTEGER as a bigint. */
function positive(r: DerReader, what: string): bigint {
  const v = r.read(Tag.INTEGER, what).value;
  checkIntegerEncoding(v, what);
  if (v[0]! & 0x80) throw new DecodeError(`${what}: negative`);
  const n = toBigInt(v);
  if (n === 0n) throw new DecodeError(`${what}: zero`);
  return n;
}

function algorithm(tlv: Uint8Array, what: string): { oid: string; params: DerReader } {
  const r = new DerReader(tlv);
  return { oid: decodeOid(r.read(Tag.OBJECT_IDENTIFIER, `${what}.algorithm`).value), params: r };
}

function namedCurve(params: DerReader, what: string): EcCurve {
  const oid = decodeOid(params.read(Tag.OBJECT_IDENTIFIER, `${what} namedCurve`).value);
  params.end(what);
  const curve = CURVE_OIDS[oid];
  if (!curve) throw new Error(`unsupported EC curve ${oid}`);
  return curve;
}

/** RFC 8410 §3: the Ed25519 AlgorithmIdentifier has no parameters at all. */
function noParameters(params: DerReader, what: string): void {
  params.end(`${what}: Ed25519 takes no parameters (RFC 8410 §3)`);
}

/** RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. */
function rsaPublicKey(der: Uint8Array): RsaPublic {
  const r = new DerReader(readDer(der, Tag.SEQUENCE, 'RSAPublicKey').value);
  const n = positive(r, 'modulus');
  const e = positive(r, 'publicExponent');
  r.end('RSAPublicKey');
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new DecodeError('RSAPublicKey: bad public exponent');
  return { n, e };
}

/** RSASSA-PSS-params (RFC 4055 §3.1): only hashAlgorithm [0] is kept; absent parameters restrict nothing. */
function pssParameters(params: DerReader): { hash: string | undefined } {
  if (params.done) return { hash: undefined };
  const seq = new DerReader(params.read(Tag.SEQUENCE, 'RSASSA-PSS-params').value);
  params.end('RSASSA-PSS AlgorithmIdentifier');
  const hashField = seq.optional(contextConstructed(0), 'hashAlgorithm');
  if (!hashField) return { hash: 'sha1' }; // DEFAULT sha1: no scheme of ours fits
  const { oid } = algorithm(readDer(hashField.value, Tag.SEQUENCE, 'hashAlgorithm').value, 'hashAlgorithm');
  return { hash: HASH_OIDS[oid] ?? oid };
}

export function parseSpki(spki: Uint8Array): PublicKeyMaterial {
  const r = new DerReader(readDer(spki, Tag.SEQUENCE, 'SubjectPublicKeyInfo').value);
  const alg = algorithm(r.read(Tag.SEQUENCE, 'algorithm').value, 'SubjectPublicKeyInfo.algorithm');
  const bits = r.read(Tag.BIT_STRING, 'subjectPublicKey').value;
  r.end('SubjectPublicKeyInfo');
  if (bits[0] !== 0) throw new DecodeError('subjectPublicKey: unused bits');
  const key = bits.subarray(1);
  switch (alg.oid) {
    case OID.rsaEncryption:
      // RFC 8017 A.1: parameters NULL (absent is tolerated, as OpenSSL does).
      if (!alg.params.done) alg.params.read(Tag.NULL, 'rsaEncryption parameters');
      alg.params.end('rsaEncryption AlgorithmIdentifier');
      return { kind: 'rsa', key: rsaPublicKey(key) };
    case OID.rsassaPss:
      return { kind: 'rsa', key: rsaPublicKey(key), pss: pssParameters(alg.params) };
    case OID.ecPublicKey:
      return { kind: 'ec', curve: namedCurve(alg.params, 'ecPublicKey parameters'), point: key };
    case OID.ed25519:
      noParameters(alg.params, 'SubjectPublicKeyInfo.algorithm');
      if (key.length !== 32) throw new DecodeError(`Ed25519 public key of ${key.length} bytes`);
      return { kind: 'ed25519', publicKey: key };
    default:
      throw new Error(`unsupported key type ${alg.oid}`);
  }
}

/** RSAPrivateKey (RFC 8017 A.1.2), two-prime only. */
export function parsePkcs1(der: Uint8Array): PrivateKeyMaterial {
  const r = new DerReader(readDer(der, Tag.SEQUENCE, 'RSAPrivateKey').value);
  if (decodeSmallUnsigned(r.read(Tag.INTEGER, 'version').value) !== 0) throw new Error('multi-prime RSA keys are not supported');
  const [n, e, d, p, q, dp, dq, qi] = ['modulus', 'publicExponent', 'privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient'].map((what) => positive(r, what)) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  r.end('RSAPrivateKey');
  if (p * q !== n) throw new Error('RSAPrivateKey: n is not p·q');
  return { kind: 'rsa', key: { n, e, d, p, q, dp, dq, qi } };
}

/** ECPrivateKey (RFC 5915 §3); `curve` from PKCS#8's AlgorithmIdentifier, else from its own parameters [0]. */
export function parseSec1(der: Uint8Array, curve?: EcCurve): PrivateKeyMaterial {
  const r = new DerReader(readDer(der, Tag.SEQUENCE, 'ECPrivateKey').value);
  if (decodeSmallUnsigned(r.read(Tag.INTEGER, 'version').value) !== 1) throw new DecodeError('ECPrivateKey: version must be 1');
  const secretKey = r.read(Tag.OCTET_STRING, 'privateKey').value;
  const params = r.optional(contextConstructed(0), 'parameters');
  const own = params && namedCurve(new DerReader(params.value), 'ECPrivateKey parameters');
  if (curve && own && own !== curve) throw new Error('ECPrivateKey: its curve differs from the PKCS#8 algorithm');
  const chosen = curve ?? own;
  if (!chosen) throw new Error('ECPrivateKey without a named curve');
  r.optional(contextConstructed(1), 'publicKey');
  r.end('ECPrivateKey');
  return { kind: 'ec', curve: chosen, secretKey };
}

/** PrivateKeyInfo / OneAsymmetricKey (RFC 5958 §2) for RSA, EC and Ed25519. */
export function parsePkcs8(der: Uint8Array): PrivateKeyMaterial {
  const r = new DerReader(readDer(der, Tag.SEQUENCE, 'PrivateKeyInfo').value);
  if (decodeSmallUnsigned(r.read(Tag.INTEGER, 'version').value) > 1) throw new DecodeError('PrivateKeyInfo: unknown version');
  const alg = algorithm(r.read(Tag.SEQUENCE, 'privateKeyAlgorithm').value, 'privateKeyAlgorithm');
  const inner = r.read(Tag.OCTET_STRING, 'privateKey').value; // attributes [0] and publicKey [1] may follow
  switch (alg.oid) {
    case OID.rsaEncryption:
      return parsePkcs1(inner);
    case OID.ecPublicKey:
      return parseSec1(inner, namedCurve(alg.params, 'ecPublicKey parameters'));
    case OID.ed25519: {
      noParameters(alg.params, 'privateKeyAlgorithm');
      const seed = readDer(inner, Tag.OCTET_STRING, 'CurvePrivateKey').value;
      if (seed.length !== 32) throw new DecodeError(`Ed25519 private key of ${seed.length} bytes`);
      return { kind: 'ed25519', seed };
    }
    case OID.rsassaPss:
      throw new Error('unsupported key type rsa-pss (an RSASSA-PSS private key; node:crypto refuses it too)');
    default:
      throw new Error(`unsupported key type ${alg.oid}`);
  }
}

import { DecodeError } from '../codec/reader.js';
import { SignatureScheme } from '../messages/enums.js';
import { DerReader, Tag, contextPrimitive, decodeOid, decodeSmallUnsigned, readDer } from './der-reader.js';
import * as der from './der-writer.js';

/**
 * ML-DSA (FIPS 204) keys in X.509 and PKCS#8 (RFC 9881): the three parameter sets, their OIDs,
 * TLS SignatureSchemes (draft-ietf-tls-mldsa §3) and sizes, and the DER of SubjectPublicKeyInfo
 * and PrivateKeyInfo, read and written here so that runtimes whose node:crypto has no ML-DSA
 * (Node 20/22) can use the keys too.
 */

export type MlDsaName = 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87';

export interface MlDsaParams {
  /** node:crypto's asymmetricKeyType. */
  readonly name: MlDsaName;
  /** FIPS 204's name, as OpenSSL prints it. */
  readonly label: string;
  readonly oid: string;
  readonly scheme: SignatureScheme;
  readonly publicKeyLength: number;
  /** The expanded private key (FIPS 204 sk). */
  readonly privateKeyLength: number;
  readonly signatureLength: number;
  /** NIST security category (2, 3, 5). */
  readonly category: number;
}

export const ML_DSA: readonly MlDsaParams[] = Object.freeze([
  { name: 'ml-dsa-44', label: 'ML-DSA-44', oid: '2.16.840.1.101.3.4.3.17', scheme: SignatureScheme.mldsa44, publicKeyLength: 1312, privateKeyLength: 2560, signatureLength: 2420, category: 2 },
  { name: 'ml-dsa-65', label: 'ML-DSA-65', oid: '2.16.840.1.101.3.4.3.18', scheme: SignatureScheme.mldsa65, publicKeyLength: 1952, privateKeyLength: 4032, signatureLength: 3309, category: 3 },
  { name: 'ml-dsa-87', label: 'ML-DSA-87', oid: '2.16.840.1.101.3.4.3.19', scheme: SignatureScheme.mldsa87, publicKeyLength: 2592, privateKeyLength: 4896, signatureLength: 4627, category: 5 },
]);

/** ML-DSA's key generation seed ξ (FIPS 204 Algorithm 1). */
export const ML_DSA_SEED_LENGTH = 32;

export const mlDsaByOid = (oid: string): MlDsaParams | undefined => ML_DSA.find((p) => p.oid === oid);
export const mlDsaByScheme = (scheme: number): MlDsaParams | undefined => ML_DSA.find((p) => p.scheme === scheme);
export const mlDsaByName = (name: string): MlDsaParams | undefined => ML_DSA.find((p) => p.name === name);

/**
 * The ML-DSA parameter set an AlgorithmIdentifier names, or undefined for another algorithm.
 * RFC 9881 §2: "The parameters field MUST be absent" — present (even NULL) is a DecodeError.
 */
export function mlDsaOfAlgorithm(algorithmIdentifier: Uint8Array, what: string): MlDsaParams | undefined {
  const alg = new DerReader(readDer(algorithmIdentifier, Tag.SEQUENCE, what).value);
  const params = mlDsaByOid(decodeOid(alg.read(Tag.OBJECT_IDENTIFIER, `${what}.algorithm`).value));
  if (params && !alg.done) throw new DecodeError(`${what}: ${params.label} takes no parameters (RFC 9881 §2)`);
  return params;
}

export interface MlDsaPublicKeyInfo {
  readonly params: MlDsaParams;
  /** The raw public key (pk of FIPS 204). */
  readonly publicKey: Uint8Array;
}

/** An ML-DSA SubjectPublicKeyInfo (RFC 9881 §4), or undefined for another key type; DecodeError when malformed. */
export function parseMlDsaSpki(spki: Uint8Array): MlDsaPublicKeyInfo | undefined {
  const r = new DerReader(readDer(spki, Tag.SEQUENCE, 'SubjectPublicKeyInfo').value);
  const params = mlDsaOfAlgorithm(r.read(Tag.SEQUENCE, 'algorithm').raw, 'SubjectPublicKeyInfo.algorithm');
  if (!params) return undefined;
  const bits = r.read(Tag.BIT_STRING, 'subjectPublicKey').value;
  r.end('SubjectPublicKeyInfo');
  if (bits[0] !== 0 || bits.length - 1 !== params.publicKeyLength) {
    throw new DecodeError(`${params.label} public key of ${bits.length - 1} bytes, expected ${params.publicKeyLength}`);
  }
  return { params, publicKey: bits.subarray(1) };
}

export function encodeMlDsaSpki(params: MlDsaParams, publicKey: Uint8Array): Uint8Array {
  return der.sequence(der.sequence(der.oid(params.oid)), der.bitString(publicKey));
}

export interface MlDsaPrivateKeyInfo {
  readonly params: MlDsaParams;
  /** ξ, when the key carries it (seed or both). */
  readonly seed: Uint8Array | undefined;
  /** The expanded key, when the key carries it (expandedKey or both). */
  readonly expanded: Uint8Array | undefined;
}

/**
 * An ML-DSA PKCS#8 PrivateKeyInfo (RFC 5958), or undefined for another key type. The private key
 * is RFC 9881 §6's CHOICE: seed [0] (32 bytes), expandedKey, or both (OpenSSL 3.5's default).
 */
export function parseMlDsaPkcs8(pkcs8: Uint8Array): MlDsaPrivateKeyInfo | undefined {
  const r = new DerReader(readDer(pkcs8, Tag.SEQUENCE, 'PrivateKeyInfo').value);
  const version = decodeSmallUnsigned(r.read(Tag.INTEGER, 'version').value, 'version');
  if (version > 1) throw new DecodeError(`PrivateKeyInfo: unknown version ${version}`);
  const params = mlDsaOfAlgorithm(r.read(Tag.SEQUENCE, 'privateKeyAlgorithm').raw, 'privateKeyAlgorithm');
  if (!params) return undefined;
  const inner = r.read(Tag.OCTET_STRING, 'privateKey').value; // attributes [0] and publicKey [1] may follow; unused
  const choice = new DerReader(inner);
  const first = choice.read(undefined, `${params.label} private key`);
  choice.end(`${params.label} private key`);
  let seed: Uint8Array | undefined;
  let expanded: Uint8Array | undefined;
  if (first.tag === contextPrimitive(0)) {
    seed = first.value;
  } else if (first.tag === Tag.OCTET_STRING) {
    expanded = first.value;
  } else if (first.tag === Tag.SEQUENCE) {
    const both = new DerReader(first.value);
    seed = both.read(Tag.OCTET_STRING, 'seed').value;
    expanded = both.read(Tag.OCTET_STRING, 'expandedKey').value;
    both.end(`${params.label} private key (both)`);
  } else {
    throw new DecodeError(`${params.label} private key: unknown CHOICE tag 0x${first.tag.toString(16)}`);
  }
  if (seed !== undefined && seed.length !== ML_DSA_SEED_LENGTH) throw new DecodeError(`${params.label} seed of ${seed.length} bytes, expected ${ML_DSA_SEED_LENGTH}`);
  if (expanded !== undefined && expanded.length !== params.privateKeyLength) {
    throw new DecodeError(`${params.label} expanded private key of ${expanded.length} bytes, expected ${params.privateKeyLength}`);
  }
  return { params, seed, expanded };
}

/** PKCS#8 with what is given: both the seed and the expanded key (OpenSSL 3.5's default form), or either alone. */
export function encodeMlDsaPkcs8(params: MlDsaParams, seed: Uint8Array | undefined, expanded: Uint8Array | undefined): Uint8Array {
  let key: Uint8Array;
  if (seed !== undefined && expanded !== undefined) key = der.sequence(der.octetString(seed), der.octetString(expanded));
  else if (seed !== undefined) key = der.implicitPrimitive(0, seed);
  else if (expanded !== undefined) key = der.octetString(expanded);
  else throw new RangeError('encodeMlDsaPkcs8: neither a seed nor an expanded key');
  return der.sequence(der.integer(0), der.sequence(der.oid(params.oid)), der.octetString(key));
}

/**
 * SignatureProvider over node:crypto: private keys are parsed once into a KeyObject, public keys
 * come from DER SubjectPublicKeyInfo. The scheme table below is the policy (security.md §3.3
 * items 3–5): SHA-1 and MD5 schemes do not exist here, RSA-PSS salt length is always the hash
 * length (passed explicitly, since Node's default verify accepts any salt), and the ECDSA
 * curve is bound to the hash only when the caller asks for TLS 1.3 rules.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { SignatureScheme } from '../../messages/enums.js';
import { parseMlDsaSpki } from '../../pki/ml-dsa.js';
import { decodePem } from '../../pki/pem.js';
import { decryptPkcs8 } from '../noble/pkcs8-encrypted.js';
import type { HashAlgorithm, KeyType, PrivateKey, PublicKey, SignatureProvider, VerifyOptions } from '../provider.js';
import { mlDsa, mlDsaPrivateKey, MlDsaPublicKey } from './ml-dsa.js';

/** RSA keys below this size are refused when loaded (RFC 8446 §4.2.3 has no floor; BSI/NIST do). */
export const MIN_RSA_BITS = 2048;

type Padding = 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa';

/** What a SignatureScheme means (RFC 8446 §4.2.3; RFC 5246 §7.4.1.4.1 for TLS 1.2 code points). */
interface SchemeInfo {
  readonly keyType: KeyType;
  readonly padding: Padding;
  /** null for Ed25519 (PureEdDSA hashes internally). */
  readonly hash: HashAlgorithm | null;
  /** For ECDSA: the curve TLS 1.3 binds to this scheme. */
  readonly curve?: string;
}

const S = SignatureScheme;
const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** Every scheme we sign or verify. rsa_pkcs1_sha1, ecdsa_sha1 and rsa_pss_pss_* are absent, hence refused. */
const SCHEMES: ReadonlyMap<number, SchemeInfo> = new Map<number, SchemeInfo>([
  [S.rsa_pss_rsae_sha256, { keyType: 'rsa', padding: 'pss', hash: 'sha256' }],
  [S.rsa_pss_rsae_sha384, { keyType: 'rsa', padding: 'pss', hash: 'sha384' }],
  [S.rsa_pss_rsae_sha512, { keyType: 'rsa', padding: 'pss', hash: 'sha512' }],
  [S.rsa_pkcs1_sha256, { keyType: 'rsa', padding: 'pkcs1', hash: 'sha256' }],
  [S.rsa_pkcs1_sha384, { keyType: 'rsa', padding: 'pkcs1', hash: 'sha384' }],
  [S.rsa_pkcs1_sha512, { keyType: 'rsa', padding: 'pkcs1', hash: 'sha512' }],
  [S.ecdsa_secp256r1_sha256, { keyType: 'ec', padding: 'ecdsa', hash: 'sha256', curve: 'P-256' }],
  [S.ecdsa_secp384r1_sha384, { keyType: 'ec', padding: 'ecdsa', hash: 'sha384', curve: 'P-384' }],
  [S.ecdsa_secp521r1_sha512, { keyType: 'ec', padding: 'ecdsa', hash: 'sha512', curve: 'P-521' }],
  [S.ed25519, { keyType: 'ed25519', padding: 'eddsa', hash: null }],
]);

const RSA_SCHEMES: readonly SignatureScheme[] = Object.freeze([
  S.rsa_pss_rsae_sha256,
  S.rsa_pss_rsae_sha384,
  S.rsa_pss_rsae_sha512,
  S.rsa_pkcs1_sha256,
  S.rsa_pkcs1_sha384,
  S.rsa_pkcs1_sha512,
]);
const ECDSA_SCHEMES: readonly SignatureScheme[] = [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512];

/** OpenSSL curve names → the names PublicKeyInfo.curve uses, with the field size in bits. */
const CURVES: ReadonlyMap<string, { name: string; bits: number }> = new Map([
  ['prime256v1', { name: 'P-256', bits: 256 }],
  ['secp384r1', { name: 'P-384', bits: 384 }],
  ['secp521r1', { name: 'P-521', bits: 521 }],
]);

export const nodeSignatures: SignatureProvider = {
  loadPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    const der = plainPkcs8(key);
    const ml = der && mlDsaPrivateKey(der, mlDsa);
    if (ml) return ml;
    let keyObject: KeyObject;
    try {
      if (typeof key === 'string') {
        keyObject = createPrivateKey({ key, format: 'pem', passphrase });
      } else if (looksLikePem(key)) {
        keyObject = createPrivateKey({ key: new TextDecoder().decode(key), format: 'pem', passphrase });
      } else {
        keyObject = createPrivateKey({ key: asBuffer(key), format: 'der', type: 'pkcs8', passphrase });
      }
    } catch (cause) {
      // node:crypto decrypts PKCS#8 only for key types it knows: an encrypted ML-DSA key fails on Node 20 and Bun.
      const encrypted = encryptedMlDsa(key, passphrase);
      if (encrypted) return encrypted;
      throw new Error(`cannot load private key: ${(cause as Error).message}`, { cause });
    }
    // An encrypted ML-DSA key that node:crypto could decrypt (Node 24): on as an ML-DSA key.
    if (keyObject.asymmetricKeyType?.startsWith('ml-dsa')) return mlDsaPrivateKey(toBytes(keyObject.export({ format: 'der', type: 'pkcs8' })), mlDsa)!;
    // Node 22's OpenSSL 3.0 decrypts any PKCS#8 but knows no ML-DSA: a key of no type.
    if (keyObject.asymmetricKeyType === undefined) {
      const encrypted = encryptedMlDsa(key, passphrase);
      if (encrypted) return encrypted;
      throw new Error('cannot load private key: a key of a type this runtime does not know');
    }
    const info = describe(keyObject);
    if (info.type === 'rsa' && info.bits < MIN_RSA_BITS) {
      throw new Error(`RSA key of ${info.bits} bits refused (minimum ${MIN_RSA_BITS})`);
    }
    return register(new NodePrivateKey(keyObject, info), keyObject);
  },

  publicKeyFromSpki(spki: Uint8Array): PublicKey {
    // OpenSSL 3's DER decoders make this import cost about 100 µs, 7% of a client handshake, for
    // the same server key every time (performance.md §2.3). Keys are immutable, so a bounded
    // cache keyed by the whole SPKI is exact.
    const id = asBuffer(spki).toString('base64');
    const hit = SPKI_CACHE.get(id);
    if (hit) return hit;
    let key: PublicKey;
    try {
      const ml = parseMlDsaSpki(spki);
      if (ml) {
        key = new MlDsaPublicKey(ml.params, mlDsa.verifier(ml.params, ml.publicKey));
      } else {
        const keyObject = createPublicKey({ key: asBuffer(spki), format: 'der', type: 'spki' });
        key = register(new NodePublicKey(keyObject, describe(keyObject)), keyObject);
      }
    } catch (cause) {
      throw new Error(`cannot parse SubjectPublicKeyInfo: ${(cause as Error).message}`, { cause });
    }
    if (SPKI_CACHE.size >= SPKI_CACHE_LIMIT) SPKI_CACHE.delete(SPKI_CACHE.keys().next().value!);
    SPKI_CACHE.set(id, key);
    return key;
  },
};

/**
 * The KeyObject behind a key made by this provider (for the RSA key transport). Throws for keys
 * from another provider: an opaque handle cannot be used by node:crypto.
 */
export function keyObjectOf(key: PublicKey | PrivateKey): KeyObject {
  const keyObject = KEY_OBJECTS.get(key);
  if (keyObject === undefined) throw new Error('key was not created by the node crypto provider');
  return keyObject;
}

const KEY_OBJECTS = new WeakMap<object, KeyObject>();

/** Public keys by base64 SPKI, oldest evicted first. */
const SPKI_CACHE = new Map<string, PublicKey>();
const SPKI_CACHE_LIMIT = 256;

function register<K extends PublicKey | PrivateKey>(key: K, keyObject: KeyObject): K {
  KEY_OBJECTS.set(key, keyObject);
  return key;
}

interface KeyInfo {
  readonly type: KeyType;
  readonly curve: string | undefined;
  readonly bits: number;
}

class NodePublicKey implements PublicKey {
  readonly type: KeyType;
  readonly curve: string | undefined;
  readonly bits: number;
  readonly #key: KeyObject;
  readonly #input: KeyInput;

  constructor(key: KeyObject, info: KeyInfo) {
    this.#key = key;
    this.#input = keyInput(key);
    this.type = info.type;
    this.curve = info.curve;
    this.bits = info.bits;
  }

  fits(scheme: SignatureScheme, options?: { tls13?: boolean }): boolean {
    const info = SCHEMES.get(scheme);
    // Unknown, SHA-1/MD5 and rsa_pss_pss schemes, and a scheme for another key type: no.
    if (info === undefined || info.keyType !== this.type) return false;
    // RFC 8446 §4.2.3: in TLS 1.3 an ECDSA scheme names the curve too. TLS 1.2 binds only the hash.
    return !(info.padding === 'ecdsa' && options?.tls13 === true && info.curve !== this.curve);
  }

  verify(scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean {
    if (!this.fits(scheme, options)) return false;
    const info = SCHEMES.get(scheme)!;
    try {
      return verify(info.hash, data, nodeOptions(info, this.#input, options?.saltLength), signature);
    } catch {
      return false; // malformed input must never escape as an exception
    }
  }
}

class NodePrivateKey implements PrivateKey {
  readonly type: KeyType;
  readonly curve: string | undefined;
  readonly bits: number;
  readonly schemes: readonly SignatureScheme[];
  readonly #key: KeyObject;
  readonly #input: KeyInput;
  #public: KeyObject | undefined;

  constructor(key: KeyObject, info: KeyInfo) {
    this.#key = key;
    this.#input = keyInput(key);
    this.type = info.type;
    this.curve = info.curve;
    this.bits = info.bits;
    this.schemes = info.type === 'ec' ? schemesFor(info).filter((s) => canSignWith(info.curve!, s, this.#input)) : schemesFor(info);
  }

  sign(scheme: SignatureScheme, data: Uint8Array): Uint8Array {
    const info = SCHEMES.get(scheme);
    if (info === undefined || !this.schemes.includes(scheme)) {
      throw new Error(`a ${this.curve ?? this.type} key cannot sign with signature scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    }
    const sig = sign(info.hash, data, nodeOptions(info, this.#input));
    return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
  }

  matches(spki: Uint8Array): boolean {
    // KeyObject.equals compares the keys (EVP_PKEY_eq), not their encodings. Keys of different
    // types are not compared: EVP_PKEY_eq leaves "different key types" on OpenSSL's error queue
    // in Node 20, where the next createPrivateKey() picks it up as its own failure.
    const ours = (this.#public ??= createPublicKey(this.#key));
    let theirs: KeyObject;
    try {
      theirs = keyObjectOf(nodeSignatures.publicKeyFromSpki(spki)); // cached by SPKI
    } catch {
      return false; // a key type we do not support, so not ours
    }
    const sameType = theirs.asymmetricKeyType === ours.asymmetricKeyType && theirs.asymmetricKeyDetails?.namedCurve === ours.asymmetricKeyDetails?.namedCurve;
    return sameType && ours.equals(theirs);
  }
}

/**
 * Whether this runtime signs with an EC key of `curve` over the scheme's hash, asked once per
 * curve and hash with the first such key. OpenSSL and BoringSSL sign any pairing (TLS 1.2 allows
 * one, RFC 8422 §5.4), but Deno's node:crypto signs P-521 with SHA-512 and SHA-384 only; a scheme
 * it cannot sign with is not offered, rather than failing in the middle of a handshake.
 */
function canSignWith(curve: string, scheme: SignatureScheme, input: KeyInput): boolean {
  const info = SCHEMES.get(scheme)!;
  if (info.curve === curve) return true; // the curve's own hash: what TLS 1.3 requires
  const key = `${curve}/${info.hash}`;
  let ok = EC_SIGNING.get(key);
  if (ok === undefined) {
    try {
      sign(info.hash, new Uint8Array(1), nodeOptions(info, input));
      ok = true;
    } catch {
      ok = false;
    }
    EC_SIGNING.set(key, ok);
  }
  return ok;
}
const EC_SIGNING = new Map<string, boolean>();

/** Our signing preference: RSA-PSS before PKCS#1 (RFC 8446 §4.2.3); EC: the key's own curve first. */
function schemesFor(info: KeyInfo): readonly SignatureScheme[] {
  switch (info.type) {
    case 'rsa':
      return RSA_SCHEMES;
    case 'ec': {
      const own = ECDSA_SCHEMES.filter((s) => SCHEMES.get(s)?.curve === info.curve);
      return Object.freeze([...own, ...ECDSA_SCHEMES.filter((s) => !own.includes(s))]);
    }
    case 'ed25519':
      return Object.freeze([S.ed25519]);
    default:
      return []; // ML-DSA keys are MlDsaPrivateKey, never a NodePrivateKey
  }
}

/** node:crypto sign/verify options for a scheme. PSS salt = hash length (RFC 8446 §4.2.3) unless an X.509 signature names another. */
// The `as` below: node:crypto's types tie `type` to sign or verify; the DER form is one of each.
function nodeOptions(info: SchemeInfo, { key, format, type }: KeyInput, saltLength?: number) {
  switch (info.padding) {
    case 'pkcs1':
      return { key, format, type, padding: constants.RSA_PKCS1_PADDING } as { key: KeyObject };
    case 'pss':
      return { key, format, type, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltLength ?? HASH_LENGTH[info.hash as HashAlgorithm] } as { key: KeyObject };
    case 'ecdsa':
      return { key, format, type, dsaEncoding: 'der' as const } as { key: KeyObject }; // TLS carries DER ECDSA-Sig-Value (RFC 8422 §5.4)
    case 'eddsa':
      return { key, format, type } as { key: KeyObject };
  }
}

interface KeyInput {
  readonly key: KeyObject | Buffer;
  readonly format?: 'der';
  readonly type?: 'pkcs8' | 'spki';
}

/**
 * How sign() and verify() take a key, made once per key: `{ key: KeyObject }`, or where the
 * runtime refuses a KeyObject there (workerd: "options.key must be of type string or … Buffer"),
 * its DER. Probed on the first key with a P-256 key.
 */
function keyInput(key: KeyObject): KeyInput {
  if ((keyObjectsInOptions ??= probeKeyObjectsInOptions())) return { key };
  return key.type === 'private' ? { key: key.export({ format: 'der', type: 'pkcs8' }), format: 'der', type: 'pkcs8' } : { key: key.export({ format: 'der', type: 'spki' }), format: 'der', type: 'spki' };
}
let keyObjectsInOptions: boolean | undefined;

function probeKeyObjectsInOptions(): boolean {
  try {
    sign('sha256', new Uint8Array(1), { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'der' });
    return true;
  } catch {
    return false;
  }
}

function describe(key: KeyObject): KeyInfo {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { type: 'rsa', curve: undefined, bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
    case 'ec': {
      const named = key.asymmetricKeyDetails?.namedCurve ?? '';
      const curve = CURVES.get(named);
      if (curve === undefined) throw new Error(`unsupported EC curve ${named || '(explicit parameters)'}`);
      return { type: 'ec', curve: curve.name, bits: curve.bits };
    }
    case 'ed25519':
      return { type: 'ed25519', curve: undefined, bits: 256 };
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** The DER of an unencrypted PKCS#8 key (DER, or PEM "PRIVATE KEY"); undefined for anything else, which node:crypto reads. */
function plainPkcs8(key: string | Uint8Array): Uint8Array | undefined {
  if (typeof key !== 'string' && !looksLikePem(key)) return key;
  try {
    return decodePem(typeof key === 'string' ? key : new TextDecoder().decode(key)).find((b) => b.label === 'PRIVATE KEY')?.der;
  } catch {
    return undefined; // not PEM we read: node:crypto decides (and names the problem)
  }
}

/**
 * An encrypted ML-DSA key (PBES2, as OpenSSL 3.5 writes it), decrypted by our own PKCS#8 reader:
 * node:crypto decrypts PKCS#8 only for key types its OpenSSL knows (not on Node 20/22), and
 * BoringSSL (Bun) reads only the seed form. Undefined for any other key, which node:crypto loads.
 */
function encryptedMlDsa(key: string | Uint8Array, passphrase: string | undefined): PrivateKey | undefined {
  if (passphrase === undefined || !isEncryptedPkcs8(key)) return undefined;
  const text = typeof key === 'string' ? key : new TextDecoder().decode(key);
  const encrypted = decodePem(text).find((b) => b.label === 'ENCRYPTED PRIVATE KEY')?.der;
  if (!encrypted) return undefined;
  let der: Uint8Array;
  try {
    der = decryptPkcs8(encrypted, passphrase);
  } catch {
    return undefined; // a scheme we do not read, or a wrong passphrase: node:crypto says which
  }
  return mlDsaPrivateKey(der, mlDsa);
}

/** An ENCRYPTED PRIVATE KEY in PEM (RFC 5958 EncryptedPrivateKeyInfo), or DER that is not plain PKCS#8. */
function isEncryptedPkcs8(key: string | Uint8Array): boolean {
  const text = typeof key === 'string' ? key : looksLikePem(key) ? new TextDecoder().decode(key) : undefined;
  return text !== undefined && text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
}

/** PEM text in a byte array (fs.readFileSync without an encoding): armour anywhere, as OpenSSL reads it. */
function looksLikePem(b: Uint8Array): boolean {
  return asBuffer(b).includes('-----BEGIN ');
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

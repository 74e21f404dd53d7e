/**
 * SignatureProvider over @noble/curves (ECDSA, Ed25519), @noble/post-quantum (ML-DSA) and BigInt RSA
 * (rsa.ts), with the node provider's policy: the same scheme table (no SHA-1, no rsa_pss_pss_*), PSS
 * salt = hash length, the ECDSA curve bound to the hash only under TLS 1.3 rules, RSA private keys
 * below 2048 bits refused. ECDSA signatures are DER (RFC 8422 §5.4) and verified with `lowS: false`:
 * OpenSSL and every TLS stack sign with either s, and noble's default refuses the high one.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { SignatureScheme } from '../../messages/enums.js';
import { parseMlDsaPkcs8, parseMlDsaSpki } from '../../pki/ml-dsa.js';
import { decodePem, pemText } from '../../pki/pem.js';
import { DerReader, Tag, readDer } from '../../pki/der-reader.js';
import type { HashAlgorithm, KeyType, PrivateKey, PublicKey, SignatureProvider } from '../provider.js';
import { nobleHashOf } from './hash.js';
import { parsePkcs1, parsePkcs8, parseSec1, parseSpki, type EcCurve, type PrivateKeyMaterial, type PublicKeyMaterial } from './keys.js';
import { NobleMlDsaPrivateKey, NobleMlDsaPublicKey } from './ml-dsa.js';
import { decryptPkcs8 } from './pkcs8-encrypted.js';
import { equal, modulusBits, rsaSign, rsaVerify, type RsaPrivate, type RsaPublic } from './rsa.js';

/** RSA keys below this size are refused when loaded, as by the node provider. */
export const MIN_RSA_BITS = 2048;

type Padding = 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa';

interface SchemeInfo {
  readonly keyType: KeyType;
  readonly padding: Padding;
  readonly hash: HashAlgorithm | null;
  readonly curve?: EcCurve;
}

const S = SignatureScheme;

/** Every scheme we sign or verify (RFC 8446 §4.2.3); anything else is refused. */
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

const RSA_SCHEMES = Object.freeze([S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512, S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512]);
const ECDSA_SCHEMES = [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512];

const CURVES = { 'P-256': { curve: p256, bits: 256 }, 'P-384': { curve: p384, bits: 384 }, 'P-521': { curve: p521, bits: 521 } } as const;

/** noble's ECDSA options for TLS: the caller hashes (the scheme's hash, not the curve's), DER, either s. */
const ECDSA_VERIFY = Object.freeze({ prehash: false, lowS: false, format: 'der' as const });
const ECDSA_SIGN = Object.freeze({ prehash: false, format: 'der' as const, extraEntropy: true });
/** RFC 8032 §5.1.7 as OpenSSL applies it: canonical encodings only (not ZIP-215's relaxed rules). */
const ED25519_VERIFY = Object.freeze({ zip215: false });

export const nobleSignatures: SignatureProvider = {
  loadPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    try {
      return loadPrivateKey(key, passphrase);
    } catch (cause) {
      throw new Error(`cannot load private key: ${(cause as Error).message}`, { cause });
    }
  },

  publicKeyFromSpki(spki: Uint8Array): PublicKey {
    const id = latin1(spki);
    const hit = SPKI_CACHE.get(id);
    if (hit) return hit;
    let key: PublicKey;
    try {
      const ml = parseMlDsaSpki(spki);
      key = ml ? new NobleMlDsaPublicKey(ml.params, ml.publicKey.slice()) : new NoblePublicKey(checked(parseSpki(spki)));
    } catch (cause) {
      throw new Error(`cannot parse SubjectPublicKeyInfo: ${(cause as Error).message}`, { cause });
    }
    if (SPKI_CACHE.size >= SPKI_CACHE_LIMIT) SPKI_CACHE.delete(SPKI_CACHE.keys().next().value!);
    SPKI_CACHE.set(id, key);
    return key;
  },
};

/** Public keys by SPKI (parsing an EC key decompresses and checks its point), oldest evicted first. */
const SPKI_CACHE = new Map<string, PublicKey>();
const SPKI_CACHE_LIMIT = 256;

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** An EC point must be on its curve (noble's fromBytes checks; node:crypto refuses such an SPKI too). */
function checked(m: PublicKeyMaterial): PublicKeyMaterial {
  if (m.kind === 'ec') CURVES[m.curve].curve.Point.fromBytes(m.point).assertValidity();
  return m;
}

/** The RSA public key of a key made by this provider (for the RSA key transport). */
export function rsaPublicOf(key: PublicKey): RsaPublic {
  const material = key instanceof NoblePublicKey ? key.material : undefined;
  if (material?.kind !== 'rsa') throw new Error('not an RSA key from the noble crypto provider');
  return material.key;
}

/** The RSA private key of a key loaded by this provider. */
export function rsaPrivateOf(key: PrivateKey): RsaPrivate {
  const material = key instanceof NoblePrivateKey ? key.material : undefined;
  if (material?.kind !== 'rsa') throw new Error('not an RSA key from the noble crypto provider');
  return material.key;
}

function infoOf(m: PublicKeyMaterial | PrivateKeyMaterial): { type: KeyType; curve: string | undefined; bits: number } {
  switch (m.kind) {
    case 'rsa':
      return { type: 'rsa', curve: undefined, bits: modulusBits(m.key) };
    case 'ec':
      return { type: 'ec', curve: m.curve, bits: CURVES[m.curve].bits };
    case 'ed25519':
      return { type: 'ed25519', curve: undefined, bits: 256 };
  }
}

class NoblePublicKey implements PublicKey {
  readonly type: KeyType;
  readonly curve: string | undefined;
  readonly bits: number;

  constructor(readonly material: PublicKeyMaterial) {
    ({ type: this.type, curve: this.curve, bits: this.bits } = infoOf(material));
  }

  fits(scheme: number, options?: { tls13?: boolean }): boolean {
    const info = SCHEMES.get(scheme);
    if (info === undefined || info.keyType !== this.type) return false;
    // An RSASSA-PSS key (RFC 4055) signs with PSS only, and with its parameters' hash when they name one.
    const pss = this.material.kind === 'rsa' ? this.material.pss : undefined;
    if (pss && (info.padding !== 'pss' || (pss.hash !== undefined && pss.hash !== info.hash))) return false;
    return !(info.padding === 'ecdsa' && options?.tls13 === true && info.curve !== this.curve);
  }

  verify(scheme: number, data: Uint8Array, signature: Uint8Array, options?: { tls13?: boolean }): boolean {
    if (!this.fits(scheme, options)) return false;
    const info = SCHEMES.get(scheme)!;
    const m = this.material;
    try {
      switch (m.kind) {
        case 'rsa':
          return rsaVerify(m.key, info.padding as 'pkcs1' | 'pss', info.hash!, data, signature);
        case 'ec':
          return CURVES[m.curve].curve.verify(signature, nobleHashOf(info.hash!)(data), m.point, ECDSA_VERIFY);
        case 'ed25519':
          return ed25519.verify(signature, data, m.publicKey, ED25519_VERIFY);
      }
    } catch {
      return false; // malformed input never escapes as an exception
    }
  }
}

class NoblePrivateKey implements PrivateKey {
  readonly type: KeyType;
  readonly curve: string | undefined;
  readonly bits: number;
  readonly schemes: readonly SignatureScheme[];
  /** Our public half, in the form parseSpki gives, for matches(). */
  readonly #public: PublicKeyMaterial;

  constructor(readonly material: PrivateKeyMaterial) {
    ({ type: this.type, curve: this.curve, bits: this.bits } = infoOf(material));
    this.schemes = schemesFor(material);
    this.#public = publicOf(material);
  }

  sign(scheme: number, data: Uint8Array): Uint8Array {
    const info = SCHEMES.get(scheme);
    if (info === undefined || !this.schemes.includes(scheme as SignatureScheme)) {
      throw new Error(`a ${this.curve ?? this.type} key cannot sign with signature scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    }
    const m = this.material;
    switch (m.kind) {
      case 'rsa':
        return rsaSign(m.key, info.padding as 'pkcs1' | 'pss', info.hash!, data);
      case 'ec':
        return CURVES[m.curve].curve.sign(nobleHashOf(info.hash!)(data), m.secretKey, ECDSA_SIGN);
      case 'ed25519':
        return ed25519.sign(data, m.seed);
    }
  }

  matches(spki: Uint8Array): boolean {
    let theirs: PublicKeyMaterial;
    try {
      theirs = parseSpki(spki);
    } catch {
      return false; // a key type we do not read (ML-DSA included), so not ours
    }
    const ours = this.#public;
    if (ours.kind === 'rsa' && theirs.kind === 'rsa') return ours.key.n === theirs.key.n && ours.key.e === theirs.key.e && !theirs.pss;
    if (ours.kind === 'ec' && theirs.kind === 'ec') {
      if (ours.curve !== theirs.curve) return false;
      try {
        return CURVES[ours.curve].curve.Point.fromBytes(theirs.point).equals(CURVES[ours.curve].curve.Point.fromBytes(ours.point));
      } catch {
        return false;
      }
    }
    return ours.kind === 'ed25519' && theirs.kind === 'ed25519' && equal(ours.publicKey, theirs.publicKey);
  }
}

function publicOf(m: PrivateKeyMaterial): PublicKeyMaterial {
  switch (m.kind) {
    case 'rsa':
      return { kind: 'rsa', key: { n: m.key.n, e: m.key.e } };
    case 'ec':
      return { kind: 'ec', curve: m.curve, point: CURVES[m.curve].curve.getPublicKey(m.secretKey, false) };
    case 'ed25519':
      return { kind: 'ed25519', publicKey: ed25519.getPublicKey(m.seed) };
  }
}

/** Our signing preference: RSA-PSS before PKCS#1 (RFC 8446 §4.2.3); EC: the key's own curve first. */
function schemesFor(m: PrivateKeyMaterial): readonly SignatureScheme[] {
  switch (m.kind) {
    case 'rsa':
      return RSA_SCHEMES;
    case 'ec': {
      const own = ECDSA_SCHEMES.filter((s) => SCHEMES.get(s)?.curve === m.curve);
      return Object.freeze([...own, ...ECDSA_SCHEMES.filter((s) => !own.includes(s))]);
    }
    case 'ed25519':
      return Object.freeze([S.ed25519]);
  }
}

const PEM_KEY_LABELS = ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'];

function loadPrivateKey(key: string | Uint8Array, passphrase: string | undefined): PrivateKey {
  const text = pemText(key);
  let label: string;
  let der: Uint8Array;
  if (text !== undefined) {
    const block = decodePem(text).find((b) => PEM_KEY_LABELS.includes(b.label));
    if (!block) throw new Error('no private key PEM block (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)');
    // RFC 1421 encryption (Proc-Type: 4,ENCRYPTED / DEK-Info, OpenSSL's traditional format) is not read.
    if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) throw new Error('legacy PEM encryption (Proc-Type: 4,ENCRYPTED) is not supported; convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc');
    ({ label, der } = block);
  } else {
    der = key as Uint8Array;
    label = isEncryptedPkcs8(der) ? 'ENCRYPTED PRIVATE KEY' : 'PRIVATE KEY';
  }
  if (label === 'ENCRYPTED PRIVATE KEY') {
    if (passphrase === undefined) throw new Error('the key is encrypted and no passphrase was given');
    der = decryptPkcs8(der, passphrase);
    label = 'PRIVATE KEY';
  }
  if (label === 'PRIVATE KEY') {
    const ml = parseMlDsaPkcs8(der);
    if (ml) return new NobleMlDsaPrivateKey(ml.params, ml);
  }
  const material = label === 'RSA PRIVATE KEY' ? parsePkcs1(der) : label === 'EC PRIVATE KEY' ? parseSec1(der) : parsePkcs8(der);
  if (material.kind === 'rsa' && modulusBits(material.key) < MIN_RSA_BITS) {
    throw new Error(`RSA key of ${modulusBits(material.key)} bits refused (minimum ${MIN_RSA_BITS})`);
  }
  return new NoblePrivateKey(normalised(material));
}

/** EC scalars at the curve's full length (RFC 5915 writes them so; some encoders drop leading zeros). */
function normalised(m: PrivateKeyMaterial): PrivateKeyMaterial {
  if (m.kind !== 'ec') return m;
  const length = CURVES[m.curve].curve.lengths.secretKey!;
  if (m.secretKey.length > length) throw new Error(`EC private key of ${m.secretKey.length} bytes for ${m.curve}`);
  const secretKey = new Uint8Array(length);
  secretKey.set(m.secretKey, length - m.secretKey.length);
  if (!CURVES[m.curve].curve.utils.isValidSecretKey(secretKey)) throw new Error('EC private key out of range');
  return { ...m, secretKey };
}

/** EncryptedPrivateKeyInfo starts with an AlgorithmIdentifier SEQUENCE; PrivateKeyInfo with its version INTEGER. */
function isEncryptedPkcs8(der: Uint8Array): boolean {
  try {
    return new DerReader(readDer(der, Tag.SEQUENCE, 'private key').value).peekTag() === Tag.SEQUENCE;
  } catch {
    return false;
  }
}

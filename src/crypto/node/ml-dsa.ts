/**
 * ML-DSA (FIPS 204) keys for the node crypto provider, and the implementation behind them:
 * node:crypto's where the runtime has it (Node 24, OpenSSL 3.5), else @noble/post-quantum's,
 * chosen once per process. Both are pure ML-DSA with
 * the empty context string, which is what TLS 1.3 uses (draft-ietf-tls-mldsa §3: the
 * CertificateVerify content is the message, no pre-hash) and X.509 too (RFC 9881 §3).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { encodeMlDsaPkcs8, encodeMlDsaSpki, ML_DSA_SEED_LENGTH, parseMlDsaPkcs8, parseMlDsaSpki, type MlDsaName, type MlDsaParams, type MlDsaPrivateKeyInfo } from '../../pki/ml-dsa.js';
import type { KeyType, PrivateKey, PublicKey } from '../provider.js';
import type { SignatureScheme } from '../../messages/enums.js';

/** One ML-DSA private key, loaded. */
export interface MlDsaSigner {
  readonly params: MlDsaParams;
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array): Uint8Array;
}

export interface MlDsaBackend {
  readonly name: 'node:crypto' | '@noble/post-quantum';
  /** A signer from a parsed PKCS#8 key; throws if a key carrying both forms is inconsistent. */
  signer(key: MlDsaPrivateKeyInfo): MlDsaSigner;
  /** A verifier for a raw public key; never throws for a bad signature. */
  verifier(params: MlDsaParams, publicKey: Uint8Array): (data: Uint8Array, signature: Uint8Array) => boolean;
  /** A fresh key pair as PKCS#8 (seed and expanded key) and the raw public key. */
  generate(params: MlDsaParams): { pkcs8: Uint8Array; publicKey: Uint8Array };
}

const NOBLE = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const satisfies Record<MlDsaName, unknown>;

export const nobleMlDsa: MlDsaBackend = {
  name: '@noble/post-quantum',
  signer(key) {
    const alg = NOBLE[key.params.name];
    let secretKey: Uint8Array;
    let publicKey: Uint8Array;
    if (key.seed !== undefined) {
      ({ secretKey, publicKey } = alg.keygen(key.seed));
      checkConsistent(key, secretKey);
    } else {
      secretKey = key.expanded!;
      publicKey = alg.getPublicKey(secretKey);
    }
    return { params: key.params, publicKey, sign: (data) => alg.sign(data, secretKey) }; // hedged (random) signing, empty context
  },
  verifier(params, publicKey) {
    const alg = NOBLE[params.name];
    return (data, signature) => {
      if (signature.length !== params.signatureLength) return false;
      try {
        return alg.verify(signature, data, publicKey);
      } catch {
        return false;
      }
    };
  },
  generate(params) {
    const seed = crypto.getRandomValues(new Uint8Array(ML_DSA_SEED_LENGTH));
    const { secretKey, publicKey } = NOBLE[params.name].keygen(seed);
    return { pkcs8: encodeMlDsaPkcs8(params, seed, secretKey), publicKey };
  },
};

export const nativeMlDsa: MlDsaBackend = {
  name: 'node:crypto',
  signer(key) {
    // OpenSSL 3.5 reads every form but takes the seed of a key with both without comparing; so
    // they are compared here, and the seed alone is passed (BoringSSL, in Bun, reads no other form).
    if (key.seed !== undefined && key.expanded !== undefined) checkConsistent(key, NOBLE[key.params.name].keygen(key.seed).secretKey);
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: Buffer.from(encodeMlDsaPkcs8(key.params, key.seed, key.seed === undefined ? key.expanded : undefined)), format: 'der', type: 'pkcs8' });
    } catch (cause) {
      // BoringSSL (Bun) reads only the seed form: an expanded-only key is noble's to sign with.
      if (key.seed === undefined) return nobleMlDsa.signer(key);
      throw cause;
    }
    const publicKey = rawPublicKey(createPublicKey(keyObject), key.params);
    return { params: key.params, publicKey, sign: (data) => toBytes(sign(null, data, keyObject)) };
  },
  verifier(params, publicKey) {
    const keyObject = createPublicKey({ key: Buffer.from(encodeMlDsaSpki(params, publicKey)), format: 'der', type: 'spki' });
    return (data, signature) => {
      try {
        return verify(null, data, keyObject, signature);
      } catch {
        return false;
      }
    };
  },
  generate(params) {
    // @types/node for Node 20 does not know the ML-DSA key types.
    const { privateKey, publicKey } = (generateKeyPairSync as (type: string) => { privateKey: KeyObject; publicKey: KeyObject })(params.name);
    return { pkcs8: toBytes(privateKey.export({ format: 'der', type: 'pkcs8' })), publicKey: rawPublicKey(publicKey, params) };
  },
};

/** node:crypto when it can make an ML-DSA key (Node 24+), else noble. Decided once. */
export const mlDsa: MlDsaBackend = (() => {
  try {
    (generateKeyPairSync as (type: string) => unknown)('ml-dsa-44');
    return nativeMlDsa;
  } catch {
    return nobleMlDsa;
  }
})();

/**
 * An ML-DSA private key from DER PKCS#8 (any of RFC 9881's three private key forms), or undefined
 * when `pkcs8` holds another key type. `backend` is a parameter for the cross-check tests (sign
 * with one implementation, verify with the other).
 */
export function mlDsaPrivateKey(pkcs8: Uint8Array, backend: MlDsaBackend): PrivateKey | undefined {
  let info;
  try {
    info = parseMlDsaPkcs8(pkcs8);
  } catch (cause) {
    throw new Error(`cannot load private key: ${(cause as Error).message}`, { cause });
  }
  if (!info) return undefined;
  const signer = backend.signer(info);
  return new MlDsaPrivateKey(signer.params, signer.publicKey, signer.sign);
}

/** An ML-DSA public key (draft-ietf-tls-mldsa): its one scheme, in TLS 1.3 only. */
export class MlDsaPublicKey implements PublicKey {
  readonly type: KeyType;
  readonly curve = undefined;
  readonly bits: number;

  constructor(
    readonly params: MlDsaParams,
    readonly check: (data: Uint8Array, signature: Uint8Array) => boolean,
  ) {
    this.type = params.name;
    this.bits = SECURITY_BITS[params.category]!;
  }

  fits(scheme: number, options?: { tls13?: boolean }): boolean {
    // draft-ietf-tls-mldsa §3: the mldsa schemes are defined for TLS 1.3 (and X.509) only.
    return scheme === this.params.scheme && options?.tls13 === true;
  }

  verify(scheme: number, data: Uint8Array, signature: Uint8Array, options?: { tls13?: boolean }): boolean {
    return this.fits(scheme, options) && this.check(data, signature);
  }
}

class MlDsaPrivateKey implements PrivateKey {
  readonly type: KeyType;
  readonly curve = undefined;
  readonly bits: number;
  readonly schemes: readonly SignatureScheme[];

  constructor(
    readonly params: MlDsaParams,
    readonly publicKey: Uint8Array,
    readonly signWith: (data: Uint8Array) => Uint8Array,
  ) {
    this.type = params.name;
    this.bits = SECURITY_BITS[params.category]!;
    this.schemes = Object.freeze([params.scheme]);
  }

  sign(scheme: number, data: Uint8Array): Uint8Array {
    if (scheme !== this.params.scheme) throw new Error(`a ${this.params.label} key cannot sign with signature scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    return this.signWith(data);
  }

  matches(spki: Uint8Array): boolean {
    try {
      const theirs = parseMlDsaSpki(spki);
      return theirs !== undefined && theirs.params === this.params && sameBytes(theirs.publicKey, this.publicKey);
    } catch {
      return false;
    }
  }
}

/** Classical security strength of NIST categories 2, 3 and 5 (FIPS 204 §4), as PublicKeyInfo.bits. */
const SECURITY_BITS: Readonly<Record<number, number>> = { 2: 128, 3: 192, 5: 256 };

/** RFC 9881 §6: a key with both forms whose expanded key is not its seed's is refused (noble's keygen is FIPS 204's). */
function checkConsistent(key: MlDsaPrivateKeyInfo, fromSeed: Uint8Array): void {
  if (key.expanded !== undefined && !sameBytes(fromSeed, key.expanded)) throw new Error(`${key.params.label} private key: the expanded key does not match the seed`);
}

function rawPublicKey(key: KeyObject, params: MlDsaParams): Uint8Array {
  const spki = toBytes(key.export({ format: 'der', type: 'spki' }));
  return spki.subarray(spki.length - params.publicKeyLength);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * ML-DSA (FIPS 204) keys over @noble/post-quantum: pure ML-DSA with the empty context, as TLS 1.3
 * (draft-ietf-tls-mldsa §3) and X.509 (RFC 9881 §3) use it. Keys are read by src/pki/ml-dsa.ts.
 * The node provider has the same classes over node:crypto (src/crypto/node/ml-dsa.ts); these import
 * nothing from node.
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import type { SignatureScheme } from '../../messages/enums.js';
import { parseMlDsaSpki, type MlDsaName, type MlDsaParams, type MlDsaPrivateKeyInfo } from '../../pki/ml-dsa.js';
import type { KeyType, PrivateKey, PublicKey } from '../provider.js';
import { equal } from './rsa.js';

const NOBLE = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const satisfies Record<MlDsaName, unknown>;

/** Classical security strength of NIST categories 2, 3 and 5 (FIPS 204 §4), as PublicKeyInfo.bits. */
const SECURITY_BITS: Readonly<Record<number, number>> = { 2: 128, 3: 192, 5: 256 };

/** An ML-DSA public key: its one scheme, in TLS 1.3 (and X.509, which passes `tls13`) only. */
export class NobleMlDsaPublicKey implements PublicKey {
  readonly type: KeyType;
  readonly curve = undefined;
  readonly bits: number;

  constructor(
    readonly params: MlDsaParams,
    readonly publicKey: Uint8Array,
  ) {
    this.type = params.name;
    this.bits = SECURITY_BITS[params.category]!;
  }

  fits(scheme: number, options?: { tls13?: boolean }): boolean {
    return scheme === this.params.scheme && options?.tls13 === true;
  }

  verify(scheme: number, data: Uint8Array, signature: Uint8Array, options?: { tls13?: boolean }): boolean {
    if (!this.fits(scheme, options) || signature.length !== this.params.signatureLength) return false;
    try {
      return NOBLE[this.params.name].verify(signature, data, this.publicKey);
    } catch {
      return false;
    }
  }
}

export class NobleMlDsaPrivateKey implements PrivateKey {
  readonly type: KeyType;
  readonly curve = undefined;
  readonly bits: number;
  readonly schemes: readonly SignatureScheme[];
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;

  constructor(readonly params: MlDsaParams, info: MlDsaPrivateKeyInfo) {
    const alg = NOBLE[params.name];
    if (info.seed !== undefined) {
      const { secretKey, publicKey } = alg.keygen(info.seed);
      // RFC 9881 §6: a key with both forms whose expanded key is not its seed's is refused.
      if (info.expanded !== undefined && !equal(secretKey, info.expanded)) throw new Error(`${params.label} private key: the expanded key does not match the seed`);
      this.#secretKey = secretKey;
      this.#publicKey = publicKey;
    } else {
      this.#secretKey = info.expanded!;
      this.#publicKey = alg.getPublicKey(this.#secretKey);
    }
    this.type = params.name;
    this.bits = SECURITY_BITS[params.category]!;
    this.schemes = Object.freeze([params.scheme]);
  }

  sign(scheme: number, data: Uint8Array): Uint8Array {
    if (scheme !== this.params.scheme) throw new Error(`a ${this.params.label} key cannot sign with signature scheme 0x${scheme.toString(16).padStart(4, '0')}`);
    return NOBLE[this.params.name].sign(data, this.#secretKey); // hedged, empty context
  }

  matches(spki: Uint8Array): boolean {
    try {
      const theirs = parseMlDsaSpki(spki);
      return theirs !== undefined && theirs.params === this.params && equal(theirs.publicKey, this.#publicKey);
    } catch {
      return false;
    }
  }
}

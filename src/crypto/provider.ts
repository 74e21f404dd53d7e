import type { NamedGroup, SignatureScheme } from '../messages/enums.js';

/**
 * The crypto the protocol core needs, as small parts. The core never imports node:crypto:
 * everything goes through a CryptoProvider, and all randomness and ephemeral keys come from
 * it, so a scripted provider can replay a handshake byte for byte.
 */
export interface CryptoProvider {
  readonly random: RandomSource;
  readonly hash: HashProvider;
  readonly aead: AeadProvider;
  readonly keyExchange: KeyExchangeProvider;
  readonly signatures: SignatureProvider;
  readonly rsaKeyTransport: RsaKeyTransport;
}

export interface RandomSource {
  /** n cryptographically random bytes. */
  bytes(n: number): Uint8Array;
}

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** A running hash whose current digest can be read without ending it (transcript hashes). */
export interface RunningHash {
  readonly algorithm: HashAlgorithm;
  update(data: Uint8Array): void;
  /** The digest of everything fed so far; the hash stays usable. */
  peek(): Uint8Array;
}

export interface HashProvider {
  outputLength(algorithm: HashAlgorithm): number;
  create(algorithm: HashAlgorithm): RunningHash;
  digest(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** HMAC over the concatenation of `data` parts (no copy needed by the caller). */
  hmac(algorithm: HashAlgorithm, key: Uint8Array, ...data: Uint8Array[]): Uint8Array;
}

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** An AEAD keyed once. Tags are always 16 bytes. */
export interface Aead {
  readonly algorithm: AeadAlgorithm;
  /** ciphertext ‖ 16-byte tag */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * Optional fast path for record layers: seals `plaintext` and writes ciphertext ‖ 16-byte tag
   * into `out` at `offset`, so that a record is built in the array it is sent from. `plaintext`
   * may be exactly out's range [offset, offset + plaintext.length) (sealing in place), or lie
   * outside what is written; no input is referenced after the call. Record layers fall back to
   * seal() without it.
   */
  sealInto?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** The plaintext, or null when authentication fails (never throws for a bad tag). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

export interface AeadProvider {
  keyLength(algorithm: AeadAlgorithm): number;
  create(algorithm: AeadAlgorithm, key: Uint8Array): Aead;
}

/** One ephemeral key pair, used once: (EC)DH, or the client's side of a KEM (src/crypto/kem-groups.ts). */
export interface KeyShare {
  readonly group: NamedGroup;
  /**
   * Our public value in wire form: X25519 32 bytes; P-256/P-384 uncompressed point (0x04‖X‖Y);
   * FFDHE the value Y left-padded to the byte length of p.
   */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's wire-form public value. ECDHE: the x-coordinate / X25519
   * output at full length. FFDHE: Z left-padded to the length of p, as TLS 1.3 uses it (RFC 8446
   * §7.4.1; TLS 1.2 strips the zeros itself, RFC 5246 §8.1.2).
   * Throws InvalidPublicKey for a malformed, off-curve, compressed/hybrid or low-order value,
   * an all-zero X25519 result, or an FFDHE value that is not exactly |p| bytes or not in
   * 1 < Y < p − 1 (TLS 1.2 pads its minimal dh_Y encodings before calling).
   */
  deriveSecret(peerPublic: Uint8Array): Uint8Array;
}

export class InvalidPublicKey extends Error {
  override readonly name = 'InvalidPublicKey';
}

/**
 * Key exchange for every group the provider has, (EC)DH and KEM alike (the shape rustls uses).
 * The side that speaks first calls generate(): its share, then deriveSecret(the answer), which for
 * a KEM decapsulates. The answering side (a TLS 1.3 server) calls respond(): for (EC)DH a fresh key
 * pair and the derivation, for a KEM an encapsulation. TLS 1.2 uses generate() on both sides, for
 * (EC)DH groups only.
 */
export interface KeyExchangeProvider {
  /** Groups this provider can do, in our preference order: what configuration may choose from. */
  readonly groups: readonly NamedGroup[];
  generate(group: NamedGroup): KeyShare;
  /**
   * Our answer to the peer's share: the share to send back and the shared secret. Throws
   * InvalidPublicKey for a share that fails its group's checks (lengths, the EC point, the ML-KEM
   * encapsulation key's modulus check, an all-zero X25519 result).
   */
  respond(group: NamedGroup, peerShare: Uint8Array): KeyExchangeResponse;
}

export interface KeyExchangeResponse {
  /** Our share in wire form (for a KEM group: the ciphertext, with the (EC)DH half for a hybrid). */
  readonly publicKey: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/** respond() for a Diffie-Hellman group: a fresh key pair, used once. */
export function respondWithNewShare(kx: Pick<KeyExchangeProvider, 'generate'>, group: NamedGroup, peerShare: Uint8Array): KeyExchangeResponse {
  const share = kx.generate(group);
  return { publicKey: share.publicKey, sharedSecret: share.deriveSecret(peerShare) };
}

/** ML-DSA keys by node:crypto's names for them (FIPS 204 parameter sets). */
export type KeyType = 'rsa' | 'ec' | 'ed25519' | 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87';

export interface PublicKeyInfo {
  readonly type: KeyType;
  /** 'P-256' | 'P-384' | 'P-521' for EC keys. */
  readonly curve: string | undefined;
  /** Modulus bits for RSA, field bits for EC, 256 for Ed25519, the security strength (128/192/256) for ML-DSA. */
  readonly bits: number;
}

export interface PublicKey extends PublicKeyInfo {
  /**
   * Verifies `signature` over `data` with `scheme`. False when the scheme does not fit the key
   * type (RSA vs EC vs Ed25519; for TLS 1.3 ecdsa schemes, the curve), the RSA-PSS salt is not
   * `saltLength` (default, and always in TLS: the hash length), or the signature is wrong. Never
   * throws for bad input.
   */
  verify(scheme: number, data: Uint8Array, signature: Uint8Array, options?: VerifyOptions): boolean;
  /**
   * Whether `scheme` can be used with this key at all: its key type and, for TLS 1.3 ECDSA, its
   * curve (RFC 8446 §4.2.3). ML-DSA schemes fit only with `tls13` (draft-ietf-tls-mldsa §3; X.509
   * signature checks pass it too).
   */
  fits(scheme: number, options?: { tls13?: boolean }): boolean;
}

export interface VerifyOptions {
  /** TLS 1.3 rules: an ECDSA scheme names the curve too (RFC 8446 §4.2.3); ML-DSA schemes fit. */
  readonly tls13?: boolean;
  /**
   * RSA-PSS only: the salt length the signature must have, for X.509 signatures whose
   * RSASSA-PSS-params name one (RFC 4055 §3.1). TLS never passes it (RFC 8446 §4.2.3: the hash length).
   */
  readonly saltLength?: number;
}

export interface PrivateKey extends PublicKeyInfo {
  /** Signs with `scheme`; throws if the scheme does not fit the key. PSS salt = hash length. */
  sign(scheme: number, data: Uint8Array): Uint8Array;
  /** Schemes this key can sign with, in our preference order (strongest common first). */
  readonly schemes: readonly SignatureScheme[];
  /** Whether a certificate's DER SubjectPublicKeyInfo is this key's public half (absent: the provider cannot tell). */
  matches?(spki: Uint8Array): boolean;
}

export interface SignatureProvider {
  /** Loads a PEM (PKCS#8, PKCS#1 or SEC1) or DER PKCS#8 private key, ML-DSA included. Parsed once per configuration. */
  loadPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey;
  /** A public key from a DER SubjectPublicKeyInfo. */
  publicKeyFromSpki(spki: Uint8Array): PublicKey;
}

/** RSA key transport for the TLS 1.2 RSA key exchange (RFC 5246 §7.4.7.1). */
export interface RsaKeyTransport {
  /** RSAES-PKCS1-v1_5 encryption of the 48-byte premaster under the server's public key. */
  encrypt(publicKey: PublicKey, premaster: Uint8Array): Uint8Array;
  /**
   * Implicit rejection. Decrypts with raw RSA (RSA_NO_PADDING), checks the PKCS#1 v1.5 block
   * (00 02, non-zero padding, 00 separator, 48-byte message whose first two bytes equal
   * `clientVersion`) without branching on secret data, and returns either the decrypted
   * premaster or `fallback` (48 random bytes the caller drew before calling). Never throws for
   * a bad ciphertext, including one of the wrong length or ≥ n.
   */
  decrypt(privateKey: PrivateKey, ciphertext: Uint8Array, clientVersion: number, fallback: Uint8Array): Uint8Array;
}

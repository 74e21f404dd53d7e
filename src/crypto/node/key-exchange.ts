/**
 * KeyExchangeProvider over node:crypto: X25519, P-256, P-384 and the RFC 7919 FFDHE groups
 * (node/index.ts adds the ML-KEM groups on top, src/crypto/kem-groups.ts).
 * Every peer value is validated here, before and around OpenSSL (security.md KX-3, KX-4):
 * Node alone accepts compressed and hybrid EC points, and X25519 needs an all-zero check.
 * Raw public keys go through JWK (X25519) and createECDH (NIST), never DER (performance.md §4.1).
 * Each share is ephemeral: after one successful derivation it refuses to derive again.
 */
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { DiffieHellman, ECDH, JsonWebKey, KeyObject } from 'node:crypto';
import { DerReader, readDer, Tag } from '../../pki/der-reader.js';
import { bitString, integer, octetString, oid, sequence } from '../../pki/der-writer.js';
import { NamedGroup } from '../../messages/enums.js';
import { ffdheParams, type FfdheGroup } from '../ffdhe-groups.js';
import { InvalidPublicKey, respondWithNewShare, type KeyExchangeProvider, type KeyShare } from '../provider.js';

/** Our preference: X25519 first (fast, no point validation pitfalls), then NIST, then FFDHE. */
const GROUPS: readonly NamedGroup[] = Object.freeze([
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
]);

export const nodeKeyExchange: KeyExchangeProvider = {
  groups: GROUPS,

  generate(group: NamedGroup): KeyShare {
    switch (group) {
      case NamedGroup.x25519:
        return new X25519Share();
      case NamedGroup.secp256r1:
        return new EcdhShare(group, 'prime256v1', 32);
      case NamedGroup.secp384r1:
        return new EcdhShare(group, 'secp384r1', 48);
      case NamedGroup.ffdhe2048:
      case NamedGroup.ffdhe3072:
      case NamedGroup.ffdhe4096:
        return new FfdheShare(ffdheParams(group) as FfdheGroup);
      default:
        throw new Error(`unsupported key exchange group 0x${(group as number).toString(16).padStart(4, '0')}`);
    }
  },

  respond(group, peerShare) {
    return respondWithNewShare(this, group, peerShare);
  },
};

/** Shared once-only guard: an ephemeral key must never be reused (security.md KX-4, KX-5). */
abstract class EphemeralShare implements KeyShare {
  abstract readonly group: NamedGroup;
  abstract readonly publicKey: Uint8Array;
  #used = false;

  deriveSecret(peerPublic: Uint8Array): Uint8Array {
    if (this.#used) throw new Error('ephemeral key share already used');
    const secret = this.derive(peerPublic);
    this.#used = true;
    this.forget();
    return secret;
  }

  protected abstract derive(peerPublic: Uint8Array): Uint8Array;
  protected abstract forget(): void;
}

/** X25519 (RFC 7748), wire form = the 32-byte u-coordinate (RFC 8422 §5.11, RFC 8446 §4.2.8.2). */
class X25519Share extends EphemeralShare {
  readonly group = NamedGroup.x25519;
  readonly publicKey: Uint8Array;
  #privateKey: KeyObject | undefined;

  constructor() {
    super();
    // The public key comes out of the generator already encoded, and the private KeyObject is
    // never exported. Node 20's KeyPairGenConfig destructor locks the generated key's mutex, and
    // KeyObject.export() holds that mutex while it allocates on the V8 heap: an export can run
    // the GC that destroys the finished generation job, and the thread then waits for a lock it
    // holds. Exporting the public KeyObject hung us about once in 10,000–30,000 handshakes
    // (test/hostile/keygen-deadlock.test.ts). diffieHellman() takes no key lock, so using the
    // private KeyObject is safe; re-importing it instead would cost ~28 µs more per share.
    const { privateKey, publicKey } = generateX25519();
    this.#privateKey = privateKey;
    this.publicKey = fromBase64Url(publicKey.x as string);
  }

  protected derive(peer: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2 / RFC 8422 §5.11: an X25519 share is exactly 32 bytes.
    if (peer.length !== 32) throw new InvalidPublicKey(`X25519 share must be 32 bytes, got ${peer.length}`);
    let z: Buffer;
    try {
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(peer) }, format: 'jwk' });
      z = diffieHellman({ privateKey: this.#privateKey as KeyObject, publicKey });
    } catch (cause) {
      // OpenSSL refuses low-order points itself (u = 0, 1, …: ERR_OSSL_FAILED_DURING_DERIVATION).
      throw new InvalidPublicKey('X25519 derivation failed (low-order point)', { cause });
    }
    // RFC 7748 §6.1, RFC 8446 §7.4.2: an all-zero shared secret MUST abort. OR without early exit.
    let acc = 0;
    for (let i = 0; i < z.length; i++) acc |= z[i] as number;
    if (acc === 0) throw new InvalidPublicKey('X25519 shared secret is all zero');
    return bytesOf(z);
  }

  protected forget(): void {
    this.#privateKey = undefined;
  }
}

/** Made once: V8 builds `{ ...a, b }` through a slow path (bench/observer.ts found ~1 µs per spread). */
const X25519_OPTIONS = { publicKeyEncoding: { format: 'jwk', type: 'spki' } } as unknown as { publicKeyEncoding: { format: 'pem'; type: 'spki' } };

/** generateKeyPairSync('x25519') with the public key as JWK (Node supports it; @types/node 20 lacks the overload). */
function generateX25519(): { privateKey: KeyObject; publicKey: JsonWebKey } {
  return generateKeyPairSync('x25519', X25519_OPTIONS) as unknown as {
    privateKey: KeyObject;
    publicKey: JsonWebKey;
  };
}

/** ECDHE on P-256/P-384: uncompressed points only; the secret is the full-length x-coordinate. */
class EcdhShare extends EphemeralShare {
  readonly publicKey: Uint8Array;
  #ecdh: ECDH | undefined;

  constructor(
    readonly group: NamedGroup,
    curve: string,
    /** Field element length L: the share is 1 + 2L bytes. */
    private readonly fieldLength: number,
  ) {
    super();
    const ecdh = createECDH(curve);
    ecdh.generateKeys();
    this.#ecdh = ecdh;
    this.publicKey = bytesOf(ecdh.getPublicKey()); // 0x04 ‖ X ‖ Y
  }

  protected derive(peer: Uint8Array): Uint8Array {
    // RFC 8446 §4.2.8.2, RFC 8422 §5.4.1 (uncompressed is the only format we offer): exactly
    // 1 + 2L bytes starting 0x04. Node would accept compressed (02/03) and hybrid (06/07) points.
    if (peer.length !== 1 + 2 * this.fieldLength || peer[0] !== 0x04) {
      throw new InvalidPublicKey(`EC share must be an uncompressed ${1 + 2 * this.fieldLength}-byte point`);
    }
    let z: Buffer;
    try {
      // OpenSSL checks that the coordinates are field elements and the point is on the curve
      // (RFC 8446 §4.2.8.2 validation; off-curve → ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY).
      z = (this.#ecdh as ECDH).computeSecret(peer);
    } catch (cause) {
      throw new InvalidPublicKey('EC point is not on the curve', { cause });
    }
    // RFC 8422 §5.10: the premaster is the x-coordinate at full length, leading zeros kept.
    return leftPad(z, this.fieldLength);
  }

  protected forget(): void {
    this.#ecdh = undefined;
  }
}

/**
 * FFDHE with an RFC 7919 group. The wire form is Y left-padded to |p| bytes both ways (RFC 7919
 * §3, RFC 8446 §4.2.8.1), and Z is returned at |p| bytes with its leading zeros (RFC 8446 §7.4.1);
 * the TLS 1.2 code converts from and to its minimal encodings (RFC 5246 §8.1.2) itself.
 * Exported for known-answer tests, which pass a fixed private exponent.
 */
export class FfdheShare extends EphemeralShare {
  readonly group: NamedGroup;
  readonly publicKey: Uint8Array;
  readonly #params: FfdheGroup;
  readonly #pMinus1: Uint8Array;
  #agree: ((peer: Uint8Array) => Uint8Array) | undefined;

  constructor(params: FfdheGroup, privateKey?: Uint8Array) {
    super();
    this.group = params.group;
    this.#params = params;
    this.#pMinus1 = minusOne(params.p);
    // Three ways, picked once per process by what the runtime can do (dhMethod()); all give Y and
    // Z at |p| bytes. A TLS 1.3 server takes FFDHE by default, so test/unit/crypto-provider.test.ts
    // fails if a runtime gets slow.
    const agreement = dhMethod()(params, privateKey);
    this.publicKey = leftPad(agreement.publicKey, params.p.length);
    this.#agree = agreement.agree;
  }

  protected derive(peer: Uint8Array): Uint8Array {
    const size = this.#params.p.length;
    // RFC 8446 §4.2.8.1, RFC 7919 §3: the peer's value is exactly |p| bytes (a shorter TLS 1.2
    // dh_Y is padded by the TLS 1.2 code before it gets here).
    if (peer.length !== size) throw new InvalidPublicKey(`FFDHE value of ${peer.length} bytes, expected ${size}`);
    // RFC 7919 §5.1 / RFC 8446 §4.2.8.1: 1 < Y < p − 1 (p is a safe prime, so this rules out the
    // order-1 and order-2 subgroups). Y is public, so ordinary comparisons are fine.
    if (compare(peer, onePadded(size)) <= 0 || compare(peer, this.#pMinus1) >= 0) {
      throw new InvalidPublicKey('FFDHE value outside 1 < Y < p-1');
    }
    let z: Uint8Array;
    try {
      z = (this.#agree as (peer: Uint8Array) => Uint8Array)(peer);
    } catch (cause) {
      throw new InvalidPublicKey('FFDHE derivation failed', { cause });
    }
    // RFC 8446 §7.4.1: Z at |p| bytes, leading zeros kept (node:crypto pads already; this makes it
    // the contract). TLS 1.2 strips them itself (RFC 5246 §8.1.2).
    return leftPad(z, size);
  }

  protected forget(): void {
    this.#agree = undefined;
  }
}

interface DhAgreement {
  readonly publicKey: Uint8Array;
  agree(peer: Uint8Array): Uint8Array;
}
type DhMethod = (params: FfdheGroup, privateKey: Uint8Array | undefined) => DhAgreement;

/**
 * Node 20 (OpenSSL 3.0) skips DH_check() for the RFC 7919 primes in createDiffieHellman(), so one
 * object per share costs 0.5/1/2 ms there (ffdhe2048/3072/4096), and KeyObjects measured 1.5–13×
 * slower. OpenSSL recognises those primes and uses the matching short exponent (225/275/325 bits).
 * Deno's createDiffieHellman() checks nothing either (1–3 ms per share), while its 'dh' KeyObjects
 * take a full-size exponent (56/220/400 ms per pair measured).
 */
const perShareDh: DhMethod = (params, privateKey) => {
  const dh = createDiffieHellman(params.p, params.g);
  // Deno's generateKeys() draws a full-size exponent (166 ms per ffdhe4096 share measured), so the
  // exponent is ours there; OpenSSL picks the short one itself.
  const x = privateKey ?? (SHORT_EXPONENT_BY_HAND ? randomExponent(EXPONENT_BYTES[params.p.length] ?? 64) : undefined);
  if (x !== undefined) dh.setPrivateKey(x);
  dh.generateKeys();
  return { publicKey: dh.getPublicKey(), agree: (peer) => dh.computeSecret(peer) };
};

/**
 * Node 22+: createDiffieHellman() checks the prime on every call there (230 ms–5 s per
 * call measured on Node 24 and 26), while generateKeyPairSync('dh') + diffieHellman() cost
 * ~1.5 ms for ffdhe2048. Known-answer tests (a fixed private exponent) import it as PKCS#8.
 */
const keyObjectDh: DhMethod = (params, privateKey) => {
  const key =
    privateKey === undefined
      ? generateDhKeyPair('dh', { prime: Buffer.from(params.p), generator: params.g.reduce((n, b) => n * 256 + b, 0) })
      : withPublic(createPrivateKey({ key: Buffer.from(sequence(integer(0), dhAlgorithm(params), octetString(integer(privateKey)))), format: 'der', type: 'pkcs8' }));
  return {
    publicKey: dhPublicValue(key.publicKey),
    agree: (peer) => diffieHellman({ privateKey: key.privateKey, publicKey: dhPublicKey(params, peer) }),
  };
};

/**
 * Bun (BoringSSL): no 'dh' KeyObjects, and createDiffieHellman() checks the prime (0.8/2.3/5.3 s
 * for ffdhe2048/3072/4096), but generateKeys() and computeSecret() on an existing object cost
 * 0.5–5 ms. So one object per group, made on first use, and each share sets its own private
 * exponent before each use (all synchronous: nothing runs in between). The exponent is random,
 * of at least the size RFC 7919 §5.2 asks for (225/275/325 bits), top bit set so it is never 0 or 1.
 */
const sharedDh: DhMethod = (params, privateKey) => {
  let dh = SHARED_DH.get(params.group);
  if (dh === undefined) SHARED_DH.set(params.group, (dh = createDiffieHellman(params.p, params.g)));
  const d = dh;
  const x = privateKey?.slice() ?? randomExponent(EXPONENT_BYTES[params.p.length] ?? 64);
  d.setPrivateKey(x);
  d.generateKeys();
  const publicKey = new Uint8Array(d.getPublicKey());
  return {
    publicKey,
    agree(peer) {
      d.setPrivateKey(x);
      const z = d.computeSecret(peer);
      x.fill(0);
      return z;
    },
  };
};
const SHARED_DH = new Map<NamedGroup, DiffieHellman>();
/** |p| in bytes → private exponent bytes: 256, 280 and 328 bits for ffdhe2048, 3072 and 4096. */
const EXPONENT_BYTES: Readonly<Record<number, number>> = { 256: 32, 384: 35, 512: 41 };

function randomExponent(n: number): Uint8Array {
  const x = new Uint8Array(randomBytes(n));
  x[0] = (x[0] as number) | 0x80;
  return x;
}

let method: DhMethod | undefined;
/**
 * The FFDHE method for this runtime, chosen on first use: what each costs is no API one can ask,
 * so the runtimes whose createDiffieHellman() is cheap are named (Node before 22, Deno); elsewhere
 * 'dh' KeyObjects where generateKeyPairSync() makes them (probed), else one object per group.
 */
const SHORT_EXPONENT_BY_HAND = 'deno' in process.versions;
function dhMethod(): DhMethod {
  const cheapCreate = Number(process.versions.node.split('.')[0]) < 22 || SHORT_EXPONENT_BY_HAND;
  return (method ??= cheapCreate ? perShareDh : keyObjectsWork() ? keyObjectDh : sharedDh);
}

/** Whether generateKeyPairSync('dh') with an RFC 7919 prime works (Bun: UNSUPPORTED_ALGORITHM). */
function keyObjectsWork(): boolean {
  try {
    keyObjectDh(ffdheParams(NamedGroup.ffdhe2048) as FfdheGroup, undefined);
    return true;
  } catch {
    return false;
  }
}

/** generateKeyPairSync's 'dh' form, which @types/node 20 does not declare. */
const generateDhKeyPair = generateKeyPairSync as unknown as (type: 'dh', options: { prime: Buffer; generator: number }) => { privateKey: KeyObject; publicKey: KeyObject };

/** PKCS #3 dhKeyAgreement with the group's p and g (the AlgorithmIdentifier of DH SPKI and PKCS#8). */
function dhAlgorithm(params: FfdheGroup): Uint8Array {
  return sequence(oid('1.2.840.113549.1.3.1'), sequence(integer(params.p), integer(params.g)));
}

function withPublic(privateKey: KeyObject): { privateKey: KeyObject; publicKey: KeyObject } {
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The peer's Y as a KeyObject: SubjectPublicKeyInfo { dhKeyAgreement(p, g), BIT STRING { INTEGER Y } }. */
function dhPublicKey(params: FfdheGroup, y: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(sequence(dhAlgorithm(params), bitString(integer(y)))), format: 'der', type: 'spki' });
}

/** Y from a DH public KeyObject's SubjectPublicKeyInfo, without the INTEGER's sign octet. */
function dhPublicValue(key: KeyObject): Uint8Array {
  const spki = new DerReader(readDer(key.export({ format: 'der', type: 'spki' }), Tag.SEQUENCE, 'DH SubjectPublicKeyInfo').value);
  spki.read(Tag.SEQUENCE, 'DH algorithm');
  const y = readDer(spki.read(Tag.BIT_STRING, 'DH public key').value.subarray(1), Tag.INTEGER, 'DH Y').value;
  return y[0] === 0 ? y.subarray(1) : y;
}

/** `b` right-aligned in a fresh array of `size` bytes (b.length ≤ size). */
function leftPad(b: Uint8Array, size: number): Uint8Array {
  if (b.length > size) throw new Error(`value of ${b.length} bytes does not fit ${size}`);
  const out = new Uint8Array(size);
  out.set(b, size - b.length);
  return out;
}

/** Big-endian comparison of two equal-length public values. */
function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function onePadded(size: number): Uint8Array {
  const one = new Uint8Array(size);
  one[size - 1] = 1;
  return one;
}

function minusOne(p: Uint8Array): Uint8Array {
  const out = p.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== 0) {
      out[i] = (out[i] as number) - 1;
      break;
    }
    out[i] = 0xff;
  }
  return out;
}

function bytesOf(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? new Uint8Array(b.buffer, 0, b.length) : new Uint8Array(b);
}

function toBase64Url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

function fromBase64Url(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64url'); // small: may be pooled, so copy out
  return new Uint8Array(b);
}

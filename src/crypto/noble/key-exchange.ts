/**
 * KeyExchangeProvider over @noble/curves and BigInt: X25519, P-256, P-384 and the RFC 7919 FFDHE
 * groups (index.ts adds the ML-KEM groups, src/crypto/kem-groups.ts). Every peer value is checked as
 * the node provider checks it: exact lengths, uncompressed EC points on the curve (noble's
 * Point.fromBytes validates), X25519's all-zero result, FFDHE's 1 < Y < p − 1. Secret keys come
 * from the provider's RandomSource, and each share derives once.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { NamedGroup } from '../../messages/enums.js';
import { ffdheParams, type FfdheGroup } from '../ffdhe-groups.js';
import { InvalidPublicKey, respondWithNewShare, type KeyExchangeProvider, type KeyShare } from '../provider.js';
import { modPow, toBigInt, toBytes } from './bigint.js';
import { nobleRandom } from './random.js';

const GROUPS: readonly NamedGroup[] = Object.freeze([
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
]);

export const nobleKeyExchange: KeyExchangeProvider = {
  groups: GROUPS,

  generate(group: NamedGroup): KeyShare {
    switch (group) {
      case NamedGroup.x25519:
        return x25519Share();
      case NamedGroup.secp256r1:
        return ecdhShare(group, p256, 32);
      case NamedGroup.secp384r1:
        return ecdhShare(group, p384, 48);
      case NamedGroup.ffdhe2048:
      case NamedGroup.ffdhe3072:
      case NamedGroup.ffdhe4096:
        return ffdheShare(ffdheParams(group)!);
      default:
        throw new Error(`unsupported key exchange group 0x${(group as number).toString(16).padStart(4, '0')}`);
    }
  },

  respond(group, peerShare) {
    return respondWithNewShare(this, group, peerShare);
  },
};

/** A share whose secret is dropped after one derivation, successful or not (security.md KX-4, KX-5). */
function once(group: NamedGroup, publicKey: Uint8Array, derive: (peer: Uint8Array) => Uint8Array): KeyShare {
  let used = false;
  return {
    group,
    publicKey,
    deriveSecret(peer) {
      if (used) throw new Error('ephemeral key share already used');
      const secret = derive(peer);
      used = true;
      return secret;
    },
  };
}

/** X25519 (RFC 7748): 32-byte shares; an all-zero result aborts (RFC 7748 §6.1, RFC 8446 §7.4.2). */
function x25519Share(): KeyShare {
  const secretKey = nobleRandom.bytes(32);
  return once(NamedGroup.x25519, x25519.getPublicKey(secretKey), (peer) => {
    if (peer.length !== 32) throw new InvalidPublicKey(`X25519 share must be 32 bytes, got ${peer.length}`);
    let z: Uint8Array;
    try {
      z = x25519.getSharedSecret(secretKey, peer); // noble throws for an all-zero result (low order)
    } catch (cause) {
      throw new InvalidPublicKey('X25519 shared secret is all zero (low-order point)', { cause });
    }
    let acc = 0;
    for (let i = 0; i < z.length; i++) acc |= z[i]!;
    if (acc === 0) throw new InvalidPublicKey('X25519 shared secret is all zero');
    secretKey.fill(0);
    return z;
  });
}

type NistCurve = typeof p256;

/** ECDHE on a NIST curve: uncompressed points only; the secret is the x-coordinate at full length (RFC 8422 §5.10). */
function ecdhShare(group: NamedGroup, curve: NistCurve, fieldLength: number): KeyShare {
  const secretKey = curve.utils.randomSecretKey(nobleRandom.bytes(curve.lengths.seed!));
  return once(group, curve.getPublicKey(secretKey, false), (peer) => {
    if (peer.length !== 1 + 2 * fieldLength || peer[0] !== 0x04) {
      throw new InvalidPublicKey(`EC share must be an uncompressed ${1 + 2 * fieldLength}-byte point`);
    }
    let shared: Uint8Array;
    try {
      shared = curve.getSharedSecret(secretKey, peer, true); // Point.fromBytes: coordinates in the field, on the curve
    } catch (cause) {
      throw new InvalidPublicKey('EC point is not on the curve', { cause });
    }
    secretKey.fill(0);
    return shared.slice(1);
  });
}

/**
 * Private exponent lengths in bits: OpenSSL's for these groups, at least twice the groups' security
 * strength as RFC 7919 §5.2 asks (ffdhe2048 ≈ 103, ffdhe3072 ≈ 125, ffdhe4096 ≈ 150 bits of
 * security). A full-size exponent would cost 8–12× as much for no gain.
 */
const EXPONENT_BITS: Readonly<Record<number, number>> = { [NamedGroup.ffdhe2048]: 225, [NamedGroup.ffdhe3072]: 275, [NamedGroup.ffdhe4096]: 325 };

/**
 * FFDHE with an RFC 7919 group: Y = g^x mod p left-padded to |p| bytes, Z likewise (RFC 8446 §7.4.1).
 * `privateKey` is for known-answer tests.
 */
export function ffdheShare(params: FfdheGroup, privateKey?: Uint8Array): KeyShare {
  const size = params.p.length;
  const p = toBigInt(params.p);
  const bits = EXPONENT_BITS[params.group]!;
  // x in [2^(bits-1), 2^bits): the top bit set so that the exponent has its full length.
  let x = privateKey ? toBigInt(privateKey) : toBigInt(nobleRandom.bytes((bits + 7) >> 3)) % (1n << BigInt(bits));
  if (!privateKey) x |= 1n << BigInt(bits - 1);
  const y = modPow(toBigInt(params.g), x, p);
  return once(params.group, toBytes(y, size), (peer) => {
    if (peer.length !== size) throw new InvalidPublicKey(`FFDHE value of ${peer.length} bytes, expected ${size}`);
    const peerY = toBigInt(peer); // public: ordinary comparisons
    if (peerY <= 1n || peerY >= p - 1n) throw new InvalidPublicKey('FFDHE value outside 1 < Y < p-1');
    const z = modPow(peerY, x, p);
    x = 0n;
    return toBytes(z, size);
  });
}

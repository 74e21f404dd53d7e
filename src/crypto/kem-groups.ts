/**
 * The ML-KEM key-exchange groups of TLS 1.3, built from an (EC)DH provider and an ML-KEM
 * implementation (draft-ietf-tls-ecdhe-mlkem for the hybrids, draft-connolly-tls-mlkem-key-agreement
 * for pure ML-KEM). A hybrid share is the two shares concatenated, and so are the server's answer
 * and the shared secret, in one order per group: ML-KEM first in X25519MLKEM768, the ECDH part
 * first in SecP256r1MLKEM768 and SecP384r1MLKEM1024 (checked against OpenSSL 3.5 and Chromium).
 * Every peer share is checked here before any key is used: its exact length, the encapsulation
 * key's modulus check (FIPS 203 §7.2), and the (EC)DH half by the (EC)DH provider (EC point on
 * the curve, X25519's all-zero result).
 */
import { NamedGroup } from '../messages/enums.js';
import { checkEncapsulationKey, ML_KEM_SIZES, type MlKemKeyPair, type MlKemParameterSet, type MlKemSuite } from './ml-kem.js';
import { InvalidPublicKey, type KeyExchangeProvider, type KeyExchangeResponse, type KeyShare } from './provider.js';

interface KemGroup {
  readonly kem: MlKemParameterSet;
  /** The (EC)DH half of a hybrid and its share length (the same both ways); none for pure ML-KEM. */
  readonly ecdh?: { readonly group: NamedGroup; readonly length: number };
  /** X25519MLKEM768 puts ML-KEM first; the NIST-curve hybrids put the ECDH share first. */
  readonly kemFirst: boolean;
}

const KEM_GROUPS: ReadonlyMap<number, KemGroup> = new Map<number, KemGroup>([
  [NamedGroup.X25519MLKEM768, { kem: 'ML-KEM-768', ecdh: { group: NamedGroup.x25519, length: 32 }, kemFirst: true }],
  [NamedGroup.SecP256r1MLKEM768, { kem: 'ML-KEM-768', ecdh: { group: NamedGroup.secp256r1, length: 65 }, kemFirst: false }],
  [NamedGroup.SecP384r1MLKEM1024, { kem: 'ML-KEM-1024', ecdh: { group: NamedGroup.secp384r1, length: 97 }, kemFirst: false }],
  [NamedGroup.MLKEM768, { kem: 'ML-KEM-768', kemFirst: true }],
  [NamedGroup.MLKEM1024, { kem: 'ML-KEM-1024', kemFirst: true }],
]);

/** Hybrids first (our preference), then the (EC)DH groups, then pure ML-KEM (which configuration must name). */
const HYBRIDS: readonly NamedGroup[] = [NamedGroup.X25519MLKEM768, NamedGroup.SecP256r1MLKEM768, NamedGroup.SecP384r1MLKEM1024];
const PURE: readonly NamedGroup[] = [NamedGroup.MLKEM768, NamedGroup.MLKEM1024];

/** Whether a group uses ML-KEM (such groups are TLS 1.3 only). */
export function isKemGroup(group: number): boolean {
  return KEM_GROUPS.has(group);
}

/** Whether a group combines ML-KEM with (EC)DH. */
export function isHybridGroup(group: number): boolean {
  return KEM_GROUPS.get(group)?.ecdh !== undefined;
}

/** How a group's shares divide, for traces: the parts in wire order with their lengths. */
export function shareParts(group: number, side: 'client' | 'server'): { name: string; length: number }[] | undefined {
  const g = KEM_GROUPS.get(group);
  if (!g) return undefined;
  const sizes = ML_KEM_SIZES[g.kem];
  const kem = { name: side === 'client' ? `${g.kem} encapsulation key` : `${g.kem} ciphertext`, length: side === 'client' ? sizes.encapsulationKey : sizes.ciphertext };
  if (!g.ecdh) return [kem];
  const curve = { [NamedGroup.x25519]: 'X25519 public key', [NamedGroup.secp256r1]: 'P-256 point', [NamedGroup.secp384r1]: 'P-384 point' }[g.ecdh.group as number];
  const ecdh = { name: curve ?? 'ECDH share', length: g.ecdh.length };
  return g.kemFirst ? [kem, ecdh] : [ecdh, kem];
}

/** `classical` with the ML-KEM groups added, on `mlKem`'s implementation. */
export function withMlKem(classical: KeyExchangeProvider, mlKem: MlKemSuite): KeyExchangeProvider {
  const has = (g: KemGroup) => !g.ecdh || classical.groups.includes(g.ecdh.group);
  const groups = [...HYBRIDS.filter((g) => has(KEM_GROUPS.get(g)!)), ...classical.groups, ...PURE];
  return {
    groups: Object.freeze(groups),
    generate(group) {
      const g = KEM_GROUPS.get(group);
      return g ? new KemShare(group, g, mlKem, classical) : classical.generate(group);
    },
    respond(group, peerShare) {
      const g = KEM_GROUPS.get(group);
      return g ? encapsulate(g, mlKem, classical, peerShare) : classical.respond(group, peerShare);
    },
  };
}

/** `a ‖ b`, or `b ‖ a`. */
function join(first: boolean, a: Uint8Array, b: Uint8Array): Uint8Array {
  const [x, y] = first ? [a, b] : [b, a];
  const out = new Uint8Array(x.length + y.length);
  out.set(x, 0);
  out.set(y, x.length);
  return out;
}

/** Splits a peer share of exactly kemLength (+ the ECDH length) bytes into its KEM and ECDH parts. */
function split(group: KemGroup, share: Uint8Array, kemLength: number, what: string): { kem: Uint8Array; ecdh: Uint8Array } {
  const ecdhLength = group.ecdh?.length ?? 0;
  const total = kemLength + ecdhLength;
  if (share.length !== total) throw new InvalidPublicKey(`${what} must be ${total} bytes, got ${share.length}`);
  const cut = group.kemFirst ? kemLength : ecdhLength;
  const [a, b] = [share.subarray(0, cut), share.subarray(cut)];
  return group.kemFirst ? { kem: a, ecdh: b } : { kem: b, ecdh: a };
}

/** The server's side: check the client's share, answer its (EC)DH half, encapsulate to its key. */
function encapsulate(group: KemGroup, mlKem: MlKemSuite, classical: KeyExchangeProvider, peerShare: Uint8Array): KeyExchangeResponse {
  const { kem, ecdh } = split(group, peerShare, ML_KEM_SIZES[group.kem].encapsulationKey, 'client key share');
  checkEncapsulationKey(group.kem, kem);
  const dh = group.ecdh && classical.respond(group.ecdh.group, ecdh);
  const { ciphertext, sharedSecret } = mlKem[group.kem].encapsulate(kem);
  if (!dh) return { publicKey: ciphertext, sharedSecret };
  return { publicKey: join(group.kemFirst, ciphertext, dh.publicKey), sharedSecret: join(group.kemFirst, sharedSecret, dh.sharedSecret) };
}

/** The client's side: an ML-KEM key pair (and an (EC)DH share); deriveSecret() decapsulates. */
class KemShare implements KeyShare {
  readonly publicKey: Uint8Array;
  readonly #keyPair: MlKemKeyPair;
  readonly #dh: KeyShare | undefined;

  constructor(
    readonly group: NamedGroup,
    private readonly layout: KemGroup,
    mlKem: MlKemSuite,
    classical: KeyExchangeProvider,
  ) {
    this.#keyPair = mlKem[layout.kem].keygen();
    this.#dh = layout.ecdh && classical.generate(layout.ecdh.group);
    this.publicKey = this.#dh ? join(layout.kemFirst, this.#keyPair.encapsulationKey, this.#dh.publicKey) : this.#keyPair.encapsulationKey;
  }

  deriveSecret(peerShare: Uint8Array): Uint8Array {
    const { kem, ecdh } = split(this.layout, peerShare, ML_KEM_SIZES[this.layout.kem].ciphertext, 'server key share');
    const dh = this.#dh?.deriveSecret(ecdh);
    const secret = this.#keyPair.decapsulate(kem);
    return dh ? join(this.layout.kemFirst, secret, dh) : secret;
  }
}

import { ffdheGroupFor, FFDHE_PRIMES } from '../../crypto/ffdhe-groups.js';
import { InvalidPublicKey, type CryptoProvider, type KeyShare } from '../../crypto/provider.js';
import { LocalAlert } from '../../errors.js';
import { AlertDescription, NamedGroup } from '../../messages/enums.js';
import type { ServerDhParams } from '../../messages/server-key-exchange.js';
import type { ClientKeyAgreement, ServerKeyAgreement } from './key-exchange.js';

/**
 * Finite-field DHE with the RFC 7919 groups only: a fresh exponent every handshake, peer values
 * checked to be in (1, p−1), and leading zero bytes of Z stripped (RFC 5246 §8.1.2).
 */
export class DheServer implements ServerKeyAgreement {
  readonly params: ServerDhParams;
  readonly #share: KeyShare;
  readonly #p: Uint8Array;

  constructor(provider: CryptoProvider, group: number) {
    this.#share = provider.keyExchange.generate(group as NamedGroup);
    const fixed = FFDHE_PRIMES.get(group);
    if (!fixed) throw new Error(`not an RFC 7919 group: ${group}`);
    this.#p = fixed.p;
    this.params = { kind: 'dhe', p: fixed.p, g: fixed.g, ys: stripZeros(this.#share.publicKey) };
  }

  premaster(clientValue: Uint8Array): Uint8Array {
    // RFC 7919 §4: the server MUST verify 1 < dh_Yc < dh_p − 1, else handshake_failure.
    checkRange(clientValue, this.#p, 'dh_Yc');
    return stripZeros(derive(this.#share, fixedWidth(clientValue, this.#p.length)));
  }
}

export function dheClient(provider: CryptoProvider, params: ServerDhParams, minBits = 1024): ClientKeyAgreement {
  // Only byte-exact RFC 7919 groups are accepted (Logjam; security.md KX-3).
  const group = ffdheGroupFor(params.p, params.g);
  const bits = stripZeros(params.p).length * 8;
  if (group === undefined) {
    throw new LocalAlert(AlertDescription.insufficient_security, `server DH group (${bits}-bit p) is not an RFC 7919 group`);
  }
  // node:tls's minDHSize: a smaller prime than the client asks for is insufficient_security.
  if (bits < minBits) {
    throw new LocalAlert(AlertDescription.insufficient_security, `DH parameter size ${bits} is less than ${minBits} (minDHSize)`, 'ERR_TLS_DH_PARAM_SIZE');
  }
  // RFC 7919 §3: the client MUST verify 1 < dh_Ys < dh_p − 1, else handshake_failure.
  checkRange(params.ys, params.p, 'dh_Ys');
  const share = provider.keyExchange.generate(group as NamedGroup);
  const ys = fixedWidth(params.ys, FFDHE_PRIMES.get(group)!.p.length);
  return { clientValue: stripZeros(share.publicKey), premaster: stripZeros(derive(share, ys)), group };
}

function checkRange(y: Uint8Array, p: Uint8Array, what: string): void {
  const Y = toBigInt(y);
  const P = toBigInt(p);
  if (Y <= 1n || Y >= P - 1n) throw new LocalAlert(AlertDescription.handshake_failure, `${what} out of range (1, p−1)`);
}

function derive(share: KeyShare, peer: Uint8Array): Uint8Array {
  try {
    return share.deriveSecret(peer);
  } catch (e) {
    if (e instanceof InvalidPublicKey) throw new LocalAlert(AlertDescription.handshake_failure, `invalid DH public value: ${e.message}`);
    throw e;
  }
}

function toBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/**
 * A dh_Y (minimal, or with extra leading zeros) as the |p|-byte value key shares take; run after
 * checkRange, so the value is below p and fits. Anything else is left for the share to refuse.
 */
function fixedWidth(y: Uint8Array, size: number): Uint8Array {
  const v = stripZeros(y);
  if (v.length >= size) return v;
  const out = new Uint8Array(size);
  out.set(v, size - v.length);
  return out;
}

/** RFC 5246 §8.1.2: leading bytes of Z that contain all zero bits are stripped. */
export function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

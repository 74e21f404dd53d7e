/**
 * TLS 1.2 PSK key exchange (RFC 4279 §2) and ECDHE_PSK (RFC 5489 §2): the premaster secret is
 * other_secret<0..2^16-1> ‖ psk<0..2^16-1>, where other_secret is as many zeros as the PSK is
 * long (plain PSK) or the ECDH shared secret (ECDHE_PSK). The ClientKeyExchange names the PSK by
 * its identity; a server that does not know the identity answers unknown_psk_identity.
 */
import type { CryptoProvider } from '../../crypto/provider.js';
import { Writer } from '../../codec/writer.js';
import { LocalAlert } from '../../errors.js';
import { readPskClientKeyExchange, writePskClientKeyExchange } from '../../messages/client-key-exchange.js';
import { AlertDescription } from '../../messages/enums.js';
import type { ServerEcdhParams } from '../../messages/server-key-exchange.js';
import type { ExternalPsk } from '../psk.js';
import { ecdheClient, EcdheServer } from './ecdhe.js';
import type { ClientKeyAgreement, ServerKeyAgreement } from './key-exchange.js';

/** RFC 4279 §2: other_secret ‖ psk, each with a 2-byte length. */
export function pskPremaster(otherSecret: Uint8Array | undefined, psk: Uint8Array): Uint8Array {
  const other = otherSecret ?? new Uint8Array(psk.length);
  return new Writer(4 + other.length + psk.length).vec16(other).vec16(psk).finish();
}

export class PskServer implements ServerKeyAgreement {
  /** ServerKeyExchange is written by the caller (hint first, no signature), not from generic params. */
  readonly params = undefined;
  /** ECDHE_PSK: our ECDHE half. */
  readonly ecdhe: EcdheServer | undefined;

  constructor(
    provider: CryptoProvider,
    group: number | undefined,
    /** The key for a client's identity; throws unknown_psk_identity when there is none. */
    private readonly lookup: (identity: Uint8Array) => Uint8Array,
  ) {
    this.ecdhe = group === undefined ? undefined : new EcdheServer(provider, group);
  }

  /** `body` is the whole ClientKeyExchange. */
  premaster(body: Uint8Array): Uint8Array {
    const cke = readPskClientKeyExchange(body, this.ecdhe !== undefined);
    const psk = this.lookup(cke.identity);
    return pskPremaster(this.ecdhe?.premaster(cke.point!), psk);
  }
}

/** The client's half: `clientValue` is the whole ClientKeyExchange body. */
export function pskClient(provider: CryptoProvider, psk: ExternalPsk, params: ServerEcdhParams | undefined, offeredGroups: readonly number[]): ClientKeyAgreement {
  const ecdhe = params ? ecdheClient(provider, params, offeredGroups) : undefined;
  return {
    clientValue: writePskClientKeyExchange({ identity: psk.identity, point: ecdhe?.clientValue }),
    premaster: pskPremaster(ecdhe?.premaster, psk.key),
    ...(ecdhe ? { group: ecdhe.group } : {}),
  };
}

/** RFC 4279 §2: "unknown_psk_identity" when the server does not recognize the identity. */
export function unknownPskIdentity(): LocalAlert {
  return new LocalAlert(AlertDescription.unknown_psk_identity, 'unknown PSK identity');
}

import { InvalidPublicKey, type CryptoProvider, type KeyShare } from '../../crypto/provider.js';
import { LocalAlert } from '../../errors.js';
import { AlertDescription, NamedGroup, nameOf } from '../../messages/enums.js';
import type { ServerEcdhParams } from '../../messages/server-key-exchange.js';
import { EC_GROUPS } from '../negotiation.js';
import type { ClientKeyAgreement, ServerKeyAgreement } from './key-exchange.js';

/** ECDHE over a named group (RFC 8422). The premaster keeps its full length (RFC 8422 §5.10). */
export class EcdheServer implements ServerKeyAgreement {
  readonly params: ServerEcdhParams;
  readonly #share: KeyShare;

  constructor(provider: CryptoProvider, group: number) {
    this.#share = provider.keyExchange.generate(group as NamedGroup);
    this.params = { kind: 'ecdhe', namedCurve: group, publicKey: this.#share.publicKey };
  }

  premaster(clientValue: Uint8Array): Uint8Array {
    return deriveOrAlert(this.#share, clientValue, 'client');
  }
}

export function ecdheClient(provider: CryptoProvider, params: ServerEcdhParams, offeredGroups: readonly number[]): ClientKeyAgreement {
  // RFC 8422 §5.4: the server must pick a curve the client listed in supported_groups; an
  // RFC 7919 group we listed (for DHE or TLS 1.3) is not a curve.
  if (!offeredGroups.includes(params.namedCurve) || !EC_GROUPS.includes(params.namedCurve)) {
    throw new LocalAlert(
      AlertDescription.illegal_parameter,
      `server chose ${nameOf(NamedGroup, params.namedCurve, 'NamedGroup')}, which we did not offer as an elliptic curve`,
    );
  }
  const share = provider.keyExchange.generate(params.namedCurve as NamedGroup);
  return { clientValue: share.publicKey, premaster: deriveOrAlert(share, params.publicKey, 'server'), group: params.namedCurve };
}

/** An invalid point (off-curve, compressed, wrong length, low order) is illegal_parameter (RFC 8422 §5.11, RFC 7748 §6.1). */
function deriveOrAlert(share: KeyShare, peer: Uint8Array, who: string): Uint8Array {
  try {
    return share.deriveSecret(peer);
  } catch (e) {
    if (e instanceof InvalidPublicKey) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `invalid ${who} ECDHE public key: ${e.message}`);
    }
    throw e;
  }
}

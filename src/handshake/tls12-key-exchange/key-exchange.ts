/**
 * TLS 1.2 key agreement, after Go's keyAgreement: the server produces the params it signs in
 * ServerKeyExchange and turns the ClientKeyExchange into the premaster secret; the client does
 * the mirror image. One implementation per key exchange: ECDHE, DHE and RSA key transport.
 */
import type { CryptoProvider, PrivateKey, PublicKey } from '../../crypto/provider.js';
import type { ServerParams } from '../../messages/server-key-exchange.js';

export interface ServerKeyAgreement {
  /** Params for ServerKeyExchange, or undefined for RSA key transport (no ServerKeyExchange). */
  readonly params: ServerParams | undefined;
  /** The premaster secret from the ClientKeyExchange value. */
  premaster(clientValue: Uint8Array, provider: CryptoProvider, key: PrivateKey | undefined): Uint8Array;
}

export interface ClientKeyAgreement {
  /** The ClientKeyExchange value to send. */
  readonly clientValue: Uint8Array;
  readonly premaster: Uint8Array;
  /** The (EC)DHE group used, if any. */
  readonly group?: number;
}

export interface ClientAgreementInput {
  readonly provider: CryptoProvider;
  readonly serverKey: PublicKey;
  readonly serverParams: ServerParams | undefined;
  readonly offeredGroups: readonly number[];
}

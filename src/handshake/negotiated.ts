import type { Tls12Suite, Tls13Suite } from '../crypto/suites.js';
import type { CertificateError } from '../errors.js';

/** Shared by every connection whose peer sent no certificate (one array less per connection). */
const NO_CERTIFICATES: readonly Uint8Array[] = Object.freeze([]);

/**
 * What the handshake agreed, filled in by the states as they go and read by the connection's
 * getters (getProtocol, getCipher, alpnProtocol, authorized, …).
 */
export class Negotiated {
  version: 'TLSv1.2' | 'TLSv1.3' | undefined;
  suite: Tls12Suite | undefined;
  suite13: Tls13Suite | undefined;
  /** The handshake resumed an earlier session. */
  resumed = false;
  /** TLS 1.3: a HelloRetryRequest was part of the handshake. */
  helloRetry = false;
  /** TLS 1.3 exporter_master_secret. */
  exporterSecret: Uint8Array | undefined;
  /** ECDHE/DHE group, when one was used. */
  group: number | undefined;
  alpn: string | undefined;
  serverName: string | undefined;
  extendedMasterSecret = false;
  clientRandom: Uint8Array | undefined;
  serverRandom: Uint8Array | undefined;
  /** TLS 1.2 master secret; used by the exporter and the key log. */
  masterSecret: Uint8Array | undefined;
  peerCertificates: readonly Uint8Array[] = NO_CERTIFICATES;
  /** The path the verifier built, leaf first through the trust anchor (when it verified). */
  verifiedChain: readonly Uint8Array[] | undefined;
  /** Why the peer's chain is not trusted (only set when the handshake went on regardless). */
  peerVerifyError: CertificateError | undefined;
  peerVerified = false;
  ourFinished: Uint8Array | undefined;
  peerFinished: Uint8Array | undefined;
  /** Signature scheme the peer signed with (SKE or CertificateVerify). */
  peerSignatureScheme: number | undefined;
  /** Server: the signature schemes both sides accept, in the client's order (node:tls getSharedSigalgs). */
  sharedSignatureSchemes: readonly number[] = [];
  /** Signature scheme we signed with. */
  ourSignatureScheme: number | undefined;
  /** The certificate chain we sent (empty when we sent an empty Certificate; undefined when we sent none). */
  ourCertificates: readonly Uint8Array[] | undefined;
  /** Whether we presented a certificate (client: in answer to a CertificateRequest). */
  sentCertificate = false;
  /** The external PSK identity (node:tls pskCallback) that authenticated this handshake instead of a certificate. */
  pskIdentity: string | undefined;
  /** The server asked for a client certificate. */
  certificateRequested = false;
  /** Client: what the server's CertificateRequest asked for (the scanner's clientAuth probe reads it). */
  certificateRequest: { readonly signatureSchemes: readonly number[]; readonly certificateAuthorities: readonly Uint8Array[] } | undefined;
  /** The OCSP response the server stapled (RFC 6066 §8), as sent; set on both sides. */
  ocspResponse: Uint8Array | undefined;
}

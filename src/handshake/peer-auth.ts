/** What the handshake does with the peer's certificate verdict, the same on every side and version. */
import type { PublicKey } from '../crypto/provider.js';
import { CertificateError } from '../errors.js';
import type { AlertDescription } from '../messages/enums.js';
import type { VerificationResult } from '../pki/verifier.js';
import type { SessionState } from '../session/session.js';
import type { HandshakeIo } from './state.js';

/**
 * Records the peer's chain and the verifier's verdict. An untrusted chain aborts the handshake
 * (with the alert the verifier chose) when `rejectUnauthorized`; otherwise it is only reported,
 * as node:tls's `authorized` / `authorizationError`.
 */
export function acceptPeerChain(io: HandshakeIo, rejectUnauthorized: boolean, chain: readonly Uint8Array[], result: VerificationResult): PublicKey {
  io.negotiated.peerCertificates = chain;
  if (result.error) {
    if (rejectUnauthorized) throw result.error;
    io.negotiated.peerVerifyError = result.error;
  } else {
    io.negotiated.peerVerified = true;
    io.negotiated.verifiedChain = result.chain;
  }
  return result.leafKey;
}

/** A client that sent no certificate: fatal with `alert` when one is required, else only reported. */
export function acceptNoClientCertificate(io: HandshakeIo, rejectUnauthorized: boolean, alert: AlertDescription): void {
  const error = new CertificateError('the client sent no certificate', 'ERR_TLSGLASS_NO_PEER_CERTIFICATE', alert);
  if (rejectUnauthorized) throw error;
  io.negotiated.peerVerifyError = error;
}

/** A resumed session carries the peer's identity from the handshake that made it. */
export function restorePeerIdentity(io: HandshakeIo, session: SessionState): void {
  const n = io.negotiated;
  n.resumed = true;
  n.peerCertificates = session.peerCertificates;
  n.peerVerified = session.peerVerified;
}

/** What the handshake does with the peer's certificate verdict, the same on every side and version. */
import type { PublicKey } from '../crypto/provider.js';
import { CertificateError, LocalAlert } from '../errors.js';
import { AlertDescription, SignatureScheme, nameOf } from '../messages/enums.js';
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

/**
 * An external PSK authenticated the handshake (RFC 8446 §2.2, RFC 4279): no certificate. The
 * client's peer proved it holds the key, so it counts as verified (node:tls's `authorized`).
 */
export function acceptExternalPsk(io: HandshakeIo, identity: string | Uint8Array, side: 'client' | 'server'): void {
  io.negotiated.pskIdentity = typeof identity === 'string' ? identity : new TextDecoder().decode(identity);
  if (side === 'client') io.negotiated.peerVerified = true;
}

/** A resumed session carries the peer's identity from the handshake that made it. */
export function restorePeerIdentity(io: HandshakeIo, session: SessionState): void {
  const n = io.negotiated;
  n.resumed = true;
  n.peerCertificates = session.peerCertificates;
  n.peerVerified = session.peerVerified;
}

/**
 * Checks a peer's handshake signature (ServerKeyExchange, CertificateVerify). A scheme that cannot
 * be used with the certificate's key at all (another key type; in TLS 1.3 an ECDSA scheme for
 * another curve, RFC 8446 §4.2.3 and §4.4.3) is illegal_parameter, decided before any
 * cryptography; a signature that does not verify is decrypt_error (RFC 8446 §4.4.3, RFC 5246 §7.2.2).
 */
export function checkPeerSignature(key: PublicKey, scheme: number, content: Uint8Array, signature: Uint8Array, tls13: boolean, what: string): void {
  if (!key.fits(scheme, { tls13 })) {
    const curve = key.curve !== undefined ? ` (${key.curve})` : '';
    throw new LocalAlert(AlertDescription.illegal_parameter, `${what} uses ${nameOf(SignatureScheme, scheme, 'SignatureScheme')}, which does not fit the certificate's ${key.type} key${curve}`);
  }
  if (!key.verify(scheme, content, signature, { tls13 })) {
    throw new LocalAlert(AlertDescription.decrypt_error, `${what} signature does not verify with the certificate`);
  }
}

import type { PublicKey } from '../crypto/provider.js';
import type { CertificateError } from '../errors.js';

/**
 * Certificate verification as the handshake sees it. The handshake hands over the DER chain
 * exactly as the peer sent it (leaf first) and gets back the leaf's public key plus a verdict.
 * A rejected chain is not thrown here: the caller decides, from `rejectUnauthorized`, whether
 * the CertificateError aborts the handshake (with its alert) or is only reported.
 */
export interface CertificateVerifier {
  verifyServer(chain: readonly Uint8Array[], context: ServerCheckContext): VerificationResult;
  verifyClient(chain: readonly Uint8Array[], context: ClientCheckContext): VerificationResult;
}

export interface ServerCheckContext {
  /** The name the client is connecting to (SNI host name or IP literal); undefined skips the host check. */
  readonly host: string | undefined;
  /** Seconds since the epoch; injectable for tests. */
  readonly now: Date;
}

export interface ClientCheckContext {
  readonly now: Date;
}

export interface VerificationResult {
  /** The leaf's public key; present whenever the leaf parsed, even if the chain is not trusted. */
  readonly leafKey: PublicKey;
  /** undefined when the chain is trusted for this use; otherwise why not. */
  readonly error: CertificateError | undefined;
}

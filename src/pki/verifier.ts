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
  /**
   * How the negotiated key exchange uses the server's key, for the leaf's keyUsage (RFC 5280
   * §4.2.1.3): 'sign' for ECDHE/DHE (and TLS 1.3) needs digitalSignature, 'encipher' for RSA key
   * transport needs keyEncipherment. Undefined accepts any TLS use.
   */
  readonly keyUsage?: 'sign' | 'encipher';
}

export interface ClientCheckContext {
  readonly now: Date;
}

export interface VerificationResult {
  /** The leaf's public key; present whenever the leaf parsed, even if the chain is not trusted. */
  readonly leafKey: PublicKey;
  /** undefined when the chain is trusted for this use; otherwise why not. */
  readonly error: CertificateError | undefined;
  /** The path that was accepted, leaf first through the trust anchor (DER); absent when rejected. */
  readonly chain?: readonly Uint8Array[];
}

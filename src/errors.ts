import { DecodeError } from './codec/reader.js';
import { AlertDescription, nameOf } from './messages/enums.js';

/**
 * Every failure the library reports is a TlsError with a stable `code`. Where Node has a
 * code for the same condition we use it (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, …);
 * our own codes start with ERR_TLSGLASS_.
 *
 * The alert to send is decided where the check fails (`alert`), and the connection core
 * sends it from one exit.
 */
export class TlsError extends Error {
  override name = 'TlsError';
  constructor(
    message: string,
    readonly code: string,
    /** The alert this failure sends to the peer, or undefined when none should be sent. */
    readonly alert: AlertDescription | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** We detected a protocol violation and will send `alert`. */
export class LocalAlert extends TlsError {
  override name = 'LocalAlert';
  constructor(alert: AlertDescription, message: string, code?: string, options?: { cause?: unknown }) {
    super(message, code ?? `ERR_TLSGLASS_${nameOf(AlertDescription, alert).toUpperCase()}`, alert, options);
  }
}

/** The peer sent us a fatal alert. Nothing is sent back. */
export class PeerAlert extends TlsError {
  override name = 'PeerAlert';
  constructor(readonly description: number, readonly level: number) {
    super(
      `peer sent fatal alert ${nameOf(AlertDescription, description, 'AlertDescription')}`,
      `ERR_TLSGLASS_PEER_ALERT_${nameOf(AlertDescription, description, 'ALERT').toUpperCase()}`,
      undefined,
    );
  }
}

/** A certificate check failed; `code` follows Node/OpenSSL (e.g. CERT_HAS_EXPIRED). */
export class CertificateError extends TlsError {
  override name = 'CertificateError';
  constructor(message: string, code: string, alert: AlertDescription = AlertDescription.bad_certificate) {
    super(message, code, alert);
  }
}

/** Maps anything thrown inside the core to a TlsError: decode errors → decode_error, bugs → internal_error. */
export function toTlsError(cause: unknown): TlsError {
  if (cause instanceof TlsError) return cause;
  if (cause instanceof DecodeError) {
    return new LocalAlert(AlertDescription.decode_error, cause.message, undefined, { cause });
  }
  const text = cause instanceof Error ? cause.message : String(cause);
  return new LocalAlert(AlertDescription.internal_error, `internal error: ${text}`, 'ERR_TLSGLASS_INTERNAL', { cause });
}

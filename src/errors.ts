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

/**
 * Names an option in a ConfigError's message: the library says `key` or `cert[1]`; the CLI says
 * `--key server.key`. `index` is the position in an array option (cert, key, ca), if any.
 */
export type OptionNamer = (option: string, index?: number) => string;

/** The library's own spelling: the option's name, with the index when the option was an array. */
export const optionName: OptionNamer = (option, index) => (index === undefined ? option : `${option}[${index}]`);

/**
 * An option refused where options are resolved (connect, createServer, createSecureContext):
 * a key that does not match its certificate, a file that holds no certificate, an unknown cipher
 * or group… `code` is node:tls's where it has one (ERR_OSSL_X509_KEY_VALUES_MISMATCH,
 * ERR_OSSL_PEM_NO_START_LINE, ERR_SSL_NO_CIPHER_MATCH, …). `describe()` words the message
 * with other names for the options (the CLI names its flags and files).
 */
export class ConfigError extends TlsError {
  override name = 'ConfigError';
  constructor(
    code: string,
    /** The option at fault (`key`, `cert`, `ca`, `ciphers`, `ecdhCurve`, `sigalgs`, …). */
    readonly option: string,
    private readonly text: (name: OptionNamer) => string,
    options?: { cause?: unknown },
  ) {
    super(text(optionName), code, undefined, options);
  }

  describe(name: OptionNamer): string {
    return this.text(name);
  }
}

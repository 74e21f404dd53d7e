/**
 * node:tls's words for failures the core also reports: where node:tls (OpenSSL) has a code and a
 * message for the same failure, the error a TLSSocket emits, or createSecureContext() throws,
 * carries those, so code written against node:tls (matching `err.code` or `err.message`) works
 * unchanged. Our own explanation, which says more, stays on the error as `reason`.
 */
import { ConfigError, PeerAlert, TlsError } from '../errors.js';

/** OpenSSL's X509_verify_cert_error_string() for the verify codes node:tls reports. */
const VERIFY_MESSAGES: Record<string, string> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  CRL_HAS_EXPIRED: 'CRL has expired',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  KEYUSAGE_NO_CRL_SIGN: 'key usage does not include CRL signing',
  UNHANDLED_CRITICAL_CRL_EXTENSION: 'unhandled critical CRL extension',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_CA: 'invalid CA certificate',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  CA_MD_TOO_WEAK: 'CA signature digest algorithm too weak',
  EE_KEY_TOO_SMALL: 'EE certificate key too weak',
  CA_KEY_TOO_SMALL: 'CA certificate key too weak',
};

/** Verify codes node:tls has no name for (its table of X509_V_ERR names lacks them): it reports them as UNSPECIFIED, with OpenSSL's message. */
const UNNAMED_VERIFY_CODES = new Set(['KEYUSAGE_NO_CRL_SIGN', 'UNHANDLED_CRITICAL_CRL_EXTENSION']);

/** OpenSSL's error strings (library:reason) for the option errors node:tls throws. */
const OPENSSL_MESSAGES: Record<string, string> = {
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: 'error:05800074:x509 certificate routines::key values mismatch',
  ERR_OSSL_BAD_DECRYPT: 'error:1C800064:Provider routines::bad decrypt',
  ERR_OSSL_PEM_NO_START_LINE: 'error:0480006C:PEM routines::no start line',
  ERR_SSL_NO_SHARED_CIPHER: 'error:0A0000C1:SSL routines::no shared cipher',
  ERR_SSL_PASSED_A_NULL_PARAMETER: 'error:0A0C0102:SSL routines:SSL_use_certificate:passed a null parameter',
  ERR_SSL_NO_CIPHER_MATCH: 'error:0A0000B9:SSL routines::no cipher match',
  ERR_SSL_WRONG_VERSION_NUMBER: 'error:0A00010B:SSL routines::wrong version number',
  ERR_SSL_HTTP_REQUEST: 'error:0A00009C:SSL routines::http request',
  ERR_SSL_HTTPS_PROXY_REQUEST: 'error:0A00009B:SSL routines::https proxy request',
};

/** node's own messages for option errors whose code is shared with other failures, by code and option. */
const OPTION_MESSAGES: Record<string, string> = {
  'ERR_CRYPTO_OPERATION_FAILED crl': 'Failed to parse CRL',
};

/** node:tls's words for a `pfx` it cannot load (Node's SecureContext::LoadPKCS12); the code stays ours where node:tls has none. */
const PFX_WORDS: Record<string, { code?: string; message: string }> = {
  ERR_TLSGLASS_PFX_MAC_VERIFY: { message: 'mac verify failure' },
  ERR_TLSGLASS_PFX_MAC_ABSENT: { message: 'mac absent' },
  ERR_TLSGLASS_PFX_UNSUPPORTED: { code: 'ERR_CRYPTO_UNSUPPORTED_OPERATION', message: 'Unsupported PKCS12 PFX data' },
  ERR_TLSGLASS_PFX_NO_KEY: { code: 'ERR_CRYPTO_OPERATION_FAILED', message: 'Unable to load private key from PFX data' },
  ERR_TLSGLASS_PFX_NO_CERT: { code: 'ERR_CRYPTO_OPERATION_FAILED', message: 'Unable to load certificate from PFX data' },
  ERR_TLSGLASS_PFX_TYPE: { code: 'ERR_CRYPTO_OPERATION_FAILED', message: 'Unable to load PFX certificate' },
};

/** OpenSSL's reason for each alert received: SSL_AD_REASON_OFFSET (1000) + the alert's number. */
const ALERT_REASONS: Record<number, string> = {
  10: 'sslv3 alert unexpected message',
  20: 'sslv3 alert bad record mac',
  22: 'tlsv1 alert record overflow',
  40: 'sslv3 alert handshake failure',
  42: 'sslv3 alert bad certificate',
  43: 'sslv3 alert unsupported certificate',
  44: 'sslv3 alert certificate revoked',
  45: 'sslv3 alert certificate expired',
  46: 'sslv3 alert certificate unknown',
  47: 'sslv3 alert illegal parameter',
  48: 'tlsv1 alert unknown ca',
  49: 'tlsv1 alert access denied',
  50: 'tlsv1 alert decode error',
  51: 'tlsv1 alert decrypt error',
  70: 'tlsv1 alert protocol version',
  71: 'tlsv1 alert insufficient security',
  80: 'tlsv1 alert internal error',
  86: 'tlsv1 alert inappropriate fallback',
  90: 'tlsv1 alert user cancelled',
  109: 'tlsv13 alert missing extension',
  110: 'tlsv1 unsupported extension',
  112: 'tlsv1 unrecognized name',
  113: 'tlsv1 bad certificate status response',
  116: 'tlsv13 alert certificate required',
  120: 'tlsv1 alert no application protocol',
};

/** The alert a peer sent, in node:tls's words: code ERR_SSL_TLSV1_ALERT_UNKNOWN_CA, message "error:0A000418:SSL routines::tlsv1 alert unknown ca". */
function alertWords(description: number): { code: string; message: string } | undefined {
  const reason = ALERT_REASONS[description];
  if (reason === undefined) return undefined;
  const hex = (0x0a000000 + 1000 + description).toString(16).toUpperCase().padStart(8, '0');
  return { code: `ERR_SSL_${reason.toUpperCase().replace(/ /g, '_')}`, message: `error:${hex}:SSL routines::${reason}:SSL alert number ${description}` };
}

/** A certificate verdict in OpenSSL's words, as node:tls reports it; undefined for a code OpenSSL has no words for. */
function verifyWords(code: string): { code: string; message: string } | undefined {
  const message = VERIFY_MESSAGES[code];
  return message === undefined ? undefined : { code: UNNAMED_VERIFY_CODES.has(code) ? 'UNSPECIFIED' : code, message };
}

/** node:tls's `ssl.verifyError()`: why the peer's certificate did not verify, as a plain Error with OpenSSL's code and words. */
export function verifyErrorOf(err: TlsError): Error & { code: string } {
  const words = verifyWords(err.code) ?? { code: err.code, message: err.message };
  return Object.assign(new Error(words.message), { code: words.code });
}

/**
 * Gives `err` node:tls's code and message where node:tls has them for the same failure, keeping
 * ours as `reason`; returns it (changed in place, so its class and stack stay).
 */
export function asNodeError<E extends Error>(err: E): E {
  if (!(err instanceof TlsError) || 'reason' in err) return err;
  let words: { code: string; message: string } | undefined;
  if (err instanceof PeerAlert) words = alertWords(err.description);
  else if (VERIFY_MESSAGES[err.code] !== undefined) words = verifyWords(err.code);
  else if (OPENSSL_MESSAGES[err.code] !== undefined) words = { code: err.code, message: OPENSSL_MESSAGES[err.code]! };
  else if (err instanceof ConfigError && OPTION_MESSAGES[`${err.code} ${err.option}`] !== undefined) words = { code: err.code, message: OPTION_MESSAGES[`${err.code} ${err.option}`]! };
  else if (PFX_WORDS[err.code] !== undefined) words = { code: PFX_WORDS[err.code]!.code ?? err.code, message: PFX_WORDS[err.code]!.message };
  if (words === undefined) return err;
  Object.defineProperty(err, 'reason', { value: err.message, enumerable: true, configurable: true, writable: true });
  Object.defineProperty(err, 'code', { value: words.code, enumerable: true, configurable: true, writable: true });
  err.message = words.message;
  // OpenSSL's errors are plain Errors in node:tls ("Error: error:05800074:…" when printed).
  if (err instanceof ConfigError) err.name = 'Error';
  return err;
}

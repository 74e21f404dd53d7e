import { CertificateError } from '../errors.js';
import { AlertDescription } from '../messages/enums.js';
import type { ParsedCertificate } from './parsed-certificate.js';

/**
 * Verification failures: each code (OpenSSL's X509_V_ERR_* name without the prefix, as Node reports
 * them, or ERR_TLSGLASS_* where OpenSSL has none) maps to exactly one alert (RFC 5246 §7.2.2).
 */
const ALERT_FOR: Record<string, AlertDescription> = {
  CERT_HAS_EXPIRED: AlertDescription.certificate_expired,
  // Revocation (revocation.ts), with OpenSSL's alerts (ssl_verify_alarm_type).
  CERT_REVOKED: AlertDescription.certificate_revoked,
  UNABLE_TO_GET_CRL: AlertDescription.unknown_ca,
  CRL_HAS_EXPIRED: AlertDescription.certificate_expired,
  CRL_NOT_YET_VALID: AlertDescription.bad_certificate,
  CRL_SIGNATURE_FAILURE: AlertDescription.bad_certificate,
  KEYUSAGE_NO_CRL_SIGN: AlertDescription.bad_certificate,
  UNHANDLED_CRITICAL_CRL_EXTENSION: AlertDescription.unsupported_certificate,
  // "A certificate has expired or is not currently valid" (RFC 5246 §7.2.2); OpenSSL sends bad_certificate.
  CERT_NOT_YET_VALID: AlertDescription.certificate_expired,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: AlertDescription.unknown_ca,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: AlertDescription.unknown_ca,
  SELF_SIGNED_CERT_IN_CHAIN: AlertDescription.unknown_ca,
  DEPTH_ZERO_SELF_SIGNED_CERT: AlertDescription.unknown_ca,
  CERT_CHAIN_TOO_LONG: AlertDescription.unknown_ca,
  PATH_LENGTH_EXCEEDED: AlertDescription.unknown_ca,
  ERR_TLSGLASS_PATH_BUILDING_LIMIT: AlertDescription.unknown_ca,
  // "contained signatures that did not verify correctly" (RFC 5246 §7.2.2); OpenSSL sends decrypt_error.
  CERT_SIGNATURE_FAILURE: AlertDescription.bad_certificate,
  // OpenSSL sends unknown_ca for INVALID_CA; Go and rustls send bad_certificate.
  INVALID_CA: AlertDescription.bad_certificate,
  KEYUSAGE_NO_CERTSIGN: AlertDescription.bad_certificate,
  CA_MD_TOO_WEAK: AlertDescription.bad_certificate,
  EE_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  CA_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  ERR_TLSGLASS_KEY_TOO_LARGE: AlertDescription.bad_certificate,
  ERR_TLSGLASS_UNSUPPORTED_KEY: AlertDescription.unsupported_certificate,
  UNHANDLED_CRITICAL_EXTENSION: AlertDescription.unsupported_certificate,
  // Wrong extendedKeyUsage, or a leaf keyUsage that does not allow the key exchange's use of the key (as OpenSSL).
  INVALID_PURPOSE: AlertDescription.unsupported_certificate,
  // A name outside what the issuing CA may certify: the certificate is well formed and signed, but
  // not acceptable as issued, so bad_certificate as Go and rustls (OpenSSL falls through to certificate_unknown).
  PERMITTED_VIOLATION: AlertDescription.bad_certificate,
  EXCLUDED_VIOLATION: AlertDescription.bad_certificate,
  UNSUPPORTED_CONSTRAINT_SYNTAX: AlertDescription.bad_certificate,
  ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT: AlertDescription.bad_certificate,
  // A constraint form we do not process ("of an unsupported type", RFC 5246 §7.2.2).
  UNSUPPORTED_CONSTRAINT_TYPE: AlertDescription.unsupported_certificate,
  // The strict profile (strict-profile.ts): a certificate not issued as RFC 5280 §4 and the CA/B
  // Forum BRs require is "corrupt" in RFC 5246 §7.2.2's sense, so bad_certificate (OpenSSL's
  // -x509_strict codes keep their names; the others are ours).
  ERR_TLSGLASS_INVALID_SERIAL_NUMBER: AlertDescription.bad_certificate,
  MISSING_AUTHORITY_KEY_IDENTIFIER: AlertDescription.bad_certificate,
  AUTHORITY_KEY_IDENTIFIER_CRITICAL: AlertDescription.bad_certificate,
  MISSING_SUBJECT_KEY_IDENTIFIER: AlertDescription.bad_certificate,
  CA_BCONS_NOT_CRITICAL: AlertDescription.bad_certificate,
  KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA: AlertDescription.bad_certificate,
  ERR_TLSGLASS_SAN_CRITICAL_WITH_SUBJECT: AlertDescription.bad_certificate,
  ERR_TLSGLASS_ROOT_AUTHORITY_KEY_IDENTIFIER: AlertDescription.bad_certificate,
  ERR_TLSGLASS_ROOT_EXTENDED_KEY_USAGE: AlertDescription.bad_certificate,
  // A leaf usable for any purpose: refused as INVALID_PURPOSE is (unsupported_certificate).
  ERR_TLSGLASS_LEAF_ANY_EXTENDED_KEY_USAGE: AlertDescription.unsupported_certificate,
};

/** `<OpenSSL's text>: "<subject>" (issuer "<issuer>"): <reason>` with the code's alert. */
export function fail(code: string, text: string, c: ParsedCertificate, reason: string): CertificateError {
  return new CertificateError(`${text}: ${describe(c)}: ${reason}`, code, ALERT_FOR[code] ?? AlertDescription.bad_certificate);
}

/** `"<subject>" (issuer "<issuer>")`. */
export function describe(c: ParsedCertificate): string {
  return `"${c.subjectText}" (issuer "${c.issuerText}")`;
}

/** OpenSSL's X509_verify_cert_error_string text for the codes raised outside default-verifier.ts. */
export const ERROR_TEXT = {
  PERMITTED_VIOLATION: 'permitted subtree violation',
  EXCLUDED_VIOLATION: 'excluded subtree violation',
  UNSUPPORTED_CONSTRAINT_TYPE: 'unsupported name constraint type',
  UNSUPPORTED_CONSTRAINT_SYNTAX: 'unsupported or invalid name constraint syntax',
  ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT: 'name constraints too complex',
  INVALID_PURPOSE: 'unsupported certificate purpose',
} as const;

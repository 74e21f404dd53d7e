import type { CertificateError } from '../errors.js';
import { ExtensionOid, bytesEqual, findExtension, isSelfIssued, subjectKeyIdentifierOf } from './certificate.js';
import type { ParsedCertificate } from './parsed-certificate.js';
import { fail } from './verify-error.js';

/**
 * The strict certificate profile (issue 12): rules that RFC 5280 §4 and the CA/Browser Forum
 * Baseline Requirements lay down for issued certificates, which Chrome's verifier and
 * pyca/cryptography's enforce but the RFC 5280 §6 path validation algorithm does not ask for.
 *
 * 'strict' is the default with the public trust store (no `ca`), 'rfc5280' with a `ca` of one's
 * own (private CAs often mint certificates without key identifiers); either can be chosen with
 * `x509Profile`. The rules run after every RFC 5280 §6 check has passed (path-checks.ts), so a path
 * both profiles refuse reports the same error under each.
 *
 * The certificates the peer sends (every one below the trust anchor) must all conform. The trust
 * anchor is held only to the rules written for roots, because Node's bundled roots predate the
 * Baseline Requirements' certificate profiles: 6 have serial number 0, one lacks a
 * subjectKeyIdentifier, one has a non-critical basicConstraints; the two BR root-profile rules
 * apply to roots issued since those profiles took effect (BR 2.0.0, 2023-09-15), which keeps
 * the three older bundled roots whose authorityKeyIdentifier names issuer and serial usable.
 */
export type X509Profile = 'strict' | 'rfc5280';

/** BR 2.0.0 §7.1.2 (Ballot SC-62): the certificate profiles apply to certificates issued on or after this instant. */
export const BR_PROFILES_EFFECTIVE = new Date('2023-09-15T00:00:00Z');

/** anyExtendedKeyUsage (RFC 5280 §4.2.1.12). */
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** undefined when the complete path `path` (leaf … trust anchor) conforms to the strict profile, else the first violation. */
export function checkStrictProfile(path: readonly ParsedCertificate[]): CertificateError | undefined {
  const top = path.length - 1;
  // When the peer's certificate is itself the anchor, it is held to the anchor's rules only.
  for (let i = 0; i < top; i++) {
    const error = checkIssued(path[i]!, i === 0);
    if (error) return error;
  }
  return checkAnchor(path[top]!);
}

/** The rules for a certificate the peer sent; each was issued by the next certificate of the path, so none is self-signed here. */
function checkIssued(c: ParsedCertificate, isLeaf: boolean): CertificateError | undefined {
  // RFC 5280 §4.1.2.2: "MUST be a positive integer … CAs MUST NOT use serialNumber values longer
  // than 20 octets"; BR §7.1: "greater than zero". (Relying parties "SHOULD be prepared to
  // gracefully handle" the others, hence strict only.)
  const serial = c.fields.serialNumber;
  const serialProblem =
    serial.length > 20 ? `is ${serial.length} octets long (at most 20)` : serial[0]! & 0x80 ? 'is negative' : serial.every((b) => b === 0) ? 'is zero' : undefined;
  if (serialProblem) return fail('ERR_TLSGLASS_INVALID_SERIAL_NUMBER', 'invalid serial number', c, `its serial number ${serialProblem} (RFC 5280 §4.1.2.2)`);

  // RFC 5280 §4.2.1.1: authorityKeyIdentifier in every certificate but a self-signed one, and "MUST mark this extension as non-critical".
  const aki = findExtension(c.fields, ExtensionOid.authorityKeyIdentifier);
  if (!aki) return fail('MISSING_AUTHORITY_KEY_IDENTIFIER', 'missing authority key identifier', c, 'it has no authorityKeyIdentifier (RFC 5280 §4.2.1.1)');
  if (aki.critical) return akiCritical(c);

  const bc = c.basicConstraints;
  if (bc?.ca) {
    // RFC 5280 §4.2.1.2: "this extension MUST appear in all conforming CA certificates".
    if (!findExtension(c.fields, ExtensionOid.subjectKeyIdentifier)) {
      return fail('MISSING_SUBJECT_KEY_IDENTIFIER', 'missing subject key identifier', c, 'it is a CA certificate without subjectKeyIdentifier (RFC 5280 §4.2.1.2)');
    }
    // RFC 5280 §4.2.1.9: "Conforming CAs MUST include this extension in all CA certificates … and MUST mark the extension as critical".
    if (!findExtension(c.fields, ExtensionOid.basicConstraints)!.critical) {
      return fail('CA_BCONS_NOT_CRITICAL', 'basic constraints of CA cert not marked critical', c, 'its basicConstraints (cA TRUE) is not critical (RFC 5280 §4.2.1.9)');
    }
  } else if (c.keyUsage?.has('keyCertSign')) {
    // RFC 5280 §4.2.1.9: "If the cA boolean is not asserted, then the keyCertSign bit in the key usage extension MUST NOT be asserted."
    return fail('KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA', 'key usage keyCertSign invalid for non-CA cert', c, 'its keyUsage asserts keyCertSign but basicConstraints cA is not TRUE (RFC 5280 §4.2.1.9)');
  }

  // RFC 5280 §4.2.1.6: with a non-empty subject, subjectAltName SHOULD NOT be critical (MUST be when the subject is empty).
  const san = findExtension(c.fields, ExtensionOid.subjectAltName);
  if (san?.critical && c.fields.subject.length > 2) {
    return fail('ERR_TLSGLASS_SAN_CRITICAL_WITH_SUBJECT', 'subject alternative name critical with a subject', c, 'its subjectAltName is critical although its subject is not empty (RFC 5280 §4.2.1.6)');
  }

  // BR §7.1.2.7.10: a subscriber certificate's extKeyUsage MUST NOT contain anyExtendedKeyUsage.
  if (isLeaf && c.extKeyUsage?.includes(ANY_EXTENDED_KEY_USAGE)) {
    return fail('ERR_TLSGLASS_LEAF_ANY_EXTENDED_KEY_USAGE', 'anyExtendedKeyUsage in an end-entity certificate', c, 'its extendedKeyUsage contains anyExtendedKeyUsage (CA/B Forum BR §7.1.2.7.10)');
  }
  return undefined;
}

/**
 * The trust anchor: a non-critical authorityKeyIdentifier and, for a root, the BR root profile's AKI
 * and EKU rules. (An anchor's unknown critical extension is refused in both profiles, by path-checks.ts.)
 */
function checkAnchor(a: ParsedCertificate): CertificateError | undefined {
  const aki = findExtension(a.fields, ExtensionOid.authorityKeyIdentifier);
  if (aki?.critical) return akiCritical(a);
  const violation = rootProfileViolation(a);
  if (violation) return fail(violation.code, violation.text, a, violation.reason);
  return undefined;
}

/**
 * BR §7.1.2.1.2 and §7.1.2.1.3 for a root (a self-issued trust anchor) issued since
 * BR_PROFILES_EFFECTIVE: no extKeyUsage; an authorityKeyIdentifier, when present, has only a
 * keyIdentifier, equal to the subjectKeyIdentifier. Exported so a test can run it over Node's roots.
 */
export function rootProfileViolation(a: ParsedCertificate): { code: string; text: string; reason: string } | undefined {
  if (!isSelfIssued(a.fields) || a.fields.notBefore.getTime() < BR_PROFILES_EFFECTIVE.getTime()) return undefined;
  if (findExtension(a.fields, ExtensionOid.extKeyUsage)) {
    return { code: 'ERR_TLSGLASS_ROOT_EXTENDED_KEY_USAGE', text: 'extended key usage in a root certificate', reason: 'the root has an extKeyUsage extension (CA/B Forum BR §7.1.2.1.2)' };
  }
  const aki = a.authorityKeyIdentifier;
  if (!aki) return undefined;
  const ski = subjectKeyIdentifierOf(a.fields);
  const problem = aki.authorityCertIssuer || aki.authorityCertSerialNumber
    ? 'has authorityCertIssuer or authorityCertSerialNumber'
    : !aki.keyIdentifier
      ? 'has no keyIdentifier'
      : !ski || !bytesEqual(aki.keyIdentifier, ski)
        ? 'has a keyIdentifier that is not its subjectKeyIdentifier'
        : undefined;
  if (!problem) return undefined;
  return { code: 'ERR_TLSGLASS_ROOT_AUTHORITY_KEY_IDENTIFIER', text: 'invalid authority key identifier in a root certificate', reason: `the root's authorityKeyIdentifier ${problem} (CA/B Forum BR §7.1.2.1.3)` };
}

function akiCritical(c: ParsedCertificate): CertificateError {
  return fail('AUTHORITY_KEY_IDENTIFIER_CRITICAL', 'authority key identifier marked critical', c, 'its authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1: MUST be non-critical)');
}

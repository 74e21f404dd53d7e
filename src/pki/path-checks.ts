import { CertificateError } from '../errors.js';
import { AlertDescription } from '../messages/enums.js';
import { checkKey, checkSignatureAlgorithm } from './algorithm-policy.js';
import { ExtensionOid, isSelfIssued, type Extension } from './certificate.js';
import { hostMismatchReason } from './host-match.js';
import { keyUsageMismatch, type KeyUse } from './key-usage.js';
import { checkNameConstraints, type ComparisonBudget } from './name-constraints.js';
import type { ParsedCertificate } from './parsed-certificate.js';
import type { CrlStore } from './revocation.js';
import { checkStrictProfile, type X509Profile } from './strict-profile.js';
import { ERROR_TEXT, fail } from './verify-error.js';

/**
 * The checks on one complete candidate path, leaf → … → trust anchor (RFC 5280 §6.1.3, §6.1.4),
 * in the order their errors are reported. The path builder (default-verifier.ts) has already
 * matched names and verified each signature; the anchor's own signature is never checked.
 */

export type Purpose = 'server' | 'client';

export interface PathCheckContext {
  readonly purpose: Purpose;
  /** Reference identity for a server (DNS name or IP literal); undefined skips the host check. */
  readonly host: string | undefined;
  readonly now: Date;
  /** How the leaf's key is used; undefined accepts any TLS use (see key-usage.ts). */
  readonly keyUse: KeyUse | undefined;
  /** Name-constraint comparisons left for the whole validation. */
  readonly budget: ComparisonBudget;
  /** 'strict' adds strict-profile.ts's rules. */
  readonly profile: X509Profile;
  /** Configured CRLs (node:tls `crl`): every certificate of the path is checked against them. */
  readonly crls?: CrlStore | undefined;
}

const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;
const EKU_NAME = { server: 'serverAuth', client: 'clientAuth' } as const;

/** Critical extensions we accept: the ones checked here, plus policies, which are ignored as by OpenSSL without explicit-policy flags. */
const PROCESSED_EXTENSIONS = new Set<string>([
  ExtensionOid.basicConstraints,
  ExtensionOid.keyUsage,
  ExtensionOid.extKeyUsage,
  ExtensionOid.subjectAltName,
  ExtensionOid.nameConstraints,
  ExtensionOid.subjectKeyIdentifier,
  ExtensionOid.authorityKeyIdentifier,
  ExtensionOid.certificatePolicies,
  ExtensionOid.policyMappings,
  ExtensionOid.policyConstraints,
  ExtensionOid.inhibitAnyPolicy,
]);

const EXTENSION_NAME = new Map<string, string>(Object.entries(ExtensionOid).map(([k, v]) => [v, `${k} (${v})`]));

/** undefined when the path is acceptable for `context`, else the first failure. */
export function checkPath(path: readonly ParsedCertificate[], context: PathCheckContext): CertificateError | undefined {
  return (
    checkValidity(path, context.now) ??
    checkAlgorithms(path) ??
    // After validity (as OpenSSL, whose last error wins, finds expiry after revocation), before the rest.
    context.crls?.check(path, context.now) ??
    checkCaConstraints(path) ??
    checkCriticalExtensions(path) ??
    checkNames(path, context.budget) ??
    checkExtendedKeyUsage(path, context.purpose) ??
    checkLeafKeyUsage(path[0]!, context.purpose === 'client' ? 'sign' : context.keyUse) ??
    (context.purpose === 'server' && context.host !== undefined ? checkHost(path[0]!, context.host) : undefined) ??
    (context.profile === 'strict' ? checkStrictProfile(path) : undefined)
  );
}

/**
 * RFC 5280 §6.1.3 (a)(2): every certificate, anchor included, is within its validity period; both
 * ends inclusive, at one-second resolution like the encoding.
 */
function checkValidity(path: readonly ParsedCertificate[], now: Date): CertificateError | undefined {
  const t = Math.floor(now.getTime() / 1000) * 1000;
  for (const c of path) {
    if (t < c.fields.notBefore.getTime()) {
      return fail('CERT_NOT_YET_VALID', 'certificate is not yet valid', c, `it is valid from ${c.fields.notBefore.toISOString()}; the time is ${now.toISOString()}`);
    }
    if (t > c.fields.notAfter.getTime()) {
      return fail('CERT_HAS_EXPIRED', 'certificate has expired', c, `it expired at ${c.fields.notAfter.toISOString()}; the time is ${now.toISOString()}`);
    }
  }
  return undefined;
}

/** Signature algorithms below the anchor (whose signature is never checked, also when the peer's certificate is the anchor), and every key. */
function checkAlgorithms(path: readonly ParsedCertificate[]): CertificateError | undefined {
  const top = path.length - 1;
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    const error = (i < top ? checkSignatureAlgorithm(c) : undefined) ?? checkKey(c, i === 0);
    if (error) return error;
  }
  return undefined;
}

/** basicConstraints and keyCertSign on every issuer, pathLenConstraint, and no CA as the end entity. */
function checkCaConstraints(path: readonly ParsedCertificate[]): CertificateError | undefined {
  const top = path.length - 1;
  for (let i = 1; i <= top; i++) {
    const issuer = path[i]!;
    // RFC 5280 §6.1.4 (k): an issuer must be a CA (basicConstraints cA TRUE, §4.2.1.9).
    if (!issuer.basicConstraints?.ca) {
      return fail('INVALID_CA', 'invalid CA certificate', issuer, `it issued "${path[i - 1]!.subjectText}" but is not a CA (basicConstraints cA is not TRUE)`);
    }
    // RFC 5280 §6.1.4 (n): with keyUsage present, keyCertSign MUST be set.
    if (issuer.keyUsage && !issuer.keyUsage.has('keyCertSign')) {
      return fail('KEYUSAGE_NO_CERTSIGN', 'key usage does not include certificate signing', issuer, `it issued "${path[i - 1]!.subjectText}" but its keyUsage lacks keyCertSign`);
    }
    // RFC 5280 §6.1.4 (l), (m): pathLenConstraint counts the non-self-issued intermediates below.
    const pathLength = issuer.basicConstraints.pathLength;
    if (pathLength !== undefined) {
      const below = path.slice(1, i).filter((c) => !isSelfIssued(c.fields)).length;
      if (below > pathLength) {
        return fail('PATH_LENGTH_EXCEEDED', 'path length constraint exceeded', issuer, `its pathLenConstraint is ${pathLength} but ${below} intermediate CAs follow it`);
      }
    }
  }
  // Never a CA certificate as the end entity (rustls), unless the peer's certificate is itself
  // a trust anchor (a self-signed "openssl req -x509" certificate passed as `ca`).
  const leaf = path[0]!;
  if (top > 0 && leaf.basicConstraints?.ca) {
    return fail('INVALID_CA', 'invalid CA certificate', leaf, 'it is a CA certificate (basicConstraints cA TRUE) used as an end-entity certificate');
  }
  return undefined;
}

/** The certificates whose extensions apply: all but the anchor, or the one certificate when the peer's certificate is the anchor. */
function belowAnchor(path: readonly ParsedCertificate[]): readonly ParsedCertificate[] {
  return path.length === 1 ? path : path.slice(0, -1);
}

/**
 * RFC 5280 §4.2: a certificate with a critical extension we do not process MUST be rejected; the
 * trust anchor's too (its extensions are otherwise not part of §6 validation), as OpenSSL does.
 */
function checkCriticalExtensions(certificates: readonly ParsedCertificate[]): CertificateError | undefined {
  for (const c of certificates) {
    const unknown = unhandledCriticalExtension(c);
    if (unknown) {
      return fail('UNHANDLED_CRITICAL_EXTENSION', 'unhandled critical extension', c, `critical extension ${EXTENSION_NAME.get(unknown.oid) ?? unknown.oid} is not processed by this verifier`);
    }
  }
  return undefined;
}

/** The first critical extension of `c` that this verifier does not process, if any. */
export function unhandledCriticalExtension(c: ParsedCertificate): Extension | undefined {
  return c.fields.extensions.find((e) => e.critical && !PROCESSED_EXTENSIONS.has(e.oid));
}

/**
 * RFC 5280 §6.1.4 (g) and §6.1.3 (b), (c): the nameConstraints of every CA in the path, the trust
 * anchor's included (as OpenSSL and Go apply them), bind the names of every certificate below it,
 * except self-issued intermediates. Constraints of several CAs intersect: each is checked on its own.
 */
function checkNames(path: readonly ParsedCertificate[], budget: ComparisonBudget): CertificateError | undefined {
  for (let j = path.length - 1; j >= 1; j--) {
    const nc = path[j]!.nameConstraints;
    if (!nc) continue;
    for (let i = j - 1; i >= 0; i--) {
      const c = path[i]!;
      if (i > 0 && isSelfIssued(c.fields)) continue;
      const violation = checkNameConstraints(
        nc,
        { subjectAltNames: c.subjectAltNames, subject: c.fields.subject },
        budget,
      );
      if (violation) {
        return fail(violation.code, ERROR_TEXT[violation.code], c, `${violation.reason} (constrained by "${path[j]!.subjectText}")`);
      }
    }
  }
  return undefined;
}

/**
 * RFC 5280 §4.2.1.12: with extendedKeyUsage present, the leaf may only be used for the purposes
 * listed; an intermediate's EKU constrains its subtree (as OpenSSL and Go do).
 */
function checkExtendedKeyUsage(path: readonly ParsedCertificate[], purpose: Purpose): CertificateError | undefined {
  for (const c of belowAnchor(path)) {
    const eku = c.extKeyUsage;
    if (eku && !eku.includes(EKU[purpose])) {
      return fail(
        'INVALID_PURPOSE',
        ERROR_TEXT.INVALID_PURPOSE,
        c,
        `its extendedKeyUsage (${eku.map(ekuName).join(', ')}) lacks ${EKU_NAME[purpose]}, required for a TLS ${purpose} certificate`,
      );
    }
  }
  return undefined;
}

/**
 * RFC 5280 §4.2.1.3 with RFC 5246 §7.4.2 / RFC 8422 §5.3: a leaf with keyUsage must allow the
 * handshake's use of its key: digitalSignature to sign (EC)DHE parameters or CertificateVerify,
 * keyEncipherment for RSA key transport.
 */
function checkLeafKeyUsage(leaf: ParsedCertificate, use: KeyUse | undefined): CertificateError | undefined {
  const reason = keyUsageMismatch(leaf.keyUsage, use);
  return reason ? fail('INVALID_PURPOSE', ERROR_TEXT.INVALID_PURPOSE, leaf, reason) : undefined;
}

/** RFC 9525 §6: the reference identity against subjectAltName only, in Node's wording. */
function checkHost(leaf: ParsedCertificate, host: string): CertificateError | undefined {
  const reason = hostMismatchReason(host, leaf.subjectAltNames, leaf.subjectAltNameText);
  if (!reason) return undefined;
  return new CertificateError(`Hostname/IP does not match certificate's altnames: ${reason}`, 'ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.certificate_unknown);
}

function ekuName(oid: string): string {
  for (const p of ['server', 'client'] as const) if (EKU[p] === oid) return EKU_NAME[p];
  return oid;
}

import { rootCertificates } from 'node:tls';
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { CertificateError } from '../errors.js';
import { AlertDescription } from '../messages/enums.js';
import { DerReader, Tag, contextConstructed, decodeOid, readDer } from './der-reader.js';
import { ExtensionOid, basicConstraintsOf, bytesEqual, isSelfIssued, subjectAltNamesOf } from './certificate.js';
import { hostMismatchReason } from './host-match.js';
import { parseCertificateCached, type ParsedCertificate } from './parsed-certificate.js';
import { decodePem } from './pem.js';
import type { ClientCheckContext, CertificateVerifier, ServerCheckContext, VerificationResult } from './verifier.js';

/**
 * The interim certificate verifier, on node:crypto's X509Certificate: builds a path from the
 * leaf through the certificates the peer sent to a trust anchor, then checks validity, CA
 * flags, path length, algorithms, key sizes, critical extensions, EKU and the host name.
 * Codes and messages follow Node/OpenSSL; each code maps to one alert (RFC 5246 §7.2.2).
 *
 * Not yet done here (issue 3): name constraints (a critical nameConstraints extension is
 * refused rather than ignored), keyUsage bits of the leaf, certificate policies.
 */
export interface DefaultVerifierOptions {
  /** DER trust anchors; default: node:tls rootCertificates (the Mozilla store bundled with Node). */
  readonly anchors?: readonly Uint8Array[];
  readonly provider: CryptoProvider;
}

/** At most this many issuers above the leaf. */
const MAX_ISSUERS = 10;
/** Signature verifications per validation (Go's maxChainSignatureChecks). */
const MAX_SIGNATURE_CHECKS = 100;
/** Issuer candidates considered per validation, so path enumeration stays bounded. */
const MAX_CANDIDATES = 1000;

type Purpose = 'server' | 'client';

const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;
const EKU_NAME = { server: 'serverAuth', client: 'clientAuth' } as const;

export class DefaultVerifier implements CertificateVerifier {
  readonly #provider: CryptoProvider;
  readonly #anchors: () => AnchorStore;

  constructor(options: DefaultVerifierOptions) {
    this.#provider = options.provider;
    if (options.anchors) {
      const store = new AnchorStore(options.anchors.map((d, i) => parseCertificateCached(d, `trust anchor ${i}`)));
      this.#anchors = () => store;
    } else {
      this.#anchors = defaultAnchors;
    }
  }

  verifyServer(chain: readonly Uint8Array[], context: ServerCheckContext): VerificationResult {
    return this.#verify(chain, 'server', context.host, context.now);
  }

  verifyClient(chain: readonly Uint8Array[], context: ClientCheckContext): VerificationResult {
    return this.#verify(chain, 'client', undefined, context.now);
  }

  /**
   * The trust anchor that issued `certDer` (name and key identifier match, as OpenSSL's
   * X509_check_issued), for getPeerCertificate(true), which ends the chain at the root even
   * when the peer did not send it.
   */
  trustedIssuerOf(certDer: Uint8Array): Uint8Array | undefined {
    const cert = parseCertificateCached(certDer, 'certificate');
    return this.#anchors()
      .issuersOf(cert)
      .find((a) => safeCheckIssued(cert, a))?.der;
  }

  #verify(chain: readonly Uint8Array[], purpose: Purpose, host: string | undefined, now: Date): VerificationResult {
    if (chain.length === 0) {
      throw new CertificateError('the peer sent no certificate', 'ERR_TLSGLASS_BAD_CERTIFICATE', AlertDescription.bad_certificate);
    }
    // A certificate that does not parse aborts the handshake whatever rejectUnauthorized says,
    // as a Certificate message OpenSSL cannot decode does.
    const certs = chain.map((d, i) => parseCertificateCached(d, `peer certificate ${i} (${i === 0 ? 'leaf' : 'chain'})`));
    const leaf = certs[0]!;
    const leafKey = this.#leafKey(leaf);
    const error = new PathSearch(this.#anchors(), certs, purpose, host, now).run();
    return { leafKey, error };
  }

  #leafKey(leaf: ParsedCertificate): PublicKey {
    try {
      return this.#provider.signatures.publicKeyFromSpki(leaf.fields.subjectPublicKeyInfo);
    } catch (e) {
      throw new CertificateError(
        `unsupported public key in ${describe(leaf)}: ${e instanceof Error ? e.message : String(e)}`,
        'ERR_TLSGLASS_UNSUPPORTED_KEY',
        AlertDescription.unsupported_certificate,
      );
    }
  }
}

/** Trust anchors indexed by subject (node's text form; X509_check_issued decides the match). */
class AnchorStore {
  readonly #bySubject = new Map<string, ParsedCertificate[]>();
  readonly #ids = new Set<string>();

  constructor(anchors: readonly ParsedCertificate[]) {
    for (const a of anchors) {
      if (this.#ids.has(a.id)) continue;
      this.#ids.add(a.id);
      const list = this.#bySubject.get(a.subjectKey);
      if (list) list.push(a);
      else this.#bySubject.set(a.subjectKey, [a]);
    }
  }

  has(cert: ParsedCertificate): boolean {
    return this.#ids.has(cert.id);
  }

  issuersOf(cert: ParsedCertificate): readonly ParsedCertificate[] {
    return this.#bySubject.get(cert.issuerKey) ?? [];
  }
}

let defaultStore: AnchorStore | undefined;

/** node:tls rootCertificates, parsed on first use and kept for the process. */
function defaultAnchors(): AnchorStore {
  if (!defaultStore) {
    const parsed: ParsedCertificate[] = [];
    for (const pem of rootCertificates) {
      for (const block of decodePem(pem)) {
        try {
          parsed.push(parseCertificateCached(block.der, 'root certificate'));
        } catch {
          // A root our strict reader refuses is simply not an anchor.
        }
      }
    }
    defaultStore = new AnchorStore(parsed);
  }
  return defaultStore;
}

/**
 * Depth-first path building (RFC 4158 style): from each certificate try anchors first, then
 * the peer's certificates, whose issuer name and key identifier match and whose signature
 * verifies. A complete path is then checked (RFC 5280 §6.1); the first that passes wins,
 * otherwise the first failure of a complete path is reported, else why no path was found.
 */
class PathSearch {
  readonly #pool = new Map<string, ParsedCertificate[]>();
  readonly #verified = new Map<string, boolean>();
  #signatureChecks = 0;
  #candidates = 0;
  #exhausted: CertificateError | undefined;
  #pathError: CertificateError | undefined;
  #signatureError: CertificateError | undefined;
  #tooLong: CertificateError | undefined;
  #deadEnd: { depth: number; error: CertificateError } | undefined;

  constructor(
    readonly anchors: AnchorStore,
    readonly certs: readonly ParsedCertificate[],
    readonly purpose: Purpose,
    readonly host: string | undefined,
    readonly now: Date,
  ) {
    const seen = new Set<string>();
    for (const c of certs.slice(1)) {
      // Duplicates and copies of anchors add nothing (the anchor itself is found by subject).
      if (seen.has(c.id) || anchors.has(c)) continue;
      seen.add(c.id);
      const list = this.#pool.get(c.subjectKey);
      if (list) list.push(c);
      else this.#pool.set(c.subjectKey, [c]);
    }
  }

  /** undefined when some path is acceptable, else the error to report. */
  run(): CertificateError | undefined {
    if (this.#extend([this.certs[0]!])) return undefined;
    return (
      this.#pathError ??
      this.#exhausted ??
      this.#signatureError ??
      this.#tooLong ??
      this.#deadEnd?.error ??
      fail('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', this.certs[0]!, 'no path to a trust anchor')
    );
  }

  #extend(path: ParsedCertificate[]): boolean {
    const cur = path[path.length - 1]!;
    if (this.anchors.has(cur)) {
      // RFC 5280 §6.1: the path ends at a trust anchor, whose own signature is not checked.
      const error = checkPath(path, this.purpose, this.host, this.now);
      if (!error) return true;
      this.#pathError ??= error;
      return false;
    }
    // A self-signed certificate that is not an anchor ends the path (as in OpenSSL): its issuer is itself.
    if (isSelfSigned(cur)) {
      this.#recordDeadEnd(cur, path.length - 1);
      return false;
    }
    let issuerFound = false;
    const candidates = [...this.anchors.issuersOf(cur), ...(this.#pool.get(cur.issuerKey) ?? [])];
    for (const cand of candidates) {
      if (++this.#candidates > MAX_CANDIDATES) {
        this.#exhausted ??= budgetError(cur);
        return false;
      }
      // No loops: a certificate, or the same subject and key, appears once per path.
      if (path.some((p) => p.id === cand.id || (p.subjectKey === cand.subjectKey && bytesEqual(p.fields.subjectPublicKeyInfo, cand.fields.subjectPublicKeyInfo)))) {
        continue;
      }
      if (!safeCheckIssued(cur, cand)) continue;
      issuerFound = true;
      if (path.length > MAX_ISSUERS) {
        this.#tooLong ??= fail('CERT_CHAIN_TOO_LONG', 'certificate chain too long', this.certs[0]!, `no trust anchor within ${MAX_ISSUERS} issuers`);
        continue;
      }
      const edge = `${cur.id}>${cand.id}`;
      let ok = this.#verified.get(edge);
      if (ok === undefined) {
        if (++this.#signatureChecks > MAX_SIGNATURE_CHECKS) {
          this.#exhausted ??= budgetError(this.certs[0]!);
          return false;
        }
        ok = safeVerify(cur, cand);
        this.#verified.set(edge, ok);
      }
      if (!ok) {
        this.#signatureError ??= fail(
          'CERT_SIGNATURE_FAILURE',
          'certificate signature failure',
          cur,
          `the signature does not verify with the key of "${cand.subjectText}"`,
        );
        continue;
      }
      if (this.#extend([...path, cand])) return true;
      if (this.#exhausted) return false;
    }
    if (!issuerFound) this.#recordDeadEnd(cur, path.length - 1);
    return false;
  }

  /** Why the path stops at `cur`, in OpenSSL's terms; the deepest dead end is reported. */
  #recordDeadEnd(cur: ParsedCertificate, depth: number): void {
    if (this.#deadEnd && this.#deadEnd.depth >= depth) return;
    let error: CertificateError;
    if (isSelfSigned(cur)) {
      error =
        depth === 0
          ? fail('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', cur, 'it is self-signed and not a trusted CA')
          : fail('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', cur, 'it is self-signed and not a trusted CA');
    } else if (depth === 0) {
      error = fail(
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'unable to verify the first certificate',
        cur,
        'its issuer is not a trusted CA and the peer did not send it',
      );
    } else {
      error = fail('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', cur, 'its issuer is not a trusted CA');
    }
    this.#deadEnd = { depth, error };
  }
}

/**
 * The checks on a complete path leaf → … → anchor (RFC 5280 §6.1.3, §6.1.4), in the order their
 * errors are reported. The anchor's own signature and extensions are not checked.
 */
function checkPath(path: readonly ParsedCertificate[], purpose: Purpose, host: string | undefined, now: Date): CertificateError | undefined {
  const leaf = path[0]!;
  const top = path.length - 1;
  // RFC 5280 §6.1.3 (a)(2): every certificate, anchor included, is within its validity
  // period; both ends inclusive, at one-second resolution like the encoding.
  const t = Math.floor(now.getTime() / 1000) * 1000;
  for (const c of path) {
    if (t < c.fields.notBefore.getTime()) {
      return fail('CERT_NOT_YET_VALID', 'certificate is not yet valid', c, `it is valid from ${iso(c.fields.notBefore)}; the time is ${iso(now)}`);
    }
    if (t > c.fields.notAfter.getTime()) {
      return fail('CERT_HAS_EXPIRED', 'certificate has expired', c, `it expired at ${iso(c.fields.notAfter)}; the time is ${iso(now)}`);
    }
  }
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    // The anchor's signature is never checked, so neither is its algorithm (also when the peer's certificate is the anchor).
    const error = (i < top ? checkSignatureAlgorithm(c) : undefined) ?? checkKey(c, i === 0);
    if (error) return error;
  }
  for (let i = 1; i <= top; i++) {
    const issuer = path[i]!;
    // RFC 5280 §6.1.4 (k): an issuer must be a CA (basicConstraints cA TRUE, §4.2.1.9).
    if (!issuer.x509.ca) {
      return fail('INVALID_CA', 'invalid CA certificate', issuer, `it issued "${path[i - 1]!.subjectText}" but is not a CA (basicConstraints cA is not TRUE)`);
    }
    // RFC 5280 §6.1.4 (l), (m): pathLenConstraint counts the non-self-issued intermediates below.
    const pathLength = basicConstraintsOf(issuer.fields)?.pathLength;
    if (pathLength !== undefined) {
      const below = path.slice(1, i).filter((c) => !isSelfIssued(c.fields)).length;
      if (below > pathLength) {
        return fail('PATH_LENGTH_EXCEEDED', 'path length constraint exceeded', issuer, `its pathLenConstraint is ${pathLength} but ${below} intermediate CAs follow it`);
      }
    }
  }
  // Never a CA certificate as the end entity (rustls), unless the peer's certificate is itself
  // a trust anchor (a self-signed "openssl req -x509" certificate passed as `ca`).
  if (top > 0 && leaf.x509.ca) {
    return fail('INVALID_CA', 'invalid CA certificate', leaf, 'it is a CA certificate (basicConstraints cA TRUE) used as an end-entity certificate');
  }
  // RFC 5280 §4.2: a certificate with a critical extension we do not process MUST be rejected.
  for (let i = 0; i < top || (top === 0 && i === 0); i++) {
    const c = path[i]!;
    const unknown = c.fields.extensions.find((e) => e.critical && !PROCESSED_EXTENSIONS.has(e.oid));
    if (unknown) {
      return fail('UNHANDLED_CRITICAL_EXTENSION', 'unhandled critical extension', c, `critical extension ${EXTENSION_NAME.get(unknown.oid) ?? unknown.oid} is not processed by this verifier`);
    }
  }
  // RFC 5280 §4.2.1.12: with extendedKeyUsage present, the leaf may only be used for the
  // purposes listed; an intermediate's EKU constrains its subtree (as OpenSSL and Go do).
  for (let i = 0; i < top || (top === 0 && i === 0); i++) {
    const c = path[i]!;
    const eku = c.x509.keyUsage;
    if (eku && !eku.includes(EKU[purpose])) {
      return fail(
        'INVALID_PURPOSE',
        'unsuitable certificate purpose',
        c,
        `its extendedKeyUsage (${eku.map(ekuName).join(', ')}) lacks ${EKU_NAME[purpose]}, required for a TLS ${purpose} certificate`,
      );
    }
  }
  // RFC 9525 §6: the reference identity against subjectAltName only.
  if (purpose === 'server' && host !== undefined) {
    const reason = hostMismatchReason(host, subjectAltNamesOf(leaf.fields), leaf.x509.subjectAltName ?? '');
    if (reason) {
      return new CertificateError(
        `Hostname/IP does not match certificate's altnames: ${reason}`,
        'ERR_TLS_CERT_ALTNAME_INVALID',
        AlertDescription.certificate_unknown,
      );
    }
  }
  return undefined;
}

/** Critical extensions we accept: the ones checked here, plus policies, which are ignored as by OpenSSL without explicit-policy flags. */
const PROCESSED_EXTENSIONS = new Set<string>([
  ExtensionOid.basicConstraints,
  ExtensionOid.keyUsage,
  ExtensionOid.extKeyUsage,
  ExtensionOid.subjectAltName,
  ExtensionOid.subjectKeyIdentifier,
  ExtensionOid.authorityKeyIdentifier,
  ExtensionOid.certificatePolicies,
  ExtensionOid.policyMappings,
  ExtensionOid.policyConstraints,
  ExtensionOid.inhibitAnyPolicy,
]);

const EXTENSION_NAME = new Map<string, string>(Object.entries(ExtensionOid).map(([k, v]) => [v, `${k} (${v})`]));

const SIGNATURE_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
  ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption'],
  ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption'],
  ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256'],
  ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384'],
  ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512'],
  ['1.3.101.112', 'Ed25519'],
  ['1.3.101.113', 'Ed448'],
]);

const WEAK_SIGNATURE_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSASignature'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
]);

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASHES = new Map([
  ['2.16.840.1.101.3.4.2.1', 'SHA-256'],
  ['2.16.840.1.101.3.4.2.2', 'SHA-384'],
  ['2.16.840.1.101.3.4.2.3', 'SHA-512'],
]);

/** MD5 and SHA-1 certificate signatures are refused (RFC 9155 deprecates them in TLS; CA/B Forum bans them). */
function checkSignatureAlgorithm(c: ParsedCertificate): CertificateError | undefined {
  const { oid, parameters } = c.fields.signatureAlgorithm;
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
  if (!bytesEqual(c.fields.signatureAlgorithm.raw, c.fields.tbsSignatureAlgorithm.raw)) {
    return fail('CERT_SIGNATURE_FAILURE', 'certificate signature failure', c, 'signatureAlgorithm differs from tbsCertificate.signature');
  }
  if (SIGNATURE_ALGORITHMS.has(oid)) return undefined;
  const weak = WEAK_SIGNATURE_ALGORITHMS.get(oid);
  if (weak) {
    return fail('CA_MD_TOO_WEAK', 'CA signature digest algorithm too weak', c, `it is signed with ${weak}; MD5 and SHA-1 signatures are refused`);
  }
  if (oid === RSASSA_PSS) {
    const hash = pssHash(parameters);
    if (hash && PSS_HASHES.has(hash)) return undefined;
    return fail('CA_MD_TOO_WEAK', 'CA signature digest algorithm too weak', c, `it is signed with RSASSA-PSS over ${hash === '1.3.14.3.2.26' || hash === undefined ? 'SHA-1' : hash}`);
  }
  return fail('CERT_SIGNATURE_FAILURE', 'certificate signature failure', c, `unsupported signature algorithm ${oid}`);
}

/** RSASSA-PSS-params hashAlgorithm ([0], DEFAULT sha1, RFC 4055 §3.1); undefined means SHA-1. */
function pssHash(parameters: Uint8Array | undefined): string | undefined {
  if (!parameters) return undefined;
  try {
    const seq = new DerReader(readDer(parameters, Tag.SEQUENCE, 'RSASSA-PSS-params').value);
    const h = seq.optional(contextConstructed(0), 'hashAlgorithm');
    if (!h) return undefined;
    const alg = new DerReader(readDer(h.value, Tag.SEQUENCE, 'hashAlgorithm').value);
    return decodeOid(alg.read(Tag.OBJECT_IDENTIFIER, 'hashAlgorithm.algorithm').value);
  } catch {
    return 'malformed parameters';
  }
}

/** RSA 2048–8192 bits; EC on P-256/P-384/P-521; Ed25519/Ed448. No DSA, no small curves. */
function checkKey(c: ParsedCertificate, isLeaf: boolean): CertificateError | undefined {
  let type: string | undefined;
  let details: { modulusLength?: number; namedCurve?: string } | undefined;
  try {
    type = c.publicKey.asymmetricKeyType;
    details = c.publicKey.asymmetricKeyDetails;
  } catch {
    type = undefined;
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details?.modulusLength ?? 0;
    if (bits < 2048) {
      return isLeaf
        ? fail('EE_KEY_TOO_SMALL', 'EE certificate key too weak', c, `its RSA key has ${bits} bits; at least 2048 are required`)
        : fail('CA_KEY_TOO_SMALL', 'CA certificate key too weak', c, `its RSA key has ${bits} bits; at least 2048 are required`);
    }
    if (bits > 8192) {
      return fail('ERR_TLSGLASS_KEY_TOO_LARGE', 'certificate key too large', c, `its RSA key has ${bits} bits; at most 8192 are accepted`);
    }
    return undefined;
  }
  if (type === 'ec') {
    if (['prime256v1', 'secp384r1', 'secp521r1'].includes(details?.namedCurve ?? '')) return undefined;
    return fail('ERR_TLSGLASS_UNSUPPORTED_KEY', 'unsupported certificate key', c, `its EC key is on ${details?.namedCurve ?? 'an unnamed curve'}`);
  }
  if (type === 'ed25519' || type === 'ed448') return undefined;
  return fail('ERR_TLSGLASS_UNSUPPORTED_KEY', 'unsupported certificate key', c, `its ${type ?? 'unknown'} key is not accepted`);
}

/** The one place a code gets its alert (RFC 5246 §7.2.2 descriptions). */
const ALERT_FOR: Record<string, AlertDescription> = {
  CERT_HAS_EXPIRED: AlertDescription.certificate_expired,
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
  CA_MD_TOO_WEAK: AlertDescription.bad_certificate,
  EE_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  CA_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  ERR_TLSGLASS_KEY_TOO_LARGE: AlertDescription.bad_certificate,
  ERR_TLSGLASS_UNSUPPORTED_KEY: AlertDescription.unsupported_certificate,
  UNHANDLED_CRITICAL_EXTENSION: AlertDescription.unsupported_certificate,
  INVALID_PURPOSE: AlertDescription.unsupported_certificate,
};

/** `<OpenSSL's text>: "<subject>" (issuer "<issuer>"): <reason>` with the code's alert. */
function fail(code: string, text: string, c: ParsedCertificate, reason: string): CertificateError {
  return new CertificateError(
    `${text}: ${describe(c)}: ${reason}`,
    code,
    ALERT_FOR[code] ?? AlertDescription.bad_certificate,
  );
}

function budgetError(leaf: ParsedCertificate): CertificateError {
  return fail(
    'ERR_TLSGLASS_PATH_BUILDING_LIMIT',
    'certificate path building limit reached',
    leaf,
    `no acceptable path within ${MAX_SIGNATURE_CHECKS} signature checks`,
  );
}

function describe(c: ParsedCertificate): string {
  return `"${c.subjectText}" (issuer "${c.issuerText}")`;
}

/** X509_check_issued: issuer name, key identifiers and the issuer's keyCertSign if it has keyUsage. */
function safeCheckIssued(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.checkIssued(issuer.x509);
  } catch {
    return false;
  }
}

/** Issuer and subject names equal, and the signature verifies with its own key (a self-issued key rollover certificate is not). */
function isSelfSigned(c: ParsedCertificate): boolean {
  return c.issuerKey === c.subjectKey && safeVerify(c, c);
}

function safeVerify(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function ekuName(oid: string): string {
  for (const p of ['server', 'client'] as const) if (EKU[p] === oid) return EKU_NAME[p];
  return oid;
}

function iso(d: Date): string {
  return d.toISOString();
}

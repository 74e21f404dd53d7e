import type { CryptoProvider, PublicKey, SignatureProvider } from '../crypto/provider.js';
import { CertificateError } from '../errors.js';
import { AlertDescription } from '../messages/enums.js';
import { bytesEqual } from './certificate.js';
import { issuedBy, signedBy } from './certificate-signature.js';
import type { KeyUse } from './key-usage.js';
import { ComparisonBudget } from './name-constraints.js';
import { parseCertificateCached, type ParsedCertificate } from './parsed-certificate.js';
import { checkPath, type PathCheckContext, type Purpose } from './path-checks.js';
import type { X509Profile } from './strict-profile.js';
import { CrlStore } from './revocation.js';
import { defaultTrustAnchors } from '../platform-defaults.js';
import type { CertificateList } from './crl.js';
import { describe, fail } from './verify-error.js';
import type { ClientCheckContext, CertificateVerifier, ServerCheckContext, VerificationResult } from './verifier.js';

/**
 * The certificate verifier the handshakes use (RFC 5280 §6), on our strict DER parser, with
 * signatures checked through the CryptoProvider (certificate-signature.ts): builds paths from the leaf through
 * the certificates the peer sent to a trust anchor, backtracking over alternatives (cross-signed
 * issuers, unordered and extra certificates), and accepts the first path that passes
 * path-checks.ts (validity, algorithms and keys, CA flags and path length, critical extensions,
 * name constraints, EKU, the leaf's key usage, the host name) and, with `crls`, revocation
 * (revocation.ts).
 * Codes and messages follow Node/OpenSSL; each code maps to one alert (verify-error.ts).
 * Certificate policies are not processed (as OpenSSL without explicit-policy flags).
 */
export interface DefaultVerifierOptions {
  /**
   * DER trust anchors; default: the installed default anchors (installDefaultTrustAnchors; the Node
   * entry installs node:tls's default store, tls.rootCertificates plus NODE_EXTRA_CA_CERTS), none if none is installed.
   */
  readonly anchors?: readonly Uint8Array[];
  readonly provider: CryptoProvider;
  /**
   * 'strict' adds the RFC 5280 §4 / CA/B Forum BR issuance rules of strict-profile.ts to RFC 5280 §6
   * validation ('rfc5280'). Default: 'strict' with the bundled roots, 'rfc5280' with `anchors`.
   */
  readonly profile?: X509Profile;
  /**
   * At most this many intermediate CA certificates between the leaf and the trust anchor, neither
   * of which counts (`openssl verify -verify_depth N`); CERT_CHAIN_TOO_LONG beyond. Default: no
   * limit but the path builder's own (10 issuers).
   */
  readonly verifyDepth?: number;
  /**
   * Certificate revocation lists (node:tls `crl`): when given, every certificate of a path, the
   * trust anchor included, must have a current CRL from its issuer that does not list it (revocation.ts).
   */
  readonly crls?: readonly CertificateList[];
}

/** At most this many issuers above the leaf. */
const MAX_ISSUERS = 10;
/** Signature verifications per validation (Go's maxChainSignatureChecks). */
const MAX_SIGNATURE_CHECKS = 100;
/** Issuer candidates considered per validation, so path enumeration stays bounded. */
const MAX_CANDIDATES = 1000;
/** Name-constraint comparisons (name × subtree) per validation (Go's MaxConstraintComparisions is 250,000 per certificate). */
const MAX_NAME_CONSTRAINT_COMPARISONS = 250_000;

export class DefaultVerifier implements CertificateVerifier {
  readonly #provider: CryptoProvider;
  readonly #anchors: () => AnchorStore;
  readonly profile: X509Profile;
  readonly verifyDepth: number | undefined;
  readonly #crls: CrlStore | undefined;

  constructor(options: DefaultVerifierOptions) {
    this.#provider = options.provider;
    this.#crls = options.crls && options.crls.length > 0 ? new CrlStore(options.crls, options.provider) : undefined;
    this.profile = options.profile ?? (options.anchors ? 'rfc5280' : 'strict');
    const depth = options.verifyDepth;
    if (depth !== undefined && !(Number.isSafeInteger(depth) && depth >= 0)) throw new RangeError(`verifyDepth must be a whole number ≥ 0, not ${depth}`);
    this.verifyDepth = depth;
    if (options.anchors) {
      const store = new AnchorStore(options.anchors.map((d, i) => parseCertificateCached(d, `trust anchor ${i}`)));
      this.#anchors = () => store;
    } else {
      this.#anchors = defaultAnchors;
    }
  }

  verifyServer(chain: readonly Uint8Array[], context: ServerCheckContext): VerificationResult {
    return this.#verify(chain, 'server', context.host, context.now, context.keyUsage);
  }

  /** A client's key always signs (CertificateVerify, RFC 5246 §7.4.8), so its keyUsage needs digitalSignature. */
  verifyClient(chain: readonly Uint8Array[], context: ClientCheckContext): VerificationResult {
    return this.#verify(chain, 'client', undefined, context.now, 'sign');
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
      .find((a) => issuedBy(cert, a))?.der;
  }

  #verify(chain: readonly Uint8Array[], purpose: Purpose, host: string | undefined, now: Date, keyUse: KeyUse | undefined): VerificationResult {
    if (chain.length === 0) {
      throw new CertificateError('the peer sent no certificate', 'ERR_TLSGLASS_BAD_CERTIFICATE', AlertDescription.bad_certificate);
    }
    // A certificate that does not parse aborts the handshake whatever rejectUnauthorized says,
    // as a Certificate message OpenSSL cannot decode does.
    const certs = chain.map((d, i) => parseCertificateCached(d, `peer certificate ${i} (${i === 0 ? 'leaf' : 'chain'})`));
    const leaf = certs[0]!;
    const leafKey = this.#leafKey(leaf);
    const context: PathCheckContext = { purpose, host, now, keyUse, budget: new ComparisonBudget(MAX_NAME_CONSTRAINT_COMPARISONS), profile: this.profile, crls: this.#crls };
    const search = new PathSearch(this.#anchors(), certs, context, this.verifyDepth ?? Infinity, this.#provider.signatures);
    const error = search.run();
    return error ? { leafKey, error } : { leafKey, error, chain: search.built!.map((c) => c.der) };
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

/** Trust anchors indexed by subject (its RFC 5280 §7.1 match key; issuedBy, as X509_check_issued, decides the match). */
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

let defaultStore: { anchors: readonly Uint8Array[]; store: AnchorStore } | undefined;

/** The installed default anchors (platform-defaults.ts), parsed on first use and kept while they stay installed. */
function defaultAnchors(): AnchorStore {
  const anchors = defaultTrustAnchors();
  if (defaultStore?.anchors !== anchors) defaultStore = { anchors, store: new AnchorStore(parseAnchors(anchors, 'root certificate')) };
  return defaultStore.store;
}

/** The anchors our strict reader accepts; any other is simply not an anchor (as before with PEM roots). */
export function parseAnchors(anchors: readonly Uint8Array[], what: string): ParsedCertificate[] {
  const parsed: ParsedCertificate[] = [];
  for (const der of anchors) {
    try {
      parsed.push(parseCertificateCached(der, what));
    } catch {
      // Not decodable by our reader: not an anchor.
    }
  }
  return parsed;
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
  /** The accepted path, leaf first through the anchor, once run() succeeded. */
  built: readonly ParsedCertificate[] | undefined;

  constructor(
    readonly anchors: AnchorStore,
    readonly certs: readonly ParsedCertificate[],
    readonly context: PathCheckContext,
    /** Intermediates allowed between the leaf and the anchor. */
    readonly verifyDepth: number,
    readonly signatures: SignatureProvider,
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
      const error = checkPath(path, this.context);
      if (!error) {
        this.built = path;
        return true;
      }
      this.#pathError ??= error;
      return false;
    }
    // A self-signed certificate that is not an anchor ends the path (as in OpenSSL): its issuer is itself.
    if (isSelfSigned(cur, this.signatures)) {
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
      if (!issuedBy(cur, cand)) continue;
      issuerFound = true;
      if (path.length > MAX_ISSUERS) {
        this.#tooLong ??= fail('CERT_CHAIN_TOO_LONG', 'certificate chain too long', this.certs[0]!, `no trust anchor within ${MAX_ISSUERS} issuers`);
        continue;
      }
      // path holds the leaf and path.length - 1 intermediates; a candidate that is not an anchor would be one more.
      if (path.length > this.verifyDepth && !this.anchors.has(cand)) {
        this.#tooLong ??= fail('CERT_CHAIN_TOO_LONG', 'certificate chain too long', cand, `a trust anchor is not reached within ${this.verifyDepth} intermediate CA certificate${this.verifyDepth === 1 ? '' : 's'} (verifyDepth)`);
        continue;
      }
      const edge = `${cur.id}>${cand.id}`;
      let ok = this.#verified.get(edge);
      if (ok === undefined) {
        if (++this.#signatureChecks > MAX_SIGNATURE_CHECKS) {
          this.#exhausted ??= budgetError(this.certs[0]!);
          return false;
        }
        ok = safeVerify(cur, cand, this.signatures);
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
    if (isSelfSigned(cur, this.signatures)) {
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

function budgetError(leaf: ParsedCertificate): CertificateError {
  return fail(
    'ERR_TLSGLASS_PATH_BUILDING_LIMIT',
    'certificate path building limit reached',
    leaf,
    `no acceptable path within ${MAX_SIGNATURE_CHECKS} signature checks`,
  );
}

/** Issuer and subject names equal, and the signature verifies with its own key (a self-issued key rollover certificate is not). */
function isSelfSigned(c: ParsedCertificate, signatures: SignatureProvider): boolean {
  return c.issuerKey === c.subjectKey && safeVerify(c, c, signatures);
}

/**
 * Signature results by child, then issuer id. Parsed certificates are shared by DER
 * (parseCertificateCached) and an id is the whole DER, so a result is a pure function of its
 * key: a client that meets the same chain again skips the RSA/ECDSA verifications (about 4% of
 * a handshake, bench/profile.ts). Entries go when the child leaves the parse cache.
 */
const signatureResults = new WeakMap<ParsedCertificate, Map<string, boolean>>();

function safeVerify(child: ParsedCertificate, issuer: ParsedCertificate, signatures: SignatureProvider): boolean {
  let results = signatureResults.get(child);
  const known = results?.get(issuer.id);
  if (known !== undefined) return known;
  const ok = signedBy(child, issuer, signatures);
  if (!results) signatureResults.set(child, (results = new Map()));
  if (results.size < 16) results.set(issuer.id, ok);
  return ok;
}

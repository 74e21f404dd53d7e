import type { CryptoProvider } from '../crypto/provider.js';
import type { CertificateError } from '../errors.js';
import { toHex } from '../codec/text.js';
import { signatureAlgorithmProblem } from './algorithm-policy.js';
import { verifySignature } from './certificate-signature.js';
import { bytesEqual, subjectKeyIdentifierOf } from './certificate.js';
import type { CertificateList } from './crl.js';
import type { ParsedCertificate } from './parsed-certificate.js';
import { fail } from './verify-error.js';

/**
 * Revocation checking against configured CRLs (RFC 5280 §6.3), as node:tls does it when given
 * `crl`: OpenSSL's X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL, so every certificate of
 * the path, the trust anchor included (its CRL is its own), needs a CRL from its issuer that is
 * current, signed by the issuer's key, and does not list it. node:tls's verify callback lets
 * OpenSSL go on after an error, so the error it reports is the last one found, from the leaf up
 * and, for one certificate, in OpenSSL's order (key usage, time, signature, critical extensions,
 * the serial number); the same is reported here.
 * Not processed: delta CRLs and CRLs scoped by issuingDistributionPoint (not used, so a
 * certificate with only such a CRL is UNABLE_TO_GET_CRL, as node:tls for a certificate outside
 * the scope), indirect CRLs, CRLs fetched from distribution points.
 */
export class CrlStore {
  readonly #byIssuer = new Map<string, CertificateList[]>();
  /** CRL signature results by issuer certificate id: verified once, not per handshake. */
  readonly #verified = new WeakMap<CertificateList, Map<string, boolean>>();

  constructor(
    crls: readonly CertificateList[],
    readonly provider: CryptoProvider,
  ) {
    for (const crl of crls) {
      const key = toHex(crl.issuer);
      const list = this.#byIssuer.get(key);
      if (list) list.push(crl);
      else this.#byIssuer.set(key, [crl]);
    }
  }

  /** undefined when no certificate of `path` (leaf → anchor) is revoked or unverifiable, else the last problem found. */
  check(path: readonly ParsedCertificate[], now: Date): CertificateError | undefined {
    let last: CertificateError | undefined;
    path.forEach((cert, i) => {
      last = this.#checkOne(cert, path[i + 1] ?? cert, now) ?? last;
    });
    return last;
  }

  #checkOne(cert: ParsedCertificate, issuer: ParsedCertificate, now: Date): CertificateError | undefined {
    const candidates = this.#byIssuer.get(toHex(cert.fields.issuer)) ?? [];
    const crl = this.#select(candidates.filter((c) => !c.partial), issuer, now);
    if (!crl) {
      const partial = candidates.find((c) => c.partial)?.partial;
      return fail('UNABLE_TO_GET_CRL', 'unable to get certificate CRL', cert, `no ${partial ? 'complete ' : ''}CRL from its issuer "${cert.issuerText}" is configured (crl)${partial ? `; the one given is ${partial}` : ''}`);
    }
    let last: CertificateError | undefined;
    const crlOf = `the CRL of "${issuer.subjectText}"`;
    if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) {
      last = fail('KEYUSAGE_NO_CRL_SIGN', 'key usage does not include CRL signing', cert, `the keyUsage of "${issuer.subjectText}", which issued its CRL, lacks cRLSign`);
    }
    const t = Math.floor(now.getTime() / 1000) * 1000;
    if (t < crl.thisUpdate.getTime()) {
      last = fail('CRL_NOT_YET_VALID', 'CRL is not yet valid', cert, `${crlOf} is valid from ${crl.thisUpdate.toISOString()}; the time is ${now.toISOString()}`);
    } else if (crl.nextUpdate && t > crl.nextUpdate.getTime()) {
      last = fail('CRL_HAS_EXPIRED', 'CRL has expired', cert, `${crlOf} expired at ${crl.nextUpdate.toISOString()} (nextUpdate); the time is ${now.toISOString()}`);
    }
    const badSignature = this.#signatureProblem(crl, issuer);
    if (badSignature) last = fail('CRL_SIGNATURE_FAILURE', 'CRL signature failure', cert, `${crlOf}: ${badSignature}`);
    if (crl.unhandledCritical) {
      last = fail('UNHANDLED_CRITICAL_CRL_EXTENSION', 'unhandled critical CRL extension', cert, `${crlOf} has critical extension ${crl.unhandledCritical}, which this verifier does not process`);
    }
    const entry = crl.revoked.get(toHex(cert.fields.serialNumber));
    if (entry) {
      const reason = entry.reason ? ` (${entry.reason})` : '';
      last = fail('CERT_REVOKED', 'certificate revoked', cert, `${crlOf} lists serial ${toHex(cert.fields.serialNumber)} as revoked at ${entry.revocationDate.toISOString()}${reason}`);
    }
    return last;
  }

  /**
   * OpenSSL's choice among the CRLs of the certificate's issuer (get_crl_sk): one whose key
   * identifier does not contradict the issuer's, preferring one that is current, else the first.
   */
  #select(sameIssuer: readonly CertificateList[], issuer: ParsedCertificate, now: Date): CertificateList | undefined {
    const ski = subjectKeyIdentifierOf(issuer.fields);
    const candidates = sameIssuer.filter((crl) => !crl.authorityKeyId || !ski || bytesEqual(crl.authorityKeyId, ski));
    const t = now.getTime();
    return candidates.find((crl) => crl.thisUpdate.getTime() <= t && (!crl.nextUpdate || t <= crl.nextUpdate.getTime())) ?? candidates[0];
  }

  /** Why the CRL's signature is not acceptable as `issuer`'s (algorithm policy as for certificates), or undefined. */
  #signatureProblem(crl: CertificateList, issuer: ParsedCertificate): string | undefined {
    const policy = signatureAlgorithmProblem(crl.signatureAlgorithm, crl.tbsSignatureAlgorithm);
    if (policy) return policy.reason;
    let results = this.#verified.get(crl);
    let ok = results?.get(issuer.id);
    if (ok === undefined) {
      ok = verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.fields.subjectPublicKeyInfo, this.provider.signatures);
      if (!results) this.#verified.set(crl, (results = new Map()));
      if (results.size < 16) results.set(issuer.id, ok);
    }
    return ok ? undefined : `the signature does not verify with the key of "${issuer.subjectText}"`;
  }
}

/**
 * Whether a certificate was signed by another's key, and issued by it (X509_check_issued).
 * node:crypto's X509Certificate does both, except for ML-DSA issuers on runtimes whose OpenSSL
 * has no ML-DSA (Node 20/22): those go through the crypto provider and our own DER (RFC 9881).
 */
import type { SignatureProvider } from '../crypto/provider.js';
import { bytesEqual, subjectKeyIdentifierOf } from './certificate.js';
import { mlDsaByOid, parseMlDsaSpki } from './ml-dsa.js';
import type { ParsedCertificate } from './parsed-certificate.js';

/** True when `child`'s signature verifies with `issuer`'s public key; never throws. */
export function signedBy(child: ParsedCertificate, issuer: ParsedCertificate, signatures: SignatureProvider): boolean {
  try {
    const ml = mlDsaByOid(child.fields.signatureAlgorithm.oid);
    if (ml === undefined) return child.x509.verify(issuer.publicKey);
    // RFC 9881 §3: pure ML-DSA over the DER TBSCertificate, empty context (as the TLS 1.3 schemes).
    const key = signatures.publicKeyFromSpki(issuer.fields.subjectPublicKeyInfo);
    return key.verify(ml.scheme, child.fields.tbsCertificate, child.fields.signatureValue, { tls13: true });
  } catch {
    return false;
  }
}

/**
 * X509_check_issued: the issuer's subject is the child's issuer and their key identifiers agree.
 * For an ML-DSA issuer this is checked here (OpenSSL 3.0 cannot decode its key and says no);
 * keyCertSign and the rest of RFC 5280 §6.1 are the path checks' job, as with OpenSSL's.
 */
export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    if (!isMlDsaKey(issuer)) return child.x509.checkIssued(issuer.x509);
    if (child.issuerKey !== issuer.subjectKey) return false;
    const akid = child.authorityKeyIdentifier?.keyIdentifier;
    const skid = subjectKeyIdentifierOf(issuer.fields);
    return akid === undefined || skid === undefined || bytesEqual(akid, skid);
  } catch {
    return false;
  }
}

function isMlDsaKey(c: ParsedCertificate): boolean {
  try {
    return parseMlDsaSpki(c.fields.subjectPublicKeyInfo) !== undefined;
  } catch {
    return true; // an ML-DSA OID with a malformed key: not one node:crypto should judge either
  }
}

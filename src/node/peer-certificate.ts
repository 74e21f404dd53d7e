import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { parseCertificateCached, type ParsedCertificate } from '../pki/parsed-certificate.js';
import { issuedBy } from '../pki/certificate-signature.js';

/**
 * The peer certificate object node:tls `getPeerCertificate([detailed])` returns: subject and
 * issuer as attribute objects, subjectaltname, valid_from/valid_to in OpenSSL's format,
 * serialNumber, fingerprints, raw, pubkey, bits/modulus/exponent (RSA) or
 * asn1Curve/nistCurve (EC), ext_key_usage, ca, infoAccess. node:crypto builds the fields
 * (X509Certificate.toLegacyObject uses the same code as node:tls), which is why this Node-adapter
 * API lives in src/node; the chain is linked with the core's issuedBy.
 */
export interface PeerCertificateOptions {
  /**
   * Finds the trust-store certificate that issued a certificate (DefaultVerifier.trustedIssuerOf),
   * so that, as in Node, the detailed chain reaches the root even when the peer did not send it.
   */
  readonly trustedIssuerOf?: (certDer: Uint8Array) => Uint8Array | undefined;
}

/** A node:tls-shaped peer certificate for `chain` (leaf first, as received); `{}` for an empty chain. */
export function toPeerCertificate(chain: readonly Uint8Array[], detailed: boolean, options: PeerCertificateOptions = {}): PeerCertificate | DetailedPeerCertificate {
  if (chain.length === 0) return {} as PeerCertificate;
  const leaf = parseCertificateCached(chain[0]!, 'peer certificate 0');
  const head = legacy(leaf);
  if (!detailed) return head;

  // As Node's AddIssuerChainToObject: repeatedly take, from the remaining certificates the peer
  // sent, the first one that issued the current one (X509_check_issued).
  const rest = chain.slice(1).map((d, i) => parseCertificateCached(d, `peer certificate ${i + 1}`));
  let cur = leaf;
  let curObj = head;
  for (;;) {
    const i = rest.findIndex((ca) => issuedBy(cur, ca));
    if (i < 0) break;
    const [ca] = rest.splice(i, 1) as [ParsedCertificate];
    const obj = legacy(ca);
    curObj.issuerCertificate = obj;
    cur = ca;
    curObj = obj;
  }
  // As Node's GetLastIssuedCert: continue from the trust store until a self-issued certificate.
  for (let guard = 0; guard < 16 && !issuedBy(cur, cur) && options.trustedIssuerOf; guard++) {
    const der = options.trustedIssuerOf(cur.der);
    if (!der) break;
    const ca = parseCertificateCached(der, 'trust anchor');
    if (ca.id === cur.id) break;
    const obj = legacy(ca);
    curObj.issuerCertificate = obj;
    cur = ca;
    curObj = obj;
  }
  // The root's issuerCertificate is itself.
  if (issuedBy(cur, cur)) curObj.issuerCertificate = curObj;
  return head;
}

/** A certificate object while the chain is being linked: node:tls's shape, issuerCertificate set as we go. */
type LegacyObject = PeerCertificate & { issuerCertificate?: LegacyObject };

function legacy(c: ParsedCertificate): LegacyObject {
  let x509 = x509s.get(c);
  if (!x509) x509s.set(c, (x509 = new X509Certificate(c.der)));
  return x509.toLegacyObject();
}

/** X509Certificate by parsed certificate, which the parse cache keeps alive while it is in use. */
const x509s = new WeakMap<ParsedCertificate, X509Certificate>();


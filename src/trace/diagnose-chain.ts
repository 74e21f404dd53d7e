/**
 * Why a certificate chain does not lead to a trusted CA, from the chain as it was sent and the
 * trust anchors: a self-signed leaf, an intermediate the sender left out, a root we do not
 * trust, or a trusted CA of the right name whose key did not sign it (two CAs with one name, as
 * two `tlsglass certs` runs make). The verifier says only "its issuer is not a trusted CA"; this
 * says which of those it is and what fixes it.
 */
import { subjectKeyIdentifierOf } from '../pki/certificate.js';
import { signedBy as certificateSignedBy } from '../pki/certificate-signature.js';
import { parseAnchors } from '../pki/default-verifier.js';
import { getDefaultProvider, defaultTrustAnchors } from '../platform-defaults.js';
import { parseCertificateCached, type ParsedCertificate } from '../pki/parsed-certificate.js';
import type { Side } from './decode.js';

/** What the peer sent and what we trust; `anchors` undefined means the installed default anchors (platform-defaults.ts). */
export interface ChainEvidence {
  /** The peer's chain as sent, leaf first (DER). */
  readonly chain: readonly Uint8Array[];
  readonly anchors: readonly Uint8Array[] | undefined;
  /** Whose chain it is. */
  readonly owner: Side;
}

/** Why the chain is untrusted, with the fix; undefined when the evidence says nothing certain. */
export function untrustedChainCause(e: ChainEvidence): string | undefined {
  const certs = parseAll(e.chain);
  if (certs.length === 0) return undefined;
  const leaf = certs[0]!;
  const whose = `the ${e.owner}'s certificate`;
  const trustOption = e.owner === 'server' ? 'pass it with --ca' : 'add it to our --ca';
  const theirCert = e.owner === 'server' ? "the server's --cert file" : "the client's --cert file";
  const store = e.anchors ? '--ca' : 'the system store';

  const top = climb(certs);
  if (selfSigned(top)) {
    if (top === leaf) {
      return `${whose} ('${leaf.subjectText}') is self-signed: no CA vouches for it. To trust this one certificate, ${e.owner === 'server' ? 'pass the certificate itself as --ca, or --insecure to skip the check' : 'add the certificate itself to our --ca'}; better, issue it from a CA (tlsglass certs).`;
    }
    const twin = sameNameOtherKey(top.issuerKey, top, anchorsOf(e.anchors));
    if (twin) return twinCause(whose, top, twin, store);
    return (
      `the chain ${e.owner === 'server' ? 'the server' : 'the client'} sent ends at the root '${top.subjectText}', which is not in ${store}. ` +
      `If it is your own CA, ${trustOption}. If you did not expect that name, something on the path (a TLS-intercepting proxy, firewall or antivirus) replaced the certificate: trust its CA only if you trust that proxy.`
    );
  }
  const anchors = anchorsOf(e.anchors);
  const named = anchors.filter((a) => a.subjectKey === top.issuerKey);
  if (named.length > 0) {
    if (named.some((a) => signedBy(top, a))) return undefined; // the issuer is trusted: the failure is elsewhere
    return twinCause(whose, top, named[0]!, store);
  }
  if (top === leaf) {
    const sent = `the ${e.owner} sent only its own certificate ('${leaf.subjectText}', issued by '${leaf.issuerText}') and no CA in ${store} is named '${leaf.issuerText}'`;
    const intermediate = `${theirCert} must hold the certificate followed by the intermediate (cat ${e.owner}.pem intermediate.pem > chain.pem)`;
    const root = `${trustOption}${e.owner === 'server' ? ' (or --insecure to skip the check)' : ''}`;
    return e.anchors
      ? `${whose} does not lead to a CA we trust: ${sent}. If '${leaf.issuerText}' is a root CA, ${root}; if it is an intermediate CA, the ${e.owner} left it out: ${intermediate}.`
      : `likely a missing intermediate CA: ${sent}. If '${leaf.issuerText}' is an intermediate CA, ${intermediate}; if it is a private root CA, ${root}.`;
  }
  return `the chain the ${e.owner} sent stops at '${top.subjectText}', issued by '${top.issuerText}', and no CA in ${store} is named '${top.issuerText}': ${trustOption === 'pass it with --ca' ? `pass --ca with '${top.issuerText}'` : `add '${top.issuerText}' to our --ca`}${e.owner === 'server' ? ', or --insecure to skip the check' : ''}.`;
}

/**
 * Our own chain, when the peer said unknown_ca: a lone leaf whose issuer we did not send is
 * most often a forgotten intermediate. Undefined when our chain does not suggest it.
 */
export function ourMissingIntermediate(chain: readonly Uint8Array[], peer: Side): string | undefined {
  const certs = parseAll(chain);
  const leaf = certs[0];
  if (!leaf || certs.length !== 1 || leaf.issuerKey === leaf.subjectKey) return undefined;
  return (
    `the ${peer} does not trust the CA that issued our certificate, and we sent only the certificate ('${leaf.subjectText}', issued by '${leaf.issuerText}'). ` +
    `If '${leaf.issuerText}' is an intermediate CA, put it after our certificate in our --cert file (cat cert.pem intermediate.pem > chain.pem); if it is the root, give the ${peer} that CA (its --ca); if the ${peer} has a CA of that name already, it is a different one (same name, other key, e.g. from another tlsglass certs run).`
  );
}

/** Our chain's leaf is self-signed: the peer can trust it only by having it. */
export function ourSelfSigned(chain: readonly Uint8Array[], peer: Side): string | undefined {
  const leaf = parseAll(chain)[0];
  if (!leaf || !selfSigned(leaf)) return undefined;
  return `our certificate ('${leaf.subjectText}') is self-signed, so the ${peer} trusts it only if it has that very certificate: give it ours as its --ca, or use a certificate issued by a CA the ${peer} trusts.`;
}

/** The extendedKeyUsage purposes of a chain's leaf by name, or undefined when it has none (any purpose). */
export function leafPurposes(chain: readonly Uint8Array[]): string[] | undefined {
  const leaf = parseAll(chain)[0];
  const eku = leaf?.extKeyUsage;
  return eku ? eku.map((oid) => EKU_NAMES[oid] ?? oid) : undefined;
}

const EKU_NAMES: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth', '2.5.29.37.0': 'anyExtendedKeyUsage' };

function twinCause(whose: string, cert: ParsedCertificate, twin: ParsedCertificate, store: string): string {
  const theirs = cert.authorityKeyIdentifier?.keyIdentifier;
  const ours = subjectKeyIdentifierOf(twin.fields);
  const ids = theirs && ours ? ` (key identifier ${hex(ours)} in ${store}; ${whose} names ${hex(theirs)})` : '';
  return (
    `a CA named '${twin.subjectText}' is in ${store}, but it did not sign ${whose}: it is another CA with the same name and a different key${ids}. ` +
    `Two CAs share that name (e.g. from two tlsglass certs runs): use the ca.pem made together with this certificate, or reissue the certificate from the CA you trust.`
  );
}

function parseAll(chain: readonly Uint8Array[]): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  for (const der of chain) {
    try {
      out.push(parseCertificateCached(der, 'certificate'));
    } catch {
      break;
    }
  }
  return out;
}

/** From the leaf, follow issuers among the certificates sent; the last one reached. */
function climb(certs: readonly ParsedCertificate[]): ParsedCertificate {
  let cur = certs[0]!;
  const seen = new Set([cur.id]);
  for (;;) {
    if (selfSigned(cur)) return cur;
    const next = certs.find((c) => !seen.has(c.id) && c.subjectKey === cur.issuerKey && signedBy(cur, c));
    if (!next) return cur;
    seen.add(next.id);
    cur = next;
  }
}

function sameNameOtherKey(name: string, cert: ParsedCertificate, anchors: readonly ParsedCertificate[]): ParsedCertificate | undefined {
  const named = anchors.filter((a) => a.subjectKey === name && a.id !== cert.id);
  return named.length > 0 && !named.some((a) => signedBy(cert, a)) ? named[0] : undefined;
}

function selfSigned(c: ParsedCertificate): boolean {
  return c.issuerKey === c.subjectKey && signedBy(c, c);
}

/** Through the installed default provider; without one no signature is shown, so nothing counts as signed. */
function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const signatures = getDefaultProvider()?.signatures;
  return signatures !== undefined && certificateSignedBy(child, issuer, signatures);
}

let systemAnchors: { der: readonly Uint8Array[]; parsed: ParsedCertificate[] } | undefined;

function anchorsOf(anchors: readonly Uint8Array[] | undefined): ParsedCertificate[] {
  if (anchors) return parseAll(anchors);
  const der = defaultTrustAnchors();
  if (systemAnchors?.der !== der) systemAnchors = { der, parsed: parseAnchors(der, 'root certificate') };
  return systemAnchors.parsed;
}

function hex(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(':') + (bytes.length > 4 ? '…' : '');
}

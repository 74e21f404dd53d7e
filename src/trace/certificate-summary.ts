/**
 * What a trace shows of a certificate: who it names, who vouches for it, when it is valid, its key
 * and the names it covers. Built from the certificate bytes seen on the wire, never from the
 * verifier's verdict (the trace reports what was sent; the diagnosis reports what was decided).
 */
import { subjectAltNamesOf } from '../pki/certificate.js';
import { Tag, DerReader, decodeOid, readDer } from '../pki/der-reader.js';
import { formatIpAddress } from '../pki/host-match.js';
import { parseCertificateCached } from '../pki/parsed-certificate.js';

export interface CertificateSummary {
  /** "CN=localhost, O=tlsglass demo" */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** "RSA 2048", "EC P-256", "Ed25519" */
  readonly key: string;
  /** subjectAltName entries, "localhost", "127.0.0.1" */
  readonly names: readonly string[];
  /** Subject and issuer are the same name (a root CA, or a self-signed leaf). */
  readonly selfIssued: boolean;
}

/** Summarises one DER certificate; a certificate we cannot parse says so instead of throwing. */
export function summarizeCertificate(der: Uint8Array): CertificateSummary | { readonly error: string } {
  try {
    const c = parseCertificateCached(der, 'certificate');
    const names = subjectAltNamesOf(c.fields).flatMap((n) =>
      n.type === 'dns' ? [n.value] : n.type === 'ip' ? [formatIpAddress(n.value)] : [],
    );
    return {
      subject: distinguishedName(c.fields.subject),
      issuer: distinguishedName(c.fields.issuer),
      notBefore: c.fields.notBefore.toISOString(),
      notAfter: c.fields.notAfter.toISOString(),
      key: keyDescription(c.publicKey.asymmetricKeyType, c.publicKey.asymmetricKeyDetails),
      names,
      selfIssued: c.subjectKey === c.issuerKey,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function keyDescription(type: string | undefined, details: { modulusLength?: number; namedCurve?: string } | undefined): string {
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return `${type === 'rsa' ? 'RSA' : 'RSA-PSS'} ${details?.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${CURVE_NAMES[details?.namedCurve ?? ''] ?? details?.namedCurve ?? '?'}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return type ?? 'unknown';
  }
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Short names of the attribute types a trace is likely to meet (RFC 4519). */
const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * A DER Name (RFC 5280 §4.1.2.4) as one line, in encoded order ("O=Acme, CN=host"). Used for
 * certificates and for CertificateRequest's certificate_authorities.
 */
export function distinguishedName(der: Uint8Array): string {
  try {
    const rdns = new DerReader(readDer(der, Tag.SEQUENCE, 'Name').value);
    const parts: string[] = [];
    while (!rdns.done) {
      const set = new DerReader(rdns.read(Tag.SET, 'RelativeDistinguishedName').value);
      while (!set.done) {
        const atv = new DerReader(set.read(Tag.SEQUENCE, 'AttributeTypeAndValue').value);
        const oid = decodeOid(atv.read(Tag.OBJECT_IDENTIFIER, 'type').value);
        const value = atv.read(undefined, 'value');
        const text = value.tag === 0x1e ? utf16be(value.value) : new TextDecoder().decode(value.value);
        parts.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${text}`);
      }
    }
    return parts.length > 0 ? parts.join(', ') : '(empty name)';
  } catch {
    return '(unreadable name)';
  }
}

/** BMPString contents. */
function utf16be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

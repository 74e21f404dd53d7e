/**
 * What a trace shows of a certificate: who it names, who vouches for it, when it is valid, its key
 * and the names it covers. Built from the certificate bytes seen on the wire, never from the
 * verifier's verdict (the trace reports what was sent; the diagnosis reports what was decided).
 */
import { toHex } from '../codec/text.js';
import { requireDefaultProvider } from '../platform-defaults.js';
import { subjectAltNamesOf } from '../pki/certificate.js';
import { Tag, DerReader, decodeOid, readDer, type Tlv } from '../pki/der-reader.js';
import { formatIpAddress } from '../pki/host-match.js';
import { parseCertificateCached } from '../pki/parsed-certificate.js';
import { mlDsaByOid, parseMlDsaSpki } from '../pki/ml-dsa.js';
import type { Region } from './layout.js';

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
  /** serialNumber, hex of its content octets. */
  readonly serialNumber: string;
  /** The issuer's signature algorithm ("ecdsa-with-SHA256"), or its OID when we have no name. */
  readonly signatureAlgorithm: string;
  /** SHA-256 of the DER, hex: the certificate's fingerprint. */
  readonly sha256: string;
  /** The whole certificate, DER in hex. */
  readonly der: string;
}

/** A certificate the trace could not parse: why, and its bytes. */
export interface UnreadableCertificate {
  readonly error: string;
  readonly der: string;
}

/** Summarises one DER certificate; a certificate we cannot parse says so instead of throwing. */
export function summarizeCertificate(der: Uint8Array): CertificateSummary | UnreadableCertificate {
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
      // ML-DSA from our DER: node:crypto before Node 24 cannot decode the key.
      key: parseMlDsaSpki(c.fields.subjectPublicKeyInfo)?.params.label ?? keyDescription(c.key.type, c.key),
      names,
      selfIssued: c.subjectKey === c.issuerKey,
      serialNumber: toHex(c.fields.serialNumber),
      signatureAlgorithm: SIGNATURE_ALGORITHMS[c.fields.signatureAlgorithm.oid] ?? mlDsaByOid(c.fields.signatureAlgorithm.oid)?.label ?? c.fields.signatureAlgorithm.oid,
      sha256: toHex(requireDefaultProvider().hash.digest('sha256', der)), // a fingerprint, through the installed provider
      der: toHex(der),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), der: toHex(der) };
  }
}

/** Certificate signature algorithms by OID (RFC 5758, RFC 4055, RFC 8410, RFC 3279). */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Extension names by OID (RFC 5280 §4.2, RFC 6962). */
const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.18': 'issuerAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.30': 'nameConstraints',
  '2.5.29.31': 'cRLDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.37': 'extKeyUsage',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
  '1.3.6.1.4.1.11129.2.4.2': 'signedCertificateTimestampList',
};

/**
 * Where each field of a DER certificate sits (RFC 5280 §4.1), for the annotated hex dump: the
 * headers of the SEQUENCEs, then each field of the TBSCertificate as one region (each extension
 * apart), the signature algorithm and the signature. Never throws: what does not parse is one
 * "not parsed" region.
 */
export function certificateLayout(der: Uint8Array): Region[] {
  const regions: Region[] = [];
  const at = (t: Tlv): number => t.raw.byteOffset - der.byteOffset;
  const header = (t: Tlv, label: string): void => {
    regions.push({ start: at(t), end: at(t) + t.raw.length - t.value.length, label: `${label} (${t.value.length} bytes)`, kind: 'length' });
  };
  const whole = (t: Tlv, label: string, kind: Region['kind']): void => {
    regions.push({ start: at(t), end: at(t) + t.raw.length, label, kind });
  };
  let covered = 0;
  try {
    const cert = readDer(der, Tag.SEQUENCE, 'Certificate');
    header(cert, 'Certificate: SEQUENCE');
    const outer = new DerReader(cert.value);
    const tbs = outer.read(Tag.SEQUENCE, 'tbsCertificate');
    header(tbs, 'tbsCertificate: SEQUENCE');
    const r = new DerReader(tbs.value);
    const version = r.optional(0xa0, 'version');
    if (version) whole(version, `version: v${(version.value[version.value.length - 1] ?? 0) + 1}`, 'version');
    const serial = r.read(Tag.INTEGER, 'serialNumber');
    whole(serial, `serialNumber: ${toHex(serial.value)}`, 'value');
    const sigTbs = r.read(Tag.SEQUENCE, 'signature');
    whole(sigTbs, `signature (algorithm, inside the signed part): ${algorithmName(sigTbs)}`, 'signature');
    const issuer = r.read(Tag.SEQUENCE, 'issuer');
    whole(issuer, `issuer: ${distinguishedName(issuer.raw)}`, 'value');
    const validity = r.read(Tag.SEQUENCE, 'validity');
    whole(validity, 'validity: notBefore, notAfter', 'random');
    const subject = r.read(Tag.SEQUENCE, 'subject');
    whole(subject, `subject: ${distinguishedName(subject.raw)}`, 'session');
    const spki = r.read(Tag.SEQUENCE, 'subjectPublicKeyInfo');
    whole(spki, 'subjectPublicKeyInfo: the public key', 'key');
    while (!r.done) {
      const t = r.read(undefined, 'field');
      if (t.tag !== 0xa3) {
        whole(t, `[${t.tag & 0x1f}] (${t.value.length} bytes)`, 'value');
        continue;
      }
      header(t, 'extensions: [3]');
      const list = readDer(t.value, Tag.SEQUENCE, 'Extensions');
      header(list, 'Extensions: SEQUENCE');
      const exts = new DerReader(list.value);
      while (!exts.done) {
        const ext = exts.read(Tag.SEQUENCE, 'Extension');
        const e = new DerReader(ext.value);
        const oid = decodeOid(e.read(Tag.OBJECT_IDENTIFIER, 'extnID').value);
        const critical = e.peekTag() === Tag.BOOLEAN;
        whole(ext, `extension: ${EXTENSION_NAMES[oid] ?? oid}${critical ? ' (critical)' : ''}`, 'extension');
      }
    }
    const sigAlg = outer.read(Tag.SEQUENCE, 'signatureAlgorithm');
    whole(sigAlg, `signatureAlgorithm: ${algorithmName(sigAlg)}`, 'signature');
    const sig = outer.read(Tag.BIT_STRING, 'signatureValue');
    whole(sig, `signatureValue: the issuer\u2019s signature over tbsCertificate (${sig.value.length - 1} bytes)`, 'signature');
    covered = at(sig) + sig.raw.length;
  } catch {
    covered = regions.reduce((end, r) => Math.max(end, r.end), 0);
  }
  if (covered < der.length) regions.push({ start: covered, end: der.length, label: `not parsed (${der.length - covered} bytes)`, kind: 'unparsed' });
  return regions;
}

function algorithmName(t: Tlv): string {
  try {
    const oid = decodeOid(new DerReader(t.value).read(Tag.OBJECT_IDENTIFIER, 'algorithm').value);
    return SIGNATURE_ALGORITHMS[oid] ?? oid;
  } catch {
    return 'unreadable';
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

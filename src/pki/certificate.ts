import { DecodeError } from '../codec/reader.js';
import {
  DerReader,
  Tag,
  checkIntegerEncoding,
  contextConstructed,
  decodeBoolean,
  decodeOid,
  decodeSmallUnsigned,
  decodeTime,
  readDer,
} from './der-reader.js';

/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that node:crypto's X509Certificate does
 * not expose: the exact validity instants, the signature algorithms, the raw names and the
 * extension list with criticality. Parsed strictly as DER.
 */
export interface CertificateFields {
  /** 1, 2 or 3 (the encoded value plus one). */
  readonly version: number;
  readonly serialNumber: Uint8Array;
  /** TBSCertificate.signature */
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  /** Certificate.signatureAlgorithm; RFC 5280 §4.1.1.2 requires it to equal the one above. */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  /** DER of the subject Name. */
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of the SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The subjectPublicKey BIT STRING's bits (whole octets). */
  readonly subjectPublicKey: Uint8Array;
  /** DER of the TBSCertificate (what the issuer signed). */
  readonly tbsCertificate: Uint8Array;
  /** The signatureValue BIT STRING's bits (whole octets). */
  readonly signatureValue: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface AlgorithmIdentifier {
  readonly oid: string;
  /** DER of the parameters, if present. */
  readonly parameters: Uint8Array | undefined;
  /** DER of the whole AlgorithmIdentifier. */
  readonly raw: Uint8Array;
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING's contents (the DER of the extension's own type). */
  readonly value: Uint8Array;
}

/** Extension OIDs (RFC 5280 §4.2.1). */
export const ExtensionOid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** Parses a DER certificate; throws DecodeError for anything that is not strict DER X.509. */
export function parseCertificate(der: Uint8Array): CertificateFields {
  const cert = new DerReader(readDer(der, Tag.SEQUENCE, 'Certificate').value);
  const tbsTlv = cert.read(Tag.SEQUENCE, 'tbsCertificate');
  const signatureAlgorithm = readAlgorithmIdentifier(cert, 'signatureAlgorithm');
  const signatureValue = cert.read(Tag.BIT_STRING, 'signatureValue').value;
  cert.end('Certificate');
  // Every signature algorithm in use produces whole octets (RFC 3279 §2.2, RFC 5758 §3.2, RFC 8410 §6).
  if (signatureValue.length < 1 || signatureValue[0] !== 0) throw new DecodeError('signatureValue: not a whole number of octets');

  const tbs = new DerReader(tbsTlv.value);
  let version = 1;
  const v = tbs.optional(contextConstructed(0), 'version');
  if (v) {
    version = decodeSmallUnsigned(readDer(v.value, Tag.INTEGER, 'version').value, 'version') + 1;
    if (version > 3) throw new DecodeError(`version: unknown value v${version}`);
  }
  const serial = tbs.read(Tag.INTEGER, 'serialNumber');
  checkIntegerEncoding(serial.value, 'serialNumber');
  const tbsSignatureAlgorithm = readAlgorithmIdentifier(tbs, 'signature');
  const issuer = tbs.read(Tag.SEQUENCE, 'issuer').raw;
  const validity = new DerReader(tbs.read(Tag.SEQUENCE, 'validity').value);
  const notBefore = decodeTime(validity.read(undefined, 'notBefore'), 'notBefore');
  const notAfter = decodeTime(validity.read(undefined, 'notAfter'), 'notAfter');
  validity.end('validity');
  const subject = tbs.read(Tag.SEQUENCE, 'subject').raw;
  const spkiTlv = tbs.read(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const spki = new DerReader(spkiTlv.value);
  readAlgorithmIdentifier(spki, 'subjectPublicKeyInfo.algorithm');
  const keyBits = spki.read(Tag.BIT_STRING, 'subjectPublicKey').value;
  spki.end('subjectPublicKeyInfo');
  if (keyBits.length < 1 || keyBits[0] !== 0) throw new DecodeError('subjectPublicKey: not a whole number of octets');
  // issuerUniqueID [1] / subjectUniqueID [2] (v2+), ignored.
  tbs.optional(0x81, 'issuerUniqueID');
  tbs.optional(0x82, 'subjectUniqueID');
  const extensions: Extension[] = [];
  const ext = tbs.optional(contextConstructed(3), 'extensions');
  if (ext) {
    if (version !== 3) throw new DecodeError('extensions: present in a v1/v2 certificate');
    extensions.push(...readExtensions(readDer(ext.value, Tag.SEQUENCE, 'extensions').value, 'extensions'));
  }
  tbs.end('tbsCertificate');
  return {
    version,
    serialNumber: serial.value,
    tbsSignatureAlgorithm,
    signatureAlgorithm,
    issuer,
    subject,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: spkiTlv.raw,
    subjectPublicKey: keyBits.subarray(1),
    tbsCertificate: tbsTlv.raw,
    signatureValue: signatureValue.subarray(1),
    extensions,
  };
}

/**
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension (RFC 5280 §4.1, §5.1), given the SEQUENCE's
 * contents. "MUST NOT include more than one instance of a particular extension" (§4.2).
 */
export function readExtensions(contents: Uint8Array, what: string): Extension[] {
  const list = new DerReader(contents);
  if (list.done) throw new DecodeError(`${what}: empty SEQUENCE (RFC 5280 §4.1: SIZE (1..MAX))`);
  const extensions: Extension[] = [];
  while (!list.done) {
    const e = new DerReader(list.read(Tag.SEQUENCE, 'Extension').value);
    const oid = decodeOid(e.read(Tag.OBJECT_IDENTIFIER, 'extnID').value, 'extnID');
    const crit = e.optional(Tag.BOOLEAN, 'critical');
    const critical = crit ? decodeBoolean(crit.value, 'critical') : false;
    // X.690 §11.5: a DEFAULT value is never encoded.
    if (crit && !critical) throw new DecodeError(`extension ${oid}: critical FALSE encoded explicitly`);
    const value = e.read(Tag.OCTET_STRING, 'extnValue').value;
    e.end('Extension');
    if (extensions.some((x) => x.oid === oid)) throw new DecodeError(`extension ${oid}: appears twice`);
    extensions.push({ oid, critical, value });
  }
  return extensions;
}

export function readAlgorithmIdentifier(r: DerReader, what: string): AlgorithmIdentifier {
  const tlv = r.read(Tag.SEQUENCE, what);
  const a = new DerReader(tlv.value);
  const oid = decodeOid(a.read(Tag.OBJECT_IDENTIFIER, `${what}.algorithm`).value, `${what}.algorithm`);
  const parameters = a.done ? undefined : a.read(undefined, `${what}.parameters`).raw;
  a.end(what);
  return { oid, parameters, raw: tlv.raw };
}

export function findExtension(fields: CertificateFields, oid: string): Extension | undefined {
  return fields.extensions.find((e) => e.oid === oid);
}

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLength: number | undefined;
}

/** basicConstraints (RFC 5280 §4.2.1.9), or undefined when absent. */
export function basicConstraintsOf(fields: CertificateFields): BasicConstraints | undefined {
  const ext = findExtension(fields, ExtensionOid.basicConstraints);
  if (!ext) return undefined;
  const r = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'basicConstraints').value);
  const caTlv = r.optional(Tag.BOOLEAN, 'cA');
  const ca = caTlv ? decodeBoolean(caTlv.value, 'cA') : false;
  if (caTlv && !ca) throw new DecodeError('basicConstraints: cA FALSE encoded explicitly');
  const pl = r.optional(Tag.INTEGER, 'pathLenConstraint');
  r.end('basicConstraints');
  return { ca, pathLength: pl ? decodeSmallUnsigned(pl.value, 'pathLenConstraint') : undefined };
}

/** subjectKeyIdentifier (RFC 5280 §4.2.1.2) contents, or undefined. */
export function subjectKeyIdentifierOf(fields: CertificateFields): Uint8Array | undefined {
  const ext = findExtension(fields, ExtensionOid.subjectKeyIdentifier);
  return ext ? readDer(ext.value, Tag.OCTET_STRING, 'subjectKeyIdentifier').value : undefined;
}

/** True when issuer and subject Names are the same DER (a self-issued certificate, RFC 5280 §6.1). */
export function isSelfIssued(fields: CertificateFields): boolean {
  return bytesEqual(fields.issuer, fields.subject);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One subjectAltName entry (RFC 5280 §4.2.1.6); only the kinds host checks use are decoded. */
export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'ip'; readonly value: Uint8Array }
  /** Any other form; `value` is the GeneralName's contents (for a directoryName [4], the DER of the Name). */
  | { readonly type: 'other'; readonly tag: number; readonly value: Uint8Array };

/** The subjectAltName entries, in order; [] when the extension is absent. */
export function subjectAltNamesOf(fields: CertificateFields): GeneralName[] {
  const ext = findExtension(fields, ExtensionOid.subjectAltName);
  if (!ext) return [];
  const r = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'subjectAltName').value);
  // RFC 5280 §4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
  if (r.done) throw new DecodeError('subjectAltName: empty');
  const out: GeneralName[] = [];
  while (!r.done) {
    const n = r.read(undefined, 'GeneralName');
    if (n.tag === 0x82) {
      // dNSName [2] IMPLICIT IA5String
      if (n.value.some((b) => b > 0x7f)) throw new DecodeError('dNSName: not IA5String');
      let value = '';
      for (const b of n.value) value += String.fromCharCode(b);
      out.push({ type: 'dns', value });
    } else if (n.tag === 0x87) {
      // iPAddress [7] IMPLICIT OCTET STRING: "MUST contain exactly four octets … or sixteen octets" (§4.2.1.6)
      if (n.value.length !== 4 && n.value.length !== 16) throw new DecodeError(`iPAddress: ${n.value.length} octets`);
      out.push({ type: 'ip', value: n.value });
    } else {
      out.push({ type: 'other', tag: n.tag, value: n.value });
    }
  }
  return out;
}

/** authorityKeyIdentifier (RFC 5280 §4.2.1.1): which of its three fields are present. */
export interface AuthorityKeyIdentifier {
  readonly keyIdentifier: Uint8Array | undefined;
  readonly authorityCertIssuer: boolean;
  readonly authorityCertSerialNumber: boolean;
}

/** The authorityKeyIdentifier, or undefined when absent; DecodeError when it is not DER of the ASN.1. */
export function authorityKeyIdentifierOf(fields: CertificateFields): AuthorityKeyIdentifier | undefined {
  const ext = findExtension(fields, ExtensionOid.authorityKeyIdentifier);
  return ext ? parseAuthorityKeyIdentifier(ext.value) : undefined;
}

/** The extension's contents (a certificate's, §4.2.1.1, or a CRL's, §5.2.1); DecodeError when not DER. */
export function parseAuthorityKeyIdentifier(value: Uint8Array): AuthorityKeyIdentifier {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0], authorityCertIssuer [1], authorityCertSerialNumber [2] } (IMPLICIT)
  const r = new DerReader(readDer(value, Tag.SEQUENCE, 'authorityKeyIdentifier').value);
  const keyIdentifier = r.optional(0x80, 'keyIdentifier')?.value;
  const issuer = r.optional(contextConstructed(1), 'authorityCertIssuer');
  const serial = r.optional(0x82, 'authorityCertSerialNumber');
  r.end('authorityKeyIdentifier');
  return { keyIdentifier, authorityCertIssuer: issuer !== undefined, authorityCertSerialNumber: serial !== undefined };
}

/**
 * The authorityKeyIdentifier's authorityCertSerialNumber and the first directoryName of its
 * authorityCertIssuer (DER of the Name), which OpenSSL's X509_check_akid compares with the issuer's.
 */
export function authorityCertIssuerSerialOf(fields: CertificateFields): { readonly serialNumber?: Uint8Array; readonly issuerName?: Uint8Array } {
  const ext = findExtension(fields, ExtensionOid.authorityKeyIdentifier);
  if (!ext) return {};
  const r = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'authorityKeyIdentifier').value);
  r.optional(0x80, 'keyIdentifier');
  const issuer = r.optional(contextConstructed(1), 'authorityCertIssuer');
  const serial = r.optional(0x82, 'authorityCertSerialNumber');
  let issuerName: Uint8Array | undefined;
  for (const names = new DerReader(issuer?.value ?? new Uint8Array(0)); !names.done && !issuerName; ) {
    const n = names.read(undefined, 'GeneralName');
    if (n.tag === contextConstructed(4)) issuerName = readDer(n.value, Tag.SEQUENCE, 'directoryName').raw;
  }
  return { ...(serial ? { serialNumber: serial.value } : {}), ...(issuerName ? { issuerName } : {}) };
}

/** extendedKeyUsage (RFC 5280 §4.2.1.12) KeyPurposeIds, or undefined when the extension is absent. */
export function extKeyUsageOf(fields: CertificateFields): string[] | undefined {
  const ext = findExtension(fields, ExtensionOid.extKeyUsage);
  if (!ext) return undefined;
  const r = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'extKeyUsage').value);
  if (r.done) throw new DecodeError('extKeyUsage: empty');
  const out: string[] = [];
  while (!r.done) out.push(decodeOid(r.read(Tag.OBJECT_IDENTIFIER, 'KeyPurposeId').value, 'KeyPurposeId'));
  return out;
}

/** GeneralName CHOICE tags (RFC 5280 §4.2.1.6, IMPLICIT tagging; [4] directoryName is EXPLICIT, a Name being a CHOICE). */
const GENERAL_NAME_TAGS = new Set([0xa0, 0x81, 0x82, 0xa3, 0xa4, 0xa5, 0x86, 0x87, 0x88]);

/**
 * Checks that authorityInfoAccess (RFC 5280 §4.2.2.1), when present, is DER of its ASN.1; we never
 * fetch from it, but a certificate carrying a malformed one is not well formed (DecodeError).
 *   AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF AccessDescription
 *   AccessDescription ::= SEQUENCE { accessMethod OBJECT IDENTIFIER, accessLocation GeneralName }
 */
export function checkAuthorityInfoAccess(fields: CertificateFields): void {
  const ext = findExtension(fields, ExtensionOid.authorityInfoAccess);
  if (!ext) return;
  const r = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'authorityInfoAccess').value);
  if (r.done) throw new DecodeError('authorityInfoAccess: empty');
  while (!r.done) {
    const d = new DerReader(r.read(Tag.SEQUENCE, 'AccessDescription').value);
    decodeOid(d.read(Tag.OBJECT_IDENTIFIER, 'accessMethod').value, 'accessMethod');
    const location = d.read(undefined, 'accessLocation');
    d.end('AccessDescription');
    if (!GENERAL_NAME_TAGS.has(location.tag)) throw new DecodeError(`accessLocation: tag 0x${location.tag.toString(16)} is not a GeneralName`);
    // uniformResourceIdentifier [6] IMPLICIT IA5String, the form caIssuers and OCSP use.
    if (location.tag === 0x86 && (location.value.length === 0 || location.value.some((b) => b > 0x7f))) {
      throw new DecodeError('accessLocation: a URI that is not a non-empty IA5String');
    }
  }
}

import { DecodeError } from '../codec/reader.js';
import { toHex } from '../codec/text.js';
import { parseAuthorityKeyIdentifier, readAlgorithmIdentifier, readExtensions, type AlgorithmIdentifier } from './certificate.js';
import { DerReader, Tag, checkIntegerEncoding, contextConstructed, decodeSmallUnsigned, decodeTime, readDer } from './der-reader.js';

/**
 * A certificate revocation list (RFC 5280 §5), parsed strictly as DER:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL (v2), signature AlgorithmIdentifier, issuer Name,
 *                              thisUpdate Time, nextUpdate Time OPTIONAL,
 *                              revokedCertificates SEQUENCE OF SEQUENCE { userCertificate CertificateSerialNumber,
 *                                  revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *                              crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
export interface CertificateList {
  readonly der: Uint8Array;
  /** 1 or 2. */
  readonly version: number;
  readonly tbsSignatureAlgorithm: AlgorithmIdentifier;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signed bytes (DER of tbsCertList) and the signature over them. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Revoked certificates by serial number (hex of the INTEGER's contents). */
  readonly revoked: ReadonlyMap<string, RevokedCertificate>;
  /** cRLNumber (§5.2.3), hex. */
  readonly crlNumber: string | undefined;
  /** authorityKeyIdentifier keyIdentifier (§5.2.1). */
  readonly authorityKeyId: Uint8Array | undefined;
  /**
   * Why the CRL is not a complete CRL for its issuer's certificates, if it is not: a delta CRL
   * (§5.2.4) or one scoped by issuingDistributionPoint (§5.2.5). OpenSSL, as node:tls runs it,
   * does not use a delta CRL alone, nor a scoped one for a certificate outside its scope.
   */
  readonly partial: string | undefined;
  /** The OID of the first critical CRL or entry extension we do not process, if any (§5.2, §5.3). */
  readonly unhandledCritical: string | undefined;
}

export interface RevokedCertificate {
  readonly revocationDate: Date;
  /** reasonCode (§5.3.1) name, when present. */
  readonly reason: string | undefined;
}

/** RFC 5280 §5.3.1 CRLReason. */
export const CRL_REASONS: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

const CRL_NUMBER = '2.5.29.20';
const AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const REASON_CODE = '2.5.29.21';
const INVALIDITY_DATE = '2.5.29.24';
const DELTA_CRL_INDICATOR = '2.5.29.27';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
/** CRL extensions whose meaning we apply (the rest, when critical, make the CRL unusable); the last two by not using the CRL. */
const PROCESSED_CRL_EXTENSIONS = new Set([CRL_NUMBER, AUTHORITY_KEY_IDENTIFIER, DELTA_CRL_INDICATOR, ISSUING_DISTRIBUTION_POINT]);
const PROCESSED_ENTRY_EXTENSIONS = new Set([REASON_CODE, INVALIDITY_DATE]);

/** Parses a DER CRL; anything that is not strict DER of that shape is a DecodeError. */
export function parseCrl(der: Uint8Array): CertificateList {
  const top = new DerReader(readDer(der, Tag.SEQUENCE, 'CertificateList').value);
  const tbsTlv = top.read(Tag.SEQUENCE, 'tbsCertList');
  const signatureAlgorithm = readAlgorithmIdentifier(top, 'signatureAlgorithm');
  const signatureBits = top.read(Tag.BIT_STRING, 'signatureValue').value;
  top.end('CertificateList');
  if (signatureBits.length < 1 || signatureBits[0] !== 0) throw new DecodeError('signatureValue: not a whole number of octets');

  const tbs = new DerReader(tbsTlv.value);
  let version = 1;
  const v = tbs.optional(Tag.INTEGER, 'version');
  if (v) {
    // §5.1.2.1: if present, MUST be v2 (1).
    if (decodeSmallUnsigned(v.value, 'version') !== 1) throw new DecodeError('version: not v2');
    version = 2;
  }
  const tbsSignatureAlgorithm = readAlgorithmIdentifier(tbs, 'signature');
  const issuer = tbs.read(Tag.SEQUENCE, 'issuer').raw;
  const thisUpdate = decodeTime(tbs.read(undefined, 'thisUpdate'), 'thisUpdate');
  const nextTag = tbs.peekTag();
  const nextUpdate = nextTag === Tag.UTCTime || nextTag === Tag.GeneralizedTime ? decodeTime(tbs.read(undefined, 'nextUpdate'), 'nextUpdate') : undefined;
  const revoked = new Map<string, RevokedCertificate>();
  let unhandledCritical: string | undefined;
  const list = tbs.optional(Tag.SEQUENCE, 'revokedCertificates');
  if (list) {
    const r = new DerReader(list.value);
    // §5.1.2.6: when there are no revoked certificates the list MUST be absent.
    if (r.done) throw new DecodeError('revokedCertificates: empty SEQUENCE');
    while (!r.done) {
      const entry = new DerReader(r.read(Tag.SEQUENCE, 'revokedCertificate').value);
      const serial = entry.read(Tag.INTEGER, 'userCertificate').value;
      checkIntegerEncoding(serial, 'userCertificate');
      const revocationDate = decodeTime(entry.read(undefined, 'revocationDate'), 'revocationDate');
      const extensions = entry.done ? [] : readExtensions(entry.read(Tag.SEQUENCE, 'crlEntryExtensions').value, 'crlEntryExtensions');
      entry.end('revokedCertificate');
      if (extensions.length > 0 && version !== 2) throw new DecodeError('crlEntryExtensions: present in a v1 CRL');
      unhandledCritical ??= extensions.find((e) => e.critical && !PROCESSED_ENTRY_EXTENSIONS.has(e.oid))?.oid;
      const reasonExt = extensions.find((e) => e.oid === REASON_CODE);
      const code = reasonExt ? decodeSmallUnsigned(readDer(reasonExt.value, 0x0a, 'reasonCode').value, 'reasonCode') : undefined;
      revoked.set(toHex(serial), { revocationDate, reason: code === undefined ? undefined : (CRL_REASONS[code] ?? `reason ${code}`) });
    }
  }
  let crlNumber: string | undefined;
  let authorityKeyId: Uint8Array | undefined;
  let partial: string | undefined;
  const ext = tbs.optional(contextConstructed(0), 'crlExtensions');
  tbs.end('tbsCertList');
  if (ext) {
    if (version !== 2) throw new DecodeError('crlExtensions: present in a v1 CRL');
    const extensions = readExtensions(readDer(ext.value, Tag.SEQUENCE, 'crlExtensions').value, 'crlExtensions');
    unhandledCritical ??= extensions.find((e) => e.critical && !PROCESSED_CRL_EXTENSIONS.has(e.oid))?.oid;
    const number = extensions.find((e) => e.oid === CRL_NUMBER);
    if (number) {
      const n = readDer(number.value, Tag.INTEGER, 'cRLNumber').value;
      checkIntegerEncoding(n, 'cRLNumber');
      if (n[0]! & 0x80) throw new DecodeError('cRLNumber: negative');
      crlNumber = toHex(n);
    }
    const aki = extensions.find((e) => e.oid === AUTHORITY_KEY_IDENTIFIER);
    if (extensions.some((e) => e.oid === DELTA_CRL_INDICATOR)) partial = 'a delta CRL (deltaCRLIndicator)';
    else if (extensions.some((e) => e.oid === ISSUING_DISTRIBUTION_POINT)) partial = 'scoped by issuingDistributionPoint, which this verifier does not match against certificates';
    if (aki) authorityKeyId = parseAuthorityKeyIdentifier(aki.value).keyIdentifier;
  }
  return {
    der: new Uint8Array(der),
    version,
    tbsSignatureAlgorithm,
    signatureAlgorithm,
    tbs: tbsTlv.raw,
    signature: signatureBits.subarray(1),
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    crlNumber,
    authorityKeyId,
    partial,
    unhandledCritical,
  };
}

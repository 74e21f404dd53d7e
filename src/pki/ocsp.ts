/**
 * An OCSP response (RFC 6960 §4.2.1) read far enough to show what a server stapled: the response
 * status, the responder, when it was produced, and each certificate's status with its validity
 * window. Display only: the signature is not checked, and no handshake depends on it (as in
 * node:tls, a stapled response is handed to the application, which decides what it is worth).
 *
 *   OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING }   -- id-pkix-ocsp-basic: BasicOCSPResponse
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT OPTIONAL }
 *   ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID, producedAt GeneralizedTime,
 *                               responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT OPTIONAL }
 *   ResponderID ::= CHOICE { byName [1] EXPLICIT Name, byKey [2] EXPLICIT OCTET STRING }
 *   SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate GeneralizedTime, nextUpdate [0] EXPLICIT OPTIONAL, singleExtensions [1] EXPLICIT OPTIONAL }
 *   CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
 */
import { DecodeError } from '../codec/reader.js';
import { toHex } from '../codec/text.js';
import { readExtensions, type Extension } from './certificate.js';
import { DerReader, Tag, contextConstructed, contextPrimitive, decodeOid, decodeSmallUnsigned, decodeTime, readDer } from './der-reader.js';

/** RFC 6960 §4.2.1 OCSPResponseStatus. */
const RESPONSE_STATUS: Record<number, string> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/** RFC 5280 §5.3.1 CRLReason. */
const CRL_REASONS: Record<number, string> = {
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

const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

export interface OcspSingleResponse {
  /** CertID serialNumber, hex. */
  readonly serialNumber: string;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revocationTime?: Date;
  readonly revocationReason?: string;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  /** singleExtensions, when present (e.g. Certificate Transparency SCTs, RFC 6962 §3.3). */
  readonly extensions?: readonly Extension[];
}

export interface OcspResponse {
  /** "successful", "tryLater", … */
  readonly responseStatus: string;
  /** Only for a successful basic response. */
  readonly basic?: {
    /** byName: the DER Name; byKey: the SHA-1 hash of the responder's key. */
    readonly responder: { readonly byName: Uint8Array } | { readonly byKeyHash: Uint8Array };
    readonly producedAt: Date;
    readonly responses: readonly OcspSingleResponse[];
  };
}

/** Decodes an OCSPResponse; anything that is not DER of that shape is a DecodeError. */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  const top = new DerReader(readDer(der, Tag.SEQUENCE, 'OCSPResponse').value);
  const statusCode = decodeSmallUnsigned(top.read(0x0a, 'responseStatus').value, 'responseStatus');
  const responseStatus = RESPONSE_STATUS[statusCode] ?? `status ${statusCode}`;
  const bytes = top.optional(contextConstructed(0), 'responseBytes');
  top.end('OCSPResponse');
  if (!bytes) return { responseStatus };
  const rb = new DerReader(readDer(bytes.value, Tag.SEQUENCE, 'ResponseBytes').value);
  const type = decodeOid(rb.read(Tag.OBJECT_IDENTIFIER, 'responseType').value);
  const response = rb.read(Tag.OCTET_STRING, 'response').value;
  rb.end('ResponseBytes');
  if (type !== ID_PKIX_OCSP_BASIC) throw new DecodeError(`OCSPResponse: responseType ${type} is not id-pkix-ocsp-basic`);
  const basic = new DerReader(readDer(response, Tag.SEQUENCE, 'BasicOCSPResponse').value);
  const tbs = new DerReader(basic.read(Tag.SEQUENCE, 'tbsResponseData').value);
  tbs.optional(contextConstructed(0), 'version');
  const id = tbs.read(undefined, 'responderID');
  let responder: { byName: Uint8Array } | { byKeyHash: Uint8Array };
  if (id.tag === contextConstructed(1)) responder = { byName: readDer(id.value, Tag.SEQUENCE, 'responderID byName').raw };
  else if (id.tag === contextConstructed(2)) responder = { byKeyHash: readDer(id.value, Tag.OCTET_STRING, 'responderID byKey').value };
  else throw new DecodeError('responderID: neither byName nor byKey');
  const producedAt = decodeTime(tbs.read(Tag.GeneralizedTime, 'producedAt'), 'producedAt');
  const list = new DerReader(tbs.read(Tag.SEQUENCE, 'responses').value);
  const responses: OcspSingleResponse[] = [];
  while (!list.done) responses.push(readSingleResponse(new DerReader(list.read(Tag.SEQUENCE, 'SingleResponse').value)));
  return { responseStatus, basic: { responder, producedAt, responses } };
}

function readSingleResponse(r: DerReader): OcspSingleResponse {
  const certId = new DerReader(r.read(Tag.SEQUENCE, 'certID').value);
  certId.read(Tag.SEQUENCE, 'hashAlgorithm');
  certId.read(Tag.OCTET_STRING, 'issuerNameHash');
  certId.read(Tag.OCTET_STRING, 'issuerKeyHash');
  const serial = certId.read(Tag.INTEGER, 'serialNumber').value;
  certId.end('CertID');
  const status = r.read(undefined, 'certStatus');
  let single: Pick<OcspSingleResponse, 'status' | 'revocationTime' | 'revocationReason'>;
  if (status.tag === contextPrimitive(0)) single = { status: 'good' };
  else if (status.tag === contextPrimitive(2)) single = { status: 'unknown' };
  else if (status.tag === contextConstructed(1)) {
    const info = new DerReader(status.value);
    const revocationTime = decodeTime(info.read(Tag.GeneralizedTime, 'revocationTime'), 'revocationTime');
    const reason = info.optional(contextConstructed(0), 'revocationReason');
    const code = reason ? decodeSmallUnsigned(readDer(reason.value, 0x0a, 'CRLReason').value, 'CRLReason') : undefined;
    info.end('RevokedInfo');
    single = { status: 'revoked', revocationTime, ...(code !== undefined ? { revocationReason: CRL_REASONS[code] ?? `reason ${code}` } : {}) };
  } else throw new DecodeError('certStatus: neither good, revoked nor unknown');
  const thisUpdate = decodeTime(r.read(Tag.GeneralizedTime, 'thisUpdate'), 'thisUpdate');
  const next = r.optional(contextConstructed(0), 'nextUpdate');
  const nextUpdate = next ? decodeTime(readDer(next.value, Tag.GeneralizedTime, 'nextUpdate'), 'nextUpdate') : undefined;
  const ext = r.optional(contextConstructed(1), 'singleExtensions');
  const extensions = ext ? readExtensions(readDer(ext.value, Tag.SEQUENCE, 'singleExtensions').value, 'singleExtensions') : undefined;
  return { serialNumber: toHex(serial), ...single, thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), ...(extensions ? { extensions } : {}) };
}

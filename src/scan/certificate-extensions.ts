/**
 * What a scan reads from a certificate beyond the verifier's extensions: the TLS Feature
 * extension's status_request (must-staple, RFC 7633) and the Certificate Transparency SCTs,
 * embedded in the certificate (RFC 6962 §3.3), sent in the signed_certificate_timestamp TLS
 * extension (the same SignedCertificateTimestampList) or in a stapled OCSP response. Malformed values count as absent: a
 * scanner reports, it does not refuse.
 */
import { Reader } from '../codec/reader.js';
import { findExtension, type CertificateFields } from '../pki/certificate.js';
import { DerReader, decodeSmallUnsigned, readDer, Tag } from '../pki/der-reader.js';
import { parseOcspResponse } from '../pki/ocsp.js';

/** id-pe-tlsfeature (RFC 7633 §6). */
const TLS_FEATURE = '1.3.6.1.5.5.7.1.24';
/** RFC 6962 §3.3: the embedded SCT list. */
const EMBEDDED_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
/** RFC 6962 §3.3: the SCT list of an OCSP SingleResponse. */
const OCSP_SCT_LIST = '1.3.6.1.4.1.11129.2.4.5';
/** TLS extension status_request (RFC 6066 §8), the feature must-staple names. */
const STATUS_REQUEST = 5;

/** RFC 7633: the TLS Feature extension lists status_request, so clients must insist on a stapled OCSP response. */
export function isMustStaple(fields: CertificateFields): boolean {
  const ext = findExtension(fields, TLS_FEATURE);
  if (!ext) return false;
  try {
    const features = new DerReader(readDer(ext.value, Tag.SEQUENCE, 'Features').value);
    while (!features.done) if (decodeSmallUnsigned(features.read(Tag.INTEGER, 'feature').value) === STATUS_REQUEST) return true;
  } catch {
    return false;
  }
  return false;
}

/** How many SCTs a SignedCertificateTimestampList (RFC 6962 §3.3: SerializedSCT sct_list<1..2^16-1>) holds; 0 when malformed. */
export function sctListCount(list: Uint8Array): number {
  try {
    const r = new Reader(list);
    const entries = r.sub16('sct_list', 1);
    r.end('SignedCertificateTimestampList');
    let n = 0;
    for (; entries.remaining > 0; n++) entries.vec16('SerializedSCT', 1);
    return n;
  } catch {
    return 0;
  }
}

/** The SCTs of an extension whose value is an OCTET STRING wrapping the TLS-encoded list. */
function wrappedSctCount(value: Uint8Array | undefined): number {
  if (!value) return 0;
  try {
    return sctListCount(readDer(value, Tag.OCTET_STRING, 'SignedCertificateTimestampList').value);
  } catch {
    return 0;
  }
}

/** SCTs embedded in the certificate. */
export function embeddedSctCount(fields: CertificateFields): number {
  return wrappedSctCount(findExtension(fields, EMBEDDED_SCT_LIST)?.value);
}

/** SCTs in a stapled OCSP response's SingleResponse extensions; 0 for none or an unreadable response. */
export function ocspSctCount(response: Uint8Array | undefined): number {
  if (!response) return 0;
  try {
    const responses = parseOcspResponse(response).basic?.responses ?? [];
    return responses.reduce((n, r) => n + wrappedSctCount(r.extensions?.find((e) => e.oid === OCSP_SCT_LIST)?.value), 0);
  } catch {
    return 0;
  }
}

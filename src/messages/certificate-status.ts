/**
 * OCSP stapling (RFC 6066 §8): the client's status_request extension and the server's answer,
 * CertificateStatus, a TLS 1.2 handshake message of its own and, in TLS 1.3, the body of the
 * status_request extension in the leaf's CertificateEntry (RFC 8446 §4.4.2.1).
 *
 *   struct { CertificateStatusType status_type; select (status_type) { case ocsp: OCSPStatusRequest; } request; } CertificateStatusRequest;
 *   struct { ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions; } OCSPStatusRequest;
 *   struct { CertificateStatusType status_type; select (status_type) { case ocsp: OCSPResponse response; } } CertificateStatus;
 *   opaque OCSPResponse<1..2^24-1>;
 */
import { DecodeError, Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { CertificateStatusType } from './enums.js';
import { parseExtension } from './extensions/index.js';

/** Our request: ocsp, no responder ids, no request extensions ("known by prior arrangement"). */
export function writeStatusRequest(): Uint8Array {
  return new Writer().u8(CertificateStatusType.ocsp).vec16(new Uint8Array(0)).vec16(new Uint8Array(0)).finish();
}

/**
 * The client's CertificateStatusRequest: true when it asks for an OCSP response. Another
 * status_type is one we cannot read the rest of, and RFC 6066 §8 lets a server ignore it.
 */
export function readStatusRequest(data: Uint8Array): boolean {
  return parseExtension(data, 'status_request', (r) => {
    if (r.remaining === 0) throw new DecodeError('status_request: missing status_type');
    if (r.u8('status_type') !== CertificateStatusType.ocsp) {
      r.bytesN(r.remaining, 'CertificateStatusRequest');
      return false;
    }
    const ids = r.sub16('responder_id_list');
    while (ids.remaining > 0) ids.vec16('ResponderID', 1);
    r.vec16('request_extensions');
    return true;
  });
}

/** CertificateStatus (TLS 1.2 message body, or TLS 1.3 CertificateEntry extension body): the OCSPResponse DER. */
export function readCertificateStatus(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const type = r.u8('status_type');
  if (type !== CertificateStatusType.ocsp) throw new DecodeError(`CertificateStatus: status_type ${type} is not ocsp`);
  const response = r.vec24('OCSPResponse', 1);
  r.end('CertificateStatus');
  return response;
}

export function writeCertificateStatus(response: Uint8Array): Uint8Array {
  return new Writer().u8(CertificateStatusType.ocsp).vec24(response).finish();
}

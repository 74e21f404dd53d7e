import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/** TLS 1.2 CertificateRequest (RFC 5246 §7.4.4). */
export interface CertificateRequestTls12 {
  readonly certificateTypes: Uint8Array;
  readonly signatureSchemes: readonly number[];
  /** DER DistinguishedNames of acceptable CAs (may be empty). */
  readonly certificateAuthorities: readonly Uint8Array[];
}

export function readCertificateRequestTls12(body: Uint8Array): CertificateRequestTls12 {
  const r = new Reader(body);
  const certificateTypes = r.vec8('certificate_types', 1);
  const signatureSchemes = r.u16List('supported_signature_algorithms', 2);
  const cas = r.sub16('certificate_authorities');
  r.end('CertificateRequest');
  return { certificateTypes, signatureSchemes, certificateAuthorities: readDistinguishedNames(cas) };
}

function readDistinguishedNames(r: Reader): Uint8Array[] {
  const names: Uint8Array[] = [];
  while (r.remaining > 0) names.push(r.vec16('DistinguishedName', 1));
  return names;
}

/** The certificate_authorities extension (RFC 8446 §4.2.4): DistinguishedName authorities<3..2^16-1>, DER Names. */
export function readCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data);
  const list = r.sub16('certificate_authorities', 3);
  r.end('certificate_authorities');
  return readDistinguishedNames(list);
}

export function writeCertificateRequestTls12(m: CertificateRequestTls12): Uint8Array {
  const w = new Writer(256);
  w.vec8(m.certificateTypes).u16List(m.signatureSchemes);
  w.block(2, () => {
    for (const dn of m.certificateAuthorities) w.vec16(dn);
  });
  return w.finish();
}

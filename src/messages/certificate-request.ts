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
  const certificateAuthorities: Uint8Array[] = [];
  while (cas.remaining > 0) certificateAuthorities.push(cas.vec16('DistinguishedName', 1));
  return { certificateTypes, signatureSchemes, certificateAuthorities };
}

export function writeCertificateRequestTls12(m: CertificateRequestTls12): Uint8Array {
  const w = new Writer(256);
  w.vec8(m.certificateTypes).u16List(m.signatureSchemes);
  w.block(2, () => {
    for (const dn of m.certificateAuthorities) w.vec16(dn);
  });
  return w.finish();
}

import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/** CertificateVerify: SignatureScheme + signature<0..2^16-1> (RFC 5246 §7.4.8, RFC 8446 §4.4.3). */
export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function readCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const scheme = r.u16('SignatureScheme');
  const signature = r.vec16('signature');
  r.end('CertificateVerify');
  return { scheme, signature };
}

export function writeCertificateVerify(m: CertificateVerify): Uint8Array {
  return new Writer(m.signature.length + 4).u16(m.scheme).vec16(m.signature).finish();
}

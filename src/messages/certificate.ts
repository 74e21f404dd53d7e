import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/** TLS 1.2 Certificate: ASN.1Cert certificate_list<0..2^24-1>, each <1..2^24-1> (RFC 5246 §7.4.2). */
export function readCertificateTls12(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const list = r.sub24('certificate_list');
  r.end('Certificate');
  const chain: Uint8Array[] = [];
  while (list.remaining > 0) chain.push(list.vec24('ASN.1Cert', 1));
  return chain;
}

export function writeCertificateTls12(chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(4096);
  w.block(3, () => {
    for (const c of chain) w.vec24(c);
  });
  return w.finish();
}

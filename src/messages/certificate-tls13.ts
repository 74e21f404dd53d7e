import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { readExtensionList, writeExtensions, type Extension } from './extensions/index.js';
import { AlertDescription } from './enums.js';

/** TLS 1.3 Certificate (RFC 8446 §4.4.2): request context and entries, each with extensions. */
export interface CertificateTls13 {
  readonly context: Uint8Array;
  readonly entries: ReadonlyArray<{ readonly certData: Uint8Array; readonly extensions: readonly Extension[] }>;
}

export function readCertificateTls13(body: Uint8Array): CertificateTls13 {
  const r = new Reader(body);
  const context = r.vec8('certificate_request_context');
  const list = r.sub24('certificate_list');
  r.end('Certificate');
  const entries: Array<{ certData: Uint8Array; extensions: Extension[] }> = [];
  while (list.remaining > 0) {
    const certData = list.vec24('cert_data', 1);
    const extensions = readExtensionList(list.sub16('extensions'), AlertDescription.illegal_parameter);
    entries.push({ certData, extensions });
  }
  return { context, entries };
}

/** `leafExtensions` go in the first entry (RFC 8446 §4.4.2.1: the leaf's OCSP response). */
export function writeCertificateTls13(context: Uint8Array, chain: readonly Uint8Array[], leafExtensions: readonly Extension[] = []): Uint8Array {
  const w = new Writer(4096);
  w.vec8(context);
  w.block(3, () => {
    chain.forEach((cert, i) => {
      w.vec24(cert);
      writeExtensions(w, i === 0 ? leafExtensions : []);
    });
  });
  return w.finish();
}

/** TLS 1.3 CertificateRequest (RFC 8446 §4.3.2). */
export interface CertificateRequestTls13 {
  readonly context: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function readCertificateRequestTls13(body: Uint8Array): CertificateRequestTls13 {
  const r = new Reader(body);
  const context = r.vec8('certificate_request_context');
  const block = r.sub16('extensions', 2);
  r.end('CertificateRequest');
  return { context, extensions: readExtensionList(block, AlertDescription.illegal_parameter) };
}

export function writeCertificateRequestTls13(m: CertificateRequestTls13): Uint8Array {
  const w = new Writer();
  w.vec8(m.context);
  writeExtensions(w, m.extensions);
  return w.finish();
}

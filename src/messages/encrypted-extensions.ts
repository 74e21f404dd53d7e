import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { readExtensionList, writeExtensions, type Extension } from './extensions/index.js';
import { AlertDescription } from './enums.js';

/** EncryptedExtensions: Extension extensions<0..2^16-1> (RFC 8446 §4.3.1). */
export function readEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body);
  const block = r.sub16('extensions');
  r.end('EncryptedExtensions');
  // Outside the hellos a repeated extension is illegal_parameter (security.md Appendix A, as BoringSSL).
  return readExtensionList(block, AlertDescription.illegal_parameter);
}

export function writeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  const w = new Writer();
  writeExtensions(w, extensions);
  return w.finish();
}

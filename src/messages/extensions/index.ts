import { DecodeError, Reader } from '../../codec/reader.js';
import type { Writer } from '../../codec/writer.js';
import { AlertDescription, ExtensionType, nameOf } from '../enums.js';
import { LocalAlert } from '../../errors.js';

/** One extension as it crossed the wire: its type and undecoded body. */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * Reads an `Extension extensions<0..2^16-1>` block. The block itself is optional at the end of
 * a hello (RFC 5246 §7.4.1.2): an empty reader yields no extensions.
 * RFC 5246 §7.4.1.4 / RFC 8446 §4.2: "There MUST NOT be more than one extension of the same
 * type" → decode_error (as BoringSSL and tlsfuzzer expect).
 */
export function readExtensions(r: Reader): Extension[] {
  if (r.remaining === 0) return [];
  return readExtensionList(r.sub16('extensions'));
}

/** The entries of an extensions block whose length prefix was already read. */
export function readExtensionList(block: Reader, duplicateAlert: AlertDescription = AlertDescription.decode_error): Extension[] {
  const seen = new Set<number>();
  const out: Extension[] = [];
  while (block.remaining > 0) {
    const type = block.u16('extension type');
    const data = block.vec16(`extension ${nameOf(ExtensionType, type, 'ExtensionType')}`);
    if (seen.has(type)) {
      throw new LocalAlert(
        duplicateAlert,
        `duplicate extension ${nameOf(ExtensionType, type, 'ExtensionType')}`,
      );
    }
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.block(2, () => {
    for (const e of extensions) w.u16(e.type).vec16(e.data);
  });
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  for (const e of extensions) if (e.type === type) return e.data;
  return undefined;
}

/** Runs `read` over an extension body and insists it is consumed exactly. */
export function parseExtension<T>(data: Uint8Array, what: string, read: (r: Reader) => T): T {
  const r = new Reader(data);
  const value = read(r);
  r.end(what);
  return value;
}

export { DecodeError };

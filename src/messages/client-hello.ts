import { DecodeError, Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { readExtensions, writeExtensions, type Extension } from './extensions/index.js';

/** ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). */
export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function readClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('client_version');
  const random = r.bytesN(32, 'random');
  const legacySessionId = r.vec8('session_id');
  if (legacySessionId.length > 32) throw new DecodeError('session_id longer than 32 bytes');
  const cipherSuites = r.u16List('cipher_suites', 2);
  const legacyCompressionMethods = r.vec8('compression_methods', 1);
  const extensions = readExtensions(r);
  r.end('ClientHello');
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

export function writeClientHello(m: ClientHello): Uint8Array {
  const w = new Writer(512);
  w.u16(m.legacyVersion).bytes(m.random).vec8(m.legacySessionId).u16List(m.cipherSuites).vec8(m.legacyCompressionMethods);
  writeExtensions(w, m.extensions);
  return w.finish();
}


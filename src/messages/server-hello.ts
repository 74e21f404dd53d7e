import { DecodeError, Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { readExtensions, writeExtensions, type Extension } from './extensions/index.js';

/** ServerHello (RFC 5246 §7.4.1.3). */
export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
}

export function readServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('server_version');
  const random = r.bytesN(32, 'random');
  const legacySessionId = r.vec8('session_id');
  if (legacySessionId.length > 32) throw new DecodeError('session_id longer than 32 bytes');
  const cipherSuite = r.u16('cipher_suite');
  const legacyCompressionMethod = r.u8('compression_method');
  const extensions = readExtensions(r);
  r.end('ServerHello');
  return { legacyVersion, random, legacySessionId, cipherSuite, legacyCompressionMethod, extensions };
}

export function writeServerHello(m: ServerHello): Uint8Array {
  const w = new Writer(128);
  w.u16(m.legacyVersion).bytes(m.random).vec8(m.legacySessionId).u16(m.cipherSuite).u8(m.legacyCompressionMethod);
  writeExtensions(w, m.extensions);
  return w.finish();
}

import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/**
 * ClientKeyExchange (RFC 5246 §7.4.7): its shape depends on the negotiated key exchange.
 * RSA: EncryptedPreMasterSecret opaque<0..2^16-1>; DHE: dh_Yc<1..2^16-1>; ECDHE: ECPoint<1..2^8-1> (RFC 8422 §5.7).
 */
export function readClientKeyExchange(body: Uint8Array, kind: 'RSA' | 'DHE' | 'ECDHE'): Uint8Array {
  const r = new Reader(body);
  const value = kind === 'RSA' ? r.vec16('EncryptedPreMasterSecret') : kind === 'DHE' ? r.vec16('dh_Yc', 1) : r.vec8('ECPoint', 1);
  r.end('ClientKeyExchange');
  return value;
}

export function writeClientKeyExchange(value: Uint8Array, kind: 'RSA' | 'DHE' | 'ECDHE'): Uint8Array {
  const w = new Writer(value.length + 2);
  if (kind === 'ECDHE') w.vec8(value);
  else w.vec16(value);
  return w.finish();
}

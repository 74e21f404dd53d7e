import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';

/**
 * ClientKeyExchange (RFC 5246 §7.4.7): its shape depends on the negotiated key exchange.
 * RSA: EncryptedPreMasterSecret opaque<0..2^16-1>; DHE: dh_Yc<1..2^16-1>; ECDHE: ECPoint<1..2^8-1> (RFC 8422 §5.7).
 * The PSK kinds are read and written whole by readPskClientKeyExchange/writePskClientKeyExchange.
 */
export function readClientKeyExchange(body: Uint8Array, kind: 'RSA' | 'DHE' | 'ECDHE' | 'PSK' | 'ECDHE_PSK'): Uint8Array {
  if (kind === 'PSK' || kind === 'ECDHE_PSK') return body;
  const r = new Reader(body);
  const value = kind === 'RSA' ? r.vec16('EncryptedPreMasterSecret') : kind === 'DHE' ? r.vec16('dh_Yc', 1) : r.vec8('ECPoint', 1);
  r.end('ClientKeyExchange');
  return value;
}

export function writeClientKeyExchange(value: Uint8Array, kind: 'RSA' | 'DHE' | 'ECDHE' | 'PSK' | 'ECDHE_PSK'): Uint8Array {
  if (kind === 'PSK' || kind === 'ECDHE_PSK') return value; // already the whole body (writePskClientKeyExchange)
  const w = new Writer(value.length + 2);
  if (kind === 'ECDHE') w.vec8(value);
  else w.vec16(value);
  return w.finish();
}

/** PSK ClientKeyExchange: psk_identity<0..2^16-1> (RFC 4279 §2), then for ECDHE_PSK the client's ECPoint<1..2^8-1> (RFC 5489 §2). */
export interface PskClientKeyExchange {
  readonly identity: Uint8Array;
  readonly point: Uint8Array | undefined;
}

export function readPskClientKeyExchange(body: Uint8Array, ecdhe: boolean): PskClientKeyExchange {
  const r = new Reader(body);
  const identity = r.vec16('psk_identity');
  const point = ecdhe ? r.vec8('ECPoint', 1) : undefined;
  r.end('ClientKeyExchange');
  return { identity, point };
}

export function writePskClientKeyExchange(cke: PskClientKeyExchange): Uint8Array {
  const w = new Writer(cke.identity.length + 70).vec16(cke.identity);
  if (cke.point) w.vec8(cke.point);
  return w.finish();
}

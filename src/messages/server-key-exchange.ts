import { DecodeError, Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ECCurveType } from './enums.js';

/** ServerECDHParams (RFC 8422 §5.4): named curve and the server's public point. */
export interface ServerEcdhParams {
  readonly kind: 'ecdhe';
  readonly namedCurve: number;
  readonly publicKey: Uint8Array;
}

/** ServerDHParams (RFC 5246 §7.4.3): p, g and Ys as unsigned big-endian integers. */
export interface ServerDhParams {
  readonly kind: 'dhe';
  readonly p: Uint8Array;
  readonly g: Uint8Array;
  readonly ys: Uint8Array;
}

export type ServerParams = ServerEcdhParams | ServerDhParams;

/** ServerKeyExchange: params, then a digitally-signed struct (scheme + signature). */
export interface ServerKeyExchange {
  readonly params: ServerParams;
  /** The params exactly as they crossed the wire: the bytes the signature covers. */
  readonly paramsRaw: Uint8Array;
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function readServerKeyExchange(body: Uint8Array, kind: 'ecdhe' | 'dhe'): ServerKeyExchange {
  const r = new Reader(body);
  let params: ServerParams;
  if (kind === 'ecdhe') {
    params = readEcdhParams(r);
  } else {
    params = { kind, p: r.vec16('dh_p', 1), g: r.vec16('dh_g', 1), ys: r.vec16('dh_Ys', 1) };
  }
  const paramsRaw = body.subarray(0, r.position);
  const scheme = r.u16('SignatureScheme');
  const signature = r.vec16('signature');
  r.end('ServerKeyExchange');
  return { params, paramsRaw, scheme, signature };
}

export function writeServerParams(params: ServerParams): Uint8Array {
  const w = new Writer(1100);
  if (params.kind === 'ecdhe') w.u8(ECCurveType.named_curve).u16(params.namedCurve).vec8(params.publicKey);
  else w.vec16(params.p).vec16(params.g).vec16(params.ys);
  return w.finish();
}

export function writeServerKeyExchange(paramsRaw: Uint8Array, scheme: number, signature: Uint8Array): Uint8Array {
  return new Writer(paramsRaw.length + signature.length + 4).bytes(paramsRaw).u16(scheme).vec16(signature).finish();
}

/** ServerECDHParams (RFC 8422 §5.4). */
function readEcdhParams(r: Reader): ServerEcdhParams {
  const curveType = r.u8('ECCurveType');
  // RFC 8422 §5.4: only named_curve is defined for use; explicit curves are deprecated.
  if (curveType !== ECCurveType.named_curve) throw new DecodeError(`ECCurveType ${curveType} is not named_curve`);
  return { kind: 'ecdhe', namedCurve: r.u16('NamedCurve'), publicKey: r.vec8('ECPoint', 1) };
}

/**
 * PSK ServerKeyExchange: psk_identity_hint<0..2^16-1> (RFC 4279 §2), followed for ECDHE_PSK by
 * ServerECDHParams, unsigned (RFC 5489 §2).
 */
export interface PskServerKeyExchange {
  readonly hint: Uint8Array;
  readonly params: ServerEcdhParams | undefined;
}

export function readPskServerKeyExchange(body: Uint8Array, ecdhe: boolean): PskServerKeyExchange {
  const r = new Reader(body);
  const hint = r.vec16('psk_identity_hint');
  const params = ecdhe ? readEcdhParams(r) : undefined;
  r.end('ServerKeyExchange');
  return { hint, params };
}

export function writePskServerKeyExchange(hint: Uint8Array, params: ServerEcdhParams | undefined): Uint8Array {
  const w = new Writer(hint.length + 80).vec16(hint);
  if (params) w.bytes(writeServerParams(params));
  return w.finish();
}

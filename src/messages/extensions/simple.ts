/**
 * The small TLS 1.2 hello extensions: each is a read/write pair over the extension body.
 * server_name (RFC 6066 §3), supported_groups (RFC 8422 §5.1.1, RFC 7919), ec_point_formats
 * (RFC 8422 §5.1.2), signature_algorithms (RFC 5246 §7.4.1.4.1), ALPN (RFC 7301 §3.1),
 * extended_master_secret (RFC 7627 §5.1), renegotiation_info (RFC 5746 §3.2).
 */
import { DecodeError, Reader } from '../../codec/reader.js';
import { utf8Encode } from '../../codec/text.js';
import { Writer } from '../../codec/writer.js';
import { AlertDescription } from '../enums.js';
import { LocalAlert } from '../../errors.js';
import { parseExtension } from './index.js';

const HOST_NAME = 0;

/** ServerNameList with one host_name; returns the host name (ASCII), or undefined if none. */
export function readServerName(data: Uint8Array): string | undefined {
  return parseExtension(data, 'server_name', (r) => {
    const list = r.sub16('server_name_list', 1);
    let host: string | undefined;
    while (list.remaining > 0) {
      const type = list.u8('name_type');
      const name = list.vec16('HostName', 1);
      if (type !== HOST_NAME) continue;
      // RFC 6066 §3: no more than one name of the same name_type.
      if (host !== undefined) throw new LocalAlert(AlertDescription.illegal_parameter, 'two host_name entries in server_name');
      for (const c of name) {
        if (c === 0 || c > 0x7e) throw new LocalAlert(AlertDescription.illegal_parameter, 'server_name is not an ASCII host name');
      }
      host = String.fromCharCode(...name);
    }
    return host;
  });
}

export function writeServerName(host: string): Uint8Array {
  const name = utf8Encode(host);
  const w = new Writer();
  w.block(2, () => w.u8(HOST_NAME).vec16(name));
  return w.finish();
}

export function readU16ListExtension(data: Uint8Array, what: string): number[] {
  return parseExtension(data, what, (r) => r.u16List(what, 2));
}

export function writeU16ListExtension(values: readonly number[]): Uint8Array {
  return new Writer().u16List(values).finish();
}

export function readEcPointFormats(data: Uint8Array): Uint8Array {
  return parseExtension(data, 'ec_point_formats', (r) => r.vec8('ECPointFormatList', 1));
}

export function writeEcPointFormats(formats: readonly number[]): Uint8Array {
  return new Writer().vec8(Uint8Array.from(formats)).finish();
}

/** ProtocolNameList: non-empty, each name non-empty (RFC 7301 §3.1). */
export function readAlpn(data: Uint8Array): string[] {
  return parseExtension(data, 'application_layer_protocol_negotiation', (r) => {
    const list = r.sub16('ProtocolNameList', 2);
    const out: string[] = [];
    // Protocol names are opaque bytes (RFC 7301 §3.1): one char per byte, so any name round-trips.
    while (list.remaining > 0) out.push(String.fromCharCode(...list.vec8('ProtocolName', 1)));
    return out;
  });
}

export function writeAlpn(protocols: readonly string[]): Uint8Array {
  const w = new Writer();
  w.block(2, () => {
    for (const p of protocols) {
      if (/[^\x00-\xff]/.test(p)) throw new RangeError(`ALPN protocol name ${JSON.stringify(p)} is not a byte string`);
      w.vec8(Uint8Array.from(p, (c) => c.charCodeAt(0)));
    }
  });
  return w.finish();
}

/** extended_master_secret has an empty body (RFC 7627 §5.1). */
export function readEmpty(data: Uint8Array, what: string): void {
  if (data.length !== 0) throw new DecodeError(`${what}: body must be empty`);
}

/** renegotiation_info: opaque renegotiated_connection<0..255> (RFC 5746 §3.2). */
export function readRenegotiationInfo(data: Uint8Array): Uint8Array {
  return parseExtension(data, 'renegotiation_info', (r: Reader) => r.vec8('renegotiated_connection'));
}

export function writeRenegotiationInfo(verifyData: Uint8Array): Uint8Array {
  return new Writer().vec8(verifyData).finish();
}

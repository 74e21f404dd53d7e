/**
 * TLS 1.3 hello extensions: supported_versions (RFC 8446 §4.2.1), key_share (§4.2.8),
 * cookie (§4.2.2) and psk_key_exchange_modes (§4.2.9).
 */
import { DecodeError, Reader } from '../../codec/reader.js';
import { Writer } from '../../codec/writer.js';
import { parseExtension } from './index.js';

/** ClientHello: ProtocolVersion versions<2..254>. */
export function readSupportedVersionsClient(data: Uint8Array): number[] {
  return parseExtension(data, 'supported_versions', (r) => {
    const block = r.vec8('versions', 2);
    if (block.length % 2 !== 0) throw new DecodeError('supported_versions: odd length');
    const out: number[] = [];
    const br = new Reader(block);
    while (br.remaining > 0) out.push(br.u16());
    return out;
  });
}

export function writeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  const w = new Writer();
  w.block(1, () => versions.forEach((v) => w.u16(v)));
  return w.finish();
}

/** ServerHello / HelloRetryRequest: the one selected version. */
export function readSupportedVersionsServer(data: Uint8Array): number {
  return parseExtension(data, 'supported_versions', (r) => r.u16('selected_version'));
}

export function writeU16(value: number): Uint8Array {
  return new Writer(2).u16(value).finish();
}

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

function readEntry(r: Reader): KeyShareEntry {
  return { group: r.u16('NamedGroup'), keyExchange: r.vec16('key_exchange', 1) };
}

/** ClientHello: KeyShareEntry client_shares<0..2^16-1>. */
export function readKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  return parseExtension(data, 'key_share', (r) => {
    const list = r.sub16('client_shares');
    const out: KeyShareEntry[] = [];
    while (list.remaining > 0) out.push(readEntry(list));
    return out;
  });
}

export function writeKeyShareClient(entries: readonly KeyShareEntry[]): Uint8Array {
  const w = new Writer();
  w.block(2, () => entries.forEach((e) => w.u16(e.group).vec16(e.keyExchange)));
  return w.finish();
}

/** ServerHello: one KeyShareEntry. */
export function readKeyShareServer(data: Uint8Array): KeyShareEntry {
  return parseExtension(data, 'key_share', readEntry);
}

export function writeKeyShareServer(entry: KeyShareEntry): Uint8Array {
  return new Writer().u16(entry.group).vec16(entry.keyExchange).finish();
}

/** HelloRetryRequest: the selected_group. */
export function readKeyShareRetry(data: Uint8Array): number {
  return parseExtension(data, 'key_share', (r) => r.u16('selected_group'));
}

/** cookie: opaque cookie<1..2^16-1>. */
export function readCookie(data: Uint8Array): Uint8Array {
  return parseExtension(data, 'cookie', (r) => r.vec16('cookie', 1));
}

export function writeCookie(cookie: Uint8Array): Uint8Array {
  return new Writer().vec16(cookie).finish();
}

/** psk_key_exchange_modes: PskKeyExchangeMode ke_modes<1..255>. */
export function readPskModes(data: Uint8Array): Uint8Array {
  return parseExtension(data, 'psk_key_exchange_modes', (r) => r.vec8('ke_modes', 1));
}

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

/**
 * key_exchange is <1..2^16-1>, but its length is the group's business: an empty or wrong-length
 * share is an invalid public value (RFC 8446 §4.2.8.2: illegal_parameter, as OpenSSL, BoringSSL
 * and tlsfuzzer answer), decided where the share is used, not a decode_error here.
 */
function readEntry(r: Reader): KeyShareEntry {
  return { group: r.u16('NamedGroup'), keyExchange: r.vec16('key_exchange') };
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

/** One PskIdentity: the ticket and its obfuscated age (RFC 8446 §4.2.11). */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedAge: number;
}

export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
  /** Bytes the binders list takes at the end of the ClientHello, its 2-byte length included. */
  readonly bindersLength: number;
}

/** ClientHello pre_shared_key: identities<7..2^16-1>, binders<33..2^16-1>. */
export function readPreSharedKeyClient(data: Uint8Array): OfferedPsks {
  return parseExtension(data, 'pre_shared_key', (r) => {
    const ids = r.sub16('identities', 7);
    const identities: PskIdentity[] = [];
    while (ids.remaining > 0) identities.push({ identity: ids.vec16('identity', 1), obfuscatedAge: ids.u32('obfuscated_ticket_age') });
    const start = r.position;
    const list = r.sub16('binders', 33);
    const binders: Uint8Array[] = [];
    while (list.remaining > 0) binders.push(list.vec8('PskBinderEntry', 32));
    return { identities, binders, bindersLength: r.position - start };
  });
}

/** One identity with a zero binder of `binderLength` bytes, patched in once the ClientHello is encoded. */
export function writePreSharedKeyClient(identity: PskIdentity, binderLength: number): Uint8Array {
  const w = new Writer();
  w.block(2, () => w.vec16(identity.identity).u32(identity.obfuscatedAge >>> 0));
  w.block(2, () => w.vec8(new Uint8Array(binderLength)));
  return w.finish();
}

/** ServerHello pre_shared_key: the selected identity's index. */
export function readPreSharedKeyServer(data: Uint8Array): number {
  return parseExtension(data, 'pre_shared_key', (r) => r.u16('selected_identity'));
}

/**
 * Where each field sits in a message's bytes: the map behind the annotated hex dump of the HTML
 * page ("bytes 6–37 are the random, 40–41 the length of the suite list, …").
 *
 * It walks the same wire formats as src/messages, but only to label byte ranges: it never
 * validates and never throws. When the bytes do not fit the expected shape, what is left is one
 * "not parsed" region.
 */
import { ContentType, ExtensionType, HandshakeType, nameOf } from '../messages/enums.js';
import { HELLO_RETRY_REQUEST_RANDOM as HELLO_RETRY_RANDOM } from '../handshake/tls13-common.js';
import { messageName } from './decode.js';
import { extensionName, groupName } from './iana-names.js';
import { shareParts } from '../crypto/kem-groups.js';
import type { KeyExchangeAlgorithm } from '../crypto/suites.js';

/** What a region holds, for colouring: the same kind gets the same colour everywhere. */
export type RegionKind =
  | 'type'
  | 'length'
  | 'version'
  | 'random'
  | 'session'
  | 'suites'
  | 'extension'
  | 'extension-data'
  | 'key'
  | 'signature'
  | 'certificate'
  | 'mac'
  | 'ticket'
  | 'value'
  | 'unparsed';

/** Bytes [start, end) of the message hold `label`. */
export interface Region {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly kind: RegionKind;
}

/** What the layout needs to know that the bytes alone do not say. */
export interface LayoutContext {
  readonly tls13: boolean;
  /** TLS 1.2 key exchange of the chosen suite (ServerKeyExchange and ClientKeyExchange formats). */
  readonly kx: KeyExchangeAlgorithm | undefined;
}

class Overrun extends Error {}

class Cursor {
  pos = 0;
  readonly regions: Region[] = [];
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** The next n bytes are `label`. Returns their start. */
  take(n: number, label: string, kind: RegionKind): number {
    if (n < 0 || this.pos + n > this.bytes.length) throw new Overrun();
    const start = this.pos;
    if (n > 0) this.regions.push({ start, end: start + n, label, kind });
    this.pos += n;
    return start;
  }

  uint(n: number): number {
    if (this.pos + n > this.bytes.length) throw new Overrun();
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.bytes[this.pos + i]!;
    return v;
  }

  /** A length prefix of `n` bytes; returns the length it announces. */
  length(n: number, what: string): number {
    const v = this.uint(n);
    this.take(n, `length of ${what}: ${v}`, 'length');
    return v;
  }

  /** A length-prefixed opaque value. */
  vector(prefix: number, label: string, kind: RegionKind): number {
    const len = this.length(prefix, label);
    this.take(len, `${label} (${len} bytes)`, kind);
    return len;
  }
}

/** The regions of one observed message (handshake header included, as the observer reports it). */
export function layoutMessage(contentType: number, handshakeType: number | undefined, raw: Uint8Array, context: LayoutContext): Region[] {
  const c = new Cursor(raw);
  try {
    if (contentType === ContentType.change_cipher_spec) {
      c.take(1, 'change_cipher_spec: 1', 'value');
    } else if (contentType === ContentType.alert) {
      c.take(1, `level: ${raw[0] === 2 ? 'fatal' : raw[0] === 1 ? 'warning' : raw[0]}`, 'type');
      c.take(1, `description: ${raw[1]}`, 'value');
    } else if (contentType === ContentType.handshake) {
      const type = handshakeType ?? raw[0] ?? -1;
      c.take(1, `msg_type: ${messageName(type)} (${type})`, 'type');
      const len = c.uint(3);
      c.take(3, `length of the body: ${len}`, 'length');
      body(c, type, context);
    }
  } catch (e) {
    if (!(e instanceof Overrun)) throw e;
  }
  if (c.pos < raw.length) c.regions.push({ start: c.pos, end: raw.length, label: `not parsed (${raw.length - c.pos} bytes)`, kind: 'unparsed' });
  return c.regions;
}

function body(c: Cursor, type: number, context: LayoutContext): void {
  switch (type) {
    case HandshakeType.client_hello: {
      c.take(2, 'legacy_version', 'version');
      c.take(32, 'random (32 bytes)', 'random');
      c.vector(1, 'session_id', 'session');
      const suites = c.length(2, 'cipher_suites');
      c.take(suites, `cipher_suites: ${suites / 2} suites, 2 bytes each`, 'suites');
      c.vector(1, 'compression_methods', 'value');
      extensions(c, 'the extensions', 'client');
      return;
    }
    case HandshakeType.server_hello: {
      c.take(2, 'legacy_version', 'version');
      const retry = c.remaining >= 32 && c.bytes.subarray(c.pos, c.pos + 32).every((b, i) => b === HELLO_RETRY_RANDOM[i]);
      c.take(32, retry ? 'random: the fixed HelloRetryRequest marker, SHA-256("HelloRetryRequest")' : 'random (32 bytes)', 'random');
      c.vector(1, 'session_id', 'session');
      c.take(2, 'cipher_suite (the chosen one)', 'suites');
      c.take(1, 'compression_method', 'value');
      extensions(c, 'the extensions', retry ? 'retry' : 'server');
      return;
    }
    case HandshakeType.encrypted_extensions:
      extensions(c, 'the extensions');
      return;
    case HandshakeType.certificate: {
      if (context.tls13) c.vector(1, 'certificate_request_context', 'value');
      const total = c.length(3, 'certificate_list');
      const end = c.pos + total;
      let i = 0;
      while (c.pos < end) {
        c.vector(3, `certificate [${i}], DER`, 'certificate');
        if (context.tls13) extensions(c, `certificate [${i}]'s extensions`);
        i++;
      }
      return;
    }
    case HandshakeType.server_key_exchange: {
      // RFC 4279 §2, RFC 5489 §2: the hint, then (ECDHE_PSK) unsigned ECDHE params.
      if (context.kx === 'PSK' || context.kx === 'ECDHE_PSK') {
        c.vector(2, 'psk_identity_hint', 'value');
        if (context.kx === 'PSK') return;
        c.take(1, 'curve_type: named_curve', 'value');
        c.take(2, 'named_curve', 'value');
        c.vector(1, 'public key', 'key');
        return;
      }
      if (context.kx === 'DHE') {
        c.vector(2, 'dh_p (the prime)', 'value');
        c.vector(2, 'dh_g (the generator)', 'value');
        c.vector(2, 'dh_Ys (the server\u2019s public value)', 'key');
      } else {
        c.take(1, 'curve_type: named_curve', 'value');
        c.take(2, 'named_curve', 'value');
        c.vector(1, 'public key', 'key');
      }
      c.take(2, 'signature_algorithm', 'value');
      c.vector(2, 'signature', 'signature');
      return;
    }
    case HandshakeType.certificate_request: {
      if (context.tls13) {
        c.vector(1, 'certificate_request_context', 'value');
        extensions(c, 'the extensions');
        return;
      }
      c.vector(1, 'certificate_types', 'value');
      c.vector(2, 'signature_algorithms', 'value');
      c.vector(2, 'certificate_authorities', 'value');
      return;
    }
    case HandshakeType.server_hello_done:
      return;
    case HandshakeType.client_key_exchange:
      if (context.kx === 'PSK' || context.kx === 'ECDHE_PSK') {
        c.vector(2, 'psk_identity', 'value');
        if (context.kx === 'ECDHE_PSK') c.vector(1, 'public key', 'key');
      } else if (context.kx === 'RSA') c.vector(2, 'encrypted premaster secret', 'key');
      else if (context.kx === 'DHE') c.vector(2, 'dh_Yc (the client\u2019s public value)', 'key');
      else c.vector(1, 'public key', 'key');
      return;
    case HandshakeType.certificate_verify:
      c.take(2, 'signature_algorithm', 'value');
      c.vector(2, 'signature', 'signature');
      return;
    case HandshakeType.finished:
      c.take(c.remaining, `verify_data (${c.remaining} bytes)`, 'mac');
      return;
    case HandshakeType.new_session_ticket:
      if (context.tls13) {
        c.take(4, 'ticket_lifetime (seconds)', 'value');
        c.take(4, 'ticket_age_add', 'value');
        c.vector(1, 'ticket_nonce', 'value');
        c.vector(2, 'ticket', 'ticket');
        extensions(c, 'the extensions');
      } else {
        c.take(4, 'ticket_lifetime_hint (seconds)', 'value');
        c.vector(2, 'ticket', 'ticket');
      }
      return;
    case HandshakeType.key_update:
      c.take(1, 'request_update', 'value');
      return;
    default:
      c.take(c.remaining, 'body', 'value');
  }
}

/** An extensions block: its length, then each extension's type, length and data; key_share in a hello entry by entry. */
function extensions(c: Cursor, what: string, hello?: KeyShareForm): void {
  if (c.remaining === 0) return;
  const total = c.length(2, what);
  const end = Math.min(c.pos + total, c.bytes.length);
  while (c.pos < end) {
    const type = c.uint(2);
    const name = extensionName(type);
    c.take(2, `extension type: ${name} (${type})`, 'extension');
    const len = c.uint(2);
    c.take(2, `length of ${name}: ${len}`, 'length');
    if (type === ExtensionType.key_share && hello !== undefined && keyShare(c, len, hello)) continue;
    c.take(len, `${name} data (${len} bytes)`, type === ExtensionType.key_share ? 'key' : type === ExtensionType.pre_shared_key ? 'ticket' : 'extension-data');
  }
}

/** RFC 8446 §4.2.8: a ClientHello's list of shares, a ServerHello's one, a HelloRetryRequest's selected_group. */
type KeyShareForm = 'client' | 'server' | 'retry';

/**
 * key_share's `len` bytes entry by entry, an ML-KEM group's key_exchange split into its ML-KEM
 * and ECDH parts (draft-ietf-tls-ecdhe-mlkem §3). False, with nothing taken, when the bytes do
 * not have that shape.
 */
function keyShare(c: Cursor, len: number, form: KeyShareForm): boolean {
  const start = c.pos;
  const regions = c.regions.length;
  const end = start + len;
  const entry = (): void => {
    const group = c.uint(2);
    const name = groupName(group);
    c.take(2, `group: ${name} (${group})`, 'value');
    const size = c.length(2, `the ${name} key_exchange`);
    const parts = shareParts(group, form === 'client' ? 'client' : 'server');
    if (parts && parts.reduce((n, p) => n + p.length, 0) === size) for (const p of parts) c.take(p.length, `${name}: ${p.name} (${p.length} bytes)`, 'key');
    else c.take(size, `${name} key_exchange (${size} bytes)`, 'key');
  };
  try {
    if (form === 'retry') {
      const group = c.uint(2);
      c.take(2, `selected_group: ${groupName(group)} (${group})`, 'value');
    } else if (form === 'server') {
      entry();
    } else {
      const listEnd = c.pos + 2 + c.length(2, 'client_shares');
      while (c.pos < listEnd) entry();
    }
  } catch (e) {
    if (!(e instanceof Overrun)) throw e;
  }
  if (c.pos === end) return true;
  c.pos = start;
  c.regions.length = regions;
  return false;
}

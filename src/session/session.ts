/**
 * A resumable session, as the client keeps it (the `session` event and option, as node:tls)
 * and as the server seals it into a ticket or keeps it in its session-ID cache.
 *
 * Resumption is bound (RFC 7627 §5.3, RFC 8446 §4.6.1, issue 5): a session resumes only with
 * the same version, cipher suite, SNI and client identity, and a TLS 1.2 session that used the
 * extended master secret resumes only with it again.
 */
import { DecodeError, Reader } from '../codec/reader.js';
import { utf8Decode, utf8Encode } from '../codec/text.js';
import { Writer } from '../codec/writer.js';

export interface SessionState {
  /** 0x0303 or 0x0304. */
  readonly version: number;
  readonly suite: number;
  /** TLS 1.2: the master secret. TLS 1.3: the resumption PSK. */
  readonly secret: Uint8Array;
  /** TLS 1.2 only: whether the session used the extended master secret. */
  readonly extendedMasterSecret: boolean;
  /** Milliseconds since the epoch when the session (or ticket) was made. */
  readonly created: number;
  /** Seconds the session may be resumed for. */
  readonly lifetime: number;
  /** TLS 1.3: ticket_age_add. */
  readonly ageAdd: number;
  readonly serverName: string;
  readonly alpn: string;
  /** The peer's certificate (server's, for a client; client's, for a server) — the leaf only, to keep sessions small — and whether it verified. */
  readonly peerCertificates: readonly Uint8Array[];
  readonly peerVerified: boolean;
}

/** What the client also needs to offer it again. */
export interface ClientSession extends SessionState {
  /** TLS 1.2 session ID (may be empty when only a ticket identifies it). */
  readonly sessionId: Uint8Array;
  /** RFC 5077 ticket (TLS 1.2) or PskIdentity.identity (TLS 1.3); empty when none. */
  readonly ticket: Uint8Array;
}

const FORMAT = 1;

export function encodeSessionState(s: SessionState, w: Writer = new Writer(512)): Writer {
  w.u8(FORMAT).u16(s.version).u16(s.suite).vec8(s.secret).u8(s.extendedMasterSecret ? 1 : 0);
  // 48-bit milliseconds fit two u32 halves.
  w.u32(Math.floor(s.created / 2 ** 32)).u32(s.created >>> 0).u32(s.lifetime).u32(s.ageAdd >>> 0);
  w.vec8(utf8Encode(s.serverName)).vec8(utf8Encode(s.alpn));
  w.u8(s.peerVerified ? 1 : 0);
  w.block(3, () => s.peerCertificates.forEach((c) => w.vec24(c)));
  return w;
}

export function decodeSessionState(r: Reader): SessionState {
  if (r.u8('format') !== FORMAT) throw new DecodeError('unknown session format');
  const version = r.u16();
  const suite = r.u16();
  const secret = r.vec8('secret').slice();
  const extendedMasterSecret = r.u8() === 1;
  const created = r.u32() * 2 ** 32 + r.u32();
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const serverName = utf8Decode(r.vec8('server name'));
  const alpn = utf8Decode(r.vec8('alpn'));
  const peerVerified = r.u8() === 1;
  const certs = r.sub24('certificates');
  const peerCertificates: Uint8Array[] = [];
  while (certs.remaining > 0) peerCertificates.push(certs.vec24('certificate', 1).slice());
  return { version, suite, secret, extendedMasterSecret, created, lifetime, ageAdd, serverName, alpn, peerCertificates, peerVerified };
}

export function encodeClientSession(s: ClientSession): Uint8Array {
  const w = encodeSessionState(s);
  w.vec8(s.sessionId).vec16(s.ticket);
  return w.finish();
}

/** Parses a session blob; undefined when it is not one of ours (it is then simply not offered). */
export function decodeClientSession(bytes: Uint8Array): ClientSession | undefined {
  try {
    const r = new Reader(bytes);
    const state = decodeSessionState(r);
    const sessionId = r.vec8('session id').slice();
    const ticket = r.vec16('ticket').slice();
    r.end('session');
    return Object.assign(state, { sessionId, ticket }); // not a spread: V8's slow path (issue 7)
  } catch {
    return undefined;
  }
}

/**
 * What node:tls's getSession() gives right after a full TLS 1.3 handshake, before any ticket: a
 * session without a ticket or secret, which is never offered (usable() is false).
 */
export function unresumableSession(suite: number, serverName: string, alpn: string): ClientSession {
  const none = new Uint8Array(0);
  return {
    version: 0x0304, suite, secret: none, extendedMasterSecret: false, created: 0, lifetime: 0, ageAdd: 0,
    serverName, alpn, peerCertificates: [], peerVerified: false, sessionId: none, ticket: none,
  };
}

/** Whether a session can be offered at all: it has a secret, and a ticket or (TLS 1.2) an ID to name it by. */
export function usable(s: ClientSession): boolean {
  return s.secret.length > 0 && (s.ticket.length > 0 || (s.version === 0x0303 && s.sessionId.length > 0));
}

/**
 * The part of the peer's chain a session keeps: a copy of the leaf alone. A view would keep the
 * whole received Certificate message alive, which a client could pad to 256 KiB per session.
 */
export function keptCertificates(chain: readonly Uint8Array[]): Uint8Array[] {
  return chain.length > 0 ? [chain[0]!.slice()] : [];
}

/** Still within its lifetime at `now` (ms)? */
export function isFresh(s: SessionState, now: number): boolean {
  return now >= s.created - 10_000 && now < s.created + s.lifetime * 1000;
}

/**
 * The server's memory of sessions, shared by all connections of one server: RFC 5077 / RFC
 * 8446 tickets sealed under rotating ticket keys, and a bounded TLS 1.2 session-ID cache.
 *
 * Ticket keys are node:tls's 48-byte format: 16 bytes key name, 16 bytes HMAC secret, 16 bytes
 * AES key. We seal with AES-256-GCM under a key derived from all 32 secret bytes (one AEAD
 * instead of RFC 5077's CBC+HMAC), with the key name in front. Servers that share ticket keys
 * resume each other's sessions. As node:tls, setting new keys retires the old ones: tickets
 * sealed under them no longer resume (which is what rotating keys is for: forward secrecy).
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { decodeSessionState, encodeSessionState, isFresh, type SessionState } from './session.js';

export const TICKET_KEYS_LENGTH = 48;
const NAME = 16;
const NONCE = 12;
/** Room for the key name, nonce and tag within a 2^16−1-byte ticket. */
const MAX_TICKET_PLAINTEXT = 65535 - NAME - NONCE - 16;
/** The session-ID cache is bounded in bytes as well as in entries. */
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

interface TicketKey {
  readonly name: Uint8Array;
  readonly raw: Uint8Array;
  readonly aeadKey: Uint8Array;
}

export interface SessionStoreOptions {
  /** 48 bytes, as node:tls ticketKeys; random when absent. */
  readonly ticketKeys?: Uint8Array;
  /** Session lifetime in seconds (node:tls sessionTimeout, default 300). */
  readonly sessionTimeout?: number;
  /** Most TLS 1.2 session IDs kept (default 20480, as OpenSSL's default cache size). */
  readonly cacheSize?: number;
  /** TLS 1.2: issue RFC 5077 tickets to clients that ask (default true); without, sessions resume by ID only. */
  readonly tickets?: boolean;
}

export class ServerSessionStore {
  readonly lifetime: number;
  /** TLS 1.2: whether clients that ask get a ticket (SessionStoreOptions.tickets). */
  readonly issuesTickets: boolean;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, SessionState>();
  #key!: TicketKey;

  constructor(
    private readonly provider: CryptoProvider,
    options: SessionStoreOptions = {},
  ) {
    this.lifetime = options.sessionTimeout ?? 300;
    this.#cacheSize = options.cacheSize ?? 20480;
    this.issuesTickets = options.tickets ?? true;
    this.setTicketKeys(options.ticketKeys ?? provider.random.bytes(TICKET_KEYS_LENGTH));
  }

  /** Replaces the keys: new tickets are sealed under `keys`, and only tickets sealed under them open. */
  setTicketKeys(keys: Uint8Array): void {
    if (keys.length !== TICKET_KEYS_LENGTH) throw new RangeError(`ticketKeys must be ${TICKET_KEYS_LENGTH} bytes`);
    const raw = keys.slice();
    this.#key = {
      name: raw.subarray(0, NAME),
      raw,
      aeadKey: this.provider.hash.hmac('sha256', raw.subarray(NAME), new TextEncoder().encode('tlsglass ticket key')),
    };
  }

  getTicketKeys(): Uint8Array {
    return this.#key.raw.slice();
  }

  /** The sealed ticket, or undefined when the session is too large for one (a ticket is at most 2^16−1 bytes). */
  seal(state: SessionState): Uint8Array | undefined {
    const key = this.#key;
    const plaintext = encodeSessionState(state).finish();
    if (plaintext.length > MAX_TICKET_PLAINTEXT) return undefined;
    const nonce = this.provider.random.bytes(NONCE);
    const sealed = this.provider.aead.create('aes-256-gcm', key.aeadKey).seal(nonce, key.name, plaintext);
    return new Writer(NAME + NONCE + sealed.length).bytes(key.name).bytes(nonce).bytes(sealed).finish();
  }

  /** The session in a ticket, or undefined when it is not ours, was tampered with, or has expired. */
  open(ticket: Uint8Array, now: number): SessionState | undefined {
    if (ticket.length < NAME + NONCE + 16) return undefined;
    const name = ticket.subarray(0, NAME);
    const key = this.#key;
    if (!equal(key.name, name)) return undefined;
    const plaintext = this.provider.aead.create('aes-256-gcm', key.aeadKey).open(ticket.subarray(NAME, NAME + NONCE), name, ticket.subarray(NAME + NONCE));
    if (!plaintext) return undefined;
    try {
      const state = decodeSessionState(new Reader(plaintext));
      return isFresh(state, now) ? state : undefined;
    } catch {
      return undefined;
    }
  }

  /** Remembers a TLS 1.2 session under its ID (oldest dropped first when full). */
  remember(sessionId: Uint8Array, state: SessionState): void {
    if (sessionId.length === 0) return;
    const size = sizeOf(state);
    if (size > DEFAULT_CACHE_BYTES / 64) return; // one session may not take a large share of the cache
    while (this.#cache.size > 0 && (this.#cache.size >= this.#cacheSize || this.#cacheBytes + size > DEFAULT_CACHE_BYTES)) {
      const [oldest, old] = this.#cache.entries().next().value!;
      this.#cache.delete(oldest);
      this.#cacheBytes -= sizeOf(old);
    }
    this.#cache.set(hexOf(sessionId), state);
    this.#cacheBytes += size;
  }
  #cacheBytes = 0;

  /** The encoding of a session, as the 'new-session' event carries it and adopt() takes it back. */
  encode(state: SessionState): Uint8Array {
    return encodeSessionState(state).finish();
  }

  /**
   * Remembers a session kept elsewhere (an external cache shared by several servers) under its ID,
   * for the next handshake that offers that ID; false when `encoded` is not a session.
   */
  adopt(sessionId: Uint8Array, encoded: Uint8Array): boolean {
    let state: SessionState;
    try {
      state = decodeSessionState(new Reader(encoded));
    } catch {
      return false;
    }
    this.remember(sessionId, state);
    return true;
  }

  recall(sessionId: Uint8Array, now: number): SessionState | undefined {
    if (sessionId.length === 0) return undefined;
    const state = this.#cache.get(hexOf(sessionId));
    if (state && !isFresh(state, now)) {
      this.#cache.delete(hexOf(sessionId));
      this.#cacheBytes -= sizeOf(state);
      return undefined;
    }
    return state;
  }
}

function sizeOf(state: SessionState): number {
  return 128 + state.secret.length + state.peerCertificates.reduce((n, c) => n + c.length, 0);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** What the sans-I/O core reports to whoever drives it. */
export type ConnectionEvent =
  /** The handshake finished; negotiated parameters are readable from the connection. */
  | { readonly type: 'handshake-complete' }
  /** Decrypted application data, in order. */
  | { readonly type: 'application-data'; readonly data: Uint8Array }
  /** The peer sent close_notify: no more data will come from it. */
  | { readonly type: 'peer-closed' }
  /** A warning alert other than close_notify (fatal alerts surface as a thrown PeerAlert). */
  | { readonly type: 'warning-alert'; readonly description: number }
  /** A session that a later connection can resume (pass it as the `session` option). */
  | { readonly type: 'session'; readonly session: Uint8Array }
  /**
   * Server, TLS 1.2: a full handshake made a session that clients resume by its ID (no ticket was
   * issued). For an external session cache (node:tls 'newSession'): the encoded session goes back
   * in through ServerSessionStore.adopt().
   */
  | { readonly type: 'new-session'; readonly sessionId: Uint8Array; readonly session: Uint8Array }
  /** One NSS key-log line (without newline), e.g. `CLIENT_RANDOM <random> <master secret>`. */
  | { readonly type: 'keylog'; readonly line: string };

/**
 * Events whose payload is made only when someone reads it. Every handshake reports its key-log
 * lines and its resumable session, but most applications listen for neither; formatting five
 * hex lines and encoding a session cost about 3% of a client handshake (bench/profile.ts), so
 * the work waits for the getter. Inputs are copied now: secrets may be wiped after this call.
 */
export function lazyKeylogEvent(format: () => string): ConnectionEvent {
  return new LazyKeylogEvent(format);
}

export function lazySessionEvent(encode: () => Uint8Array): ConnectionEvent {
  return new LazySessionEvent(encode);
}

export function lazyNewSessionEvent(sessionId: Uint8Array, encode: () => Uint8Array): ConnectionEvent {
  return new LazyNewSessionEvent(sessionId, encode);
}

// Classes rather than object literals with a getter: V8 builds such a literal through a runtime
// call, ~1.2 µs against ~0.13 µs for `new` (measured, issue 7), and a handshake makes six of them.
class LazyKeylogEvent {
  readonly type = 'keylog';
  #format: (() => string) | undefined;
  #line: string | undefined;
  constructor(format: () => string) {
    this.#format = format;
  }
  get line(): string {
    if (this.#line === undefined) {
      this.#line = this.#format!();
      this.#format = undefined;
    }
    return this.#line;
  }
}

/** A session encoded on first read. */
abstract class LazySession {
  #encode: (() => Uint8Array) | undefined;
  #session: Uint8Array | undefined;
  constructor(encode: () => Uint8Array) {
    this.#encode = encode;
  }
  get session(): Uint8Array {
    if (this.#session === undefined) {
      this.#session = this.#encode!();
      this.#encode = undefined;
    }
    return this.#session;
  }
}

class LazySessionEvent extends LazySession {
  readonly type = 'session';
}

class LazyNewSessionEvent extends LazySession {
  readonly type = 'new-session';
  constructor(
    readonly sessionId: Uint8Array,
    encode: () => Uint8Array,
  ) {
    super(encode);
  }
}

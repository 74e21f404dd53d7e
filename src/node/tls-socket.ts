/**
 * TLSSocket: a node:tls-style Duplex that runs a sans-I/O Connection over a net.Socket (or any
 * Duplex). It owns everything the core does not: Buffers, socket writes with backpressure both
 * ways, half-close, the handshake timeout, and the key log. It does not do session resumption
 * renegotiation (refused by the core).
 *
 * Close semantics (security.md R6, CLOSE-1):
 * - end() flushes queued application records, sends close_notify, then FIN.
 * - The peer's close_notify ends the readable side ('end') after all data before it.
 * - A FIN without close_notify after the handshake is a truncation. Like node:tls we report it as
 *   a plain 'end' by default, and record it in `truncated`; with `rejectTruncation: true` it is an
 *   'error' with code ERR_TLS_TRUNCATED instead. Before the handshake completes it is an ECONNRESET
 *   error, with node:tls's message.
 */
import { X509Certificate } from 'node:crypto';
import { Socket as NetSocket, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { CipherNameAndProtocol, DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import './install-defaults.js'; // the Node adapter runs on node:crypto and node:tls's trust store
import { resolveServerConfig, sigalgName, withIdentities, withPskLookup, type ClientOptions, type PskClientCallback, type ResolvedServerConfig, type SecureContext, type ServerOptions } from '../config.js';
import { MAX_PLAINTEXT } from '../record/deframer.js';
import { decodeClientSession, encodeClientSession, unresumableSession } from '../session/session.js';
import { ClientConnection, ServerConnection, type Connection } from '../connection/connection.js';
import type { ConnectionEvent } from '../connection/events.js';
import { TlsError, toTlsError } from '../errors.js';
import { toPeerCertificate } from './peer-certificate.js';
import { withAutoChain } from './auto-chain.js';
import { withPfx } from './pfx.js';
import { withDefaults } from './defaults.js';
import { envKeylogSink } from './keylog.js';
import { asNodeError, verifyErrorOf } from './node-errors.js';
import { outputPool } from './output-pool.js';
import { Timeline } from '../trace/timeline.js';
import { renderMessage } from '../trace/ladder.js';
import { argTypeError, BUFFER_TYPES, checkSecureContext } from './validate.js';
import { peekClientHello, sniChoice } from './sni.js';

/** Options of `new TLSSocket(socket, options)`: the core's options plus the adapter's own. */
export interface TLSSocketOptions extends Omit<ClientOptions, 'pskCallback'>, ServerOptions {
  /**
   * External PSKs, as node:tls: on a client `(hint) => { psk, identity } | null` (hint: the server's
   * pskIdentityHint in TLS 1.2, null in TLS 1.3); on a server `(socket, identity) => Buffer | null`.
   */
  pskCallback?: PskClientCallback | NodePskServerCallback;
  /** Server side of the connection (default false: client, which starts the handshake at once). */
  isServer?: boolean;
  /** A server configuration resolved once for many connections (keys parsed once, one session store). */
  resolvedConfig?: ResolvedServerConfig;
  /** The server this socket belongs to: key log lines go to its 'keylog', new sessions to its 'newSession'. */
  server?: NetServer;
  /** Milliseconds before an unfinished handshake is aborted (ERR_TLS_HANDSHAKE_TIMEOUT). Default 120000 on servers, none on clients; 0 disables. */
  handshakeTimeout?: number;
  /**
   * As net.Socket: when false (default), the peer's close_notify also ends our writable side. As
   * node:tls, only for a TLSSocket that makes its own socket: over a socket given, that socket's
   * `allowHalfOpen` applies.
   */
  allowHalfOpen?: boolean;
  /** As net.Server's: the socket starts paused (the handshake still runs); resume() it to read. */
  pauseOnConnect?: boolean;
  /** Report a FIN without close_notify as an ERR_TLS_TRUNCATED error instead of a plain 'end' (the node:tls behaviour). */
  rejectTruncation?: boolean;
  /** As node:tls's `enableTrace`: print each handshake message to stderr (our annotated ladder, not OpenSSL's SSL_trace format). */
  enableTrace?: boolean;
  /** Aborting it destroys the socket with an AbortError (code ABORT_ERR), as net.connect. */
  signal?: AbortSignal;
  /** The stream's highWaterMark (readableHighWaterMark and writableHighWaterMark), as node:tls. */
  highWaterMark?: number;
  /**
   * As net.Socket's (and node:tls's, only when the TLSSocket makes its own socket): the decrypted
   * bytes are copied into `buffer` (or the buffer a function returns, asked for each delivery) and
   * handed to `callback(nread, buffer)` instead of 'data'; returning false pauses the socket.
   */
  onread?: OnReadOptions;
}

/** The `onread` option: where decrypted bytes are copied, and who is told. */
export interface OnReadOptions {
  buffer: Uint8Array | (() => Uint8Array);
  callback: (bytesWritten: number, buffer: Uint8Array) => boolean | void;
}

/**
 * Marks the options of a TLSSocket over a transport that connect() or a Server made half-open for
 * it (the TLSSocket sends FIN after close_notify): its allowHalfOpen is then the option's. @internal
 */
export const ownTransport = Symbol('tlsglass.ownTransport');
/**
 * Marks the options of a TLSSocket that connect() makes, as node:tls's tls.connect(): it enforces
 * `rejectUnauthorized` (default true) and reports errors as plain 'error's from the start. A
 * client TLSSocket made by hand does neither unless asked (see the constructor). @internal
 */
export const madeByConnect = Symbol('tlsglass.madeByConnect');
type InternalOptions = TLSSocketOptions & { [ownTransport]?: boolean; [madeByConnect]?: boolean };

/** node:tls's server pskCallback: the key for the client's identity, or null when it is unknown. */
export type NodePskServerCallback = (socket: TLSSocket, identity: string) => Uint8Array | null | undefined;

/** getEphemeralKeyInfo() result, as node:tls: `{ type: 'ECDH', name: 'X25519', size: 253 }` or `{ type: 'DH', size: 2048 }`. */
export interface EphemeralKeyInfo {
  type?: string;
  name?: string;
  size?: number;
}

/** The subset of net.Socket that TLSSocket passes through when the transport has it. */
interface SocketExtras {
  setNoDelay?(noDelay?: boolean): unknown;
  setKeepAlive?(enable?: boolean, initialDelay?: number): unknown;
  setTimeout?(ms: number): unknown;
  address?(): AddressInfo | Record<string, never> | string;
  ref?(): unknown;
  unref?(): unknown;
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  localAddress?: string;
  localPort?: number;
  connecting?: boolean;
  bytesRead?: number;
  bytesWritten?: number;
}

type Transport = Duplex & SocketExtras;
type WriteCallback = (error?: Error | null) => void;

/** How long a failed connection waits for its alert to flush before the transport is destroyed. */
const ALERT_FLUSH_TIMEOUT_MS = 2000;
const DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS = 120_000;
/** Outgoing arrays that together hold at most this many bytes go out as one joined write. */
const JOIN_LIMIT = 16384;

/** A TLS connection over a byte stream, mirroring node:tls's TLSSocket. */
export class TLSSocket extends Duplex {
  /** Always true, as node:tls. */
  readonly encrypted = true;
  /** True when the transport ended (FIN) after the handshake without a close_notify from the peer. */
  truncated = false;
  /** The transport this socket runs over. */
  readonly socket: Socket | Duplex;

  private readonly transport: Transport;
  private conn: Connection;
  /** Client: the options, to rebuild the connection when setServername()/setSession() come before the handshake starts. */
  private clientOptions: TLSSocketOptions | undefined;
  private started = false;
  private maxSendFragment: number | undefined;
  /** The last 'session' event (its payload is encoded only if asked for), or the session this connection resumed. */
  private lastSession: { readonly session: Uint8Array } | undefined;
  /** A 'session' that came with the handshake's end waits for 'secureConnect', as in node:tls. */
  private sessionAfterSecure = false;
  private readonly isServer: boolean;
  private readonly server: NetServer | undefined;
  private readonly rejectTruncation: boolean;
  private secured = false;
  private failed = false;
  private peerClosed = false;
  private released = false;
  private pendingWrites: { chunk: Buffer; callback: WriteCallback }[] = [];
  private pendingFinal: WriteCallback | undefined;
  /** Application write callbacks waiting until the transport has completed our writes. */
  private writeWaiters: WriteCallback[] = [];
  /** Transport writes of ours whose callback has not come yet. */
  private transportWrites = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** enableTrace(): the timeline printing this socket's messages. */
  private trace: Timeline | undefined;
  /** We paused the transport because our readable side is full; _read() resumes it. */
  private readPaused = false;
  /** 'newSession' callbacks still to come: the output waits for them (announceSessions). */
  private outputHeld = 0;
  /** What waits for the held output: the close_notify and FIN of an end() meanwhile. */
  private afterHeld: (() => void)[] = [];
  /**
   * A server socket with an SNICallback of its own (made without a tls.Server, as node:tls allows):
   * the bytes read until the ClientHello is complete and the callback has chosen the context.
   */
  private sniWait: { callback: SNICallback; config: ResolvedServerConfig; bytes: Buffer; asked: boolean } | undefined;
  /** _start() came while the transport connects: its 'connect' starts the handshake. */
  private startOnConnect = false;
  /** The `onread` option: decrypted bytes go to its callback, not to 'data'. */
  private readonly onread: OnReadOptions | undefined;
  /** Decrypted bytes `onread` has not delivered yet (the socket is paused). */
  private onreadHeld: Buffer[] = [];
  /** `onread`: paused by pause() or by the callback returning false. */
  private onreadPaused = false;
  /** `onread`: the peer ended while bytes were held; the readable side ends once they are delivered. */
  private onreadEnding = false;
  private closeEmitted = false;

  constructor(socket: Socket | Duplex | null | undefined, options: TLSSocketOptions = {}) {
    // As node:tls, no socket means a new, unconnected net.Socket (connect() it later, or emit data into it).
    if (socket != null && !(socket instanceof Duplex)) throw argTypeError('socket', 'an instance of net.Socket or stream.Duplex', socket);
    if (options.isServer === true) validateSNICallback((options as { SNICallback?: unknown }).SNICallback);
    checkSecureContext(options.secureContext);
    const ownSocket = socket == null;
    // As node:tls: a socket given brings its allowHalfOpen; one made for us (here, or by connect() or a Server) takes the option's.
    const halfOpen = ownSocket || (options as InternalOptions)[ownTransport] === true ? options.allowHalfOpen === true : (socket as { allowHalfOpen?: boolean }).allowHalfOpen === true;
    socket ??= new NetSocket({ allowHalfOpen: true });
    // emitClose: false: 'close' is ours to emit, with net.Socket's `hadError` argument (_destroy).
    super({ allowHalfOpen: halfOpen, decodeStrings: true, emitClose: false, ...(options.highWaterMark !== undefined && { highWaterMark: options.highWaterMark }) });
    if (options.pauseOnConnect === true) this.pause();
    this.on('error', this.tlsErrorListener);
    this.socket = socket;
    this.transport = socket as Transport;
    this.isServer = options.isServer === true;
    this.server = options.server;
    this.rejectTruncation = options.rejectTruncation === true;
    // As node:tls: a client TLSSocket made by hand checks the server's certificate but does not
    // refuse it (read `authorized`, `authorizationError` or `ssl.verifyError()`); only connect()
    // does by default. Stricter than node:tls, an explicit `rejectUnauthorized: true` is enforced.
    const handMade = (options as InternalOptions)[madeByConnect] !== true;
    this.clientOptions = this.isServer ? undefined : withPfx(handMade ? { ...options, rejectUnauthorized: options.rejectUnauthorized === true } : options);
    // As node:tls, `onread` applies only to a socket the TLSSocket makes (here or in connect()).
    if (options.onread != null && (ownSocket || (options as InternalOptions)[ownTransport] === true)) this.onread = checkedOnread(options.onread);
    // As node:tls, a server socket without a certificate is made; each handshake then fails (handshake_failure).
    const config = this.isServer ? this.serverConfig(options) : undefined;
    this.conn = config ? new ServerConnection(config) : new ClientConnection(this.clientOptions as ClientOptions);
    const SNICallback = (options as { SNICallback?: SNICallback }).SNICallback;
    if (config && SNICallback) this.sniWait = { callback: SNICallback, config, bytes: Buffer.alloc(0), asked: false };
    this.setOutput();
    if (options.enableTrace === true) this.enableTrace();

    const t = this.transport;
    t.setNoDelay?.(true); // one write per flight; Nagle would hold the second (performance.md §4.1 rule 8)
    t.on('data', (chunk: Buffer) => this.onTransportData(chunk));
    t.on('end', () => this.onTransportEnd());
    t.on('error', (err: Error) => this.onTransportError(err));
    t.on('close', () => this.onTransportClose());
    t.on('timeout', () => this.emit('timeout'));
    t.on('connect', () => this.emit('connect'));

    const timeout = options.handshakeTimeout ?? (this.isServer ? DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS : 0);
    if (timeout > 0) {
      this.handshakeTimer = setTimeout(() => this.onHandshakeTimeout(), timeout);
      this.handshakeTimer.unref();
    }
    // As node:tls, a client sends its ClientHello when _start() is called (connect() does) or at
    // its first write (also an empty one), not before: until then setServername() and setSession() apply.
    if (options.signal) abortWith(options.signal, this);
  }

  /**
   * Client: starts the handshake, as node:tls's `_start()` (which connect() calls, and libraries
   * that make a TLSSocket by hand call too); once the transport is connected if it is still connecting.
   */
  _start(): void {
    if (this.isServer || this.started) return;
    const t = this.transport;
    // A socket we made, or a net.Socket given before its connect() (no handle yet), is not connected.
    if (t.connecting === true || (t instanceof NetSocket && t.pending && !t.destroyed)) {
      if (!this.startOnConnect) {
        this.startOnConnect = true;
        t.once('connect', () => this.start());
      }
      return;
    }
    this.start(true);
  }

  /**
   * As node:tls's TLSSocket, a net.Socket: opens the TCP connection of a TLSSocket made without a
   * socket (`new TLSSocket(null, options).connect(port[, host][, listener])`, or with net.Socket's
   * options object or a path); `listener` runs on 'connect'. As there, the handshake starts at
   * the first write (or _start()).
   */
  connect(...args: unknown[]): this {
    const t = this.transport;
    if (!(t instanceof NetSocket)) throw codedError('connect() needs a TLSSocket made over no socket or a net.Socket', 'ERR_INVALID_STATE');
    const listener = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    if (listener) this.once('connect', listener);
    (t.connect as (...a: unknown[]) => NetSocket)(...args);
    const target = args[0];
    this.connectTarget = typeof target === 'object' && target !== null ? (target as TLSSocket['connectTarget']) : typeof target === 'string' && !/^\d+$/.test(target) ? { path: target } : { port: Number(target), host: typeof args[1] === 'string' ? args[1] : undefined };
    return this;
  }

  /**
   * node:tls's native handle as libraries use it: `verifyError()` (mysql2 and others check it after
   * 'secure') is why the peer's certificate did not verify, an Error with OpenSSL's code and words,
   * or null; `fd` is the TCP socket's file descriptor (-1 when there is none). Null once the socket
   * has closed, or _destroySSL() has run, as node:tls's.
   */
  ssl: TlsHandle | null = tlsHandle(this);

  /**
   * As node:tls's `_destroySSL()`: frees the TLS state now; no more bytes are read or written
   * through it, and writes still waiting are cancelled (ECANCELED). destroy() the socket after.
   */
  _destroySSL(): void {
    if (this.ssl === null) return;
    this.ssl = null;
    this.failed = true;
    this.clearHandshakeTimer();
    this.cancelWrites();
  }

  /** Records are sealed into arrays we hand to the transport. Over a net.Socket they are recycled
   * after their write completes (see output-pool.ts for why that is safe and worth it); over any
   * other Duplex each is fresh (zero-filled) and handed off for good. The core fills every byte. */
  private setOutput(): void {
    this.conn.allocateOutput =
      this.socket instanceof NetSocket ? (length) => outputPool.allocate(length) : (length) => Buffer.alloc(length);
  }

  /** Client: sends the ClientHello. */
  private start(sync = false): void {
    if (this.started || this.destroyed || this.failed) return;
    this.started = true;
    try {
      (this.conn as ClientConnection).start();
    } catch (err) {
      if (sync) process.nextTick(() => this.fail(err)); // after the caller could attach 'error' listeners
      else this.fail(err);
      return;
    }
    this.flush();
  }

  /** A server's configuration, with node:tls's pskCallback bound to this socket. */
  private serverConfig(options: TLSSocketOptions): ResolvedServerConfig {
    const base = options.resolvedConfig ?? resolveServerConfig(withAutoChain(withPfx(withDefaults(options))), true);
    const callback = options.pskCallback as NodePskServerCallback | undefined;
    return callback ? withPskLookup(base, (identity) => callback(this, identity)) : base;
  }

  /** Client, before the handshake starts: builds the connection again with `changes` to its options. */
  private restart(method: string, changes: Partial<TLSSocketOptions>): void {
    if (this.isServer || this.clientOptions === undefined) {
      if (method === 'setServername') throw codedError('Cannot issue SNI from a TLS server-side socket', 'ERR_TLS_SNI_FROM_SERVER'); // node:tls's words
      throw codedError(`${method} is for client sockets`, 'ERR_INVALID_STATE');
    }
    if (this.started) throw codedError(`${method} must be called before the handshake starts`, 'ERR_INVALID_STATE');
    this.clientOptions = Object.assign({}, this.clientOptions, changes);
    this.useConnection(new ClientConnection(this.clientOptions as ClientOptions));
  }

  /** Replaces the connection before its handshake started, keeping what was set on this socket. */
  private useConnection(conn: Connection): void {
    this.conn = conn;
    this.setOutput();
    if (this.maxSendFragment !== undefined) this.conn.maxSendFragment = this.maxSendFragment;
    if (this.trace) this.trace.attach(this.conn, this.isServer ? 'server' : 'client');
  }

  /**
   * Server with its own SNICallback: holds the bytes until the ClientHello is complete, asks the
   * callback (as node:tls, only when the client names a server) and starts the handshake with the
   * context it chose (see sniChoice). The callback's error, or a context that is no context,
   * destroys the socket with that error (no alert).
   */
  private holdForSni(chunk: Uint8Array): void {
    const wait = this.sniWait!;
    wait.bytes = Buffer.concat([wait.bytes, chunk]); // a copy: `chunk` may be reused once we return
    if (wait.asked) return;
    const peeked = peekClientHello(wait.bytes);
    if (peeked === undefined) return;
    if (peeked.servername === undefined) return this.releaseHeld();
    wait.asked = true;
    this.peekedServername = peeked.servername;
    this.transport.pause(); // until the callback answers
    let answered = false;
    const answer = (err: Error | null | undefined, context?: unknown): void => {
      if (answered || this.destroyed || this.failed) return;
      answered = true;
      const choice = err ?? sniChoice(context, wait.config);
      if (choice instanceof TlsError && choice.alert !== undefined) return this.failHandshake(choice);
      if (choice instanceof Error) return this.abort(choice);
      if (choice) this.useConnection(new ServerConnection(withIdentities(wait.config, choice)));
      if (!this.readPaused) this.transport.resume();
      this.releaseHeld();
    };
    try {
      wait.callback(peeked.servername, answer);
    } catch (err) {
      answer(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Hands the bytes held for the SNICallback to the connection. */
  private releaseHeld(): void {
    const bytes = this.sniWait!.bytes;
    this.sniWait = undefined;
    this.onTransportData(bytes);
  }

  /**
   * Fails the handshake for a reason found outside it (the SNI context has no certificate): the
   * error's alert is sent, then FIN, and the error reported as any handshake failure. @internal
   */
  failHandshake(error: TlsError): void {
    try {
      this.conn.abort(error);
    } catch (err) {
      this.fail(err);
    }
  }

  // ---- node:tls getters -------------------------------------------------------------------

  /** The sans-I/O connection underneath (for tracing and tests). */
  get connection(): Connection {
    return this.conn;
  }

  /** True once the peer's certificate verified (client: always checked; server: only with requestCert). */
  get authorized(): boolean {
    return this.secured && this.conn.authorized;
  }

  /** Why the peer's certificate did not verify, as node:tls: the error code string (e.g. 'DEPTH_ZERO_SELF_SIGNED_CERT'), else null. */
  get authorizationError(): string | null {
    const err = this.conn.authorizationError;
    if (err === undefined) return null;
    return (err as Partial<TlsError>).code ?? err.message;
  }

  /** The negotiated ALPN protocol, or false. */
  get alpnProtocol(): string | false {
    return this.conn.alpnProtocol;
  }

  /** Client: the SNI name requested; server: the SNI name received (false when none). */
  get servername(): string | false {
    return this.conn.serverName ?? this.peekedServername ?? false;
  }

  /** @internal Server: the SNI name of a ClientHello the server read ahead, for a connection that fails before the handshake reads it. */
  peekedServername: string | undefined;

  get remoteAddress(): string | undefined {
    return this.transport.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.transport.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.transport.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.transport.localAddress;
  }
  get localPort(): number | undefined {
    return this.transport.localPort;
  }
  /** True while the TCP connection is still being set up (as net.Socket). */
  get connecting(): boolean {
    return this.transport.connecting === true;
  }
  get bytesRead(): number {
    return this.transport.bytesRead ?? 0;
  }
  get bytesWritten(): number {
    return this.transport.bytesWritten ?? 0;
  }

  address(): AddressInfo | Record<string, never> | string {
    return this.transport.address?.() ?? {};
  }

  /** 'TLSv1.2' once negotiated, else null. */
  getProtocol(): string | null {
    return this.conn.protocol;
  }

  /**
   * `{ name, standardName, version }` as node:tls (OpenSSL name, IANA name, 'TLSv1.2'). Typed as
   * @types/node types node:tls's; like node:tls it is null before the handshake, which that type
   * leaves out: call it from 'secureConnect'/'secureConnection' on.
   */
  getCipher(): CipherNameAndProtocol {
    const c = this.conn.cipher;
    return (c ? { name: c.name, standardName: c.standardName, version: c.version } : null) as CipherNameAndProtocol;
  }

  /** The peer's certificate in node:tls's shape (issuerCertificate linked up to the root with `detailed`); `{}` when the peer sent none, as node:tls. */
  getPeerCertificate(detailed: true): DetailedPeerCertificate;
  getPeerCertificate(detailed?: false): PeerCertificate;
  getPeerCertificate(detailed?: boolean): PeerCertificate | DetailedPeerCertificate;
  getPeerCertificate(detailed = false): PeerCertificate | DetailedPeerCertificate {
    const chain = this.conn.peerCertificates;
    if (chain.length === 0) return {} as PeerCertificate;
    // With `detailed`, node:tls links issuerCertificate up to the trusted root: use the path the verifier built.
    return toPeerCertificate(detailed ? (this.conn.negotiated.verifiedChain ?? chain) : chain, detailed);
  }

  /** The peer's leaf certificate as an X509Certificate, or undefined. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const chain = this.conn.peerCertificates;
    if (chain.length === 0) return undefined;
    // As node:tls, each links to its issuer (`issuerCertificate`) along the chain the peer sent.
    const certs = chain.map((der) => new X509Certificate(der));
    certs.forEach((c, i) => {
      const issuer = certs[i + 1];
      if (issuer) Object.defineProperty(c, 'issuerCertificate', { value: issuer, enumerable: false });
    });
    return certs[0];
  }

  /** Our last Finished verify_data. */
  getFinished(): Buffer | undefined {
    const f = this.conn.finished;
    return f ? Buffer.from(f) : undefined;
  }

  /** The peer's last Finished verify_data. */
  getPeerFinished(): Buffer | undefined {
    const f = this.conn.peerFinished;
    return f ? Buffer.from(f) : undefined;
  }

  /** RFC 5705 keying material exporter. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    // node:tls's argument and state checks, in its order and words.
    if (typeof length !== 'number') throw argTypeError('length', 'number', length);
    if (!Number.isInteger(length) || length < 1 || length >= 2 ** 31) {
      throw Object.assign(new RangeError(`The value of "length" is out of range. It must be >= 1 && <= 2147483647. Received ${length}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    if (typeof label !== 'string') throw argTypeError('label', 'string', label);
    if (context !== undefined && !ArrayBuffer.isView(context)) throw argTypeError('context', BUFFER_TYPES, context);
    if (!this.secured) throw codedError('TLS socket connection must be securely established', 'ERR_TLS_INVALID_STATE');
    return Buffer.from(this.conn.exportKeyingMaterial(length, label, context));
  }

  /** The ephemeral key exchange parameters (client side); `{}` on a server, null when there were none. */
  getEphemeralKeyInfo(): EphemeralKeyInfo | null {
    if (this.isServer) return {};
    const info = this.conn.ephemeralKeyInfo;
    if (!info) return null;
    const name = info.name === undefined ? undefined : (OPENSSL_CURVE_NAMES[info.name] ?? info.name);
    if (info.size === undefined) return { type: info.type, name };
    return name === undefined ? { type: info.type, size: info.size } : { type: info.type, name, size: info.size };
  }

  /** Server: the signature algorithms both sides accept, OpenSSL-named as node:tls ('RSA-PSS+SHA256', 'ECDSA+SHA256'); [] on a client. */
  getSharedSigalgs(): string[] {
    return this.conn.negotiated.sharedSignatureSchemes.map(sigalgName);
  }

  /** TLS 1.3: updates our traffic keys now; with `requestPeer`, asks the peer to update too (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer = false): void {
    this.conn.keyUpdate(requestPeer);
    this.flush();
  }

  /** True when this connection resumed an earlier session (TLS 1.2 ID or ticket, TLS 1.3 PSK). */
  isSessionReused(): boolean {
    // As OpenSSL: a TLS 1.3 handshake on an external PSK counts as reused (the PSK is a session to it).
    const n = this.conn.negotiated;
    return n.resumed || (n.version === 'TLSv1.3' && n.pskIdentity !== undefined);
  }

  /** Renegotiation is always refused by the core; kept for node:tls compatibility. */
  disableRenegotiation(): void {}

  /**
   * As node:tls's enableTrace(): from now on each handshake message this socket sends or
   * receives is printed to stderr, decoded and annotated as `tlsglass connect --trace` shows it.
   */
  enableTrace(): void {
    if (this.trace) return;
    this.trace = new Timeline();
    this.trace.onMessage = (m) => process.stderr.write(`${renderMessage(m, { color: false }).join('\n')}\n\n`);
    this.trace.attach(this.conn, this.isServer ? 'server' : 'client');
  }

  /** Client: the SNI name to send; only before the handshake starts (in the tick of connect(), or while TCP connects). */
  setServername(name: string): void {
    if (typeof name !== 'string') throw argTypeError('name', 'string', name);
    this.restart('setServername', { servername: name });
  }

  /** Client: a session (from 'session' or getSession()) to resume; only before the handshake starts. */
  setSession(session: Uint8Array | string): void {
    const bytes = typeof session === 'string' ? Buffer.from(session, 'latin1') : session;
    this.restart('setSession', { session: bytes });
  }

  /**
   * Client, as node:tls: the latest session the 'session' event gave, or the one this connection
   * resumed; right after a full TLS 1.3 handshake (before a ticket came), one that cannot resume.
   * Undefined before the handshake ends.
   */
  getSession(): Buffer | undefined {
    if (this.lastSession) return Buffer.from(this.lastSession.session);
    const n = this.conn.negotiated;
    if (this.isServer || !this.secured || !n.suite13) return undefined;
    return Buffer.from(encodeClientSession(unresumableSession(n.suite13.id, n.serverName ?? '', n.alpn ?? '')));
  }

  /** Client: the session ticket of getSession() (TLS 1.2 RFC 5077 ticket, TLS 1.3 PSK identity), else undefined (as node:tls). */
  getTLSTicket(): Buffer | undefined {
    const session = this.lastSession ? decodeClientSession(this.lastSession.session) : undefined;
    return session && session.ticket.length > 0 ? Buffer.from(session.ticket) : undefined;
  }

  /** Our own certificate in getPeerCertificate()'s shape; `{}` when we presented none. */
  getCertificate(): PeerCertificate | Record<string, never> {
    return toPeerCertificate(this.conn.localCertificates, false);
  }

  /** Our own leaf certificate as an X509Certificate, or undefined. */
  getX509Certificate(): X509Certificate | undefined {
    const leaf = this.conn.localCertificates[0];
    return leaf ? new X509Certificate(leaf) : undefined;
  }

  /**
   * Largest plaintext per record we send (as node:tls: an integer 512..16384; false, and nothing
   * changes, outside that range). Applies to every record sent from now on.
   */
  setMaxSendFragment(size: number): boolean {
    if (typeof size !== 'number') throw argTypeError('size', 'number', size);
    if (!Number.isInteger(size) || size < -(2 ** 31) || size >= 2 ** 31) {
      throw Object.assign(new RangeError(`The value of "size" is out of range. It must be an integer >= -2147483648 && <= 2147483647. Received ${size}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    if (size < 512 || size > MAX_PLAINTEXT) return false;
    this.conn.maxSendFragment = this.maxSendFragment = size;
    return true;
  }

  /** As net.Socket: 'opening' while TCP connects, then 'open', 'readOnly', 'writeOnly' or 'closed'. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /** The idle timeout set by setTimeout() or connect()'s `timeout`, as net.Socket (undefined when none). */
  get timeout(): number | undefined {
    return (this.transport as { timeout?: number }).timeout;
  }

  /** As net.Socket (deprecated there): bytes written but not yet handed to the transport. */
  get bufferSize(): number {
    return this.writableLength;
  }

  /** As net.Socket: true until the transport is connected. */
  get pending(): boolean {
    return (this.transport as { pending?: boolean }).pending ?? this.connecting;
  }

  // ---- net.Socket passthroughs ------------------------------------------------------------

  setNoDelay(noDelay = true): this {
    this.transport.setNoDelay?.(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    this.transport.setKeepAlive?.(enable, initialDelay);
    return this;
  }

  /** Idle timeout of the transport; 'timeout' is re-emitted here, as net.Socket does. */
  setTimeout(ms: number, callback?: () => void): this {
    this.transport.setTimeout?.(ms);
    if (callback) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }

  ref(): this {
    this.transport.ref?.();
    return this;
  }

  unref(): this {
    this.transport.unref?.();
    return this;
  }

  /** end(), then destroy once everything is flushed (used by node:http). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // ---- Duplex implementation --------------------------------------------------------------

  override _read(): void {
    this.readPaused = false;
    this.transport.resume();
  }

  /** With `onread`, as net.Socket: pausing stops the deliveries to its callback. */
  override pause(): this {
    if (this.onread) this.onreadPaused = true;
    return super.pause();
  }

  /** With `onread`, as net.Socket: resuming delivers what is held, then reads on. */
  override resume(): this {
    super.resume();
    if (this.onread && this.onreadPaused) {
      this.onreadPaused = false;
      this.deliverOnread();
      if (!this.onreadPaused) this.transport.resume();
    }
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    if (!this.secured) {
      this.pendingWrites.push({ chunk, callback }); // node:tls also queues writes until the handshake completes
      this._start(); // as node:tls (OpenSSL's SSL_write), a client's first write starts its handshake
      return;
    }
    this.writeRecords(chunk, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: WriteCallback): void {
    if (!this.secured) {
      chunks.forEach((c, i) => this.pendingWrites.push({ chunk: c.chunk, callback: i === chunks.length - 1 ? callback : noop }));
      this._start();
      return;
    }
    this.writeRecords(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: WriteCallback): void {
    if (this.failed || this.released) return callback();
    if (!this.isServer && !this.started) {
      // A client that never started its handshake has nothing to close: FIN only, as node:tls.
      const t = this.transport;
      if (!t.writable) return callback();
      t.end(() => callback());
      return;
    }
    if (!this.secured) {
      this.pendingFinal = callback; // close_notify goes after the handshake and the queued writes
      return;
    }
    this.sendCloseNotify(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearHandshakeTimer();
    this.pendingFinal = undefined;
    if (!this.released) {
      this.released = true;
      this.transport.destroy();
    }
    callback(error);
    // As net.Socket, whose 'close' waits for its handle to close: after 'error' (and whatever
    // awaited the 'error'), with hadError; the writes still waiting are cancelled just before.
    setImmediate(() => {
      this.cancelWrites();
      if (this.closeEmitted) return;
      this.closeEmitted = true;
      this.emit('close', error != null);
      this.ssl = null;
    });
  }

  /**
   * Calls back the writes still waiting (for the handshake, or for the transport) with node:tls's
   * ECANCELED, as its handle cancels them when the TLS state is freed.
   */
  private cancelWrites(): void {
    const waiters = this.writeWaiters.splice(0);
    const pending = this.pendingWrites.splice(0);
    if (waiters.length === 0 && pending.length === 0) return;
    // Built only when someone waits: an Error captures a stack, and most sockets end with no waiter.
    const err = Object.assign(codedError('write ECANCELED Canceled because of SSL destruction', 'ECANCELED'), { errno: -125, syscall: 'write' });
    for (const w of waiters) w(err);
    for (const p of pending) p.callback(err);
  }

  // ---- transport → core -------------------------------------------------------------------

  /**
   * Bytes read from the transport. Also the `onread` callback of the client sockets connect()
   * opens (read-buffer.ts), hence public: the bytes may be overwritten once this returns, which
   * Connection.receive() allows. Returns false while the reader should pause (backpressure).
   * @internal
   */
  receiveFromTransport(chunk: Uint8Array): boolean {
    this.onTransportData(chunk);
    return !this.readPaused;
  }

  private onTransportData(chunk: Uint8Array): void {
    if (this.failed || this.destroyed) return;
    if (this.sniWait) return this.holdForSni(chunk);
    let failure: unknown;
    try {
      this.conn.receive(chunk);
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined) {
      this.handleEvents(); // deliver whatever preceded the failure (node:tls does too)
      this.fail(failure);
      return;
    }
    const events = this.conn.takeEvents();
    if (this.isServer) this.announceSessions(events);
    this.flush();
    this.handleEvents(events);
  }

  /**
   * Server: a new TLS 1.2 session goes to the server's 'newSession' listeners (node:tls), and our
   * output (the handshake's last flight) waits until they call back that it is stored.
   */
  private announceSessions(events: readonly ConnectionEvent[]): void {
    const server = this.server;
    if (!server || server.listenerCount('newSession') === 0) return;
    for (const event of events) {
      if (event.type !== 'new-session') continue;
      this.outputHeld++;
      let called = false;
      server.emit('newSession', Buffer.from(event.sessionId), Buffer.from(event.session), () => {
        if (called) return;
        called = true;
        if (--this.outputHeld > 0 || this.destroyed) return;
        this.flush();
        for (const action of this.afterHeld.splice(0)) action();
      });
    }
  }

  private handleEvents(events: readonly ConnectionEvent[] = this.conn.takeEvents()): void {
    for (const event of events) {
      if (this.destroyed) return;
      this.handleEvent(event);
    }
  }

  private handleEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'handshake-complete':
        this.onSecure();
        break;
      case 'application-data': {
        const d = event.data;
        if (this.onread) {
          this.onreadHeld.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
          this.deliverOnread();
          break;
        }
        if (!this.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength))) {
          this.readPaused = true;
          this.transport.pause();
        }
        break;
      }
      case 'peer-closed':
        this.peerClosed = true;
        this.endReadable();
        break;
      case 'warning-alert':
        this.emit('warningAlert', event.description); // not in node:tls, which hides warning alerts
        break;
      case 'keylog':
        this.onKeylog(event);
        break;
      case 'session':
        // As node:tls: a Buffer to pass back as the `session` option of a later connect().
        // Encoded only when someone listens (the event's payload is lazy).
        this.lastSession = event;
        if (!this.secured) this.sessionAfterSecure = true;
        else this.emitSession();
        break;
    }
  }

  private onSecure(): void {
    this.secured = true;
    this.clearHandshakeTimer();
    const queued = this.pendingWrites.splice(0);
    if (queued.length > 0) {
      const callbacks = queued.map((q) => q.callback);
      this.writeRecords(
        queued.map((q) => q.chunk),
        (err) => callbacks.forEach((cb) => cb(err)),
      );
    }
    const final = this.pendingFinal;
    this.pendingFinal = undefined;
    if (final) this.sendCloseNotify(final);
    // As node:tls: a client that set requestOCSP hears the stapled response, or null, before 'secureConnect'.
    if (this.clientOptions?.requestOCSP) {
      const response = this.conn.negotiated.ocspResponse;
      this.emit('OCSPResponse', response === undefined ? null : Buffer.from(response));
    }
    const offered = this.clientOptions?.session;
    if (!this.lastSession && offered && this.conn.negotiated.resumed) this.lastSession = { session: offered };
    // As node:tls, 'secure' on both sides; a client's 'secureConnect' comes first (node emits it from its own 'secure' listener).
    if (!this.isServer) this.emit('secureConnect');
    if (!this.destroyed) this.emit('secure');
    if (this.sessionAfterSecure && !this.destroyed) {
      this.sessionAfterSecure = false;
      this.emitSession();
    }
  }

  private emitSession(): void {
    if (this.lastSession && this.listenerCount('session') > 0) this.emit('session', Buffer.from(this.lastSession.session));
  }

  /** The line is formatted only when a sink or listener wants it (see lazyKeylogEvent). */
  private onKeylog(event: { readonly line: string }): void {
    envKeylogSink()?.(event.line);
    if (this.listenerCount('keylog') > 0) this.emit('keylog', Buffer.from(event.line + '\n', 'latin1'));
    if (this.server && this.server.listenerCount('keylog') > 0) {
      this.server.emit('keylog', Buffer.from(event.line + '\n', 'latin1'), this);
    }
  }

  private onTransportEnd(): void {
    if (this.failed || this.destroyed || this.peerClosed) return;
    if (!this.secured) {
      this.abort(this.disconnectedError());
      return;
    }
    this.truncated = true;
    if (this.rejectTruncation) {
      this.abort(new TlsError('the peer closed the connection without close_notify (truncation)', 'ERR_TLS_TRUNCATED', undefined));
      return;
    }
    this.endReadable();
  }

  /**
   * Ends the readable side. As a net.Socket (which calls read(0) when it starts reading), 'end' is
   * emitted even when nobody reads, once what was received before is consumed: without it a socket
   * nobody reads would never end, close, or let server.close() complete.
   */
  private endReadable(): void {
    if (this.onread) {
      if (this.onreadHeld.length > 0) return void (this.onreadEnding = true); // deliverOnread() ends it once they are delivered
      this.nextOnreadBuffer(); // as net.Socket: a buffer is asked for the read that finds the end too
    }
    this.push(null);
    if (this.readableLength === 0) this.read(0);
  }

  /**
   * `onread`: copies the held bytes into the caller's buffers, one callback per buffer filled,
   * until they are delivered or the socket is paused (pause(), or the callback returning false).
   */
  private deliverOnread(): void {
    const onread = this.onread!;
    while (!this.onreadPaused && !this.destroyed && this.onreadHeld.length > 0) {
      const buffer = this.nextOnreadBuffer();
      const data = this.onreadHeld[0]!;
      const n = Math.min(buffer.byteLength, data.length);
      buffer.set(data.subarray(0, n));
      if (n === data.length) this.onreadHeld.shift();
      else this.onreadHeld[0] = data.subarray(n);
      if (onread.callback.call(this, n, buffer) === false) this.onreadPaused = true;
    }
    if (this.onreadPaused) {
      this.transport.pause();
      return;
    }
    if (this.onreadEnding && this.onreadHeld.length === 0) {
      this.onreadEnding = false;
      this.endReadable();
    }
  }

  private nextOnreadBuffer(): Uint8Array {
    const b = this.onread!.buffer;
    return typeof b === 'function' ? b() : b;
  }

  private onTransportError(err: Error): void {
    if (this.failed || this.destroyed) return;
    // Once we are closing (end() called, or the peer's close_notify received), a reset or EPIPE
    // from a peer that hung up first loses nothing: close quietly instead of raising an 'error'
    // that an application without a listener would die of (security.md R1/R2).
    if (this.writableEnded || this.peerClosed) {
      this.destroy();
      return;
    }
    this.abort(err);
  }

  private onTransportClose(): void {
    this.released = true;
    if (this.destroyed || this.failed) return;
    if (!this.secured) {
      this.abort(this.disconnectedError());
      return;
    }
    this.destroy();
  }

  /** node:tls's ECONNRESET for a transport gone before the handshake completed (its server and client words differ). */
  private disconnectedError(): Error {
    if (this.isServer) return codedError('socket hang up', 'ECONNRESET');
    // As node:tls, the client's error says where it was connecting to.
    const { host, port, path, localAddress } = this.connectTarget ?? {};
    return Object.assign(codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'), { path, host, port, localAddress });
  }

  /**
   * As node:tls, a TLSSocket's errors also go to its own listener, which re-emits them as
   * '_tlsError': one made by hand (`new TLSSocket(…)`) keeps it, so an error it meets does not
   * throw for want of a listener; connect() removes it at once (from then on an unheard 'error'
   * throws), a Server at 'secure' (releaseControl).
   */
  private readonly tlsErrorListener = (err: Error): void => {
    this.emit('_tlsError', err);
  };

  /** @internal node:tls's _releaseControl(): see tlsErrorListener. */
  releaseControl(): void {
    this.removeListener('error', this.tlsErrorListener);
  }

  /** The Server that accepted this socket: its handshake failures go to that server's 'tlsClientError'. @internal */
  acceptedBy: NetServer | undefined;

  /** Where connect() was asked to connect (for node:tls's ECONNRESET error). @internal */
  connectTarget: { host?: string; port?: number; path?: string; localAddress?: string } | undefined;

  /** The transport has completed every write we gave it: the application's writes are done. */
  private onTransportWritten(): void {
    const waiters = this.writeWaiters.splice(0);
    for (const w of waiters) w();
  }

  private onHandshakeTimeout(): void {
    this.handshakeTimer = undefined;
    if (this.secured || this.failed || this.destroyed) return;
    this.abort(new TlsError('TLS handshake timeout', 'ERR_TLS_HANDSHAKE_TIMEOUT', undefined));
  }

  // ---- core → transport -------------------------------------------------------------------

  /**
   * Encrypts application data; calls back once the transport has completed the write (for a
   * net.Socket: the bytes are in the kernel), as net.Socket's own write callback does, so write()
   * returns false and 'drain' follows while records are in flight. The core cuts full records from
   * the chunks' concatenation (small queued writes share records without a concat) and seals them
   * into arrays of four: one transport write per 64 KiB.
   */
  private writeRecords(chunks: Buffer | Buffer[], callback: WriteCallback): void {
    if (this.failed || this.released || !this.transport.writable) {
      callback(codedError('This socket has been ended by the other party', 'EPIPE'));
      return;
    }
    try {
      this.conn.write(chunks);
    } catch (err) {
      this.fail(err);
      callback(toTlsError(err));
      return;
    }
    this.flush();
    // Waiting for the transport's callback rather than for !writableNeedDrain matters: a net.Socket
    // whose kernel buffer takes a write at once reports no backpressure, and an application would
    // then seal and write megabytes in one synchronous burst, before any output array could be
    // recycled (output-pool.ts) and without yielding to other connections.
    if (this.transportWrites > 0) this.writeWaiters.push(callback);
    else callback();
  }

  /** Sends close_notify, then FIN; calls back once the transport has flushed both. */
  private sendCloseNotify(callback: WriteCallback): void {
    if (this.outputHeld > 0) return void this.afterHeld.push(() => this.sendCloseNotify(callback));
    try {
      this.conn.close();
    } catch {
      // Already closed or failed: there is nothing more to send.
    }
    this.flush();
    const t = this.transport;
    if (this.released || !t.writable) return callback();
    t.end(() => callback());
  }

  /**
   * Writes everything the core has queued: usually one array (the records of one 64 KiB write or
   * one flight), else one corked batch (writev): one socket write per flush. The core keeps no
   * reference to the arrays, so the transport may hold them as long as its write is pending.
   */
  private flush(): void {
    if (this.outputHeld > 0) return;
    const chunks = this.conn.takeOutgoingChunks();
    if (chunks.length === 0) return;
    const t = this.transport;
    if (this.released || !t.writable) return; // the transport is gone: nothing can reach the peer
    if (chunks.length === 1) {
      this.writeChunk(chunks[0]!);
      return;
    }
    // A handshake flight comes in a few small arrays (plaintext, CCS, encrypted). One joined write
    // costs less than cork() and a writev of each: net.Socket's corked path is about 2.5× a plain
    // write in the server's profile (issue 7). Bulk arrays are written as they are, uncopied.
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total <= JOIN_LIMIT) {
      const joined = Buffer.alloc(total);
      let at = 0;
      for (const c of chunks) {
        joined.set(c, at);
        at += c.length;
        if (outputPool.owns(c)) outputPool.release(c); // copied and never written: free now
      }
      this.writeChunk(joined);
      return;
    }
    t.cork();
    for (const c of chunks) this.writeChunk(c);
    t.uncork();
  }

  /**
   * One transport write. Its callback returns a pooled array to the pool (output-pool.ts: only now
   * is the array free) and, once no write of ours is pending, calls back the application's writes.
   * A failed write does not: the transport's 'error' decides (onTransportError), and destroy calls
   * the waiting callbacks.
   */
  private writeChunk(chunk: Uint8Array): void {
    const pooled = outputPool.owns(chunk);
    this.transportWrites++;
    this.transport.write(chunk, (err?: Error | null) => {
      if (pooled) outputPool.release(chunk);
      if (--this.transportWrites === 0 && !err) this.onTransportWritten();
    });
  }

  // ---- failure ----------------------------------------------------------------------------

  /** A fatal error from the core: send its alert, then FIN, then report. */
  private fail(cause: unknown): void {
    if (this.failed) return;
    const err = toTlsError(cause);
    this.failed = true;
    this.flush(); // the alert the core queued
    this.releaseGracefully();
    this.report(err);
  }

  /** A transport-level failure (reset, FIN during the handshake, timeout): nothing is sent. */
  private abort(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.report(err);
  }

  /**
   * node:tls routing: a socket a Server accepted that has not finished its handshake reports to
   * that server's 'tlsClientError' and is destroyed quietly; everything else (also a socket made
   * with `new TLSSocket(socket, { isServer: true, server })`) is an 'error' on the socket.
   */
  private report(err: Error): void {
    asNodeError(err);
    if (!this.secured && this.acceptedBy) {
      this.acceptedBy.emit('tlsClientError', err, this);
      this.destroy();
    } else {
      this.destroy(err);
    }
  }

  /** Ends the transport after queued bytes (the alert) are flushed, then destroys it; bounded by a timer. */
  private releaseGracefully(): void {
    if (this.released) return;
    this.released = true;
    const t = this.transport;
    if (!t.writable) {
      t.destroy();
      return;
    }
    const timer = setTimeout(() => t.destroy(), ALERT_FLUSH_TIMEOUT_MS);
    timer.unref();
    t.once('close', () => clearTimeout(timer));
    t.end(() => t.destroy());
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== undefined) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
    }
  }
}

/** The part of node:tls's native handle (`socket.ssl`) that libraries use. */
export interface TlsHandle {
  verifyError(): (Error & { code: string }) | null;
  readonly fd: number;
}

function tlsHandle(socket: TLSSocket): TlsHandle {
  return {
    verifyError: () => {
      const err = socket.connection.authorizationError;
      return err === undefined ? null : verifyErrorOf(err);
    },
    get fd(): number {
      return (socket.socket as { _handle?: { fd?: number } | null })._handle?.fd ?? -1;
    },
  };
}

/** node:tls reports curves with OpenSSL names. */
const OPENSSL_CURVE_NAMES: Record<string, string> = {
  'P-256': 'prime256v1',
  secp256r1: 'prime256v1',
  'P-384': 'secp384r1',
  x25519: 'X25519',
};

function codedError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** As net.connect's `signal`: an abort (now or later) destroys the socket with node's AbortError. */
function abortWith(signal: AbortSignal, socket: TLSSocket): void {
  const abort = (): void => {
    socket.destroy(Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' }));
  };
  if (signal.aborted) {
    process.nextTick(abort);
    return;
  }
  signal.addEventListener('abort', abort, { once: true });
  socket.once('close', () => signal.removeEventListener('abort', abort));
}

function noop(): void {}

/** node:tls's SNICallback: calls back with the context for `servername`, or none for the server's own. */
type SNICallback = (servername: string, callback: (err: Error | null, context?: SecureContext | null) => void) => void;

/** The `onread` option, checked as net.Socket checks it. */
function checkedOnread(onread: OnReadOptions): OnReadOptions {
  const { buffer, callback } = onread;
  if (typeof buffer !== 'function' && !(buffer instanceof Uint8Array)) throw argTypeError('options.onread.buffer', 'an instance of Uint8Array or function', buffer, 'property');
  if (typeof callback !== 'function') throw argTypeError('options.onread.callback', 'function', callback, 'property');
  return { buffer, callback };
}

/** As node:tls: an SNICallback that is not a function is refused when the server or socket is made. */
export function validateSNICallback(callback: unknown): void {
  if (callback !== undefined && typeof callback !== 'function') {
    throw argTypeError('options.SNICallback', 'function', callback, 'property');
  }
}

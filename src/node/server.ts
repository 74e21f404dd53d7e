/**
 * createServer(): node:tls's Server, a net.Server that wraps every accepted socket in a server-side
 * TLSSocket and emits 'secureConnection' once its handshake completes. A failing connection is
 * isolated (security.md R2): handshake errors, resets and timeouts go to 'tlsClientError'
 * (err, tlsSocket) and the socket is destroyed; nothing reaches the listener or other connections.
 * Other objects (e.g. node:http) can push their own transports through server.emit('connection', s).
 *
 * SNI (node:tls's SNICallback and addContext) and OCSP stapling ('OCSPRequest'): when either is in
 * use, the ClientHello is read ahead (sni.ts), the callback chooses a SecureContext for its
 * server_name, the 'OCSPRequest' listener a response to staple, and only then is the TLSSocket
 * made, with that context's certificates and that response. The core stays synchronous.
 *
 * External session cache (node:tls's 'newSession' and 'resumeSession', TLS 1.2 session IDs, for
 * servers that share sessions): a full handshake that issued no ticket emits 'newSession'(id, data,
 * done) and holds the server's last flight until `done()`, so the session is stored before the
 * client can offer it elsewhere. A ClientHello offering a session ID (and no ticket) is read ahead
 * the same way as for SNI and 'resumeSession'(id, callback) asked; the data it returns is put in
 * this server's session store, where the core finds it.
 */
import { constants as cryptoConstants, X509Certificate } from 'node:crypto';
import { captureRejectionSymbol } from 'node:events';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createSecureContext,
  isSecureContext,
  resolveServerConfig,
  withIdentities,
  withOcspResponse,
  type CommonOptions,
  type ResolvedServerConfig,
  type SecureContext,
  type ServerOptions as CoreServerOptions,
} from '../config.js';
import { TlsError } from '../errors.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { ServerSessionStore, TICKET_KEYS_LENGTH } from '../session/server-store.js';
import { withDefaults } from './defaults.js';
import { withAutoChain } from './auto-chain.js';
import { withPfx } from './pfx.js';
import { asNodeError } from './node-errors.js';
import { argValueError, bytesOf, checkedSecureOptions, validateBuffer } from './validate.js';
import { ownTransport, TLSSocket, validateSNICallback, type NodePskServerCallback, type TLSSocketOptions } from './tls-socket.js';
import { peekClientHello, serverNamePattern, sniChoice, type PeekedHello } from './sni.js';
import { trustAnchors } from '../identities.js';

/** Options of createServer(): the core's server options plus node:tls/net.Server ones. */
export interface TlsServerOptions extends CoreServerOptions {
  /** Abort handshakes not finished within this many ms (default 120000, as node:tls; 0 disables). */
  handshakeTimeout?: number;
  /** As net.Server: keep our writable side open after the peer's close_notify. */
  allowHalfOpen?: boolean;
  /** As net.Server: accepted sockets start paused (their handshakes still run); resume() them to read. */
  pauseOnConnect?: boolean;
  /** See TLSSocketOptions.rejectTruncation. */
  rejectTruncation?: boolean;
  /**
   * Chooses the certificate by the client's server_name (node:tls): called, possibly answering
   * later, for every ClientHello that names a server, before the certificate is chosen. The
   * context's certificates and keys replace the server's own for that connection (the other
   * options stay the server's); `undefined` keeps the server's. With it, `cert` and `key` are optional.
   * Without it, names given to addContext() are looked up.
   */
  SNICallback?: (servername: string, callback: (err: Error | null, context?: SecureContext) => void) => void;
  /** node:tls's OpenSSL option bits; only SSL_OP_NO_TICKET is honoured: TLS 1.2 sessions then resume by ID only. */
  secureOptions?: number;
  /**
   * External PSKs (node:tls): the key for the client's identity, or null when unknown. With it,
   * `cert` and `key` are optional, and the TLS 1.2 PSK suites named in `ciphers` are enabled.
   */
  pskCallback?: NodePskServerCallback;
}

/** A TLS server, mirroring node:tls's Server. */
export class Server extends NetServer {
  /** As net.Server's (set from the option): accepted sockets start paused. */
  declare readonly pauseOnConnect: boolean;
  private tlsOptions: TlsServerOptions;
  /** Keys and certificates parsed once, and the session store all connections share. */
  private resolved: ResolvedServerConfig;
  private readonly sessions: ServerSessionStore;
  /** addContext() entries, as node:tls's `_contexts`: the last added that matches wins. */
  private readonly contexts: [RegExp, SecureContext][] = [];
  /** The server's configuration with each SNI context's certificates, made once per context. */
  private sniConfigs = new WeakMap<SecureContext, ResolvedServerConfig>();

  constructor(options: TlsServerOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void) {
    validateSNICallback(options.SNICallback);
    options = withDefaults(checkedSecureOptions(options));
    // net.Server's own options, as node:tls; each accepted transport is then made half-open (onConnection).
    super({ allowHalfOpen: options.allowHalfOpen === true, pauseOnConnect: options.pauseOnConnect === true });
    this.sessions =
      options.sessionStore ??
      new ServerSessionStore(options.provider ?? nodeCryptoProvider, {
        ...(options.ticketKeys !== undefined ? { ticketKeys: validTicketKeys(options.ticketKeys) } : {}),
        ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
        tickets: ((options.secureOptions ?? 0) & cryptoConstants.SSL_OP_NO_TICKET) === 0,
      });
    // As node:tls, a server without a certificate is made; each handshake then fails (tlsClientError).
    this.resolved = resolveNodeServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
    this.on('connection', (socket: Socket | Duplex) => this.onConnection(socket));
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
  }

  /**
   * With captureRejections (node:events), a rejected async 'secureConnection' listener destroys that
   * socket with the error, as node:tls; other events' rejections go where net.Server sends them.
   */
  override [captureRejectionSymbol](err: Error, event: string | symbol, ...args: unknown[]): void {
    if (event === 'secureConnection') (args[0] as TLSSocket).destroy(err);
    else (NetServer.prototype as unknown as Record<symbol, (...a: unknown[]) => void>)[captureRejectionSymbol]!.call(this, err, event, ...args);
  }

  /** Replaces the options used for new connections (node:tls setSecureContext). */
  setSecureContext(options: TlsServerOptions): void {
    options = withDefaults(checkedSecureOptions(options));
    this.resolved = resolveNodeServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
    this.sniConfigs = new WeakMap();
  }

  /**
   * Serves `context` (from createSecureContext(), or its options) to clients whose server_name
   * matches `hostname`, in which `*` stands for one label or part of one (`*.example.com`), as
   * node:tls. Consulted when there is no SNICallback; the last added match wins.
   */
  addContext(hostname: string, context: SecureContext | CommonOptions): void {
    if (!hostname) throw Object.assign(new TypeError('"servername" is required parameter for Server.addContext'), { code: 'ERR_TLS_REQUIRED_SERVER_NAME' });
    this.contexts.push([serverNamePattern(hostname), isSecureContext(context) ? context : createSecureContext(withPfx(context))]);
  }

  /** The 48-byte key that seals session tickets (node:tls getTicketKeys). */
  getTicketKeys(): Buffer {
    return Buffer.from(this.sessions.getTicketKeys());
  }

  /** Replaces the ticket keys for new connections; tickets sealed under the old ones no longer resume (node:tls setTicketKeys). */
  setTicketKeys(keys: ArrayBufferView): void {
    validateBuffer(keys, 'buffer');
    if (keys.byteLength !== TICKET_KEYS_LENGTH) throw new RangeError(`Session ticket keys must be a ${TICKET_KEYS_LENGTH}-byte buffer`);
    this.sessions.setTicketKeys(bytesOf(keys));
  }

  /**
   * node's cluster module, when a worker listens, sends the primary this and gives every worker the
   * first worker's: so all workers share ticket keys and resume each other's sessions, as node:tls.
   * @internal
   */
  _getServerData(): { ticketKeys: string } {
    return { ticketKeys: this.getTicketKeys().toString('hex') };
  }

  /** @internal See _getServerData. */
  _setServerData(data: { ticketKeys: string }): void {
    this.setTicketKeys(Buffer.from(data.ticketKeys, 'hex'));
  }

  private onConnection(socket: Socket | Duplex): void {
    // The TLSSocket decides when to send FIN (after close_notify), and reads the handshake even
    // when the server's sockets start paused (pauseOnConnect pauses the TLSSocket instead).
    socket.allowHalfOpen = true;
    if (this.pauseOnConnect) socket.resume();
    // The ClientHello is read ahead only when a callback needs it: SNI, 'resumeSession' or 'OCSPRequest'.
    const readAhead = this.tlsOptions.SNICallback !== undefined || this.contexts.length > 0 || this.listenerCount('resumeSession') > 0 || this.listenerCount('OCSPRequest') > 0;
    if (readAhead) this.readClientHello(socket);
    else this.startTls(socket, this.resolved, this.tlsOptions.handshakeTimeout);
  }

  private startTls(socket: Socket | Duplex, config: ResolvedServerConfig, handshakeTimeout: number | undefined): TLSSocket | undefined {
    const hint = this.tlsOptions.pskIdentityHint;
    if (this.tlsOptions.pskCallback && hint !== undefined && Buffer.byteLength(hint) > MAX_PSK_IDENTITY_HINT) {
      // As node:tls (OpenSSL's SSL_use_psk_identity_hint refuses it): each connection fails.
      socket.destroy();
      this.emit('tlsClientError', codedError('Failed to set PSK identity hint', 'ERR_TLS_PSK_SET_IDENTIY_HINT_FAILED'), undefined);
      return undefined;
    }
    let tls: TLSSocket;
    try {
      // Only what a server-side TLSSocket reads (the rest is in `resolved`); a literal rather than a
      // spread of every option, which V8 copies slowly, once per connection (issue 7).
      const o = this.tlsOptions;
      tls = new TLSSocket(socket, {
        resolvedConfig: config,
        isServer: true,
        server: this,
        handshakeTimeout,
        allowHalfOpen: o.allowHalfOpen,
        [ownTransport]: true,
        pauseOnConnect: this.pauseOnConnect,
        rejectTruncation: o.rejectTruncation,
        pskCallback: o.pskCallback,
      } as TLSSocketOptions);
    } catch (err) {
      // Options are validated up front, so this is a bug; it still only costs this connection.
      socket.destroy();
      this.emit('tlsClientError', err, undefined);
      return undefined;
    }
    tls.acceptedBy = this;
    tls.on('secure', () => {
      // As node:tls, whose Server keeps its tlsClientError forwarder on the socket: an error after
      // the handshake goes to the application's listeners, and without one it does not throw.
      tls.releaseControl();
      tls.on('error', ignore);
      this.emit('secureConnection', tls);
    });
    return tls;
  }

  /**
   * Reads the ClientHello ahead, asks 'resumeSession' for the session it offers, then the
   * SNICallback (or the addContext() names) for a context, then, when the client asks for OCSP
   * stapling, the 'OCSPRequest' listener for a response to staple; then hands the bytes back to
   * the transport and starts the TLSSocket with that context and response. The handshake timeout
   * covers the waits. A failure here (a callback's error, a context that is not ours, the client
   * gone, the timeout) goes to 'tlsClientError' like any handshake failure.
   */
  private readClientHello(socket: Socket | Duplex): void {
    const timeout = this.tlsOptions.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const deadline = Date.now() + timeout;
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;
    let servername: string | undefined;
    const timer = timeout > 0 ? setTimeout(() => finish(new TlsError('TLS handshake timeout', 'ERR_TLS_HANDSHAKE_TIMEOUT', undefined)), timeout) : undefined;
    timer?.unref();
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const peeked = peekClientHello(buffered);
      if (peeked === undefined) return;
      servername = peeked.servername;
      socket.removeListener('data', onData);
      socket.pause(); // until the TLSSocket takes over; the bytes read so far go back in front
      socket.unshift(buffered);
      const withContext = (err: Error | null | undefined, context?: unknown): void => {
        if (settled) return;
        const choice = err ?? sniChoice(context, this.resolved);
        if (choice instanceof Error) return finish(choice);
        const config = choice === undefined ? this.resolved : this.configFor(choice);
        if (!peeked.statusRequest || this.listenerCount('OCSPRequest') === 0) return finish(null, config);
        this.requestOcsp(config, (ocspErr, response) => finish(ocspErr, response === undefined ? config : withOcspResponse(config, response)));
      };
      this.loadSession(peeked, (err) => {
        if (err) return finish(err);
        if (peeked.servername === undefined || (this.tlsOptions.SNICallback === undefined && this.contexts.length === 0)) return withContext(null, undefined);
        this.chooseContext(peeked.servername, withContext);
      });
    };
    const onGone = (err?: Error): void => finish(err instanceof Error ? err : codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'));
    const finish = (err: Error | null | undefined, config?: ResolvedServerConfig): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onGone);
      socket.removeListener('close', onGone);
      socket.removeListener('error', onGone);
      const failure = err ?? (socket.destroyed ? codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET') : undefined);
      const tls = this.startTls(socket, failure ? this.resolved : (config ?? this.resolved), failure ? 0 : timeout === 0 ? 0 : Math.max(1, deadline - Date.now()));
      if (!tls) return;
      if (failure) {
        tls.peekedServername = servername;
        // A context without a certificate fails with an alert (sniChoice); otherwise, as
        // node:tls, no alert: the connection is dropped, the listener sees it destroyed, with the SNI name.
        if (failure instanceof TlsError && failure.alert !== undefined) return tls.failHandshake(failure);
        tls.destroy();
        this.emit('tlsClientError', failure, tls);
      } else {
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  /** Asks 'resumeSession' for the session the ClientHello offers by ID and adopts what it gives. */
  private loadSession(hello: PeekedHello, done: (err?: Error) => void): void {
    const id = hello.sessionId;
    if (id === undefined || this.listenerCount('resumeSession') === 0) return done();
    let called = false;
    const callback = (err?: Error | null, sessionData?: Uint8Array | null): void => {
      if (called) return;
      called = true;
      if (err) return done(err);
      if (sessionData) this.sessions.adopt(id, sessionData); // not a session: a full handshake, as node:tls
      done();
    };
    try {
      this.emit('resumeSession', Buffer.from(id), callback);
    } catch (err) {
      callback(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * node:tls's 'OCSPRequest'(certificate, issuer, callback): the certificate the connection will
   * present (DER) and its issuer (DER, from the chain or `ca`; null when neither has it); the
   * listener answers, possibly later, with a DER OCSP response to staple, or nothing.
   */
  private requestOcsp(config: ResolvedServerConfig, done: (err: Error | null | undefined, response?: Uint8Array) => void): void {
    const chain = config.identities[0]?.chain;
    if (!chain || chain.length === 0) return done(null); // no certificate: the core fails the handshake
    const callback = (err?: Error | null, response?: Uint8Array | null): void => {
      if (err) return done(err);
      if (response != null && !(response instanceof Uint8Array)) {
        return done(Object.assign(new TypeError('The "response" argument must be an instance of Buffer, TypedArray, or DataView.'), { code: 'ERR_INVALID_ARG_TYPE' }));
      }
      done(null, response && response.length > 0 ? response : undefined);
    };
    try {
      this.emit('OCSPRequest', Buffer.from(chain[0]!), issuerOf(chain, this.tlsOptions.ca), callback);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The SNICallback's answer, or node:tls's default: the last addContext() name that matches. */
  private chooseContext(servername: string, done: (err: Error | null | undefined, context?: unknown) => void): void {
    const callback = this.tlsOptions.SNICallback;
    if (callback === undefined) {
      for (let i = this.contexts.length - 1; i >= 0; i--) {
        const [pattern, context] = this.contexts[i]!;
        if (pattern.test(servername)) return done(null, context);
      }
      return done(null, undefined);
    }
    try {
      callback(servername, (err, context) => done(err, context));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private configFor(context: SecureContext): ResolvedServerConfig {
    let config = this.sniConfigs.get(context);
    if (!config) this.sniConfigs.set(context, (config = withIdentities(this.resolved, context)));
    return config;
  }
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;
/** OpenSSL 3's PSK_MAX_IDENTITY_LEN, the longest identity hint node:tls can set. */
const MAX_PSK_IDENTITY_HINT = 256;

/** The certificate that issued the leaf of `chain`, from the rest of the chain or the trust anchors (as OpenSSL's SSL_CTX_get0_chain/store lookup). */
function issuerOf(chain: readonly Uint8Array[], ca: CommonOptions['ca']): Buffer | null {
  const leaf = new X509Certificate(chain[0]!);
  for (const der of [...chain.slice(1), ...(trustAnchors(ca) ?? [])]) {
    if (leaf.checkIssued(new X509Certificate(der))) return Buffer.from(der);
  }
  return null;
}

/** The server's configuration, a certificate optional; errors in node:tls's words. */
function resolveNodeServerConfig(options: CoreServerOptions): ResolvedServerConfig {
  try {
    return resolveServerConfig(withAutoChain(withPfx(options)), true);
  } catch (err) {
    throw asNodeError(err as Error);
  }
}

function ignore(): void {}

function codedError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** Server, also callable without `new` as node:tls's (`Server(options, listener)`); `instanceof` and `extends` work as on the class. */
export const CallableServer = new Proxy(Server, {
  apply: (target, _this, args: ConstructorParameters<typeof Server>) => new target(...args),
}) as typeof Server & ((...args: ConstructorParameters<typeof Server>) => Server);

/** Creates a TLS server; `secureConnectionListener` runs on 'secureConnection'. */
export function createServer(
  options: TlsServerOptions = {},
  secureConnectionListener?: (socket: TLSSocket) => void,
): Server {
  return new Server(options, secureConnectionListener);
}

/** node:tls's checks of the ticketKeys option. */
function validTicketKeys(keys: unknown): Uint8Array {
  validateBuffer(keys, 'options.ticketKeys', 'property');
  if (keys.byteLength !== TICKET_KEYS_LENGTH) throw argValueError('options.ticketKeys', `must be exactly ${TICKET_KEYS_LENGTH} bytes`, keys.byteLength);
  return bytesOf(keys);
}
